package org.mixedmodels.engine.linalg;

import java.util.stream.IntStream;

/**
 * In-place Cholesky factorization A = L L' of a large dense symmetric positive-definite matrix stored row-major in
 * one {@code double[]} (the lower triangle is read and overwritten by L; the upper triangle is neither read nor
 * written). Right-looking and blocked as LAPACK's {@code dpotrf} (Golub and Van Loan, "Matrix Computations", 4th
 * ed., algorithm 4.2.4): for each panel of {@link #BLOCK} columns, the diagonal block is factored unblocked, the
 * panel below it is solved against it (a triangular solve per row), and the trailing lower triangle receives the
 * rank-{@code BLOCK} update A22 -= L21 L21'. The update, which holds almost all the flops, runs over a packed,
 * transposed copy of the panel so that its inner loop is a contiguous AXPY the JIT vectorizes, tiled by
 * {@link #TILE} columns to stay in cache; its rows are split over the cores.
 *
 * <p>Every element receives its updates in the same order however the rows are split, so the factor does not
 * depend on the number of threads (bit-identical).
 */
public final class DenseCholesky {
    /** Panel width: the rank of each trailing update. */
    public static final int BLOCK = 96;
    /** Columns of the trailing update processed together (a packed panel tile of BLOCK x TILE stays in L2). */
    static final int TILE = 512;
    /** Below this size the update is not split over threads (the fork costs more than the flops). */
    static final int PARALLEL_MIN = 256;

    private DenseCholesky() {
    }

    /**
     * Factors the n x n matrix in {@code a} (row-major, leading dimension n) in place; returns false, leaving
     * {@code a} undefined, when a pivot is not positive (the matrix is not positive definite to working precision).
     *
     * @param parallel whether the trailing updates may use all cores
     */
    public static boolean decompose(double[] a, int n, boolean parallel) {
        double[] packed = new double[BLOCK * n];
        for (int start = 0; start < n; start += BLOCK) {
            final int kb = start;
            final int w = Math.min(BLOCK, n - kb);
            if (!factorDiagonal(a, n, kb, w)) {
                return false;
            }
            int first = kb + w;
            int rows = n - first;
            if (rows == 0) {
                break;
            }
            // panel: A[i][kb..kb+w) := A[i][kb..kb+w) L_kk^{-T}, and its transpose packed as P[t][i - first]
            boolean split = parallel && rows >= PARALLEL_MIN;
            IntStream panelRows = IntStream.range(0, chunks(rows, split));
            (split ? panelRows.parallel() : panelRows).forEach(c -> {
                int from = first + (int) ((long) rows * c / chunks(rows, split));
                int to = first + (int) ((long) rows * (c + 1) / chunks(rows, split));
                solvePanel(a, n, kb, w, from, to, packed, first, rows);
            });
            // trailing update, row blocks balanced by their share of the lower triangle
            int[] bounds = triangleSplit(rows, split ? 4 * Runtime.getRuntime().availableProcessors() : 1);
            IntStream parts = IntStream.range(0, bounds.length - 1);
            (split ? parts.parallel() : parts).forEach(c -> update(a, n, w, packed, first, rows,
                    first + bounds[c], first + bounds[c + 1]));
        }
        return true;
    }

    private static int chunks(int rows, boolean split) {
        return split ? Math.min(4 * Runtime.getRuntime().availableProcessors(), Math.max(1, rows / 16)) : 1;
    }

    /** Unblocked Cholesky of the w x w diagonal block at (kb, kb). */
    private static boolean factorDiagonal(double[] a, int n, int kb, int w) {
        for (int j = 0; j < w; j++) {
            int rj = (kb + j) * n + kb;
            double d = a[rj + j];
            for (int t = 0; t < j; t++) {
                d -= a[rj + t] * a[rj + t];
            }
            if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                return false;
            }
            double ljj = Math.sqrt(d);
            a[rj + j] = ljj;
            for (int i = j + 1; i < w; i++) {
                int ri = (kb + i) * n + kb;
                double s = a[ri + j];
                for (int t = 0; t < j; t++) {
                    s -= a[ri + t] * a[rj + t];
                }
                a[ri + j] = s / ljj;
            }
        }
        return true;
    }

    /** Rows from..to-1 of the panel: x L_kk' = row (forward substitution), then packed transposed. */
    private static void solvePanel(double[] a, int n, int kb, int w, int from, int to, double[] packed, int first,
            int rows) {
        for (int i = from; i < to; i++) {
            int ri = i * n + kb;
            for (int c = 0; c < w; c++) {
                int rc = (kb + c) * n + kb;
                double s = a[ri + c];
                for (int t = 0; t < c; t++) {
                    s -= a[ri + t] * a[rc + t];
                }
                double v = s / a[rc + c];
                a[ri + c] = v;
                packed[c * rows + (i - first)] = v;
            }
        }
    }

    /**
     * A[i][j] -= sum_t P[t][i] P[t][j] for rows from..to-1 and first <= j <= i, tile by tile of columns; the t loop is
     * outermost within a tile so that each row segment stays in L1 while the packed tile streams from L2.
     */
    private static void update(double[] a, int n, int w, double[] packed, int first, int rows, int from, int to) {
        for (int jb = first; jb < to; jb += TILE) {
            int jEnd = Math.min(jb + TILE, to);
            int pj = jb - first;
            int i = Math.max(from, jb);
            // two rows at a time share each load of the packed panel; row i + 1 has the one extra column j = i + 1
            for (; i + 1 < to; i += 2) {
                int len = Math.min(jEnd, i + 1) - jb;
                int r0 = i * n + jb;
                int r1 = r0 + n;
                int pi = i - first;
                boolean extra = i + 1 < jEnd;
                for (int t = 0; t < w; t++) {
                    int pt = t * rows;
                    double s0 = packed[pt + pi];
                    double s1 = packed[pt + pi + 1];
                    int off = pt + pj;
                    for (int j = 0; j < len; j++) {
                        double p = packed[off + j];
                        a[r0 + j] -= s0 * p;
                        a[r1 + j] -= s1 * p;
                    }
                    if (extra) {
                        a[r1 + len] -= s1 * packed[off + len];
                    }
                }
            }
            for (; i < to; i++) {
                int len = Math.min(jEnd, i + 1) - jb;
                int r0 = i * n + jb;
                int pi = i - first;
                for (int t = 0; t < w; t++) {
                    int pt = t * rows;
                    double s0 = packed[pt + pi];
                    int off = pt + pj;
                    for (int j = 0; j < len; j++) {
                        a[r0 + j] -= s0 * packed[off + j];
                    }
                }
            }
        }
    }

    /** Row boundaries 0 = b_0 < ... < b_parts = rows giving each part about the same share of the lower triangle. */
    static int[] triangleSplit(int rows, int parts) {
        parts = Math.max(1, Math.min(parts, rows));
        int[] b = new int[parts + 1];
        b[parts] = rows;
        double total = (double) rows * (rows + 1) / 2;
        int c = 1;
        double sum = 0;
        for (int r = 0; r < rows && c < parts; r++) {
            sum += r + 1;
            if (sum >= total * c / parts) {
                b[c++] = r + 1;
            }
        }
        for (; c < parts; c++) {
            b[c] = rows;
        }
        return b;
    }
}
