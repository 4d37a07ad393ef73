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
        double[] lkkT = new double[BLOCK * BLOCK];
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
            for (int c = 0; c < w; c++) {
                for (int e = c; e < w; e++) {
                    lkkT[c * w + e] = a[(kb + e) * n + kb + c];
                }
            }
            boolean split = parallel && rows >= PARALLEL_MIN;
            IntStream panelRows = IntStream.range(0, chunks(rows, split));
            (split ? panelRows.parallel() : panelRows).forEach(c -> {
                int from = first + (int) ((long) rows * c / chunks(rows, split));
                int to = first + (int) ((long) rows * (c + 1) / chunks(rows, split));
                solvePanel(a, n, kb, w, from, to, packed, first, rows, lkkT);
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

    /**
     * Rows from..to-1 of the panel: x L_kk' = row (forward substitution), then packed transposed. Column-oriented
     * over {@code lkkT}, the transpose of L_kk (row c holds column c of L_kk): once x[c] is known it is subtracted
     * from the later x[c'] in one contiguous pass, so each x[c'] receives x[0] L[c'][0], x[1] L[c'][1], ... in the
     * order of the dot-product form, with the same result, and the inner loop vectorizes. Two rows share each pass.
     */
    private static void solvePanel(double[] a, int n, int kb, int w, int from, int to, double[] packed, int first,
            int rows, double[] lkkT) {
        int i = from;
        for (; i + 1 < to; i += 2) {
            int r0 = i * n + kb;
            int r1 = r0 + n;
            int q0 = i - first;
            for (int c = 0; c < w; c++) {
                double d = lkkT[c * w + c];
                double v0 = a[r0 + c] / d;
                double v1 = a[r1 + c] / d;
                a[r0 + c] = v0;
                a[r1 + c] = v1;
                packed[c * rows + q0] = v0;
                packed[c * rows + q0 + 1] = v1;
                int tc = c * w;
                for (int e = c + 1; e < w; e++) {
                    double l = lkkT[tc + e];
                    a[r0 + e] -= v0 * l;
                    a[r1 + e] -= v1 * l;
                }
            }
        }
        for (; i < to; i++) {
            int r0 = i * n + kb;
            int q0 = i - first;
            for (int c = 0; c < w; c++) {
                double v0 = a[r0 + c] / lkkT[c * w + c];
                a[r0 + c] = v0;
                packed[c * rows + q0] = v0;
                int tc = c * w;
                for (int e = c + 1; e < w; e++) {
                    a[r0 + e] -= v0 * lkkT[tc + e];
                }
            }
        }
    }

    /**
     * A[i][j] -= sum_t P[t][i] P[t][j] for rows from..to-1 and first <= j <= i, tile by tile of columns. Within a
     * tile, two rows at a time share each load of the packed panel, and four panel columns t are applied in one pass
     * over the row segment: a[j] = (((a[j] - s_t p_t[j]) - s_t+1 p_t+1[j]) - ...), the same subtractions in the
     * same order as one pass per t (so the factor is bit-identical to the unblocked one), with a quarter of the
     * loads and stores of the destination - the pass is bound by those, not by the arithmetic.
     */
    private static void update(double[] a, int n, int w, double[] packed, int first, int rows, int from, int to) {
        int w4 = w & ~3;
        for (int jb = first; jb < to; jb += TILE) {
            int jEnd = Math.min(jb + TILE, to);
            int pj = jb - first;
            int i = Math.max(from, jb);
            // row i + 1 has the one extra column j = i + 1 when the tile reaches it
            for (; i + 1 < to; i += 2) {
                int len = Math.min(jEnd, i + 1) - jb;
                int r0 = i * n + jb;
                int r1 = r0 + n;
                int pi = i - first;
                boolean extra = i + 1 < jEnd;
                int t = 0;
                for (; t < w4; t += 4) {
                    int p0 = t * rows;
                    int p1 = p0 + rows;
                    int p2 = p1 + rows;
                    int p3 = p2 + rows;
                    double a0 = packed[p0 + pi];
                    double b0 = packed[p1 + pi];
                    double c0 = packed[p2 + pi];
                    double d0 = packed[p3 + pi];
                    double a1 = packed[p0 + pi + 1];
                    double b1 = packed[p1 + pi + 1];
                    double c1 = packed[p2 + pi + 1];
                    double d1 = packed[p3 + pi + 1];
                    int o0 = p0 + pj;
                    int o1 = p1 + pj;
                    int o2 = p2 + pj;
                    int o3 = p3 + pj;
                    for (int j = 0; j < len; j++) {
                        double q0 = packed[o0 + j];
                        double q1 = packed[o1 + j];
                        double q2 = packed[o2 + j];
                        double q3 = packed[o3 + j];
                        a[r0 + j] = a[r0 + j] - a0 * q0 - b0 * q1 - c0 * q2 - d0 * q3;
                        a[r1 + j] = a[r1 + j] - a1 * q0 - b1 * q1 - c1 * q2 - d1 * q3;
                    }
                    if (extra) {
                        a[r1 + len] = a[r1 + len] - a1 * packed[o0 + len] - b1 * packed[o1 + len]
                                - c1 * packed[o2 + len] - d1 * packed[o3 + len];
                    }
                }
                for (; t < w; t++) {
                    int pt = t * rows;
                    double s0 = packed[pt + pi];
                    double s1 = packed[pt + pi + 1];
                    int off = pt + pj;
                    for (int j = 0; j < len; j++) {
                        double q = packed[off + j];
                        a[r0 + j] -= s0 * q;
                        a[r1 + j] -= s1 * q;
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
                int t = 0;
                for (; t < w4; t += 4) {
                    int p0 = t * rows;
                    int p1 = p0 + rows;
                    int p2 = p1 + rows;
                    int p3 = p2 + rows;
                    double a0 = packed[p0 + pi];
                    double b0 = packed[p1 + pi];
                    double c0 = packed[p2 + pi];
                    double d0 = packed[p3 + pi];
                    int o0 = p0 + pj;
                    int o1 = p1 + pj;
                    int o2 = p2 + pj;
                    int o3 = p3 + pj;
                    for (int j = 0; j < len; j++) {
                        a[r0 + j] = a[r0 + j] - a0 * packed[o0 + j] - b0 * packed[o1 + j] - c0 * packed[o2 + j]
                                - d0 * packed[o3 + j];
                    }
                }
                for (; t < w; t++) {
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
