package org.mixedmodels.engine.fit;

import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The solutions at the factor alone ({@link FactorSolutions}), against their defining formulas computed densely with
 * V = Z Lambda Lambda' Z' + I (relative to sigma^2; Bates et al. 2015, J. Stat. Softw. 67(1), sec. 3; Henderson's
 * mixed-model equations): beta = (X'V^-1 X)^-1 X'V^-1 y, cov(beta) / sigma^2 = (X'V^-1 X)^-1,
 * b = Lambda Lambda' Z' V^-1 (y - X beta), and the conditional variances of b with beta known,
 * Lambda (Lambda'Z'Z Lambda + I)^-1 Lambda' (its diagonal blocks). A single vector term (the first block only), crossed
 * intercepts (a dense rest) and nested intercepts, at a theta away from the optimum. Both sides are exact formulas
 * evaluated in different orders, so 1e-9 relative (the dense inverses of V lose a few digits to its condition).
 */
class FactorSolutionsTest {
    private static final double TOLERANCE = 1e-9;

    static Stream<Arguments> designs() {
        return Stream.of(
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", new double[] {0.9, 0.1, 0.3}),
                Arguments.of("data/penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)", new double[] {1.5, 3}),
                Arguments.of("data/pastes.csv", "strength ~ 1 + (1 | batch/cask)", new double[] {2.9, 0.5}),
                // a vector term in the dense rest (items' intercepts and slopes after the subjects' intercepts)
                Arguments.of("data/crossed_slopes.csv", "y ~ condition + x + (1 | subject) + (x | item)",
                        new double[] {0.7, 0.4, -0.2, 0.3}),
                // a vector first block with a scalar dense rest
                Arguments.of("data/crossed_slopes.csv", "y ~ condition * x + (condition | subject) + (1 | item)",
                        new double[] {0.8, 0.3, 0.5, 0.6}));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void solutionsAreTheMixedModelEquations(String data, String formula, double[] theta) {
        Design design = Design.build(FormulaParser.parse(formula), ReferenceCase.data(data), Map.of());
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        deviance.factor(theta);
        FactorSolutions solutions = deviance.solutions();
        double[][] s = solutions.solve();
        double[][] b = solutions.randomEffectsByBlock(s[1], s[2]);
        double[][][] condVar = solutions.unscaledConditionalVariances();
        double[][] covBeta = solutions.unscaledFixedCovariance();

        // dense Z (block by block, level by level, k per level) and Lambda in the same layout
        List<ReBlock> blocks = ReBlock.of(design.randomTerms());
        int n = design.nobs();
        int q = blocks.stream().mapToInt(ReBlock::size).sum();
        RealMatrix z = new Array2DRowRealMatrix(n, q);
        RealMatrix lambda = new Array2DRowRealMatrix(q, q);
        int start = 0;
        for (ReBlock blk : blocks) {
            double[] lam = new double[blk.k * blk.k];
            blk.lambda(theta, lam);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < blk.k; c++) {
                    z.setEntry(i, start + blk.grouping.code(i) * blk.k + c, blk.columns[c][i]);
                }
            }
            for (int level = 0; level < blk.levelCount(); level++) {
                for (int r = 0; r < blk.k; r++) {
                    for (int c = 0; c < blk.k; c++) {
                        lambda.setEntry(start + level * blk.k + r, start + level * blk.k + c, lam[r * blk.k + c]);
                    }
                }
            }
            start += blk.size();
        }
        double[][] xc = design.fixed().columns();
        int p = xc.length;
        RealMatrix x = new Array2DRowRealMatrix(n, p);
        for (int j = 0; j < p; j++) {
            for (int i = 0; i < n; i++) {
                x.setEntry(i, j, xc[j][i]);
            }
        }
        RealVector y = new ArrayRealVector(design.response());
        RealMatrix zl = z.multiply(lambda);
        RealMatrix v = zl.multiply(zl.transpose());
        for (int i = 0; i < n; i++) {
            v.addToEntry(i, i, 1);
        }
        RealMatrix w = new LUDecomposition(v).getSolver().getInverse();
        RealMatrix xtwx = x.transpose().multiply(w).multiply(x);
        RealMatrix a = new LUDecomposition(xtwx).getSolver().getInverse();
        RealVector beta = a.operate(x.transpose().operate(w.operate(y)));
        for (int j = 0; j < p; j++) {
            assertClose(beta.getEntry(j), s[0][j], TOLERANCE, "beta " + j);
            for (int k = 0; k < p; k++) {
                assertClose(a.getEntry(j, k), covBeta[j][k], TOLERANCE, "cov(beta) / sigma^2");
            }
        }
        RealVector blup = lambda.multiply(lambda.transpose()).multiply(z.transpose()).operate(
                w.operate(y.subtract(x.operate(beta))));
        double scale = blup.getLInfNorm();
        RealMatrix inner = zl.transpose().multiply(zl);
        for (int i = 0; i < q; i++) {
            inner.addToEntry(i, i, 1);
        }
        RealMatrix cond = lambda.multiply(new LUDecomposition(inner).getSolver().getInverse())
                .multiply(lambda.transpose());
        start = 0;
        for (int bl = 0; bl < blocks.size(); bl++) {
            ReBlock blk = blocks.get(bl);
            for (int level = 0; level < blk.levelCount(); level++) {
                for (int r = 0; r < blk.k; r++) {
                    int at = start + level * blk.k + r;
                    assertClose(blup.getEntry(at), b[bl][level * blk.k + r], TOLERANCE, scale, "b " + blk.groupName);
                    for (int c = 0; c < blk.k; c++) {
                        assertClose(cond.getEntry(at, start + level * blk.k + c),
                                condVar[bl][level][r * blk.k + c], TOLERANCE, cond.getEntry(at, at),
                                "conditional variance " + blk.groupName);
                    }
                }
            }
            start += blk.size();
        }
    }
}
