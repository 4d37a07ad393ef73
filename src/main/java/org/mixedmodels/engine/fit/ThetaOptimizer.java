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
 *
 * <p>A fit ({@link #minimizePolished}) runs the optimizer only to a coarse radius and lets Newton steps on central
 * differences ({@link NewtonPolish#converge}) finish, with their own convergence check; only where those cannot
 * settle the optimum does the optimizer go on to its tight radius, followed by a single {@link #polished} step as
 * before. Over the lme4 reference cases that takes 1164 evaluations instead of 1777 (InstEval: 42 instead of 54),
 * with the optimum unchanged to a few 1e-9 relative. {@link #minimize} (the profiles' inner optimizations) is the
 * tight optimizer alone.
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

    /**
     * The coarse stage of {@link #minimizePolished}: BOBYQA stops at this trust-region radius, where Newton steps take
     * over. At 1e-4 the optimizer's point is within a few 1e-5 of the optimum on the reference cases and InstEval,
     * close enough for the first Newton step to land within about 1e-8 (a Newton step leaves about the Hessian's
     * relative error, 1e-4, times its length, plus the objective's third derivative times the length squared).
     */
    public static final double COARSE_STOPPING_RADIUS = 1e-4;
    /** The coarse stage's Brent tolerances (relative and absolute) for a single parameter. */
    public static final double COARSE_BRENT_RELATIVE = 1e-5;
    public static final double COARSE_BRENT_ABSOLUTE = 1e-5;
    /**
     * The coarse stage interpolates a full quadratic ((k + 1)(k + 2) / 2 points) up to this many parameters, 2k + 1
     * points above: on the reference cases (k = 2 to 4) the full model's better steps save more evaluations than its
     * extra initial points cost (1218 against 1412 over the lme4 suite); above four parameters that has not been
     * measured, and the initial points grow with k^2.
     */
    public static final int FULL_QUADRATIC_MAX = 4;
    /**
     * Newton steps after the coarse stage stop once a step is no longer than this (unit-free coordinates): the point
     * is then within about 1e-4 times that of the zero of the difference gradient, closer than a single
     * {@link #polished} step from BOBYQA's {@link #DEFAULT_STOPPING_RADIUS}.
     */
    public static final double NEWTON_TOLERANCE = 1e-7;
    /** At most this many Newton steps after the coarse stage (two are usual, the second confirming the first). */
    public static final int NEWTON_MAX_STEPS = 5;

    private ThetaOptimizer() {
    }

    /** What one optimizer run aims at: BOBYQA's radii and interpolation points, or Brent's tolerances. */
    private record Stage(double initialRadius, double stoppingRadius, boolean fullQuadratic, double brentRelative,
            double brentAbsolute, boolean eagerBracket) {
        static final Stage TIGHT = new Stage(DEFAULT_INITIAL_RADIUS, DEFAULT_STOPPING_RADIUS, false,
                DEFAULT_BRENT_RELATIVE, DEFAULT_BRENT_ABSOLUTE, false);
        static final Stage COARSE = new Stage(DEFAULT_INITIAL_RADIUS, COARSE_STOPPING_RADIUS, true,
                COARSE_BRENT_RELATIVE, COARSE_BRENT_ABSOLUTE, true);

        int interpolationPoints(int dim) {
            return fullQuadratic && dim <= FULL_QUADRATIC_MAX ? (dim + 1) * (dim + 2) / 2 : 2 * dim + 1;
        }
    }

    /**
     * The optimum to BOBYQA's stopping radius {@link #DEFAULT_STOPPING_RADIUS} (Brent's tolerances for one parameter),
     * then the boundary checks; no Newton step.
     */
    public static OptimizerSummary minimize(MultivariateFunction objective, double[] initial, double[] lower) {
        return search(new Evaluations(objective), initial, lower, Stage.TIGHT);
    }

    /** Search to the stage's stopping radius (or Brent tolerance) and the boundary checks, on counted evaluations. */
    private static OptimizerSummary search(Evaluations counted, double[] initial, double[] lower, Stage stage) {
        int dim = initial.length;
        int before = counted.count;
        double[] theta;
        String optimizer;
        boolean converged = true;
        String message = "converged";
        if (dim == 1) {
            optimizer = "Brent";
            theta = new double[] {minimizeOne(counted, initial[0], lower[0], stage.brentRelative(),
                    stage.brentAbsolute(), stage.eagerBracket())};
        } else {
            optimizer = "BOBYQA";
            double[] upper = new double[dim];
            java.util.Arrays.fill(upper, Double.POSITIVE_INFINITY);
            theta = null;
            // BOBYQA can break down ("trust region step has failed to reduce Q") on flat, boundary objectives;
            // it is then restarted from the best point so far with a smaller trust region, as Powell suggests.
            double radius = stage.initialRadius();
            double[] start = initial;
            for (int attempt = 0; attempt < 3 && theta == null; attempt++) {
                BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(stage.interpolationPoints(dim), radius,
                        Math.min(stage.stoppingRadius(), radius / 2));
                try {
                    PointValuePair result = bobyqa.optimize(new MaxEval(DEFAULT_MAX_EVALUATIONS),
                            new ObjectiveFunction(counted), GoalType.MINIMIZE, new InitialGuess(start),
                            new SimpleBounds(lower, upper));
                    theta = result.getPoint();
                } catch (TooManyEvaluationsException e) {
                    converged = false;
                    message = "the optimizer stopped after " + DEFAULT_MAX_EVALUATIONS
                            + " evaluations without meeting its tolerance; the estimates may not be the optimum";
                    theta = counted.bestPoint.clone();
                } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
                    start = inside(counted.bestPoint, lower);
                    radius /= 10;
                }
            }
            if (theta == null) {
                converged = false;
                message = "the optimizer (BOBYQA) broke down three times; the estimates are the best point found";
                theta = counted.bestPoint.clone();
            }
        }
        // the objective is a deterministic function of theta: a point already evaluated (usually the optimizer's
        // best) is not factored again
        double value = counted.value(theta);
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
        return new OptimizerSummary(optimizer, initial.clone(), theta, value, counted.count - before, converged,
                message);
    }

    /**
     * The optimum located by Newton steps ({@link NewtonPolish#converge}) from where the optimizer stopped at the
     * coarser radius {@link #COARSE_STOPPING_RADIUS}, on the same (unit-free) objective: the steps converge
     * quadratically where BOBYQA's last trust regions shrink by a factor of ten for every few evaluations, and they
     * stop only when a step is no longer than {@link #NEWTON_TOLERANCE}, so the point is closer to the zero of the
     * difference gradient than the one {@link #polished} reaches from the tight radius. Where the steps do not
     * converge (a coordinate next to its bound, a Hessian that is not positive definite, a step refused), the
     * optimizer goes on from its best point to {@link #DEFAULT_STOPPING_RADIUS} and is then {@link #polished}, as
     * without the coarse stage.
     */
    public static OptimizerSummary minimizePolished(MultivariateFunction objective, double[] initial, double[] lower) {
        Evaluations counted = new Evaluations(objective);
        OptimizerSummary coarse = search(counted, initial, lower, Stage.COARSE);
        if (!coarse.converged()) {
            return coarse;
        }
        NewtonPolish.Result r = NewtonPolish.converge(counted, coarse.theta(), coarse.objective(), lower,
                NEWTON_TOLERANCE, NewtonPolish.DEFAULT_MAX_LENGTH, NEWTON_MAX_STEPS);
        if (r.converged()) {
            return new OptimizerSummary(coarse.optimizer(), initial.clone(), r.x(), r.value(), counted.count, true,
                    coarse.message());
        }
        // on from the best point so far (the Newton steps' included), in a trust region of ten coarse radii
        Stage tight = new Stage(10 * COARSE_STOPPING_RADIUS, DEFAULT_STOPPING_RADIUS, false, DEFAULT_BRENT_RELATIVE,
                DEFAULT_BRENT_ABSOLUTE, false);
        OptimizerSummary opt = polished(counted, search(counted, counted.bestPoint.clone(), lower, tight), lower);
        return new OptimizerSummary(opt.optimizer(), initial.clone(), opt.theta(), opt.objective(), counted.count,
                opt.converged(), opt.message());
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

    /**
     * The objective with its evaluations counted, its best point kept and every evaluated point remembered: the
     * objective is a deterministic function of theta, so a point asked for again (a restart's start, the optimizer's
     * best) is answered without another factorization.
     */
    private static final class Evaluations implements MultivariateFunction {
        private final MultivariateFunction objective;
        private final java.util.Map<Point, Double> seen = new java.util.HashMap<>();
        int count;
        double best = Double.POSITIVE_INFINITY;
        double[] bestPoint;

        Evaluations(MultivariateFunction objective) {
            this.objective = objective;
        }

        @Override
        public double value(double[] t) {
            Point key = new Point(t.clone());
            Double known = seen.get(key);
            if (known != null) {
                return known;
            }
            count++;
            double v = objective.value(t);
            seen.put(key, v);
            if (v < best || bestPoint == null) {
                best = v;
                bestPoint = t.clone();
            }
            return v;
        }
    }

    /** A point as a map key: equal when every coordinate is. */
    private record Point(double[] x) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Point p && java.util.Arrays.equals(x, p.x);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(x);
        }
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

    /**
     * Brent's method on [lower, upper], the bracket widened (by 8) while the minimum lies at its upper end. With
     * {@code eager}, a search whose best point so far lies in the last tenth of the bracket is given up at once and
     * widened, from that point (Brent would otherwise creep to the end by golden sections, about one evaluation per
     * factor 0.6 of the distance left).
     */
    private static double minimizeOne(MultivariateFunction f, double start, double lower, double relative,
            double absolute, boolean eager) {
        double[] x = new double[1];
        double[] upper = {Math.max(4 * start, 4.0)};
        double[] best = {Double.NaN, Double.POSITIVE_INFINITY};
        UnivariateObjectiveFunction g = new UnivariateObjectiveFunction(t -> {
            x[0] = t;
            double v = f.value(x);
            if (v < best[1]) {
                best[0] = t;
                best[1] = v;
                if (eager && t > 0.9 * upper[0] && upper[0] <= 1e8) {
                    throw new AtTheEnd();
                }
            }
            return v;
        });
        BrentOptimizer brent = new BrentOptimizer(relative, absolute);
        double from = Math.min(start, upper[0] / 2);
        while (true) {
            UnivariatePointValuePair found;
            try {
                found = brent.optimize(new MaxEval(DEFAULT_MAX_EVALUATIONS), g, GoalType.MINIMIZE,
                        new SearchInterval(lower, upper[0], from));
            } catch (AtTheEnd e) {
                from = best[0];
                upper[0] *= 8;
                continue;
            }
            // A minimum near the bracket's upper end may lie beyond it: widen and search again.
            if (found.getPoint() < 0.9 * upper[0] || upper[0] > 1e8) {
                double at = found.getPoint();
                x[0] = lower;
                double atBound = f.value(x);
                return atBound <= found.getValue() ? lower : at;
            }
            from = Math.min(start, upper[0] * 4);
            upper[0] *= 8;
        }
    }

    /** Brent's best point reached the last tenth of its bracket (see {@link #minimizeOne}). */
    private static final class AtTheEnd extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AtTheEnd() {
            super(null, null, false, false);
        }
    }
}
