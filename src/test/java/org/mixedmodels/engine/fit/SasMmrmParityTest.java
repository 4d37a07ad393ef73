package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.inference.CoefficientTest;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.TermTest;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.engine.testing.SasListing;

/**
 * MMRM parity with SAS PROC MIXED on the mmrm package's fev_data (listings in reference/sas-fev): the
 * -2 log-likelihood, covariance parameters, fixed effects with Satterthwaite df, Type 3 tests and LS means.
 * SAS prints rounded values, so each is compared within half a unit of its last printed digit, plus: 1e-3
 * of the SE for estimates and limits, 2e-4 relative for SEs and 2e-3 of the scale for covariance parameters
 * (relative, or of sqrt(UN(i,i) UN(j,j)) for a covariance), because SAS stops its Newton-Raphson where the
 * likelihood is flat: at SAS's printed estimates our -2 log-likelihood is above our optimum
 * ({@link #ourOptimaAreAtLeastAsGoodAsSas}). Df printed as integers get 1e-3 relative, because SAS and we
 * both differentiate numerically and a df of 143.485 (ours) may print as 144.
 */
class SasMmrmParityTest {
    private static final Map<String, String> REFERENCES = Map.of("RACE", "Asian", "AVISIT", "VIS1", "SEX", "Male",
            "ARMCD", "PBO");

    private static DataFrame fev() {
        return CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
    }

