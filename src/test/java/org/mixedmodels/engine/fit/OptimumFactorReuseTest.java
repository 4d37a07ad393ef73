package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The factor at the optimum is the optimizer's last one whenever its last evaluation was the optimum, and
 * {@link LinearMixedModel#assemble} then reads it instead of factoring the same theta again; the result is the same,
 * bit for bit, as from a factor made afresh at that theta. Also: {@link ThetaOptimizer#minimize} takes the value of
 * its best evaluated point from that evaluation rather than evaluating it again.
 */
class OptimumFactorReuseTest {
    static Stream<Arguments> designs() {
        return Stream.of(
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)"),
                Arguments.of("data/penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)"),
                Arguments.of("data/pastes.csv", "strength ~ 1 + (1 | batch/cask)"),
                Arguments.of("data/crossed_slopes.csv", "y ~ condition + x + (1 | subject) + (x | item)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void reusedFactorGivesTheResultOfAFreshOne(String data, String formula) {
        Design design = Design.build(FormulaParser.parse(formula), ReferenceCase.data(data), Map.of());
        FitOptions options = new FitOptions(FitOptions.Method.REML, Map.of());
        FitResult fit = LinearMixedModel.fit(design, options);
        double[] theta = fit.theta();

        // the optimum's factor still current: no factorization in assemble
        ProfiledDeviance current = new ProfiledDeviance(design, true);
        current.value(theta.clone());
        int before = current.factorizations();
        assertTrue(current.factoredAt(theta));
        FitResult reused = LinearMixedModel.assemble(design, options, current, fit.optimizer());
        assertEquals(before, current.factorizations(), "the optimum's factor is read, not made again");

        // the last factor elsewhere: assemble factors the optimum (one factorization)
        ProfiledDeviance moved = new ProfiledDeviance(design, true);
        double[] elsewhere = theta.clone();
        elsewhere[0] = elsewhere[0] * 1.5 + 0.1;
        moved.value(elsewhere);
        assertFalse(moved.factoredAt(theta));
        FitResult fresh = LinearMixedModel.assemble(design, options, moved, fit.optimizer());
        assertEquals(2, moved.factorizations());

        for (FitResult r : List.of(reused, fresh)) {
            assertArrayEquals(fit.theta(), r.theta(), 0.0);
            assertEquals(fit.sigma(), r.sigma(), 0.0);
            assertEquals(fit.objective(), r.objective(), 0.0);
            assertArrayEquals(fit.beta(), r.beta(), 0.0);
            for (int i = 0; i < fit.fixedCovariance().length; i++) {
                assertArrayEquals(fit.fixedCovariance()[i], r.fixedCovariance()[i], 0.0);
            }
            assertEquals(fit.randomEffects(), r.randomEffects()); // records: values and condsd compared exactly
            assertArrayEquals(fit.fittedConditional(), r.fittedConditional(), 0.0);
            assertArrayEquals(fit.residuals(), r.residuals(), 0.0);
        }
    }

    @Test
    void optimizersBestPointIsNotEvaluatedAgain() {
        List<double[]> points = new ArrayList<>();
        org.apache.commons.math3.analysis.MultivariateFunction f = x -> {
            points.add(x.clone());
            double a = x[0] - 0.7;
            double b = x[1] - 1.3;
            return 3 * a * a + a * b + 2 * b * b + 5;
        };
        OptimizerSummary opt = ThetaOptimizer.minimize(f, new double[] {1, 1},
                new double[] {0, Double.NEGATIVE_INFINITY});
        long atOptimum = points.stream().filter(p -> java.util.Arrays.equals(p, opt.theta())).count();
        assertEquals(1, atOptimum, "the returned point evaluated once");
        assertEquals(points.size(), opt.evaluations());
        assertEquals(f.value(opt.theta()), opt.objective(), 0.0);
    }
}
