package org.mixedmodels.engine.inference;

import java.util.function.Function;

/**
 * Gradients, Hessians and Jacobians by central differences with Richardson extrapolation, the method
 * of R's numDeriv (Gilbert and Varadhan), which lmerTest uses for the same quantities: the
 * difference quotients D(h), D(h/2), D(h/4), ... have error series in even powers of h, so each
 * Richardson step {@code (4^k D(h/2) - D(h)) / (4^k - 1)} removes one more term.
 *
 * <p>The coordinates must be unit-free (the caller's job: theta times its random-effect column's scale,
 * sigma relative to its estimate), because the steps are: {@link #DEFAULT_RELATIVE_STEP} of |x|, at
 * least {@link #DEFAULT_MINIMUM_STEP}. All the quantities are taken from one set of points (the
 * function is evaluated once per point, and its several outputs share it): x, x +- h_i e_i and
 * x +- (h_i e_i + h_j e_j) at each level, so a Hessian in k coordinates costs k^2 + k evaluations per
 * level instead of 2 k^2 for the four-point mixed differences, and the Jacobian comes free.
 */
public final class NumericalDerivatives {
    /** Initial step relative to |x| (numDeriv's d = 0.1 is larger; a smaller start suits our smooth objectives). */
    public static final double DEFAULT_RELATIVE_STEP = 1e-2;
    /**
     * Initial step where |x| is small; the coordinates are unit-free, so this is too. 1e-2 rather than 1e-3: the
     * second differences' rounding (4 eps |f| / h^2) at the smallest step then stays below the df's 1e-7, and the
     * truncation error, the same function of the unit-free coordinates in every unit, below lmerTest's own.
     */
    public static final double DEFAULT_MINIMUM_STEP = 1e-2;
    /**
     * Rows of the Richardson tableau (step halvings). Two keep every reference df within 3.4e-7 of lmerTest's, as
     * three do (lmerTest's numDeriv is what differs), and the df of rescaled data within 1e-6 of each other now that
     * the optimum itself is unit-free (fit.NewtonPolish); three would cost half as many evaluations again (19
     * instead of 13 for two thetas).
     */
    public static final int DEFAULT_LEVELS = 2;

    private NumericalDerivatives() {
    }

    /** What the function gives at one point: several scalars and one matrix (which may be 0 x 0). */
    public record Probe(double[] values, double[][] matrix) {
    }

    /**
     * The derivatives at x.
     *
     * @param values the scalars at x
     * @param gradients d value_f / d x_i, [f][i]
     * @param hessians d2 value_f / d x_i d x_j, [f][i][j]
     * @param jacobian d matrix / d x_i, [i][r][c]
     */
    public record Derivatives(double[] values, double[][] matrix, double[][] gradients, double[][][] hessians,
            double[][][] jacobian) {
    }

    /** The initial step for a unit-free coordinate at x. */
    public static double step(double x) {
        return Math.max(DEFAULT_RELATIVE_STEP * Math.abs(x), DEFAULT_MINIMUM_STEP);
    }

    /** Richardson extrapolation of estimates at steps h, h/2, h/4, ... (error in even powers of h). */
    static double extrapolate(double[] estimates) {
        double[] t = estimates.clone();
        for (int k = 1; k < t.length; k++) {
            double factor = Math.pow(4, k);
            for (int i = t.length - 1; i >= k; i--) {
                t[i] = (factor * t[i] - t[i - 1]) / (factor - 1);
            }
        }
        return t[t.length - 1];
    }

    /** Gradients, Hessians and the matrix's Jacobian at x, with initial steps {@link #step(double)}. */
    public static Derivatives at(Function<double[], Probe> f, double[] x) {
        int n = x.length;
        double[] h0 = new double[n];
        for (int i = 0; i < n; i++) {
            h0[i] = step(x[i]);
        }
        Probe center = f.apply(x.clone());
        int nf = center.values().length;
        int rows = center.matrix().length;
        int cols = rows == 0 ? 0 : center.matrix()[0].length;
        int levels = DEFAULT_LEVELS;
        double[][][] gradEst = new double[nf][n][levels];
        double[][][][] hessEst = new double[nf][n][n][levels];
        double[][][][] jacEst = new double[n][rows][cols][levels];
        for (int level = 0; level < levels; level++) {
            double scale = Math.pow(0.5, level);
            Probe[] plus = new Probe[n];
            Probe[] minus = new Probe[n];
            for (int i = 0; i < n; i++) {
                double hi = h0[i] * scale;
                plus[i] = f.apply(shift(x, i, hi, -1, 0));
                minus[i] = f.apply(shift(x, i, -hi, -1, 0));
                for (int v = 0; v < nf; v++) {
                    double fp = plus[i].values()[v];
                    double fm = minus[i].values()[v];
                    double f0 = center.values()[v];
                    gradEst[v][i][level] = (fp - fm) / (2 * hi);
                    hessEst[v][i][i][level] = (fp - 2 * f0 + fm) / (hi * hi);
                }
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        jacEst[i][r][c][level] = (plus[i].matrix()[r][c] - minus[i].matrix()[r][c]) / (2 * hi);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    double hi = h0[i] * scale;
                    double hj = h0[j] * scale;
                    double[] pp = f.apply(shift(x, i, hi, j, hj)).values();
                    double[] mm = f.apply(shift(x, i, -hi, j, -hj)).values();
                    for (int v = 0; v < nf; v++) {
                        // f(x + a) + f(x - a) - f(x +- hi e_i) - f(x +- hj e_j) + 2 f(x) = 2 hi hj f_ij + O(h^4)
                        double num = pp[v] + mm[v] - plus[i].values()[v] - minus[i].values()[v]
                                - plus[j].values()[v] - minus[j].values()[v] + 2 * center.values()[v];
                        hessEst[v][i][j][level] = num / (2 * hi * hj);
                    }
                }
            }
        }
        double[][] gradients = new double[nf][n];
        double[][][] hessians = new double[nf][n][n];
        for (int v = 0; v < nf; v++) {
            for (int i = 0; i < n; i++) {
                gradients[v][i] = extrapolate(gradEst[v][i]);
                for (int j = 0; j <= i; j++) {
                    hessians[v][i][j] = extrapolate(hessEst[v][i][j]);
                    hessians[v][j][i] = hessians[v][i][j];
                }
            }
        }
        return new Derivatives(center.values(), center.matrix(), gradients, hessians, extrapolateAll(jacEst));
    }

    /** The matrix's Jacobian [i][r][c] from its estimates per level [i][r][c][level]. */
    private static double[][][] extrapolateAll(double[][][][] estimates) {
        double[][][] out = new double[estimates.length][][];
        for (int i = 0; i < estimates.length; i++) {
            out[i] = new double[estimates[i].length][];
            for (int r = 0; r < estimates[i].length; r++) {
                out[i][r] = new double[estimates[i][r].length];
                for (int c = 0; c < out[i][r].length; c++) {
                    out[i][r][c] = extrapolate(estimates[i][r][c]);
                }
            }
        }
        return out;
    }

    private static double[] shift(double[] x, int i, double di, int j, double dj) {
        double[] y = x.clone();
        y[i] += di;
        if (j >= 0) {
            y[j] += dj;
        }
        return y;
    }
}
