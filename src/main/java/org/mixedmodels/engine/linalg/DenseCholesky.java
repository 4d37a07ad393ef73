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
        // the packed transposed panel, by tiles of TILE of its rows: tiles[k][t][r] = P[t][k TILE + r]
        double[][][] tiles = new double[(n + TILE - 1) / TILE][Math.min(BLOCK, n)][TILE];
        double[][] lkkT = new double[BLOCK][BLOCK];
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
                    lkkT[c][e] = a[(kb + e) * n + kb + c];
                }
            }
            boolean split = parallel && rows >= PARALLEL_MIN;
            IntStream panelRows = IntStream.range(0, chunks(rows, split));
            (split ? panelRows.parallel() : panelRows).forEach(c -> {
                int from = first + (int) ((long) rows * c / chunks(rows, split));
                int to = first + (int) ((long) rows * (c + 1) / chunks(rows, split));
                solvePanel(a, n, kb, w, from, to, tiles, first, lkkT);
            });
            // trailing update, row blocks balanced by their share of the lower triangle
            int[] bounds = triangleSplit(rows, split ? 4 * Runtime.getRuntime().availableProcessors() : 1);
            IntStream parts = IntStream.range(0, bounds.length - 1);
            (split ? parts.parallel() : parts).forEach(c -> update(a, n, w, tiles, first,
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
     * order of the dot-product form, with the same result. Two rows share each pass, copied into buffers so that
     * the pass reads separate arrays at its loop index (the shape C2 vectorizes, see {@link #update}).
     */
    private static void solvePanel(double[] a, int n, int kb, int w, int from, int to, double[][][] tiles, int first,
            double[][] lkkT) {
        double[] y0 = new double[w];
        double[] y1 = new double[w];
        int i = from;
        for (; i + 1 < to; i += 2) {
            int r0 = i * n + kb;
            int r1 = r0 + n;
            int q0 = i - first;
            double[][] tile0 = tiles[q0 / TILE];
            double[][] tile1 = tiles[(q0 + 1) / TILE];
            int k0 = q0 % TILE;
            int k1 = (q0 + 1) % TILE;
            System.arraycopy(a, r0, y0, 0, w);
            System.arraycopy(a, r1, y1, 0, w);
            for (int c = 0; c < w; c++) {
                double[] l = lkkT[c];
                double d = l[c];
                double v0 = y0[c] / d;
                double v1 = y1[c] / d;
                y0[c] = v0;
                y1[c] = v1;
                tile0[c][k0] = v0;
                tile1[c][k1] = v1;
                for (int e = c + 1; e < w; e++) {
                    double le = l[e];
                    y0[e] -= v0 * le;
                    y1[e] -= v1 * le;
                }
            }
            System.arraycopy(y0, 0, a, r0, w);
            System.arraycopy(y1, 0, a, r1, w);
        }
        for (; i < to; i++) {
            int r0 = i * n + kb;
            int q0 = i - first;
            double[][] tile = tiles[q0 / TILE];
            System.arraycopy(a, r0, y0, 0, w);
            for (int c = 0; c < w; c++) {
                double[] l = lkkT[c];
                double v0 = y0[c] / l[c];
                y0[c] = v0;
                tile[c][q0 % TILE] = v0;
                for (int e = c + 1; e < w; e++) {
                    y0[e] -= v0 * l[e];
                }
            }
            System.arraycopy(y0, 0, a, r0, w);
        }
    }

    /**
     * A[i][j] -= sum_t P[t][i] P[t][j] for rows from..to-1 and first <= j <= i, tile by tile of columns. Two rows at
     * a time are copied into buffers and receive three panel columns t per pass ({@link #subtractThreeColumns}), every
     * element the same subtractions in the same order as one pass per t (so the factor is bit-identical to the
     * unblocked one). The buffers and the tile's panel rows are separate arrays read from index 0: that is the
     * shape whose loop HotSpot's C2 vectorizes (on JDK 17 a loop over several offsets into one array is not
     * vectorized: 2.8 against 6.4-7.5 multiply-adds per ns for this shape on a 2-core Xeon), and two rows by three
     * columns keeps the loop small enough for C2 to unroll it to the vector width (two by four, or four rows by
     * two, are not vectorized: 2.9).
     */
    private static void update(double[] a, int n, int w, double[][][] tiles, int first, int from, int to) {
        double[] x0 = new double[TILE + 1];
        double[] x1 = new double[TILE + 1];
        for (int jb = first; jb < to; jb += TILE) {
            int jEnd = Math.min(jb + TILE, to);
            double[][] tile = tiles[(jb - first) / TILE];
            int i = Math.max(from, jb);
            // row i + 1 has the one extra column j = i + 1 when the tile reaches it
            for (; i + 1 < to; i += 2) {
                int len = Math.min(jEnd, i + 1) - jb;
                int r0 = i * n + jb;
                int r1 = r0 + n;
                int pi = i - first;
                double[][] own0 = tiles[pi / TILE];
                double[][] own1 = tiles[(pi + 1) / TILE];
                int c0 = pi % TILE;
                int c1 = (pi + 1) % TILE;
                boolean extra = i + 1 < jEnd;
                int len1 = extra ? len + 1 : len;
                System.arraycopy(a, r0, x0, 0, len);
                System.arraycopy(a, r1, x1, 0, len1);
                int t = 0;
                for (; t + 2 < w; t += 3) {
                    double[] q0 = tile[t];
                    double[] q1 = tile[t + 1];
                    double[] q2 = tile[t + 2];
                    double a0 = own0[t][c0];
                    double b0 = own0[t + 1][c0];
                    double d0 = own0[t + 2][c0];
                    double a1 = own1[t][c1];
                    double b1 = own1[t + 1][c1];
                    double d1 = own1[t + 2][c1];
                    subtractThreeColumns(x0, x1, q0, q1, q2, a0, b0, d0, a1, b1, d1, len);
                    if (extra) {
                        x1[len] = x1[len] - a1 * q0[len] - b1 * q1[len] - d1 * q2[len];
                    }
                }
                for (; t < w; t++) {
                    double[] q = tile[t];
                    subtractOneColumn(x0, q, own0[t][c0], len);
                    subtractOneColumn(x1, q, own1[t][c1], len1);
                }
                System.arraycopy(x0, 0, a, r0, len);
                System.arraycopy(x1, 0, a, r1, len1);
            }
            for (; i < to; i++) {
                int len = Math.min(jEnd, i + 1) - jb;
                int r0 = i * n + jb;
                int pi = i - first;
                double[][] own = tiles[pi / TILE];
                int c = pi % TILE;
                System.arraycopy(a, r0, x0, 0, len);
                for (int t = 0; t < w; t++) {
                    subtractOneColumn(x0, tile[t], own[t][c], len);
                }
                System.arraycopy(x0, 0, a, r0, len);
            }
        }
    }

    /** x0[j] -= a0 q0[j] + b0 q1[j] + d0 q2[j], x1[j] likewise with a1, b1, d1 (in that order), for j < len. */
    private static void subtractThreeColumns(double[] x0, double[] x1, double[] q0, double[] q1, double[] q2,
            double a0, double b0, double d0, double a1, double b1, double d1, int len) {
        for (int j = 0; j < len; j++) {
            double v0 = q0[j];
            double v1 = q1[j];
            double v2 = q2[j];
            x0[j] = x0[j] - a0 * v0 - b0 * v1 - d0 * v2;
            x1[j] = x1[j] - a1 * v0 - b1 * v1 - d1 * v2;
        }
    }

    /** x[j] -= s q[j] for j < len. */
    private static void subtractOneColumn(double[] x, double[] q, double s, int len) {
        for (int j = 0; j < len; j++) {
            x[j] -= s * q[j];
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
