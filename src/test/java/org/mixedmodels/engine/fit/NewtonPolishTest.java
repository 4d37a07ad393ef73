package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    @Test
    void convergeStepsUntilAStepIsWithinTheTolerance() {
        // from a coarse optimizer's radius (1e-4 away): the first step measures the whole Hessian (2k + k(k - 1)/2
        // points and the new point), the later ones only the gradient and diagonal (2k points and the new point)
        double[] start = {1 + 8e-5, 2 - 6e-5};
        double[] free = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        int[] calls = {0};
        MultivariateFunction counted = x -> {
            calls[0]++;
            return f(x);
        };
        NewtonPolish.Result r = NewtonPolish.converge(counted, start, f(start), free, 1e-7, 1e-3, 5);
        assertTrue(r.converged());
        assertTrue(r.steps() >= 2, "steps " + r.steps());
        assertEquals(calls[0], r.evaluations());
        assertEquals(2 * 2 + 1 + 1 + (r.steps() - 1) * (2 * 2 + 1), r.evaluations(), "mixed entries reused");
        // the same zero of the difference gradient as a polish from within BOBYQA's radius, far closer than 1e-8
        double[] near = {1 + 3e-8, 2 - 2e-8};
        NewtonPolish.Result p = NewtonPolish.polish(NewtonPolishTest::f, near, f(near), free);
        assertEquals(p.x()[0], r.x()[0], 1e-11);
        assertEquals(p.x()[1], r.x()[1], 1e-11);
        assertEquals(1.0, r.x()[0], 5e-9);
        assertEquals(2.0, r.x()[1], 5e-9);
        // too few steps allowed for the tolerance: not converged
        assertFalse(NewtonPolish.converge(NewtonPolishTest::f, start, f(start), free, 1e-7, 1e-3, 1).converged());
    }

    @Test
    void convergeIsRefusedNextToABoundAndAtASaddle() {
        MultivariateFunction q = x -> (x[0] - 1) * (x[0] - 1) + (x[1] + 1) * (x[1] + 1);
        double[] lower = {Double.NEGATIVE_INFINITY, 0};
        // at the bound exactly: the other coordinate converges, and so does the whole
        double[] atBound = {1 + 1e-5, 0};
        NewtonPolish.Result r = NewtonPolish.converge(q, atBound, q.value(atBound), lower, 1e-7, 1e-3, 5);
        assertTrue(r.converged());
        assertEquals(1.0, r.x()[0], 1e-10);
        // next to it (within two difference steps, not at it): where it belongs is not settled by the steps
        double[] nextTo = {1 + 1e-5, 1e-5};
        assertFalse(NewtonPolish.converge(q, nextTo, q.value(nextTo), lower, 1e-7, 1e-3, 5).converged());
        // every coordinate at its bound: nothing to step, converged without an evaluation
        MultivariateFunction up = x -> (x[0] + 1) * (x[0] + 1) + (x[1] + 1) * (x[1] + 1);
        NewtonPolish.Result b = NewtonPolish.converge(up, new double[] {0, 0}, 2, new double[] {0, 0}, 1e-7, 1e-3, 5);
        assertTrue(b.converged());
        assertEquals(0, b.evaluations());
        MultivariateFunction saddle = x -> x[0] * x[0] - x[1] * x[1];
        double[] start = {1e-6, 1e-6};
        assertFalse(NewtonPolish.converge(saddle, start, saddle.value(start),
                new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 1e-7, 1e-3, 5).converged());
    }
}
