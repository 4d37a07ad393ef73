package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The last step of the pipeline alone ({@link FitAssembly}), and the result assembled from a known optimum: equal to
 * the result of the engine before the one-pipeline refactor ({@code pipeline/pre-refactor-fits.json}, written by
 * {@code fit --format json} at commit 6908825) for the random-effects fit (scalar, vector, crossed and nested terms,
 * REML and ML) and for the residual-structure fit with and without random effects. Both paths compute what they
 * computed before, so the bound is 1e-12 relative (the pre-refactor outputs were byte-identical; the margin leaves
 * room for a change of the factorization's order of additions), 1e-12 of the largest fitted value or BLUP SD for
 * values near 0. The random-effects fit's own optimum is compared at 1e-8: its optimizer stops by Newton steps since
 * (ThetaOptimizer.minimizePolished), a few 1e-10 from the pre-refactor optimum.
 */
class FitAssemblyTest {
    private static final double TOLERANCE = 1e-12;
    /** The random-effects fit's optimum against the pre-refactor engine's (a different stopping rule since). */
    private static final double OPTIMUM_TOLERANCE = 1e-8;

    private static JsonObject previous() {
        try (var in = new InputStreamReader(FitAssemblyTest.class.getResourceAsStream("/pipeline/pre-refactor-fits.json"),
                StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(in).getAsJsonObject().getAsJsonObject("cases");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> cases() {
        return previous().keySet().stream();
    }

    private static double[] numbers(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    private static FitOptions options(JsonObject c) {
        return new FitOptions("ML".equals(c.get("method").getAsString()) ? FitOptions.Method.ML
                : FitOptions.Method.REML, Map.of());
    }

    /**
     * The fit, then its result assembled again from its optimum alone: the assembly is a function of the optimum
     * (the same numbers to the last bit), and they are the pre-refactor engine's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resultFromTheOptimumIsThePreviousResult(String name) {
        JsonObject c = previous().getAsJsonObject(name);
        FitOptions options = options(c);
        Design design = Design.build(FormulaParser.parse(c.get("formula").getAsString()),
                ReferenceCase.data(c.get("data").getAsString()), options.referenceLevels(), options.levelOrders());
        FitResult fit = design.residual() == null ? LinearMixedModel.fit(design, options) : fitByBfgs(design, options);
        FitResult again;
        if (design.residual() == null) {
            again = LinearMixedModel.assemble(design, options,
                    new ProfiledDeviance(design, options.method() == FitOptions.Method.REML), fit.optimizer());
            // from the pre-refactor theta itself (a known optimum, not this run's)
            FitResult fromTheta = LinearMixedModel.assemble(design, options,
                    new ProfiledDeviance(design, options.method() == FitOptions.Method.REML),
                    new OptimizerSummary("given", numbers(c, "theta"), numbers(c, "theta"), 0, 0, true, "given"));
            compare(c, fromTheta, name + " from the previous theta", TOLERANCE, TOLERANCE * 1e3);
        } else {
            again = new ResidualCovarianceModel(design, options.method() == FitOptions.Method.REML)
                    .assemble(options, fit.optimizer());
        }
        assertSame(fit, again, name);
        // the optimum itself is the optimizer's: since ThetaOptimizer.minimizePolished (Newton steps after a coarse
        // BOBYQA) it differs from the pre-refactor one by a few 1e-10 relative, within the optimizer's 1e-8
        compare(c, fit, name, design.residual() == null ? OPTIMUM_TOLERANCE : TOLERANCE,
                design.residual() == null ? OPTIMUM_TOLERANCE : TOLERANCE * 1e3);
    }

    /**
     * The residual-structure fit by BFGS, the optimizer the pre-refactor engine used for every residual structure: this
     * test is of the assembly, so the optimum must be that engine's. Newton-Raphson (now first for small fits by visit
     * pattern) stops at the same optimum within its own tolerance (about 2e-11 relative in sigma on rs_fev_us), which
     * {@code NewtonScoringTest} checks.
     */
    private static FitResult fitByBfgs(Design design, FitOptions options) {
        String key = "mixedmodels.residualOptimizer";
        String before = System.getProperty(key);
        System.setProperty(key, "bfgs");
        try {
            return LinearMixedModel.fit(design, options);
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    private static void compare(JsonObject c, FitResult fit, String what, double tolerance, double thetaTolerance) {
        assertArrayEquals(numbers(c, "theta"), fit.theta(), thetaTolerance, what + " theta");
        assertClose(c.get("sigma").getAsDouble(), fit.sigma(), tolerance, what + " sigma");
        assertClose(c.get("logLik").getAsDouble(), fit.logLik(), tolerance, what + " logLik");
        assertClose(c.get("AIC").getAsDouble(), fit.aic(), tolerance, what + " AIC");
        assertClose(c.get("BIC").getAsDouble(), fit.bic(), tolerance, what + " BIC");
        assertEquals(c.get("singular").getAsBoolean(), fit.singular(), what + " singular");
        c.getAsJsonObject("ngroups").entrySet().forEach(e ->
                assertEquals(e.getValue().getAsInt(), fit.ngroups().get(e.getKey()), what + " ngroups"));
        double[] estimate = numbers(c, "estimate");
        double[] se = numbers(c, "se");
        assertEquals(estimate.length, fit.fixedEffects().size());
        for (int i = 0; i < estimate.length; i++) {
            FixedEffect f = fit.fixedEffects().get(i);
            assertClose(estimate[i], f.estimate(), tolerance, se[i], what + " " + f.term());
            assertClose(se[i], f.se(), tolerance, what + " se " + f.term());
            assertClose(se[i] * se[i], fit.fixedCovariance()[i][i], tolerance, what + " vcov " + f.term());
        }
        double[] vcov = numbers(c, "vcov");
        assertEquals(vcov.length, fit.varCorr().size(), what + " varCorr rows");
        for (int i = 0; i < vcov.length; i++) {
            assertClose(vcov[i], fit.varCorr().get(i).vcov(), tolerance, Math.abs(vcov[0]), what + " varCorr " + i);
        }
        double[] value = numbers(c, "ranef_value");
        double[] condsd = numbers(c, "ranef_condsd");
        double sdScale = java.util.Arrays.stream(condsd).max().orElse(0);
        for (int i = 0; i < value.length; i++) {
            RandomEffect r = fit.randomEffects().get(i);
            assertClose(value[i], r.value(), tolerance, sdScale, what + " BLUP " + r.level());
            assertClose(condsd[i], r.condsd(), tolerance, what + " condsd " + r.level());
        }
        double[] conditional = numbers(c, "fitted_conditional");
        double[] population = numbers(c, "fitted_population");
        for (int i = 0; i < conditional.length; i++) {
            assertClose(conditional[i], fit.fittedConditional()[i], tolerance, what + " fitted " + i);
            assertClose(population[i], fit.fittedPopulation()[i], tolerance, what + " population " + i);
        }
        List<String> warnings = new ArrayList<>();
        c.getAsJsonArray("warnings").forEach(w -> warnings.add(w.getAsString()));
        assertEquals(warnings, fit.warnings(), what + " warnings");
    }

    private static void assertSame(FitResult a, FitResult b, String what) {
        assertArrayEquals(a.theta(), b.theta(), 0, what);
        assertEquals(a.sigma(), b.sigma(), 0, what);
        assertEquals(a.logLik(), b.logLik(), 0, what);
        assertEquals(a.aic(), b.aic(), 0, what);
        assertEquals(a.bic(), b.bic(), 0, what);
        assertEquals(a.fixedEffects(), b.fixedEffects(), what);
        for (int i = 0; i < a.fixedCovariance().length; i++) {
            assertArrayEquals(a.fixedCovariance()[i], b.fixedCovariance()[i], 0, what);
        }
        assertEquals(a.varCorr(), b.varCorr(), what);
        assertEquals(a.randomEffects(), b.randomEffects(), what);
        assertArrayEquals(a.fittedConditional(), b.fittedConditional(), 0, what);
        assertArrayEquals(a.fittedPopulation(), b.fittedPopulation(), 0, what);
        assertArrayEquals(a.residuals(), b.residuals(), 0, what);
        assertEquals(a.warnings(), b.warnings(), what);
        assertEquals(a.ngroups(), b.ngroups(), what);
        assertEquals(a.singular(), b.singular(), what);
    }

    // ---- the steps alone ----

    /** SE = sqrt(cov_ii), t = estimate / SE; the covariance scaled by sigma^2 element by element. */
    @Test
    void fixedEffectsTableFromBetaAndCovariance() {
        double[][] vcov = FitAssembly.scaled(new double[][] {{4, 1}, {1, 0.25}}, 9);
        assertArrayEquals(new double[] {36, 9}, vcov[0], 0);
        assertArrayEquals(new double[] {9, 2.25}, vcov[1], 0);
        List<FixedEffect> f = FitAssembly.fixedEffects(List.of("(Intercept)", "x"), new double[] {12, -3}, vcov);
        assertEquals(new FixedEffect("(Intercept)", 12, 6, 2), f.get(0));
        assertEquals(new FixedEffect("x", -3, 1.5, -2), f.get(1));
    }

    /** X beta per row; residuals y - fitted; no rows (a fit from statistics) gives empty vectors. */
    @Test
    void fittedValuesAndResiduals() {
        double[][] x = {{1, 1, 1}, {0, 1, 2}};
        double[] eta = FitAssembly.population(x, new double[] {2, 0.5}, 3);
        assertArrayEquals(new double[] {2, 2.5, 3}, eta, 0);
        assertArrayEquals(new double[] {1, -0.5, 0}, FitAssembly.residuals(new double[] {3, 2, 3}, eta), 0);
        assertEquals(0, FitAssembly.population(new double[][] {{}}, new double[] {1}, 0).length);
    }

    /**
     * Sigma = sigma^2 Lambda Lambda' by hand: theta (2, 0.5, 1), sigma 3: Lambda Lambda' = [[4, 1], [1, 1.25]],
     * variances 36 and 11.25, covariance 9, correlation 9 / sqrt(36 x 11.25); the residual row last.
     */
    @Test
    void varianceComponentsByHand() {
        Design design = Design.build(FormulaParser.parse("Reaction ~ Days + (Days | Subject)"),
                ReferenceCase.data("data/sleepstudy.csv"), Map.of());
        List<VarCorrRow> rows = FitAssembly.varCorr(design.randomTerms(), new double[] {2, 0.5, 1}, 3);
        assertEquals(4, rows.size());
        assertEquals(new VarCorrRow("Subject", "(Intercept)", null, 36, 6), rows.get(0));
        assertEquals(new VarCorrRow("Subject", "Days", null, 11.25, Math.sqrt(11.25)), rows.get(1));
        assertEquals("Days", rows.get(2).var2());
        assertClose(9, rows.get(2).vcov(), 1e-15, "covariance");
        assertClose(9 / Math.sqrt(36 * 11.25), rows.get(2).sdcor(), 1e-15, "correlation");
        assertEquals(new VarCorrRow("Residual", null, null, 9, 3), rows.get(3));
        assertEquals(Map.of("Subject", 18), FitAssembly.ngroups(design.randomTerms()));
    }

    /** lme4's isSingular: a bounded (diagonal) entry below 1e-4; an off-diagonal one never; entries past the bounds unread. */
    @Test
    void boundaryCheck() {
        double[] lower = {0, Double.NEGATIVE_INFINITY, 0};
        assertFalse(FitAssembly.isSingular(new double[] {0.5, -1e-9, 0.2}, lower));
        assertTrue(FitAssembly.isSingular(new double[] {0.5, 0.3, 9e-5}, lower));
        assertFalse(FitAssembly.isSingular(new double[] {0.5, 0.3, 0.2, 0.0}, lower));
    }

    /** The design's warnings, the fit's notes, the boundary warning, the convergence warning, in that order. */
    @Test
    void warningsInOrder() {
        OptimizerSummary failed = new OptimizerSummary("BOBYQA", new double[1], new double[1], 1, 10, false, "stopped");
        List<String> w = FitAssembly.warnings(List.of("design"), List.of("note"), true, failed);
        assertEquals(4, w.size());
        assertEquals("design", w.get(0));
        assertEquals("note", w.get(1));
        assertTrue(w.get(2).startsWith("boundary (singular) fit"), w.get(2));
        assertEquals("Model failed to converge: stopped.", w.get(3));
        OptimizerSummary ok = new OptimizerSummary("BOBYQA", new double[1], new double[1], 1, 10, true, "converged");
        assertEquals(List.of(), FitAssembly.warnings(List.of(), List.of(), false, ok));
    }

    /** AIC = objective + 2 k, BIC = objective + log(n) k. */
    @Test
    void informationCriteria() {
        assertEquals(112, FitAssembly.aic(100, 6), 0);
        assertEquals(100 + Math.log(180) * 6, FitAssembly.bic(100, 6, 180), 0);
    }
}
