package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.junit.jupiter.api.Test;

/**
 * The final Newton step: from a point the optimizer left within its stopping radius it reaches the minimum of a
 * smooth, non-quadratic function far closer (the difference gradient's truncation, h^2 f''' / 6, and rounding are
 * what is left); coordinates next to their bound, a saddle and a step beyond the trusted length leave the point.
 */
class NewtonPolishTest {
    /** f(x) = exp(x0 - 1) - x0 + 3 (x1 - 2)^2 + (x0 - 1)(x1 - 2) + (x1 - 2)^4 + 10: minimum at (1, 2). */
    private static double f(double[] x) {
        double a = x[0] - 1;
        double b = x[1] - 2;
        return Math.exp(a) - a + 3 * b * b + a * b + b * b * b * b + 10;
    }

    private static double valueAndGradient(double[] x, double[] grad) {
        double a = x[0] - 1;
        double b = x[1] - 2;
        grad[0] = Math.exp(a) - 1 + b;
        grad[1] = 6 * b + a + 4 * b * b * b;
        return f(x);
    }

    @Test
    void reachesTheMinimumFromTheOptimizersRadius() {
        double[] start = {1 + 3e-7, 2 - 2e-7};
        double[] lower = {Double.NEGATIVE_INFINITY, 0};
        NewtonPolish.Result r = NewtonPolish.polish(NewtonPolishTest::f, start, f(start), lower);
        assertEquals(1, r.steps());
        // the difference gradient's truncation h^2 f'''(x0) / 6 = 1.7e-9 over the curvature is what is left
        assertEquals(1.0, r.x()[0], 5e-9);
        assertEquals(2.0, r.x()[1], 5e-9);
        assertEquals(2 * 2 + 1 + 1, r.evaluations()); // x +- h e_i, one mixed point, the new point
        NewtonPolish.Result g = NewtonPolish.polish(NewtonPolishTest::valueAndGradient, start, lower);
        assertEquals(1.0, g.x()[0], 1e-12);
        assertEquals(2.0, g.x()[1], 1e-12);
    }

    @Test
    void aLongerDistanceTakesMoreSteps() {
        double[] start = {1 + 2e-4, 2 - 1e-4};
        NewtonPolish.Result r = NewtonPolish.polish(NewtonPolishTest::f, start, f(start),
                new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
        assertTrue(r.steps() >= 2, "steps " + r.steps());
        assertEquals(1.0, r.x()[0], 5e-9);
        assertEquals(2.0, r.x()[1], 5e-9);
    }

    @Test
    void aCoordinateAtItsBoundStays() {
        // minimum of (x0 - 1)^2 + (x1 + 1)^2 over x1 >= 0 is at the bound; only x0 moves
        MultivariateFunction q = x -> (x[0] - 1) * (x[0] - 1) + (x[1] + 1) * (x[1] + 1);
        double[] start = {1 + 1e-6, 0};
        NewtonPolish.Result r = NewtonPolish.polish(q, start, q.value(start), new double[] {Double.NEGATIVE_INFINITY, 0});
        assertEquals(1.0, r.x()[0], 1e-10);
        assertEquals(0.0, r.x()[1], 0.0);
    }

    @Test
    void aSaddleOrAFarMinimumLeavesThePoint() {
        MultivariateFunction saddle = x -> x[0] * x[0] - x[1] * x[1];
        double[] start = {1e-6, 1e-6};
        double[] free = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        NewtonPolish.Result r = NewtonPolish.polish(saddle, start, saddle.value(start), free);
        assertArrayEquals(start, r.x(), 0.0);
        assertEquals(0, r.steps());
        // a minimum 0.1 away is not where the optimizer stopped: the quadratic model is not trusted that far
        MultivariateFunction far = x -> (x[0] - 0.1) * (x[0] - 0.1) + x[1] * x[1];
        NewtonPolish.Result s = NewtonPolish.polish(far, start, far.value(start), free);
        assertArrayEquals(start, s.x(), 0.0);
    }
}
