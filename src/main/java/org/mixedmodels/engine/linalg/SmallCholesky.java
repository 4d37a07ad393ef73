package org.mixedmodels.engine.linalg;

/**
 * Cholesky factorization and triangular solves for small k x k blocks stored row-major at an offset in a shared
 * array: the blocks of the first random-effects term (k = random-effects columns per level, usually 1 to 3) in the
 * random-effects fit, and, through {@link SmallMatrices#cholesky(double[][], double)}, each subject's (or visit
 * pattern's) V_i in the residual-structure fit: one kernel for both fits. Written out because these run once per
 * level or subject per objective evaluation, where a library call's allocation and dispatch would cost more than the
 * arithmetic. The large dense factor is {@link DenseCholesky}.
 */
public final class SmallCholesky {
    private SmallCholesky() {
    }

    /**
     * Replaces the lower triangle of the symmetric positive-definite block with its Cholesky factor L
     * (A = L L') and zeroes the upper triangle. Returns false, leaving the block undefined, if the
     * block is not positive definite.
     */
    public static boolean decomposeInPlace(double[] a, int off, int k) {
        return decomposeInPlace(a, off, k, 0);
    }

    /**
     * As {@link #decomposeInPlace(double[], int, int)}, refusing a pivot that is not above {@code relativeTolerance}
     * times its diagonal element (a numerically singular block) or that is infinite. Column j's pivot is
     * a_jj - sum_t l_jt^2 and its entries below (a_ij - sum_t l_it l_jt) / l_jj, the sums in increasing t (the
     * order of {@link DenseCholesky}'s diagonal blocks).
     */
    public static boolean decomposeInPlace(double[] a, int off, int k, double relativeTolerance) {
        for (int j = 0; j < k; j++) {
            double ajj = a[off + j * k + j];
            double d = ajj;
            for (int t = 0; t < j; t++) {
                d -= a[off + j * k + t] * a[off + j * k + t];
            }
            if (!(d > relativeTolerance * Math.abs(ajj)) || d == Double.POSITIVE_INFINITY) {
                return false;
            }
            double ljj = Math.sqrt(d);
            a[off + j * k + j] = ljj;
            for (int i = j + 1; i < k; i++) {
                double s = a[off + i * k + j];
                for (int t = 0; t < j; t++) {
                    s -= a[off + i * k + t] * a[off + j * k + t];
                }
                a[off + i * k + j] = s / ljj;
                a[off + j * k + i] = 0.0;
            }
        }
        return true;
    }

    /** row (length k at rowOff) := row * Lambda, for lower-triangular Lambda (k x k, row-major). */
    public static void multiplyRowByLower(double[] row, int rowOff, double[] lam, int k, double[] work) {
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int t = c; t < k; t++) {
                s += row[rowOff + t] * lam[t * k + c];
            }
            work[c] = s;
        }
        System.arraycopy(work, 0, row, rowOff, k);
    }

    /** row := row L^{-T}, i.e. solves x L' = row, for the lower-triangular factor at lOff. */
    public static void solveRowTransposed(double[] l, int lOff, int k, double[] row, int rowOff) {
        for (int c = 0; c < k; c++) {
            double s = row[rowOff + c];
            for (int t = 0; t < c; t++) {
                s -= l[lOff + c * k + t] * row[rowOff + t];
            }
            row[rowOff + c] = s / l[lOff + c * k + c];
        }
    }

    /** x := L'^{-1} x, i.e. solves L' x = b (back substitution), for the factor at lOff. */
    public static void solveTransposedInPlace(double[] l, int lOff, int k, double[] x, int xOff) {
        for (int i = k - 1; i >= 0; i--) {
            double s = x[xOff + i];
            for (int t = i + 1; t < k; t++) {
                s -= l[lOff + t * k + i] * x[xOff + t];
            }
            x[xOff + i] = s / l[lOff + i * k + i];
        }
    }

    /** out := L^{-1} (lower triangular, k x k row-major) for the factor at lOff. */
    public static void invertLower(double[] l, int lOff, int k, double[] out) {
        java.util.Arrays.fill(out, 0, k * k, 0.0);
        for (int c = 0; c < k; c++) {
            out[c * k + c] = 1.0 / l[lOff + c * k + c];
            for (int r = c + 1; r < k; r++) {
                double s = 0;
                for (int t = c; t < r; t++) {
                    s += l[lOff + r * k + t] * out[t * k + c];
                }
                out[r * k + c] = -s / l[lOff + r * k + r];
            }
        }
    }
}
