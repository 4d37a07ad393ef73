package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.robustness.FitAssertions.assertClose;

import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.FixedEffect;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * Numerical stability (issue 9): a fit must not depend on the units of the data. The response and the predictors
 * are rescaled (1e12, 1e-12, time in seconds instead of years: values up to 1e8) and the estimates, transformed
 * back, must match the well-scaled fit: a response scale s multiplies beta, SEs, sigma and SDs by s; a predictor
 * scale a divides its coefficient and SE by a and, under REML, whose criterion holds log|X'V^-1X|, subtracts log a
 * from logLik (ML: no change). Badly scaled predictors must draw lme4's "very different scales" warning.
 *
 * <p>Each case below failed before the fix its comment names (found by these tests and the property tests).
 */
class NumericalStabilityTest {
    private static final double REL = 1e-6;
    /** Seconds in a (Julian) year. */
    private static final double YEAR = 31_557_600;

    private static FitResult fit(String formula, DataFrame data, boolean ml) {
        return LinearMixedModel.fit(formula, data, ml ? FitOptions.ml() : FitOptions.reml());
    }

    private static DataFrame frame(double[] y, double[] x, String[] g) {
        return new DataFrame(List.<Column>of(new NumericColumn("y", y), new NumericColumn("x", x),
                new CategoricalColumn("g", g)));
    }

