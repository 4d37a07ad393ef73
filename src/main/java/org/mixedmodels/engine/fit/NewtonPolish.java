package org.mixedmodels.engine.fit;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * A final Newton step on the objective in unit-free coordinates, after the optimizer has stopped: what makes the
 * optimum itself independent of the data's units.
 *
 * <p>BOBYQA stops when its trust region shrinks to its stopping radius (1e-7), and Brent when values no longer
 * tell points apart, about sqrt(rounding / curvature) from the minimum; where inside that radius they stop depends
 * on their path, which the rounding under other units changes. Everything computed from the optimum (the df above
 * all, whose sensitivity to theta is about ten times theta's relative error) inherits that wobble. One Newton
 * step x - H^-1 g on central differences of step {@link #DEFAULT_STEP} in the unit-free coordinates (the optimizer's
 * own: theta times its random-effect column's scale) moves any point of that radius to the zero of the
 * difference gradient, to within the Hessian's relative error times the distance (about 1e-4 x 1e-7) plus the
 * gradient's rounding over the curvature: a point that is the same function of the unit-free objective whatever
 * the units (the difference gradient's truncation error, h^2 f''' / 6, moves it by about 1e-9 from the exact
 * optimum, the same for every unit). The step is a convergence check relative to the curvature as well: it is
 * the distance to the optimum that the curvature predicts, and when it exceeds {@link #DEFAULT_REPEAT} another
 * step follows (up to {@link #DEFAULT_MAX_STEPS}).
 *
 * <p>Only coordinates more than two steps inside their lower bound are moved (a variance at or next to 0 stays
 * where the optimizer's boundary check put it). No step is taken where the Hessian of the moved coordinates is not
 * positive definite (a flat or saddle direction: the optimizer's point stays), where the step is longer than
 * {@link #DEFAULT_MAX_LENGTH} (the quadratic model is not to be trusted that far from where the optimizer stopped)
 * or where it makes the objective worse by more than its rounding.
 *
 * <p>Cost per step in k moved coordinates: 2k + k(k - 1)/2 + 1 evaluations (6 for two thetas, against about 40
 * for BOBYQA), 2k + 1 for the later steps of {@link #converge}; nothing above {@link #DEFAULT_MAX_PARAMETERS}
 * coordinates is polished.
 */
public final class NewtonPolish {
    /** The central differences' step in the unit-free coordinates. */
    public static final double DEFAULT_STEP = 1e-4;
    /** The longest Newton step taken (largest coordinate change). */
    public static final double DEFAULT_MAX_LENGTH = 1e-3;
    /**
     * A step longer than this is followed by another (the optimizer had stopped short): a step of length L leaves
     * about the Hessian's relative error (1e-4, the mixed differences' O(h)) times L, 1e-9 at this length.
     */
    public static final double DEFAULT_REPEAT = 1e-5;
    /** At most this many steps. */
    public static final int DEFAULT_MAX_STEPS = 3;
    /** Above this many free coordinates the k^2 / 2 evaluations of a step cost more than it is worth. */
    public static final int DEFAULT_MAX_PARAMETERS = 12;
    /**
     * A step is kept unless it raises the objective by more than this fraction of |objective|: the objective's
     * rounding (its log-determinants sum many terms), far above what 1e-7 of theta changes at the optimum.
     */
    public static final double DEFAULT_ROUNDING = 1e-11;

    private NewtonPolish() {
    }

    /**
     * The polished point, its objective, the evaluations spent, the steps taken and whether the steps converged: the
     * last one no longer than the tolerance asked for, and every coordinate either moved by the steps or exactly at
     * its lower bound.
     */
    public record Result(double[] x, double value, int evaluations, int steps, boolean converged) {
    }

    /**
     * @param f the objective in unit-free coordinates (+Inf or NaN where it cannot be evaluated)
     * @param x the optimizer's point (not modified)
     * @param fx f(x)
     * @param lower lower bounds (-Inf where unbounded)
     */
    public static Result polish(MultivariateFunction f, double[] x, double fx, double[] lower) {
        return iterate(x, fx, lower, differences(f, false), DEFAULT_REPEAT, DEFAULT_MAX_LENGTH, DEFAULT_MAX_STEPS);
    }

    /**
     * Newton steps on central differences until a step is no longer than {@code tolerance} (the optimum located to
     * about the Hessian's relative error times that), from a point an optimizer left within a coarser radius. The
     * first step measures the whole Hessian; the later ones only its diagonal (free with the gradient's central
     * differences) and keep the mixed entries of the first: the Hessian only sets how fast the steps converge, not
     * where (the zero of the difference gradient), and it changes by about its own error over the steps' lengths.
     * Not converged (the caller falls back to a tighter optimizer) when a step is refused (not positive definite,
     * longer than {@code maxLength}, out of bounds, worse), after {@code maxSteps} steps, or when a coordinate is next
     * to its bound without being at it.
     *
     * @param f the objective in unit-free coordinates (+Inf or NaN where it cannot be evaluated)
     * @param x the optimizer's point (not modified)
     * @param fx f(x)
     * @param lower lower bounds (-Inf where unbounded)
     */
    public static Result converge(MultivariateFunction f, double[] x, double fx, double[] lower, double tolerance,
            double maxLength, int maxSteps) {
        return iterate(x, fx, lower, differences(f, true), tolerance, maxLength, maxSteps);
    }

    /** The difference model; with {@code reuseMixed}, a step after the first keeps the first's mixed entries. */
    private static Model differences(MultivariateFunction f, boolean reuseMixed) {
        double h = DEFAULT_STEP;
        return new Model() {
            private double[][] mixed;

            @Override
            public int derivatives(double[] point, double value, int[] free, double[] g, double[][] hess) {
                int k = g.length;
                double[] plus = new double[k];
                for (int a = 0; a < k; a++) {
                    plus[a] = f.value(shifted(point, free[a], h, -1, 0));
                    double minus = f.value(shifted(point, free[a], -h, -1, 0));
                    g[a] = (plus[a] - minus) / (2 * h);
                    hess[a][a] = (plus[a] - 2 * value + minus) / (h * h);
                }
                if (mixed != null) {
                    for (int a = 0; a < k; a++) {
                        for (int b = 0; b < a; b++) {
                            hess[a][b] = mixed[a][b];
                            hess[b][a] = mixed[a][b];
                        }
                    }
                    return 2 * k;
                }
                for (int a = 0; a < k; a++) {
                    for (int b = 0; b < a; b++) {
                        // forward mixed difference: error O(h) in the Hessian, which only slows the step's convergence
                        double both = f.value(shifted(point, free[a], h, free[b], h));
                        hess[a][b] = (both - plus[a] - plus[b] + value) / (h * h);
                        hess[b][a] = hess[a][b];
                    }
                }
                if (reuseMixed) {
                    mixed = new double[k][];
                    for (int a = 0; a < k; a++) {
                        mixed[a] = hess[a].clone();
                    }
                }
                return 2 * k + k * (k - 1) / 2;
            }

            @Override
            public double value(double[] point) {
                return f.value(point);
            }
        };
    }

    /**
     * The same step for an objective with an analytic gradient: g exact, H from central differences of the gradient
     * (2k gradient evaluations per step, symmetrized), so the step's point is the exact optimum to the gradient's
     * rounding over the curvature.
     *
     * @param f the objective and its gradient in unit-free coordinates
     * @param x the optimizer's point (not modified)
     * @param lower lower bounds (-Inf where unbounded)
     */
    public static Result polish(Bfgs.Objective f, double[] x, double[] lower) {
        double h = DEFAULT_STEP;
        int n = x.length;
        double[][] gradient = {new double[n]};
        double fx = f.valueAndGradient(x.clone(), gradient[0]);
        Result r = iterate(x, fx, lower, new Model() {
            @Override
            public int derivatives(double[] point, double value, int[] free, double[] g, double[][] hess) {
                int k = g.length;
                double[] gp = new double[n];
                double[] gm = new double[n];
                for (int a = 0; a < k; a++) {
                    g[a] = gradient[0][free[a]];
                    f.valueAndGradient(shifted(point, free[a], h, -1, 0), gp);
                    f.valueAndGradient(shifted(point, free[a], -h, -1, 0), gm);
                    for (int b = 0; b < k; b++) {
                        hess[b][a] = (gp[free[b]] - gm[free[b]]) / (2 * h);
                    }
                }
                for (int a = 0; a < k; a++) {
                    for (int b = 0; b < a; b++) {
                        double mean = (hess[a][b] + hess[b][a]) / 2;
                        hess[a][b] = mean;
                        hess[b][a] = mean;
                    }
                }
                return 2 * k;
            }

            @Override
            public double value(double[] point) {
                double[] grad = new double[n];
                double v = f.valueAndGradient(point, grad);
                if (v <= Double.MAX_VALUE) {
                    gradient[0] = grad; // the next step starts here, if it is accepted (a rejected point ends the steps)
                }
                return v;
            }
        }, DEFAULT_REPEAT, DEFAULT_MAX_LENGTH, DEFAULT_MAX_STEPS);
        return new Result(r.x(), r.value(), r.evaluations() + 1, r.steps(), r.converged());
    }

    /** What a Newton step needs of the objective: the derivatives at a point, the value at a trial point. */
    private interface Model {
        /** Fills g and hess over the free coordinates at point; returns the evaluations spent. */
        int derivatives(double[] point, double value, int[] free, double[] g, double[][] hess);

        double value(double[] point);
    }

    /**
     * Newton steps from x over the coordinates more than two steps inside their lower bound, another while a step is
     * longer than {@code repeat}, at most {@code maxSteps}.
     */
    private static Result iterate(double[] x, double fx, double[] lower, Model model, double repeat, double maxLength,
            int maxSteps) {
        int n = x.length;
        int[] free = new int[n];
        int k = 0;
        boolean placed = true; // every coordinate either free or exactly at its bound
        for (int i = 0; i < n; i++) {
            if (!(x[i] - lower[i] <= 2 * DEFAULT_STEP)) {
                free[k++] = i;
            } else {
                placed &= x[i] == lower[i];
            }
        }
        free = java.util.Arrays.copyOf(free, k);
        double[] point = x.clone();
        double value = fx;
        int evaluations = 0;
        int steps = 0;
        if (k == 0 || k > DEFAULT_MAX_PARAMETERS || !Double.isFinite(fx)) {
            return new Result(point, value, 0, 0, k == 0 && placed && Double.isFinite(fx));
        }
        boolean converged = false;
        for (int iteration = 0; iteration < maxSteps; iteration++) {
            double[] g = new double[k];
            double[][] hess = new double[k][k];
            evaluations += model.derivatives(point, value, free, g, hess);
            if (!allFinite(g) || !allFinite(hess)) {
                break;
            }
            double[][] inverse = SmallMatrices.inverseSpd(hess);
            if (inverse == null) {
                break;
            }
            double[] step = SmallMatrices.multiply(inverse, g);
            double length = 0;
            double[] trial = point.clone();
            boolean inside = true;
            for (int a = 0; a < k; a++) {
                length = Math.max(length, Math.abs(step[a]));
                trial[free[a]] -= step[a];
                inside &= trial[free[a]] >= lower[free[a]];
            }
            if (!(length <= maxLength) || !inside) {
                break;
            }
            double v = model.value(trial);
            evaluations++;
            if (!(v <= value + DEFAULT_ROUNDING * Math.abs(value))) {
                break;
            }
            point = trial;
            value = v;
            steps++;
            if (length <= repeat) {
                converged = placed;
                break;
            }
        }
        return new Result(point, value, evaluations, steps, converged);
    }

    private static double[] shifted(double[] x, int i, double di, int j, double dj) {
        double[] y = x.clone();
        y[i] += di;
        if (j >= 0) {
            y[j] += dj;
        }
        return y;
    }

    private static boolean allFinite(double[] v) {
        for (double d : v) {
            if (!Double.isFinite(d)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allFinite(double[][] m) {
        for (double[] row : m) {
            if (!allFinite(row)) {
                return false;
            }
        }
        return true;
    }
}
