package org.mixedmodels.engine.fit;

import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * Newton-Raphson on the exact Hessian, with Fisher scoring (the expected information) wherever the Hessian is not
 * positive definite (and the expected information shifted by a multiple of the identity, Levenberg-Marquardt, where
 * that is singular too), and a backtracking line search (Armijo's condition, quadratic interpolation of the step): what
 * SAS PROC MIXED does for its covariance parameters (Newton-Raphson, SCORING= for early iterations; Jennrich and
 * Schluchter 1986, Biometrics 42; Lindstrom and Bates 1988, JASA 83), here on the REML/ML criterion of
 * residual-structure models ({@link ResidualCovarianceModel#profiledDerivatives}). Near the optimum it converges
 * quadratically, so the gradient falls far below the tolerance in the last step.
 */
public final class NewtonScoring {
    private NewtonScoring() {
    }

    /** The criterion, its gradient, its Hessian and its expected information at a point. */
    public record Step(double value, double[] gradient, double[][] observed, double[][] expected) {
    }

    /** What the derivatives cost: null where the criterion is not defined (a covariance not positive definite). */
    public interface Derivatives {
        Step at(double[] x);
    }

    /** The criterion alone, +infinity or NaN where it is not defined. */
    public interface Criterion {
        double value(double[] x);
    }

    /**
     * @param newtonSteps steps on the Hessian
     * @param scoringSteps steps on the expected information
     */
    public record Result(double[] x, double value, double[] gradient, int iterations, int evaluations,
            boolean converged, String message, int newtonSteps, int scoringSteps) {
    }

    private static final double ARMIJO = 1e-4;
    /** No coordinate moves by more than this in one step (the unconstrained parameters are unit-free). */
    static final double MAX_STEP = 5;
    /** A pivot of the information's Cholesky factor at or below this fraction of its diagonal: not definite. */
    static final double DEFINITE = 1e-10;

    /**
     * @param gradientTolerance converged when every |gradient component| is at most this
     * @param relativeTolerance or when the criterion decreases by less than this relative amount twice in a row
     */
    public static Result minimize(Derivatives derivatives, Criterion criterion, double[] x0, int maxIterations,
            double gradientTolerance, double relativeTolerance) {
        int n = x0.length;
        double[] x = x0.clone();
        int evaluations = 1;
        Step s = derivatives.at(x);
        if (s == null || !Double.isFinite(s.value())) {
            return new Result(x, Double.NaN, new double[n], 0, evaluations, false, "the criterion is not finite at the start",
                    0, 0);
        }
        int newton = 0;
        int scoring = 0;
        int small = 0;
        for (int it = 1; it <= maxIterations; it++) {
            double[] g = s.gradient();
            if (maxAbs(g) <= gradientTolerance) {
                return finish(x, s, it - 1, evaluations, true, "gradient below tolerance", newton, scoring);
            }
            double[] dir = direction(s.observed(), g);
            boolean onHessian = dir != null;
            if (dir == null) {
                dir = direction(s.expected(), g);
            }
            for (double shift = 1e-8; dir == null && shift <= 1; shift *= 100) {
                // a singular information (parameters not identified where they start, e.g. ARMA(1,1)'s phi and theta
                // at 0): Levenberg-Marquardt's shift of the diagonal, relative to its largest element
                dir = direction(shifted(s.expected(), shift), g);
            }
            if (dir == null) {
                return new Result(x, s.value(), g, it - 1, evaluations, false,
                        "neither the Hessian nor the expected information is positive definite", newton, scoring);
            }
            double longest = maxAbs(dir);
            if (longest > MAX_STEP) {
                for (int i = 0; i < n; i++) {
                    dir[i] *= MAX_STEP / longest;
                }
            }
            double slope = SmallMatrices.dot(g, dir);
            double f0 = s.value();
            double t = 1;
            double[] xNew = new double[n];
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int tries = 0; tries < 40; tries++) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + t * dir[i];
                }
                fNew = criterion.value(xNew);
                evaluations++;
                if (Double.isFinite(fNew) && fNew <= f0 + ARMIJO * t * slope) {
                    accepted = true;
                    break;
                }
                // the minimiser of the quadratic through f0, the slope and f(t), kept within [0.1 t, 0.5 t]
                double next = Double.isFinite(fNew) ? -slope * t * t / (2 * (fNew - f0 - slope * t)) : 0.1 * t;
                t = Math.max(0.1 * t, Math.min(0.5 * t, next));
            }
            if (!accepted) {
                boolean converged = maxAbs(g) <= 1e3 * gradientTolerance;
                return finish(x, s, it, evaluations, converged, "the line search found no further decrease", newton,
                        scoring);
            }
            if (onHessian) {
                newton++;
            } else {
                scoring++;
            }
            x = xNew.clone();
            s = derivatives.at(x);
            evaluations++;
            if (s == null || !Double.isFinite(s.value())) {
                return new Result(x, fNew, new double[n], it, evaluations, false,
                        "the derivatives are not finite where the line search stopped", newton, scoring);
            }
            double decrease = f0 - s.value();
            small = decrease <= relativeTolerance * (Math.abs(s.value()) + relativeTolerance) ? small + 1 : 0;
            if (small >= 2) {
                return finish(x, s, it, evaluations, true, "relative decrease below tolerance", newton, scoring);
            }
        }
        return new Result(x, s.value(), s.gradient(), maxIterations, evaluations,
                maxAbs(s.gradient()) <= gradientTolerance, "iteration limit reached", newton, scoring);
    }

    /**
     * The result, converged only where the Hessian is positive definite: a zero of the gradient with a flat or
     * negative direction is a saddle (a random-effect column at 0, where V depends on theta^2, is stationary) or a
     * boundary, which the caller leaves to BFGS and BOBYQA.
     */
    private static Result finish(double[] x, Step s, int iterations, int evaluations, boolean converged, String message,
            int newton, int scoring) {
        if (converged && SmallMatrices.cholesky(s.observed(), DEFINITE) == null) {
            return new Result(x, s.value(), s.gradient(), iterations, evaluations, false, message
                    + ", but the Hessian is not positive definite there (a saddle point or a boundary)", newton, scoring);
        }
        return new Result(x, s.value(), s.gradient(), iterations, evaluations, converged, message, newton, scoring);
    }

    /** H + shift max_i |H_ii| I. */
    private static double[][] shifted(double[][] h, double shift) {
        double largest = 0;
        for (int i = 0; i < h.length; i++) {
            largest = Math.max(largest, Math.abs(h[i][i]));
        }
        double[][] out = new double[h.length][];
        for (int i = 0; i < h.length; i++) {
            out[i] = h[i].clone();
            out[i][i] += shift * (largest > 0 ? largest : 1);
        }
        return out;
    }

    /** -H^-1 g when H is positive definite (Cholesky), else null. */
    private static double[] direction(double[][] h, double[] g) {
        double[][] l = SmallMatrices.cholesky(h, DEFINITE);
        if (l == null) {
            return null;
        }
        int n = g.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double v = -g[i];
            for (int j = 0; j < i; j++) {
                v -= l[i][j] * y[j];
            }
            y[i] = v / l[i][i];
        }
        double[] d = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double v = y[i];
            for (int j = i + 1; j < n; j++) {
                v -= l[j][i] * d[j];
            }
            d[i] = v / l[i][i];
        }
        for (double v : d) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return d;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
