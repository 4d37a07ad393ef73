package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * {@link ThetaOptimizer#minimizePolished}: the coarse optimizer and Newton steps reach the optimum of the tight
 * optimizer and its polish ({@link ThetaOptimizer#minimize}, {@link ThetaOptimizer#polished}) to far below 1e-8, in
 * fewer evaluations, each point evaluated once; where the Newton steps cannot settle the optimum (a coordinate next
 * to its bound) the tight optimizer takes over from the best point.
 */
class ThetaOptimizerTest {
    static Stream<Arguments> designs() {
        return Stream.of(
                Arguments.of("data/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)"),
                Arguments.of("data/penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)"),
                Arguments.of("data/pastes.csv", "strength ~ 1 + (1 | batch/cask)"),
                Arguments.of("data/sleepstudy.csv", "Reaction ~ 0 + (1 | Subject)"),
                Arguments.of("data/dyestuff.csv", "Yield ~ 1 + (1 | Batch)"),
                Arguments.of("data/crossed_slopes.csv", "y ~ condition + x + (1 | subject) + (x | item)"));
    }

    /** The objective as the fit sees it: theta relative to its random-effect column's scale, points recorded. */
    private static MultivariateFunction unitFree(Design design, List<double[]> points) {
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        double[] scale = LinearMixedModel.thetaScales(design);
        return u -> {
            points.add(u.clone());
            return deviance.value(ThetaLayout.divide(u, scale));
        };
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("designs")
    void reachesTheTightOptimumInFewerEvaluations(String data, String formula) {
        Design design = Design.build(FormulaParser.parse(formula), ReferenceCase.data(data), Map.of());
        ProfiledDeviance d = new ProfiledDeviance(design, true);
        List<double[]> tightPoints = new java.util.ArrayList<>();
        MultivariateFunction tight = unitFree(design, tightPoints);
        OptimizerSummary before = ThetaOptimizer.polished(tight,
                ThetaOptimizer.minimize(tight, d.initialTheta(), d.lowerBounds()), d.lowerBounds());
        List<double[]> points = new java.util.ArrayList<>();
        OptimizerSummary after = ThetaOptimizer.minimizePolished(unitFree(design, points), d.initialTheta(),
                d.lowerBounds());
        assertTrue(after.converged());
        for (int i = 0; i < before.theta().length; i++) {
            assertEquals(before.theta()[i], after.theta()[i], 1e-8 * Math.max(1, Math.abs(before.theta()[i])),
                    "theta[" + i + "]");
        }
        assertEquals(before.objective(), after.objective(), 1e-12 * Math.abs(before.objective()));
        assertTrue(after.evaluations() < before.evaluations(), after.evaluations() + " vs " + before.evaluations());
        // every point evaluated once, and the count is of those evaluations
        assertEquals(points.size(), after.evaluations());
        Set<List<Double>> distinct = new HashSet<>();
        for (double[] p : points) {
            distinct.add(java.util.Arrays.stream(p).boxed().toList());
        }
        assertEquals(points.size(), distinct.size(), "a point evaluated twice");
        // the returned point is the last evaluated (its factor is the one the fit reads)
        assertTrue(java.util.Arrays.equals(after.theta(), points.get(points.size() - 1)) || after.theta().length == 1
                && after.theta()[0] == 0.0, "the optimum is the last evaluation");
    }

    @Test
    void aCoordinateNextToItsBoundFallsBackToTheTightOptimizer() {
        // the minimum over x1 >= 0 at x1 = 1.5e-4: inside two Newton difference steps of the bound, too close to move
        // by differences, and no better at 0
        MultivariateFunction f = x -> {
            double a = x[0] - 0.5;
            double b = x[1] - 1.5e-4;
            return 2 * a * a + a * b + 50 * b * b + 1;
        };
        double[] lower = {0, 0};
        OptimizerSummary opt = ThetaOptimizer.minimizePolished(f, new double[] {1, 1}, lower);
        OptimizerSummary tight = ThetaOptimizer.polished(f, ThetaOptimizer.minimize(f, new double[] {1, 1}, lower),
                lower);
        assertTrue(opt.converged());
        // both to BOBYQA's stopping radius 1e-7 (x0 then Newton-polished)
        assertEquals(1.5e-4, opt.theta()[1], 2e-7);
        assertEquals(tight.theta()[1], opt.theta()[1], 3e-7);
        assertEquals(0.5, opt.theta()[0], 1e-8);
    }

    @Test
    void oneParameterFarBeyondTheFirstBracketAndAtItsBound() {
        // Brent's first bracket is [0, 4]; the minimum at 50 is reached by widening as soon as Brent heads for the end
        MultivariateFunction far = x -> Math.log(x[0]) * Math.log(x[0]) - 2 * Math.log(50) * Math.log(x[0]);
        OptimizerSummary a = ThetaOptimizer.minimizePolished(far, new double[] {1}, new double[] {0});
        OptimizerSummary b = ThetaOptimizer.polished(far, ThetaOptimizer.minimize(far, new double[] {1},
                new double[] {0}), new double[] {0});
        assertEquals(50, a.theta()[0], 1e-7);
        assertTrue(a.evaluations() < b.evaluations(), a.evaluations() + " vs " + b.evaluations());
        // an increasing objective: exactly 0, converged
        MultivariateFunction up = x -> (x[0] + 0.3) * (x[0] + 0.3);
        OptimizerSummary z = ThetaOptimizer.minimizePolished(up, new double[] {1}, new double[] {0});
        assertTrue(z.converged());
        assertEquals(0.0, z.theta()[0], 0.0);
    }
}
