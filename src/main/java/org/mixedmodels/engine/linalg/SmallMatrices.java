package org.mixedmodels.engine.linalg;

/**
 * Small dense linear algebra on row-major {@code double[][]}: the per-subject covariance blocks of residual structures
 * and the joint model's few-parameter matrices, evaluated many thousand times per fit, where a library's matrix
 * objects cost more than the arithmetic.
 */
public final class SmallMatrices {
    private SmallMatrices() {
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The lower Cholesky factor L with A = L L', or null when A is not positive definite. */
    public static double[][] cholesky(double[][] a) {
        return cholesky(a, 0);
    }

    /**
     * As {@link #cholesky(double[][])}, refusing a pivot that is not above {@code relativeTolerance} times its
     * diagonal element (a numerically singular matrix).
     */
    public static double[][] cholesky(double[][] a, double relativeTolerance) {
        // the random-effects fit's small-block kernel on a packed copy (same operations in the same order)
        int n = a.length;
        double[] packed = new double[n * n];
        for (int j = 0; j < n; j++) {
            System.arraycopy(a[j], 0, packed, j * n, j + 1);
        }
        if (!SmallCholesky.decomposeInPlace(packed, 0, n, relativeTolerance)) {
            return null;
        }
        double[][] l = new double[n][n];
        for (int j = 0; j < n; j++) {
            System.arraycopy(packed, j * n, l[j], 0, j + 1);
        }
        return l;
    }

    /** The inverse of a lower-triangular matrix. */
    public static double[][] lowerInverse(double[][] l) {
        int n = l.length;
        double[][] inv = new double[n][n];
        for (int c = 0; c < n; c++) {
            inv[c][c] = 1 / l[c][c];
            for (int r = c + 1; r < n; r++) {
                double s = 0;
                for (int k = c; k < r; k++) {
                    s += l[r][k] * inv[k][c];
                }
                inv[r][c] = -s / l[r][r];
            }
        }
        return inv;
    }

    /** The inverse of a symmetric positive definite matrix, or null when it is not positive definite. */
    public static double[][] inverseSpd(double[][] a) {
        return inverseSpd(a, 0);
    }

    /**
     * As {@link #inverseSpd(double[][])} with the pivot test of {@link #cholesky(double[][], double)}: a subject's
     * W_i = V_i^-1 in the residual-structure fit, which refuses a numerically singular V_i.
     */
    public static double[][] inverseSpd(double[][] a, double relativeTolerance) {
        double[][] l = cholesky(a, relativeTolerance);
        return l == null ? null : inverseFromCholesky(l);
    }

    /**
     * {@code sum} plus log |A|^copies for A = L L' given its factor L, i.e. plus 2 copies log L_jj added one j at a
     * time: a criterion's log-determinant summed over subjects (or visit patterns shared by {@code copies} subjects),
     * in the order of a running sum so that a caller's total does not depend on where the sum is split.
     */
    public static double addLogDeterminant(double sum, double[][] l, int copies) {
        for (int j = 0; j < l.length; j++) {
            sum += 2 * copies * Math.log(l[j][j]);
        }
        return sum;
    }

    /**
     * Forward substitution against the lower factor L in place: x := L^-1 x (x is m x p, row-major) and
     * y := L^-1 y, so that for V = L L' the products x'x = X'V^-1 X, x'y = X'V^-1 y and y'y = y'V^-1 y.
     */
    public static void forwardSolveInPlace(double[][] l, double[][] x, double[] y) {
        int m = l.length;
        int p = x.length == 0 ? 0 : x[0].length;
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < j; k++) {
                y[j] -= l[j][k] * y[k];
                for (int c = 0; c < p; c++) {
                    x[j][c] -= l[j][k] * x[k][c];
                }
            }
            y[j] /= l[j][j];
            for (int c = 0; c < p; c++) {
                x[j][c] /= l[j][j];
            }
        }
    }

    /** (L L')^-1 from the lower factor L. */
    public static double[][] inverseFromCholesky(double[][] l) {
        double[][] li = lowerInverse(l);
        return multiply(transpose(li), li);
    }

    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    public static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        int k = b.length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < k; l++) {
                double v = a[i][l];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    c[i][j] += v * b[l][j];
                }
            }
        }
        return c;
    }

    /** A B'. */
    /**
     * Lambda Lambda' of one random-effect term with k columns: Lambda is lower triangular with lme4's theta
     * (column by column) from {@code theta[offset]} on, k (k + 1) / 2 entries.
     */
    public static double[][] relativeCovariance(double[] theta, int offset, int k) {
        double[][] lambda = new double[k][k];
        int t = offset;
        for (int c = 0; c < k; c++) {
            for (int r = c; r < k; r++) {
                lambda[r][c] = theta[t++];
            }
        }
        return multiplyTransposed(lambda, lambda);
    }

    public static double[][] multiplyTransposed(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                c[i][j] = dot(a[i], b[j]);
            }
        }
        return c;
    }

    public static double[] multiply(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = dot(a[i], x);
        }
        return y;
    }

    /** Solves A x = b for symmetric positive definite A; null when A is not positive definite. */
    public static double[] solveSpd(double[][] a, double[] b) {
        double[][] l = cholesky(a);
        return l == null ? null : solveWithCholesky(l, b);
    }

    /**
     * Solves L L' x = b given the lower factor L (forward, then back substitution): for a matrix already factored
     * for its log-determinant, without factoring it again.
     */
    public static double[] solveWithCholesky(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }
}
