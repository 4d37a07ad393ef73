package org.mixedmodels.engine.fit;

import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * A quasi-Newton minimiser: BFGS updates of the inverse Hessian with a line search satisfying the strong Wolfe
 * conditions (Nocedal and Wright 2006, Numerical Optimization, 2nd ed., algorithms 6.1, 3.5 and 3.6).
 *
 * <p>Written here because commons-math3 offers no quasi-Newton method (its NonLinearConjugateGradientOptimizer
 * is a conjugate-gradient method and its other optimisers are derivative-free), while the joint likelihood, whose
 * exact gradient is cheap, is best maximised as JM does with {@code optim(method = "BFGS")}. The strong Wolfe
 * curvature condition keeps every BFGS update positive definite. Started from the inverse of a numerical Hessian
 * it converges on the AIDS models in under ten iterations; the residual-structure fits
 * ({@link ResidualCovarianceModel}) use it on their analytic gradient.
 */
public final class Bfgs {
    private Bfgs() {
    }

    /** A function to minimise that writes its gradient into {@code grad} and returns its value. */
    public interface Objective {
        double valueAndGradient(double[] x, double[] grad);
    }

    public record Result(double[] x, double value, double[] gradient, int iterations, int evaluations, boolean converged,
            String message) {
    }

    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    /**
     * @param h0 the initial inverse Hessian (copied), or null for the identity times {@code initialScale}
     * @param gradientTolerance converged when every |gradient component| is at most this
     * @param relativeTolerance or when the value decreases by less than this relative amount twice in a row
     */
    public static Result minimize(Objective f, double[] x0, double[][] h0, double initialScale, int maxIterations,
            double gradientTolerance, double relativeTolerance) {
        int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        int[] evaluations = {1};
        if (!Double.isFinite(fx)) {
            return new Result(x, fx, g, 0, 1, false, "the objective is not finite at the starting values");
        }
        double[][] h = new double[n][n];
        if (h0 != null) {
            for (int i = 0; i < n; i++) {
                h[i] = h0[i].clone();
            }
        } else {
            for (int i = 0; i < n; i++) {
                h[i][i] = initialScale;
            }
        }
        int small = 0;
        for (int it = 1; it <= maxIterations; it++) {
            if (maxAbs(g) <= gradientTolerance) {
                return new Result(x, fx, g, it - 1, evaluations[0], true, "gradient below tolerance");
            }
            double[] dir = SmallMatrices.multiply(h, g);
            for (int i = 0; i < n; i++) {
                dir[i] = -dir[i];
            }
            double slope = SmallMatrices.dot(dir, g);
            if (!(slope < 0)) {
                // not a descent direction: restart from steepest descent with a scaled identity
                for (int i = 0; i < n; i++) {
                    java.util.Arrays.fill(h[i], 0);
                    h[i][i] = initialScale;
                    dir[i] = -initialScale * g[i];
                }
                slope = SmallMatrices.dot(dir, g);
            }
            double[] xNew = new double[n];
            double[] gNew = new double[n];
            double[] fNew = new double[1];
            double step = lineSearch(f, x, fx, g, dir, slope, xNew, gNew, fNew, evaluations);
            if (step == 0) {
                boolean converged = maxAbs(g) <= 1e3 * gradientTolerance;
                return new Result(x, fx, g, it, evaluations[0], converged,
                        "the line search found no further decrease");
            }
            double[] s = new double[n];
            double[] yv = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = xNew[i] - x[i];
                yv[i] = gNew[i] - g[i];
            }
            double sy = SmallMatrices.dot(s, yv);
            if (sy > 1e-12 * Math.sqrt(SmallMatrices.dot(s, s) * SmallMatrices.dot(yv, yv))) {
                if (it == 1 && h0 == null) {
                    double scale = sy / SmallMatrices.dot(yv, yv);
                    for (int i = 0; i < n; i++) {
                        h[i][i] = scale;
                    }
                }
                double rho = 1 / sy;
                double[] hy = SmallMatrices.multiply(h, yv);
                double yhy = SmallMatrices.dot(yv, hy);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
                    }
                }
            }
            double decrease = fx - fNew[0];
            x = xNew;
            g = gNew;
            fx = fNew[0];
            small = decrease <= relativeTolerance * (Math.abs(fx) + relativeTolerance) ? small + 1 : 0;
            if (small >= 2) {
                return new Result(x, fx, g, it, evaluations[0], true, "relative decrease below tolerance");
            }
        }
        return new Result(x, fx, g, maxIterations, evaluations[0], maxAbs(g) <= gradientTolerance,
                "iteration limit reached");
    }

    /** Strong Wolfe line search; returns the step (0 when none decreases f) and fills xNew, gNew, fNew. */
    private static double lineSearch(Objective f, double[] x, double f0, double[] g0, double[] dir, double slope0,
            double[] xNew, double[] gNew, double[] fNew, int[] evaluations) {
        double aPrev = 0;
        double fPrev = f0;
        double dPrev = slope0;
        double a = 1;
        for (int i = 0; i < 30; i++) {
            double fa = evaluate(f, x, dir, a, xNew, gNew, evaluations);
            double da = SmallMatrices.dot(gNew, dir);
            if (!Double.isFinite(fa) || fa > f0 + C1 * a * slope0 || (i > 0 && fa >= fPrev)) {
                return zoom(f, x, f0, slope0, dir, aPrev, fPrev, dPrev, a, fa, xNew, gNew, fNew, evaluations);
            }
            if (Math.abs(da) <= -C2 * slope0) {
                fNew[0] = fa;
                return a;
            }
            if (da >= 0) {
                return zoom(f, x, f0, slope0, dir, a, fa, da, aPrev, fPrev, xNew, gNew, fNew, evaluations);
            }
            aPrev = a;
            fPrev = fa;
            dPrev = da;
            a *= 2;
        }
        fNew[0] = evaluate(f, x, dir, aPrev, xNew, gNew, evaluations);
        return aPrev;
    }

    private static double zoom(Objective f, double[] x, double f0, double slope0, double[] dir, double lo,
            double fLo, double dLo, double hi, double fHi, double[] xNew, double[] gNew, double[] fNew,
            int[] evaluations) {
        for (int i = 0; i < 40; i++) {
            double a;
            double width = hi - lo;
            if (Double.isFinite(fHi)) {
                // minimiser of the quadratic through (lo, fLo) with slope dLo and (hi, fHi)
                double denom = 2 * (fHi - fLo - dLo * width);
                a = denom > 0 ? lo - dLo * width * width / denom : lo + 0.5 * width;
                double t = (a - lo) / width;
                if (!(t >= 0.1 && t <= 0.9)) {
                    a = lo + (t < 0.1 || Double.isNaN(t) ? 0.1 : 0.9) * width;
                }
            } else {
                a = lo + 0.1 * width;
            }
            double fa = evaluate(f, x, dir, a, xNew, gNew, evaluations);
            double da = SmallMatrices.dot(gNew, dir);
            if (!Double.isFinite(fa) || fa > f0 + C1 * a * slope0 || fa >= fLo) {
                hi = a;
                fHi = fa;
            } else {
                if (Math.abs(da) <= -C2 * slope0) {
                    fNew[0] = fa;
                    return a;
                }
                if (da * (hi - lo) >= 0) {
                    hi = lo;
                    fHi = fLo;
                }
                lo = a;
                fLo = fa;
                dLo = da;
            }
            if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) {
                break;
            }
        }
        if (lo == 0 || !(fLo < f0)) {
            fNew[0] = f0;
            System.arraycopy(x, 0, xNew, 0, x.length);
            return 0;
        }
        fNew[0] = evaluate(f, x, dir, lo, xNew, gNew, evaluations);
        return lo;
    }

    private static double evaluate(Objective f, double[] x, double[] dir, double a, double[] xNew, double[] gNew,
            int[] evaluations) {
        for (int i = 0; i < x.length; i++) {
            xNew[i] = x[i] + a * dir[i];
        }
        evaluations[0]++;
        double v = f.valueAndGradient(xNew, gNew);
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    /** The largest absolute component (the gradient's size in the convergence tests). */
    static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