    private static double[] times(double[] v, double a, double b) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = a + b * v[i];
        }
        return out;
    }

    /**
     * The fit of (y, x) against the fit of (ys * y, xa * x): coefficients of x scale by ys / xa, the intercept by ys,
     * SEs likewise, theta is unchanged (for a random slope on x, its rows scale), sigma scales by ys.
     */
    private static void assertRescaled(FitResult base, FitResult scaled, double ys, double xa, boolean slope,
            String context) {
        List<FixedEffect> a = base.fixedEffects();
        List<FixedEffect> b = scaled.fixedEffects();
        double[] factor = {ys, ys / xa};
        for (int j = 0; j < 2; j++) {
            int k = j;
            assertClose(factor[j] * a.get(j).estimate(), b.get(j).estimate(), REL, factor[j] * a.get(j).se(),
                    () -> context + ": estimate of " + a.get(k).term() + " " + FitAssertions.describe(scaled));
            assertClose(factor[j] * a.get(j).se(), b.get(j).se(), REL, 0, () -> context + ": SE of " + a.get(k).term());
        }
        assertClose(ys * base.sigma(), scaled.sigma(), REL, 0, () -> context + ": sigma");
        // theta relative to the residual SD; a slope's row of Lambda scales by 1 / xa
        double[] thetaFactor = slope ? new double[] {1, 1 / xa, 1 / xa} : new double[] {1};
        for (int i = 0; i < thetaFactor.length; i++) {
            int k = i;
            assertClose(thetaFactor[i] * base.theta()[i], scaled.theta()[i], REL, thetaFactor[i],
                    () -> context + ": theta[" + k + "] " + FitAssertions.describe(scaled));
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e12, 1e-12, 1e6, 1e-6})
    void largeAndTinyResponsesFitAsTheRescaledResponse(double s) {
        for (boolean slope : new boolean[] {false, true}) {
            SimulatedGroups d = SimulatedGroups.generate(20, 6, false, slope, 5);
            String formula = slope ? "y ~ x + (x | g)" : "y ~ x + (1 | g)";
            for (boolean ml : new boolean[] {false, true}) {
                FitResult base = fit(formula, d.frame(), ml);
                FitResult scaled = fit(formula, d.withResponse(0, s).frame(), ml);
                assertRescaled(base, scaled, s, 1, slope, "response x " + s);
                int dfResidual = base.nobs() - (ml ? 0 : base.fixedEffects().size());
                assertClose(base.logLik() - dfResidual * Math.log(s), scaled.logLik(), 1e-10,
                        Math.abs(dfResidual * Math.log(s)), () -> "logLik");
                assertTrue(scaled.warnings().isEmpty(), scaled.warnings().toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e12, 1e-12, 1e6, 1e-6})
    void largeAndTinyPredictorsWithARandomInterceptFitAsTheRescaledPredictor(double a) {
        SimulatedGroups d = SimulatedGroups.generate(20, 6, false, false, 5);
        for (boolean ml : new boolean[] {false, true}) {
            FitResult base = fit("y ~ x + (1 | g)", d.frame(), ml);
            FitResult scaled = fit("y ~ x + (1 | g)", frame(d.y(), times(d.x(), 0, a), d.g()), ml);
            assertRescaled(base, scaled, 1, a, false, "predictor x " + a);
            // REML: R_X becomes R_X diag(1, a), log|R_X|^2 grows by 2 log a, logLik falls by log a; ML: unchanged
            assertClose(base.logLik() - (ml ? 0 : Math.log(a)), scaled.logLik(), 1e-10, 1, () -> "logLik");
            assertTrue(scaled.warnings().stream().anyMatch(w -> w.startsWith(
                    "Some predictor variables are on very different scales: consider rescaling")), scaled.warnings()
                    .toString());
        }
    }

    @Test
    void bothLargeFitAsBothRescaled() {
        SimulatedGroups d = SimulatedGroups.generate(25, 5, true, false, 8);
        FitResult base = fit("y ~ x + (1 | g)", d.frame(), false);
        FitResult scaled = fit("y ~ x + (1 | g)", frame(times(d.y(), 0, 1e12), times(d.x(), 0, 1e12), d.g()), false);
        assertRescaled(base, scaled, 1e12, 1e12, false, "both x 1e12");
        FitResult tiny = fit("y ~ x + (1 | g)", frame(times(d.y(), 0, 1e-12), times(d.x(), 0, 1e-12), d.g()), false);
        assertRescaled(base, tiny, 1e-12, 1e-12, false, "both x 1e-12");
    }

    /** Subjects measured at random times over three years; y rises by 2 a year, with a random intercept and slope. */
    private static double[][] yearsData(int subjects, int visits, long seed, boolean slope) {
        Random random = new Random(seed);
        int n = subjects * visits;
        double[] y = new double[n];
        double[] t = new double[n];
        for (int s = 0, i = 0; s < subjects; s++) {
            double u = 3 * random.nextGaussian();
            double v = slope ? 0.8 * random.nextGaussian() : 0;
            for (int k = 0; k < visits; k++, i++) {
                t[i] = 3 * random.nextDouble();
                y[i] = 10 + 2 * t[i] + u + v * t[i] + random.nextGaussian();
            }
        }
        return new double[][] {y, t};
    }

    private static String[] subjects(int subjects, int visits) {
        String[] g = new String[subjects * visits];
        for (int i = 0; i < g.length; i++) {
            g[i] = "s" + (i / visits);
        }
        return g;
    }

    @Test
    void timeInSecondsOverYearsWithARandomInterceptMatchesTimeInYears() {
        double[][] d = yearsData(30, 6, 21, false);
        String[] g = subjects(30, 6);
        double[] seconds = times(d[1], 0, YEAR);
        assertTrue(max(seconds) > 8e7, "values up to about 1e8");
        for (boolean ml : new boolean[] {false, true}) {
            FitResult years = fit("y ~ x + (1 | g)", frame(d[0], d[1], g), ml);
            FitResult secs = fit("y ~ x + (1 | g)", frame(d[0], seconds, g), ml);
            assertRescaled(years, secs, 1, YEAR, false, "seconds");
            assertClose(years.logLik() - (ml ? 0 : Math.log(YEAR)), secs.logLik(), 1e-10, 1, () -> "logLik");
            assertTrue(secs.converged());
            assertTrue(secs.warnings().stream().anyMatch(w -> w.contains("very different scales")
                    && w.contains("x (SD 2.")), secs.warnings().toString());
            assertTrue(years.warnings().isEmpty(), years.warnings().toString());
        }
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    /**
     * A random slope on a badly scaled predictor. With theta starting at 1 (a slope SD equal to the residual SD per
     * second), a trust region of 0.2 and absolute boundary checks of 1e-4, the optimizer could not place the slope's
     * theta near its optimum of about 2e-8 and stopped at a worse point (REML logLik -347.92 instead of -346.09,
     * reported as converged and singular). LinearMixedModel now optimizes theta relative to each random-effect
     * column's root mean square, so start, trust region and boundary checks are unit-free.
     */
    @Test
    void timeInSecondsWithARandomSlopeMatchesTimeInYears() {
        double[][] d = yearsData(30, 6, 21, true);
        String[] g = subjects(30, 6);
        FitResult years = fit("y ~ x + (x | g)", frame(d[0], d[1], g), false);
        FitResult secs = fit("y ~ x + (x | g)", frame(d[0], times(d[1], 0, YEAR), g), false);
        assertRescaled(years, secs, 1, YEAR, true, "seconds, random slope");
    }

    /**
     * As above, with the predictor scaled by 1e12 (before the fix: "The model could not be factored at the
     * optimum"), by 1e-12 (logLik -108.78 instead of -107.55) and by 1e4 (a false singular fit).
     */
    @ParameterizedTest
    @ValueSource(doubles = {1e12, 1e-12, 1e4})
    void largeAndTinyPredictorsWithARandomSlopeFitAsTheRescaledPredictor(double a) {
        SimulatedGroups d = SimulatedGroups.generate(20, 6, false, true, 5);
        FitResult base = fit("y ~ x + (x | g)", d.frame(), false);
        FitResult scaled = fit("y ~ x + (x | g)", frame(d.y(), times(d.x(), 0, a), d.g()), false);
        assertRescaled(base, scaled, 1, a, true, "predictor x " + a + ", random slope");
    }

    /**
     * A response far from 0 relative to its spread. The cross-products of [Z X y] are formed once and r^2 comes out
     * of them by cancellation, so before the fix a shift c cost about log10(c^2 / var(y)) of the 16 digits: with
     * c = 1e8 theta was 1635 instead of 1.117. ProfiledDeviance now centres y when X has an intercept (which absorbs
     * the shift exactly) and adds the mean back to the intercept.
     */
    @ParameterizedTest
    @ValueSource(doubles = {1e4, 1e6, 1e8})
    void responseWithALargeOffset(double c) {
        SimulatedGroups d = SimulatedGroups.generate(20, 6, false, false, 5);
        FitResult base = fit("y ~ x + (1 | g)", d.frame(), false);
        FitResult shifted = fit("y ~ x + (1 | g)", d.withResponse(c, 1).frame(), false);
        assertClose(base.fixedEffects().get(0).estimate() + c, shifted.fixedEffects().get(0).estimate(), REL,
                c, () -> "intercept");
        assertClose(base.fixedEffects().get(1).estimate(), shifted.fixedEffects().get(1).estimate(), REL,
                base.fixedEffects().get(1).se(), () -> "slope");
        assertClose(base.theta()[0], shifted.theta()[0], REL, 1, () -> "theta");
        assertClose(base.sigma(), shifted.sigma(), REL, 0, () -> "sigma");
    }

    /**
     * A predictor far from 0 relative to its spread, e.g. time as POSIX seconds (1.7e9 plus days): the same
     * cancellation in X'X cost precision (theta off by 2.6e-4 relative) until ProfiledDeviance centred X's columns
     * too (with an intercept; the intercept and its covariance are mapped back).
     */
    @Test
    void predictorWithALargeOffset() {
        SimulatedGroups d = SimulatedGroups.generate(20, 6, true, false, 5);
        FitResult base = fit("y ~ x + (1 | g)", d.frame(), false);
        FitResult posix = fit("y ~ x + (1 | g)", frame(d.y(), times(d.x(), 1.7e9, 86_400), d.g()), false);
        assertClose(base.fixedEffects().get(1).estimate() / 86_400, posix.fixedEffects().get(1).estimate(), REL,
                base.fixedEffects().get(1).se() / 86_400, () -> "slope");
        assertClose(base.theta()[0], posix.theta()[0], REL, 1, () -> "theta");
        assertClose(base.sigma(), posix.sigma(), REL, 0, () -> "sigma");
    }

    /**
     * Adding a grouping factor whose variance is 0 must give at least the smaller model's likelihood (its optimum is
     * a point of the larger model's parameter space). From lme4's start (theta = 1) BOBYQA stopped in a local
     * optimum of the larger model (-43.08 instead of -42.83); from the unit-free start it reaches the right one.
     * Local optima remain possible in general, as in lme4 (found by FitInvariancePropertiesTest with a random slope).
     */
    @Test
    void addingAGroupingFactorNeverLowersTheLikelihood() throws Exception {
        DataFrame d;
        try (Reader in = new InputStreamReader(NumericalStabilityTest.class.getResourceAsStream(
                "/robustness/local-optimum-extra-grouping-factor.csv"), StandardCharsets.UTF_8)) {
            d = CsvReader.read(in, "local-optimum-extra-grouping-factor.csv");
        }
        FitResult without = fit("y ~ x + (x | g)", d, false);
        FitResult with = fit("y ~ x + (x | g) + (1 | h)", d, false);
        assertTrue(with.logLik() >= without.logLik() - 1e-8, with.logLik() + " < " + without.logLik());
    }

    /** The scale warning is lme4's and names the columns; well-scaled data and 0/1 indicators draw none. */
    @Test
    void scaleWarningOnlyForBadlyScaledContinuousPredictors() {
        SimulatedGroups d = SimulatedGroups.generate(12, 5, true, false, 3);
        assertTrue(fit("y ~ x + (1 | g)", d.frame(), false).warnings().isEmpty());
        double[] big = times(d.x(), 0, 5e3);
        FitResult warned = fit("y ~ x + (1 | g)", frame(d.y(), big, d.g()), false);
        assertEquals(1, warned.warnings().size(), warned.warnings().toString());
        assertTrue(warned.warnings().get(0).contains("x (SD 4.14e+03)"), warned.warnings().get(0));
        // the response's scale is not the predictors' business
        assertTrue(fit("y ~ x + (1 | g)", d.withResponse(0, 1e9).frame(), false).warnings().isEmpty());
        assertFalse(warned.warnings().get(0).isBlank());
    }
}
