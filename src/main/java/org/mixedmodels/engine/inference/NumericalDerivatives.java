package org.mixedmodels.engine.inference;

import java.util.function.Function;
import org.apache.commons.math3.analysis.MultivariateFunction;

/**
 * Gradients, Jacobians and Hessians by central differences with Richardson extrapolation, the method
 * of R's numDeriv (Gilbert and Varadhan), which lmerTest uses for the same quantities: the
 * difference quotients D(h), D(h/2), D(h/4), ... have error series in even powers of h, so each
 * Richardson step {@code (4^k D(h/2) - D(h)) / (4^k - 1)} removes one more term.
 */
public final class NumericalDerivatives {
    /** Initial step relative to |x| (numDeriv's d = 0.1 is larger; a smaller start suits our smooth objectives). */
    public static final double DEFAULT_RELATIVE_STEP = 1e-2;
    /** Initial step where |x| is small. */
    public static final double DEFAULT_MINIMUM_STEP = 1e-3;
    /** Halvings, i.e. rows of the Richardson tableau. */
    public static final int DEFAULT_LEVELS = 4;

    private NumericalDerivatives() {
    }

    private static double step(double x) {
        return Math.max(DEFAULT_RELATIVE_STEP * Math.abs(x), DEFAULT_MINIMUM_STEP);
    }

    /** Richardson extrapolation of estimates at steps h, h/2, h/4, ... (error in even powers of h). */
    private static double extrapolate(double[] estimates) {
        double[] t = estimates.clone();
        for (int k = 1; k < t.length; k++) {
            double factor = Math.pow(4, k);
            for (int i = t.length - 1; i >= k; i--) {
                t[i] = (factor * t[i] - t[i - 1]) / (factor - 1);
            }
        }
        return t[t.length - 1];
    }

    /** The Hessian of f at x. */
    public static double[][] hessian(MultivariateFunction f, double[] x) {
        int n = x.length;
        double[][] h = new double[n][n];
        double f0 = f.value(x);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double[] est = new double[DEFAULT_LEVELS];
                double hi = step(x[i]);
                double hj = step(x[j]);
                for (int level = 0; level < DEFAULT_LEVELS; level++) {
                    if (i == j) {
                        est[level] = (f.value(shift(x, i, hi, -1, 0)) - 2 * f0 + f.value(shift(x, i, -hi, -1, 0))) / (hi * hi);
                    } else {
                        est[level] = (f.value(shift(x, i, hi, j, hj)) - f.value(shift(x, i, hi, j, -hj))
                                - f.value(shift(x, i, -hi, j, hj)) + f.value(shift(x, i, -hi, j, -hj))) / (4 * hi * hj);
                    }
                    hi /= 2;
                    hj /= 2;
                }
                h[i][j] = extrapolate(est);
                h[j][i] = h[i][j];
            }
        }
        return h;
    }

    /** d f(x) / d x_i for a matrix-valued f: one matrix per coordinate. */
    public static double[][][] jacobian(Function<double[], double[][]> f, double[] x) {
        int n = x.length;
        double[][][] out = new double[n][][];
        for (int i = 0; i < n; i++) {
            double h = step(x[i]);
            double[][][] est = new double[DEFAULT_LEVELS][][];
            for (int level = 0; level < DEFAULT_LEVELS; level++) {
                double[][] plus = f.apply(shift(x, i, h, -1, 0));
                double[][] minus = f.apply(shift(x, i, -h, -1, 0));
                double[][] d = new double[plus.length][plus[0].length];
                for (int r = 0; r < d.length; r++) {
                    for (int c = 0; c < d[r].length; c++) {
                        d[r][c] = (plus[r][c] - minus[r][c]) / (2 * h);
                    }
                }
                est[level] = d;
                h /= 2;
            }
            int rows = est[0].length;
            int cols = est[0][0].length;
            double[][] result = new double[rows][cols];
            double[] series = new double[DEFAULT_LEVELS];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    for (int level = 0; level < DEFAULT_LEVELS; level++) {
                        series[level] = est[level][r][c];
                    }
                    result[r][c] = extrapolate(series);
                }
            }
            out[i] = result;
        }
        return out;
    }

    /** The gradient of f at x. */
    public static double[] gradient(MultivariateFunction f, double[] x) {
        double[][][] j = jacobian(t -> new double[][] {{f.value(t)}}, x);
        double[] g = new double[x.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = j[i][0][0];
        }
        return g;
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
