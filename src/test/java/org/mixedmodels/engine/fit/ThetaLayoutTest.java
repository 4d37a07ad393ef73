package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.linalg.SmallMatrices;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Theta's bookkeeping alone ({@link ThetaLayout}): for every kind of random-effects block (scalar, vector,
 * uncorrelated terms of one factor, nested, crossed, a 3 x 3 term) theta packed into Lambda and read back is theta,
 * Lambda is the block-diagonal of the terms' factors, the bounds and start are lme4's, and the blocked storage of
 * {@link ProfiledDeviance} ({@link ReBlock}) and the residual-structure fit put every entry where the layout says.
 * Pure bookkeeping: exact equality.
 */
class ThetaLayoutTest {

    static Stream<Arguments> designs() {
        return Stream.of(
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (1 | Subject)"),
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)"),
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (Days || Subject)"),
                Arguments.of("data/pastes.csv", "strength ~ 1 + (1 | batch/cask)"),
                Arguments.of("data/penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)"),
                Arguments.of("data/orthodont.csv", "distance ~ age + (age + Sex | Subject)"),
                Arguments.of("data/orthodont.csv", "distance ~ age + (age | Subject) + (1 | Sex)"));
    }

    private static Design design(String data, String formula) {
        DataFrame d = ReferenceCase.data(data);
        return Design.build(FormulaParser.parse(formula), d, Map.of());
    }

    private static double[] randomTheta(int n, long seed) {
        Random random = new Random(seed);
        double[] theta = new double[n];
        for (int i = 0; i < n; i++) {
            theta[i] = random.nextGaussian();
        }
        return theta;
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void thetaEntriesReadLambdaBackIntoThetaOrder(String data, String formula) {
        ThetaLayout layout = ThetaLayout.of(design(data, formula).randomTerms());
        double[] theta = randomTheta(layout.size(), formula.hashCode() + 1);
        double[][] lambda = layout.lambda(theta);
        // a nonzero upper triangle must not be read: only Lambda's free positions are theta's
        for (int r = 0; r < lambda.length; r++) {
            for (int c = r + 1; c < lambda.length; c++) {
                lambda[r][c] = 99;
            }
        }
        double[] back = new double[layout.size()];
        layout.thetaEntries(lambda, 1, back);
        assertArrayEquals(theta, back, 0);
        double[] doubled = new double[layout.size()];
        layout.thetaEntries(lambda, 2, doubled);
        for (int i = 0; i < theta.length; i++) {
            assertEquals(2 * theta[i], doubled[i], 0);
        }
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void packUnpackRoundTrip(String data, String formula) {
        List<RandomEffectTerm> terms = design(data, formula).randomTerms();
        ThetaLayout layout = ThetaLayout.of(terms);
        assertEquals(terms.stream().mapToInt(RandomEffectTerm::thetaCount).sum(), layout.size());
        assertEquals(terms.stream().mapToInt(RandomEffectTerm::k).sum(), layout.columns());
        double[] theta = randomTheta(layout.size(), formula.hashCode());
        double[][] lambda = layout.lambda(theta);
        // read back term by term, column by column, the lower triangle: theta itself
        double[] back = new double[layout.size()];
        int col = 0;
        for (int t = 0; t < terms.size(); t++) {
            int k = terms.get(t).k();
            double[][] own = layout.termLambda(theta, t);
            for (int c = 0; c < k; c++) {
                for (int r = 0; r < k; r++) {
                    assertEquals(own[r][c], lambda[col + r][col + c], 0, "term block equals Lambda's block");
                    if (r >= c) {
                        back[layout.offset(t) + ThetaLayout.index(k, r, c)] = lambda[col + r][col + c];
                    } else {
                        assertEquals(0, own[r][c], 0, "upper triangle");
                    }
                }
            }
            // nothing outside the term's diagonal block
            for (int r = 0; r < layout.columns(); r++) {
                for (int c = col; c < col + k; c++) {
                    if (r < col || r >= col + k) {
                        assertEquals(0, lambda[r][c], 0, "block-diagonal");
                    }
                }
            }
            col += k;
        }
        assertArrayEquals(theta, back, 0);
        // the trailing parameters of a residual structure are not Lambda's
        double[] longer = java.util.Arrays.copyOf(theta, theta.length + 3);
        longer[theta.length] = 7;
        for (int r = 0; r < lambda.length; r++) {
            assertArrayEquals(lambda[r], layout.lambda(longer)[r], 0);
        }
    }

    /** ProfiledDeviance's blocks place every theta entry at the Lambda position the layout gives it. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void blockedStorageAgreesWithTheLayout(String data, String formula) {
        Design design = design(data, formula);
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        assertArrayEquals(layout.lowerBounds(), deviance.lowerBounds(), 0);
        assertArrayEquals(layout.initial(), deviance.initialTheta(), 0);
        double[] theta = randomTheta(layout.size(), 7);
        double[][] lambda = layout.lambda(theta);
        // each block's columns are its terms' columns, in order; its Lambda the terms' diagonal blocks
        List<ReBlock> blocks = ReBlock.of(design.randomTerms());
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        int[] termColumn = new int[design.randomTerms().size()];
        for (int t = 1; t < termColumn.length; t++) {
            termColumn[t] = termColumn[t - 1] + design.randomTerms().get(t - 1).k();
        }
        for (ReBlock blk : blocks) {
            double[] lam = new double[blk.k * blk.k];
            blk.lambda(theta, lam);
            for (int e = 0; e < blk.thetaIndex.length; e++) {
                int term = termOf(layout, blk.thetaIndex[e]);
                int within = blk.lambdaRow[e] - blockColumnOfTerm(design.randomTerms(), blk, term);
                int withinCol = blk.lambdaCol[e] - blockColumnOfTerm(design.randomTerms(), blk, term);
                assertEquals(lambda[termColumn[term] + within][termColumn[term] + withinCol],
                        lam[blk.lambdaRow[e] * blk.k + blk.lambdaCol[e]], 0, blk.groupName);
            }
            seen.merge(blk.groupName, 1, Integer::sum);
        }
        seen.values().forEach(v -> assertEquals(1, v, "one block per grouping factor"));
    }

    private static int termOf(ThetaLayout layout, int entry) {
        int t = 0;
        while (t + 1 < layout.terms().size() && layout.offset(t + 1) <= entry) {
            t++;
        }
        return t;
    }

    /** The first column of term t within its block (terms of one factor follow each other in the block). */
    private static int blockColumnOfTerm(List<RandomEffectTerm> terms, ReBlock blk, int t) {
        int col = 0;
        for (int u = 0; u < t; u++) {
            if (terms.get(u).groupName().equals(blk.groupName)) {
                col += terms.get(u).k();
            }
        }
        return col;
    }

    /** lme4's order, bounds, start and names for (Days | Subject). */
    @Test
    void lme4sLayoutOfACorrelatedSlope() {
        ThetaLayout layout = ThetaLayout.of(design("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)")
                .randomTerms());
        assertArrayEquals(new double[] {0, Double.NEGATIVE_INFINITY, 0}, layout.lowerBounds(), 0);
        assertArrayEquals(new double[] {1, 0, 1}, layout.initial(), 0);
        assertArrayEquals(new boolean[] {true, false, true}, layout.diagonal());
        assertEquals(List.of("sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sd_Days|Subject"),
                layout.sdCorNames());
        for (int k = 1; k <= 4; k++) {
            int at = 0;
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    assertEquals(at++, ThetaLayout.index(k, r, c));
                }
            }
        }
    }

    /** Negating a column of Lambda leaves Lambda Lambda' as it is; the result has diagonals >= 0. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void positiveDiagonalIsTheSameCovariance(String data, String formula) {
        ThetaLayout layout = ThetaLayout.of(design(data, formula).randomTerms());
        double[] x = java.util.Arrays.copyOf(randomTheta(layout.size(), 11), layout.size() + 2);
        x[layout.size()] = -0.3;
        x[layout.size() + 1] = 1.7;
        double[] y = layout.withPositiveDiagonal(x);
        assertEquals(-0.3, y[layout.size()], 0);
        assertEquals(1.7, y[layout.size() + 1], 0);
        boolean[] diagonal = layout.diagonal();
        for (int i = 0; i < layout.size(); i++) {
            assertTrue(!diagonal[i] || y[i] >= 0, "diagonal " + i);
        }
        double[][] before = SmallMatrices.multiplyTransposed(layout.lambda(x), layout.lambda(x));
        double[][] after = SmallMatrices.multiplyTransposed(layout.lambda(y), layout.lambda(y));
        for (int r = 0; r < before.length; r++) {
            for (int c = 0; c < before.length; c++) {
                assertClose(before[r][c], after[r][c], 1e-15, 1, "Lambda Lambda'");
            }
        }
    }

    /** Each entry's scale is the RMS of the column of its row of Lambda: (Days | Subject) gives 1, 1, RMS(Days). */
    @Test
    void unitFreeScales() {
        Design design = design("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)");
        double ss = 0;
        double[] days = design.randomTerms().get(0).model().columns()[1];
        for (double v : days) {
            ss += v * v;
        }
        double rms = Math.sqrt(ss / days.length);
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        assertArrayEquals(new double[] {1, rms, rms}, layout.scales(), 0);
        double[] theta = {0.9, 0.02, 0.2};
        assertArrayEquals(theta, ThetaLayout.divide(ThetaLayout.times(theta, layout.scales()), layout.scales()), 1e-16);
        // entries past the scales (a residual structure's) are left as they are
        assertArrayEquals(new double[] {0.9, 0.02 * rms, 0.2 * rms, 5}, ThetaLayout.times(new double[] {0.9, 0.02,
            0.2, 5}, layout.scales()), 0);
    }

    static Stream<String> residualFormulas() {
        return Stream.of("FEV1 ~ ARMCD + us(AVISIT | USUBJID)", "FEV1 ~ ARMCD + ar1(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + cs(AVISIT | USUBJID)", "FEV1 ~ ARMCD + toep(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + diag(AVISIT | USUBJID)", "FEV1 ~ ARMCD + ar1h(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + csh(AVISIT | USUBJID)", "FEV1 ~ ARMCD + toeph(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + adh(AVISIT | USUBJID)", "FEV1 ~ ARMCD + arma11(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + sp_exp(VISITN | USUBJID)", "FEV1 ~ ARMCD + sp_gau(VISITN | USUBJID)",
                "FEV1 ~ ARMCD + sp_exp_nugget(VISITN | USUBJID)", "FEV1 ~ ARMCD + sp_gau_nugget(VISITN | USUBJID)",
                "FEV1 ~ ARMCD + varident(AVISIT | USUBJID)",
                "FEV1 ~ ARMCD + (1 | USUBJID) + ar1(AVISIT | ARMCD / USUBJID)",
                "FEV1 ~ ARMCD + (1 + VISITN | USUBJID) + varident(SEX | USUBJID)",
                "FEV1 ~ ARMCD + ar1h(AVISIT | ARMCD / USUBJID) + varident(SEX | USUBJID)");
    }

    /**
     * The residual-structure fit's parameters are theta (the layout's, with its bounds and start) followed by the
     * structure's own ({@link ResidualLayout}); Lambda reads only theta, and the structure's parameters round-trip
     * through {@link ResidualFit#of} (how a saved model restores them).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("residualFormulas")
    void residualStructureParametersFollowTheta(String formula) {
        Design design = Design.build(FormulaParser.parse(formula), ReferenceCase.data("sas-fev/fev_data.csv"),
                Map.of());
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, true);
        var residual = design.residual();
        ResidualLayout structure = new ResidualLayout(new ResidualStructure(residual.structure(),
                residual.visits().size()), residual.groupCount(), residual.strataCount());
        assertEquals(layout.size() + structure.parameterCount(), model.parameterCount());
        double[] lower = model.lowerBounds();
        assertArrayEquals(layout.lowerBounds(), java.util.Arrays.copyOf(lower, layout.size()), 0);
        for (int i = layout.size(); i < lower.length; i++) {
            assertEquals(-10, lower[i], 0, "structure parameter bound");
        }
        double[] start = model.initial();
        assertArrayEquals(layout.initial(), java.util.Arrays.copyOf(start, layout.size()), 0);
        double[] x = start.clone();
        Random random = new Random(formula.hashCode());
        for (int i = 0; i < x.length; i++) {
            x[i] += 0.1 * random.nextGaussian();
        }
        double[][] lambda = model.lambda(x);
        double[][] expected = layout.lambda(java.util.Arrays.copyOf(x, layout.size()));
        for (int r = 0; r < lambda.length; r++) {
            assertArrayEquals(expected[r], lambda[r], 0);
        }
        double[] a = java.util.Arrays.copyOfRange(x, layout.size(), x.length);
        List<String> groups = residual.group() == null ? List.of() : residual.group().levels();
        List<String> strata = residual.strata() == null ? List.of() : residual.strata();
        ResidualFit restored = ResidualFit.of(residual.structure(), residual.timeName(), residual.subject().name(),
                residual.visits(), a, 2.0, residual.group() == null ? null : residual.group().name(), groups,
                residual.varianceFactor(), strata);
        assertArrayEquals(a, restored.parameters(), 0);
        assertEquals(structure.parameterCount(), restored.layout().parameterCount());
    }
}
