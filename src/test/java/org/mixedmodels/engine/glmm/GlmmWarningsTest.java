package org.mixedmodels.engine.glmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/** lme4's warnings where they apply (singular fit, large gradient) and ours (separation), and no false alarms. */
class GlmmWarningsTest {

    /** The reference fits converge cleanly in lme4 (no messages); ours give no warning either. */
    @ParameterizedTest
    @ValueSource(strings = {"cbpp_binomial_laplace", "cbpp_binomial_agq25", "grouseticks_poisson_laplace",
        "binary_random_slope_laplace", "counts_offset_laplace"})
    void noFalseAlarms(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        GlmmResult r = GlmmReferenceTest.fit(c);
        assertEquals(List.of(), r.warnings(), name);
        assertTrue(r.converged(), name);
        assertFalse(r.singular(), name);
        // lme4's gradient check passes by a wide margin
        for (double g : r.scaledGradient()) {
            assertTrue(Math.abs(g) < GeneralizedLinearMixedModel.GRADIENT_TOLERANCE / 10, name + " scaled gradient " + g);
        }
    }

    /**
     * The gradient check itself: the result assembled at a point 0.1 SE beside the optimum (in the last
     * coefficient) reports lme4's convergence warning with that component.
     */
    @Test
    void largeGradientAwayFromTheOptimum() {
        ReferenceCase c = ReferenceCase.load("binary_random_slope_laplace");
        GlmmResult fit = GlmmReferenceTest.fit(c);
        GeneralizedLinearMixedModel.Problem problem = GeneralizedLinearMixedModel.Problem.of(
                FormulaParser.parse(c.string("formula")), c.data(), GlmmOptions.of(Family.BINOMIAL));
        double[] t = new double[problem.dimension()];
        for (int i = 0; i < problem.nTheta; i++) {
            t[i] = fit.theta()[i] * problem.thetaScale[i];
        }
        for (int k = 0; k < problem.p; k++) {
            t[problem.nTheta + k] = problem.betaCoordinate(k, fit.beta()[k]);
        }
        t[t.length - 1] += 0.1 * fit.fixed().get(problem.p - 1).se() / problem.glm.se()[problem.p - 1];
        GlmmResult r = problem.result(new GeneralizedLinearMixedModel.Problem.Optimum(t, problem.value(t), 1));
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("Model failed to converge with max|grad| = ")
                && w.endsWith("(tol = 0.002, component " + t.length + ")")), r.warnings().toString());
        assertFalse(r.converged());
    }

    @Test
    void numbersPrintAsR() {
        assertEquals("0.002", GeneralizedLinearMixedModel.cFormatG(0.002));
        assertEquals("0.428462", GeneralizedLinearMixedModel.cFormatG(0.4284619));
        assertEquals("1.5e-05", GeneralizedLinearMixedModel.cFormatG(1.5e-5));
        assertEquals("123457", GeneralizedLinearMixedModel.cFormatG(123456.7));
    }

    /** Responders by arm with one arm that never responds: quasi-complete separation by that arm's coefficient. */
    private static DataFrame arms(boolean separated) throws java.io.IOException {
        SplittableRandom random = new SplittableRandom(7);
        StringBuilder csv = new StringBuilder("y,arm,x,g\n");
        for (int g = 0; g < 30; g++) {
            double u = 0.8 * (random.nextDouble() - 0.5) * 3.4;
            for (int j = 0; j < 6; j++) {
                String arm = g < 10 ? "A" : g < 20 ? "B" : "C";
                double x = random.nextDouble() * 2 - 1;
                double eta = -0.3 + 0.7 * x + u;
                int y = random.nextDouble() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
                if (separated && arm.equals("C")) {
                    y = 0;
                }
                csv.append(y).append(',').append(arm).append(',').append(x).append(",G").append(g).append('\n');
            }
        }
        return CsvReader.read(new StringReader(csv.toString()), "arms");
    }

    @Test
    void separationIsDetected() throws java.io.IOException {
        GlmmResult r = GeneralizedLinearMixedModel.fit("y ~ arm + x + (1 | g)", arms(true), GlmmOptions.of(Family.BINOMIAL));
        String w = r.warnings().stream().filter(s -> s.startsWith("complete separation detected")).findFirst()
                .orElseThrow(() -> new AssertionError(r.warnings().toString()));
        assertTrue(w.contains("'armC'") && !w.contains("'x'") && w.contains("60 rows"), w);
    }

    @Test
    void noSeparationNoWarning() throws java.io.IOException {
        GlmmResult r = GeneralizedLinearMixedModel.fit("y ~ arm + x + (1 | g)", arms(false), GlmmOptions.of(Family.BINOMIAL));
        assertTrue(r.warnings().stream().noneMatch(s -> s.contains("separation")), r.warnings().toString());
    }

    /**
     * Complete separation by a covariate (y = 1 exactly when x > 0): the GLM that gives the start fails, with a
     * message naming separation (lme4 fails too: "pwrssUpdate did not converge").
     */
    @Test
    void completeSeparationByACovariate() throws java.io.IOException {
        SplittableRandom random = new SplittableRandom(11);
        StringBuilder csv = new StringBuilder("y,x,g\n");
        for (int i = 0; i < 120; i++) {
            double x = random.nextDouble() * 2 - 1;
            csv.append(x > 0 ? 1 : 0).append(',').append(x).append(",G").append(i % 12).append('\n');
        }
        DataFrame d = CsvReader.read(new StringReader(csv.toString()), "separated");
        String m = org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> GeneralizedLinearMixedModel.fit("y ~ x + (1 | g)", d, GlmmOptions.of(Family.BINOMIAL))).getMessage();
        assertTrue(m.contains("complete separation"), m);
    }
}