    private static FitResult fit(String formula, FitOptions.Method method) {
        return LinearMixedModel.fit(formula, fev(), new FitOptions(method, REFERENCES));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "sas_log_reml.txt; FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID); REML",
        "sas_log.txt; FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID); ML",
        "sas_coef_ci_reml_un.txt; FEV1 ~ ARMCD + SEX + us(AVISIT | USUBJID); REML",
        "sas_ar1_reml.txt; FEV1 ~ 1 + ar1(AVISIT | USUBJID); REML",
        "sas_ar1_ml.txt; FEV1 ~ 1 + ar1(AVISIT | USUBJID); ML",
        "sas_ar1h_reml.txt; FEV1 ~ 1 + ar1h(AVISIT | USUBJID); REML",
        "sas_cs_reml.txt; FEV1 ~ 1 + cs(AVISIT | USUBJID); REML",
        "sas_csh_reml.txt; FEV1 ~ 1 + csh(AVISIT | USUBJID); REML"})
    void matchesSasProcMixed(String listing, String formula, String method) {
        SasListing sas = SasListing.load(listing);
        FitResult fit = fit(formula, FitOptions.Method.valueOf(method));
        assertPrinted(sas.minus2LogLik(), fit.objective(), 0, "-2 log-likelihood");
        assertCovarianceParameters(sas.covarianceParameters(), fit.residual(), fit.sigma(), sas.classLevels("AVISIT"));

        FixedEffectsInference inference = FixedEffectsInference.of(fit, DfMethod.SATTERTHWAITE, 0.95);
        boolean withLimits = listing.equals("sas_coef_ci_reml_un.txt");
        List<SasListing.Row> solution = sas.table("Solution for Fixed Effects", withLimits ? 8 : 5);
        assertEquals(fit.fixedEffects().size(), solution.size(), "coefficients");
        for (SasListing.Row row : solution) {
            CoefficientTest ours = coefficient(inference, row);
            double se = row.numbers()[1];
            assertPrinted(row.numbers()[0], ours.estimate(), 1e-3 * se, row + " estimate");
            assertPrinted(se, ours.se(), 2e-4 * se, row + " se");
            assertDf(row.numbers()[2], ours.df(), row + " df");
            if (withLimits) {
                assertPrinted(row.numbers()[6], ours.lower(), 1e-3 * se, row + " lower");
                assertPrinted(row.numbers()[7], ours.upper(), 1e-3 * se, row + " upper");
            }
        }
        for (SasListing.Row row : sas.table("Type 3 Tests of Fixed Effects", 6)) {
            TermTest ours = inference.typeIII().stream()
                    .filter(t -> variables(t.term()).equals(variables(row.effect().replace('*', ':')))).findFirst()
                    .orElseThrow(() -> new AssertionError("no Type III test of " + row.effect()));
            assertEquals(row.numbers()[0], ours.numDf(), row.effect() + " num df");
            assertDf(row.numbers()[1], ours.denDf(), row.effect() + " den df");
            assertPrinted(row.numbers()[3], ours.f(), 1e-3 * row.numbers()[3], row.effect() + " F");
        }
    }

    @Test
    void lsMeansByVisitAndArmMatchSas() {
        SasListing sas = SasListing.load("sas_log_reml.txt");
        FitResult fit = fit("FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID)", FitOptions.Method.REML);
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of("AVISIT", "ARMCD"), DfMethod.SATTERTHWAITE,
                0.95);
        List<SasListing.Row> rows = sas.table("Least Squares Means", 8);
        assertEquals(8, rows.size());
        for (SasListing.Row row : rows) {
            String level = String.join(" ", row.levels());
            EstimatedMarginalMeans.Mean m = emm.means().stream().filter(x -> x.level().equals(level)).findFirst()
                    .orElseThrow(() -> new AssertionError("no LS mean " + level));
            double se = row.numbers()[1];
            assertPrinted(row.numbers()[0], m.estimate(), 1e-3 * se, level + " estimate");
            assertPrinted(se, m.se(), 2e-4 * se, level + " se");
            assertDf(row.numbers()[2], m.df(), level + " df");
            assertPrinted(row.numbers()[6], m.lower(), 1e-3 * se, level + " lower");
            assertPrinted(row.numbers()[7], m.upper(), 1e-3 * se, level + " upper");
        }
    }

    @Test
    void treatmentDifferencesWithinVisitMatchSas() {
        SasListing sas = SasListing.load("sas_log_reml.txt");
        FitResult fit = fit("FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID)", FitOptions.Method.REML);
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of("ARMCD"), List.of("AVISIT"),
                DfMethod.SATTERTHWAITE, 0.95);
        assertEquals(4, emm.differences().size());
        assertEquals(8, emm.means().size());
        int matched = 0;
        for (SasListing.Row row : sas.table("Differences of Least Squares Means", 8)) {
            List<String> l = row.levels();
            if (!l.get(0).equals(l.get(2)) || !l.get(1).equals("TRT")) {
                continue;
            }
            // SAS: VISn TRT - VISn PBO; ours, with PBO the reference level first: PBO - TRT at VISn
            EstimatedMarginalMeans.Difference d = emm.differences().stream().filter(x -> x.by().equals(l.get(0)))
                    .findFirst().orElseThrow();
            assertEquals("PBO - TRT", d.contrast());
            double se = row.numbers()[1];
            assertPrinted(row.numbers()[0], -d.estimate(), 1e-3 * se, l + " estimate");
            assertPrinted(se, d.se(), 2e-4 * se, l + " se");
            assertDf(row.numbers()[2], d.df(), l + " df");
            assertPrinted(row.numbers()[3], -d.t(), 1e-3 * Math.abs(row.numbers()[3]), l + " t");
            matched++;
        }
        assertEquals(4, matched, "one SAS row per visit");
    }

    /** SAS's covariance parameters: UN(i,j) covariances, AR(1)/ARH(1)/CSH correlations, Var(j), CS, Residual. */
    private static void assertCovarianceParameters(Map<String, Double> sas, ResidualFit residual, double sigma,
            List<String> visits) {
        assertEquals(List.of("VIS1", "VIS2", "VIS3", "VIS4"), residual.visits());
        double[][] fitted = residual.covariance(sigma);
        // SAS indexes UN(i,j) and Var(j) by its own class order of the visits
        int[] at = visits.stream().mapToInt(residual.visits()::indexOf).toArray();
        double[][] cov = new double[at.length][at.length];
        for (int i = 0; i < at.length; i++) {
            for (int j = 0; j < at.length; j++) {
                cov[i][j] = fitted[at[i]][at[j]];
            }
        }
        Map<String, Object> d = residual.description();
        for (Map.Entry<String, Double> e : sas.entrySet()) {
            String name = e.getKey();
            double expected = e.getValue();
            double ours;
            double scale = Math.abs(expected);
            if (name.startsWith("UN(")) {
                String[] ij = name.substring(3, name.length() - 1).split(",");
                int i = Integer.parseInt(ij[0]) - 1;
                int j = Integer.parseInt(ij[1]) - 1;
                ours = cov[i][j];
                scale = Math.sqrt(cov[i][i] * cov[j][j]);
            } else if (name.startsWith("Var(")) {
                int j = Integer.parseInt(name.substring(4, name.length() - 1)) - 1;
                ours = cov[j][j];
            } else if (name.equals("AR(1)") || name.equals("ARH(1)")) {
                ours = (Double) d.get("phi");
            } else if (name.equals("CSH")) {
                ours = (Double) d.get("rho");
            } else if (name.equals("CS")) {
                ours = cov[0][1];
            } else if (name.equals("Residual")) {
                // ar1: the variance; cs: the variance not shared within subject
                ours = residual.structure().equals("cs") ? cov[0][0] - cov[0][1] : cov[0][0];
            } else {
                throw new AssertionError("unexpected SAS covariance parameter " + name);
            }
            assertPrinted(expected, ours, 2e-3 * scale, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "sas_log_reml.txt; FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID); REML",
        "sas_log.txt; FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID); ML",
        "sas_coef_ci_reml_un.txt; FEV1 ~ ARMCD + SEX + us(AVISIT | USUBJID); REML",
        "sas_cs_reml.txt; FEV1 ~ 1 + cs(AVISIT | USUBJID); REML"})
    void ourOptimaAreAtLeastAsGoodAsSas(String listing, String formula, String method) {
        SasListing sas = SasListing.load(listing);
        Design design = Design.build(org.mixedmodels.engine.formula.FormulaParser.parse(formula), fev(), REFERENCES);
        boolean reml = method.equals("REML");
        FitResult fit = LinearMixedModel.fit(design, new FitOptions(FitOptions.Method.valueOf(method), REFERENCES));
        Map<String, Double> parms = sas.covarianceParameters();
        double[] a;
        double sigma;
        if (parms.containsKey("CS")) {
            double variance = parms.get("CS") + parms.get("Residual");
            double rho = parms.get("CS") / variance;
            a = new double[] {0.5 * Math.log((1 + rho) / (1 - rho))};
            sigma = Math.sqrt(variance);
        } else {
            // us: S = sigma^2 L L' with L[0][0] = 1, free off-diagonals and log-diagonal (ResidualStructure)
            List<String> order = sas.classLevels("AVISIT");
            List<String> visits = fit.residual().visits();
            int t = visits.size();
            double[][] cov = new double[t][t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = parms.get("UN(" + (i + 1) + "," + (j + 1) + ")");
                    int r = visits.indexOf(order.get(i));
                    int c = visits.indexOf(order.get(j));
                    cov[r][c] = v;
                    cov[c][r] = v;
                }
            }
            double[][] l = org.mixedmodels.engine.linalg.SmallMatrices.cholesky(cov, ResidualCovarianceModel.PIVOT_TOLERANCE);
            sigma = l[0][0];
            a = new double[t * (t + 1) / 2 - 1];
            int at = 0;
            for (int r = 1; r < t; r++) {
                for (int c = 0; c < r; c++) {
                    a[at++] = l[r][c] / sigma;
                }
                a[at++] = Math.log(l[r][r] / sigma);
            }
        }
        double atSas = new ResidualCovarianceModel(design, reml).deviance(a, sigma);
        assertTrue(fit.objective() <= atSas + 1e-9, fit.objective() + " > " + atSas);
        assertTrue(atSas - fit.objective() < 0.05, "SAS's point is close to our optimum: " + (atSas - fit.objective()));
    }

    private static CoefficientTest coefficient(FixedEffectsInference inference, SasListing.Row row) {
        if (row.effect().equals("Intercept")) {
            return inference.coefficients().get(0);
        }
        Set<String> vars = variables(row.effect().replace('*', ':'));
        List<String> words = sorted(row.levels());
        for (CoefficientTest c : inference.coefficients()) {
            List<String> levels = new ArrayList<>();
            Set<String> cvars = new HashSet<>();
            for (String part : c.term().split(":")) {
                for (String v : vars) {
                    if (part.startsWith(v)) {
                        cvars.add(v);
                        levels.addAll(Arrays.asList(part.substring(v.length()).split(" ")));
                    }
                }
            }
            if (cvars.equals(vars) && sorted(levels).equals(words)) {
                return c;
            }
        }
        throw new AssertionError("no coefficient for SAS row " + row);
    }

    private static Set<String> variables(String term) {
        return new HashSet<>(Arrays.asList(term.split(":")));
    }

    private static List<String> sorted(List<String> words) {
        List<String> s = new ArrayList<>(words);
        s.sort(null);
        return s;
    }

    /** Within half a unit of the printed value's last digit plus {@code slack}. */
    private static void assertPrinted(double printed, double ours, double slack, String what) {
        assertTrue(Math.abs(printed - ours) <= halfUnit(printed) * 1.0000001 + slack, what + ": SAS printed " + printed
                + ", ours " + ours);
    }

    private static void assertDf(double printed, double ours, String what) {
        assertTrue(Math.abs(printed - ours) <= 0.5 + 1e-3 * printed, what + ": SAS printed " + printed + ", ours " + ours);
    }

    private static double halfUnit(double printed) {
        String s = Double.toString(printed);
        if (s.contains("E")) {
            return Math.abs(printed) * 5e-5;
        }
        int decimals = s.length() - s.indexOf('.') - 1;
        return 0.5 * Math.pow(10, -Math.max(decimals, 1));
    }
}
