package org.mixedmodels.engine.fit;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Minimizes the profiled objective over theta within its bounds (lme4's {@code optimizeLmer}).
 * Several parameters: BOBYQA (Powell 2009), the derivative-free bound-constrained method lme4 and
 * MixedModels.jl use. A single parameter: BOBYQA needs at least two, so Brent's method on a bracket
 * that is widened until the minimum lies inside it. Afterwards every diagonal parameter close to its
 * bound 0 is tried at exactly 0 and kept there when the objective is no worse, so that a boundary
 * (singular) fit is reported as such.
 */
public final class ThetaOptimizer {
    /** BOBYQA's initial trust-region radius (theta is on the scale of SD ratios, starting at 1). */
    public static final double DEFAULT_INITIAL_RADIUS = 0.2;
    /**
     * BOBYQA's final trust-region radius: theta is located to about this precision. lme4 stops at minqa's default
     * 1e-6 times the initial radius (2e-7); 1e-7 keeps every reference case within its tolerance and saves about a
     * sixth of the evaluations of 1e-9.
     */
    public static final double DEFAULT_STOPPING_RADIUS = 1e-7;
    /** Brent's relative and absolute tolerances on theta for a single parameter. */
    public static final double DEFAULT_BRENT_RELATIVE = 1e-12;
    public static final double DEFAULT_BRENT_ABSOLUTE = 1e-14;
    /** Budget of objective evaluations. */
    public static final int DEFAULT_MAX_EVALUATIONS = 100_000;
    /** Diagonal thetas below this are tried at the boundary 0. */
    public static final double DEFAULT_BOUNDARY_CHECK = 1e-4;

    private ThetaOptimizer() {
    }

    public static OptimizerSummary minimize(MultivariateFunction objective, double[] initial, double[] lower) {
        int dim = initial.length;
        double[] theta;
        String optimizer;
        boolean converged = true;
        String message = "converged";
        int[] count = {0};
        double[] best = {Double.POSITIVE_INFINITY};
        double[][] bestPoint = {initial.clone()};
        MultivariateFunction counted = t -> {
            count[0]++;
            double v = objective.value(t);
            if (v < best[0]) {
                best[0] = v;
                bestPoint[0] = t.clone();
            }
            return v;
        };
        if (dim == 1) {
            optimizer = "Brent";
            theta = new double[] {minimizeOne(counted, initial[0], lower[0])};
        } else {
            optimizer = "BOBYQA";
            double[] upper = new double[dim];
            java.util.Arrays.fill(upper, Double.POSITIVE_INFINITY);
            theta = null;
            // BOBYQA can break down ("trust region step has failed to reduce Q") on flat, boundary objectives;
            // it is then restarted from the best point so far with a smaller trust region, as Powell suggests.
            double radius = DEFAULT_INITIAL_RADIUS;
            double[] start = initial;
            for (int attempt = 0; attempt < 3 && theta == null; attempt++) {
                BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * dim + 1, radius, DEFAULT_STOPPING_RADIUS);
                try {
                    PointValuePair result = bobyqa.optimize(new MaxEval(DEFAULT_MAX_EVALUATIONS),
                            new ObjectiveFunction(counted), GoalType.MINIMIZE, new InitialGuess(start),
                            new SimpleBounds(lower, upper));
                    theta = result.getPoint();
                } catch (TooManyEvaluationsException e) {
                    converged = false;
                    message = "the optimizer stopped after " + DEFAULT_MAX_EVALUATIONS
                            + " evaluations without meeting its tolerance; the estimates may not be the optimum";
                    theta = bestPoint[0].clone();
                } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
                    start = inside(bestPoint[0], lower);
                    radius /= 10;
                }
            }
            if (theta == null) {
                converged = false;
                message = "the optimizer (BOBYQA) broke down three times; the estimates are the best point found";
                theta = bestPoint[0].clone();
            }
        }
        // The optimizer's point is usually its best evaluated one, whose value is known: evaluating the objective (a
        // deterministic function of theta) there again would give the same number at the cost of a factorization
        double value = java.util.Arrays.equals(theta, bestPoint[0]) ? best[0] : counted.value(theta);
        for (int i = 0; i < dim; i++) {
            if (lower[i] == 0.0 && theta[i] > 0 && theta[i] < DEFAULT_BOUNDARY_CHECK) {
                double[] trial = theta.clone();
                trial[i] = 0.0;
                double v = counted.value(trial);
                if (v <= value) {
                    theta = trial;
                    value = v;
                }
            }
        }
        return new OptimizerSummary(optimizer, initial.clone(), theta, value, count[0], converged, message);
    }

    /**
     * The optimizer's result after a final Newton step on the same (unit-free) objective ({@link NewtonPolish}),
     * with the polish's evaluations counted; unchanged when the optimizer did not converge.
     */
    public static OptimizerSummary polished(MultivariateFunction objective, OptimizerSummary opt, double[] lower) {
        if (!opt.converged()) {
            return opt;
        }
        NewtonPolish.Result r = NewtonPolish.polish(objective, opt.theta(), opt.objective(), lower);
        return new OptimizerSummary(opt.optimizer(), opt.initialTheta(), r.x(), r.value(),
                opt.evaluations() + r.evaluations(), true, opt.message(), opt.iterations() + r.evaluations());
    }

    /** The point moved strictly inside its lower bounds (BOBYQA needs room for its first trust region). */
    private static double[] inside(double[] x, double[] lower) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(lower[i]) && y[i] < lower[i] + 1e-6) {
                y[i] = lower[i] + 1e-6;
            }
        }
        return y;
    }

    private static double minimizeOne(MultivariateFunction f, double start, double lower) {
        double[] x = new double[1];
        UnivariateObjectiveFunction g = new UnivariateObjectiveFunction(t -> {
            x[0] = t;
            return f.value(x);
        });
        double upper = Math.max(4 * start, 4.0);
        BrentOptimizer brent = new BrentOptimizer(DEFAULT_BRENT_RELATIVE, DEFAULT_BRENT_ABSOLUTE);
        while (true) {
            UnivariatePointValuePair best = brent.optimize(new MaxEval(DEFAULT_MAX_EVALUATIONS), g, GoalType.MINIMIZE,
                    new SearchInterval(lower, upper, Math.min(start, upper / 2)));
            // A minimum near the bracket's upper end may lie beyond it: widen and search again.
            if (best.getPoint() < 0.9 * upper || upper > 1e8) {
                double at = best.getPoint();
                x[0] = lower;
                double atBound = f.value(x);
                return atBound <= best.getValue() ? lower : at;
            }
            upper *= 8;
        }
    }
}
