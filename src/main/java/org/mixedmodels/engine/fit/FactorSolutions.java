package org.mixedmodels.engine.fit;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.mixedmodels.engine.linalg.SmallCholesky;

/**
 * The solutions at {@link ProfiledDeviance}'s current factor, used once, at the optimum, to assemble the result
 * (lme4's {@code getME(m, "beta")}, {@code vcov}, {@code ranef(condVar = TRUE)}): beta and the spherical random
 * effects u by back-substitution in the factor, b = Lambda u, (R_X R_X')^{-1} and the conditional variances of b.
 * Not part of the criterion of theta, so kept apart from it; it reads the factor's blocks as {@link ProfiledDeviance}
 * holds them and changes nothing. A view is made for one factor: factor again, make a new one.
 */
final class FactorSolutions {
    /** The factor's element (i, j), i &gt;= j, of the part after the first block, wherever it is held. */
    interface FactorElement {
        double at(int i, int j);
    }

    private final FactorElement factor;
    private final int p;
    private final int qr;
    private final int q1;
    private final int k1;
    private final int levels1;
    private final int m;
    private final List<ReBlock> blocks;
    private final int[] restOffset;
    private final int[] levelStart;
    private final int[] levelRows;
    private final double[][] lambda;
    private final double[] l11;
    private final double[] l21;
    private final DMatrixRMaj l22;
    private final SparseRestFactor sparse;
    private final int interceptColumn;
    private final double responseShift;
    private final double[] columnShift;

    /** A view of {@link ProfiledDeviance}'s factor: its arrays themselves (see there), not copies. */
    FactorSolutions(FactorElement factor, int p, int qr, int q1, List<ReBlock> blocks, int[] restOffset,
            int[] levelStart, int[] levelRows, double[][] lambda, double[] l11, double[] l21, DMatrixRMaj l22,
            SparseRestFactor sparse, int interceptColumn, double responseShift, double[] columnShift) {
        this.factor = factor;
        this.p = p;
        this.qr = qr;
        this.q1 = q1;
        this.k1 = blocks.get(0).k;
        this.levels1 = blocks.get(0).levelCount();
        this.m = qr + p + 1;
        this.blocks = blocks;
        this.restOffset = restOffset;
        this.levelStart = levelStart;
        this.levelRows = levelRows;
        this.lambda = lambda;
        this.l11 = l11;
        this.l21 = l21;
        this.l22 = l22;
        this.sparse = sparse;
        this.interceptColumn = interceptColumn;
        this.responseShift = responseShift;
        this.columnShift = columnShift;
    }

    /**
     * The conditional modes b = Lambda u with their conditional SDs at the current factor, sigma times the root of
     * the diagonal of Lambda P Lambda' (see {@link #unscaledConditionalVariances}); block by block, column by
     * column, level by level (lme4's {@code ranef(condVar = TRUE)}). u as {@link #sphericalModes}.
     */
    List<RandomEffect> randomEffects(double[] u, double sigma) {
        double[] u1 = java.util.Arrays.copyOfRange(u, 0, q1);
        double[] ur = java.util.Arrays.copyOfRange(u, q1, q1 + qr);
        return randomEffects(randomEffectsByBlock(u1, ur), sigma);
    }

    /** The list of {@link #randomEffects(double[], double)} from b per block. */
    List<RandomEffect> randomEffects(double[][] b, double sigma) {
        double[][][] condVar = unscaledConditionalVariances();
        List<RandomEffect> ranef = new java.util.ArrayList<>();
        for (int bl = 0; bl < blocks.size(); bl++) {
            ReBlock blk = blocks.get(bl);
            for (int c = 0; c < blk.k; c++) {
                for (int level = 0; level < blk.levelCount(); level++) {
                    double v = condVar[bl][level][c * blk.k + c] * sigma * sigma;
                    ranef.add(new RandomEffect(blk.groupName, blk.columnNames.get(c), blk.grouping.levels().get(level),
                            b[bl][level * blk.k + c], Math.sqrt(Math.max(v, 0))));
                }
            }
        }
        return ranef;
    }

    /** b = Lambda u, block by block, level by level, from the first block's u and the later blocks' u. */
    double[][] randomEffectsByBlock(double[] u1, double[] ur) {
        double[][] b = new double[blocks.size()][];
        int restStart = 0;
        for (int bl = 0; bl < blocks.size(); bl++) {
            ReBlock blk = blocks.get(bl);
            int k = blk.k;
            double[] lam = lambda[bl];
            double[] u;
            if (bl == 0) {
                u = u1;
            } else {
                u = java.util.Arrays.copyOfRange(ur, restStart, restStart + blk.size());
                restStart += blk.size();
            }
            double[] out = new double[blk.size()];
            for (int level = 0; level < blk.levelCount(); level++) {
                for (int r = 0; r < k; r++) {
                    double s = 0;
                    for (int c = 0; c <= r; c++) {
                        s += lam[r * k + c] * u[level * k + c];
                    }
                    out[level * k + r] = s;
                }
            }
            b[bl] = out;
        }
        return b;
    }

    /**
     * The solution of the penalized least-squares problem at the current factor: the spherical random
     * effects u of the dense part followed by beta, from L22' [u_r; beta] = (last row of L22), and
     * then u of the first block from L11' u_1 = l_y1 - L21' [u_r; beta].
     *
     * @return {@code {beta, u_first, u_rest}}
     */
    double[][] solve() {
        int top = qr + p;
        double[] v;
        if (sparse != null) {
            v = sparse.solve();
        } else {
            v = new double[top];
            double[] l = l22.data;
            for (int i = 0; i < top; i++) {
                v[i] = l[(m - 1) * m + i];
            }
            for (int i = top - 1; i >= 0; i--) {
                double s = v[i];
                for (int j = i + 1; j < top; j++) {
                    s -= l[j * m + i] * v[j];
                }
                v[i] = s / l[i * m + i];
            }
        }
        double[] u1 = new double[q1];
        for (int j = 0; j < levels1; j++) {
            // The last row of R_j is y's: l_y1; the others are subtracted with their solution values.
            int last = levelStart[j + 1] - 1;
            for (int c = 0; c < k1; c++) {
                double s = l21[last * k1 + c];
                for (int t = levelStart[j]; t < last; t++) {
                    s -= l21[t * k1 + c] * v[levelRows[t]];
                }
                u1[j * k1 + c] = s;
            }
        }
        for (int j = 0; j < levels1; j++) {
            SmallCholesky.solveTransposedInPlace(l11, j * k1 * k1, k1, u1, j * k1);
        }
        double[] beta = java.util.Arrays.copyOfRange(v, qr, top);
        if (interceptColumn >= 0) {
            // beta_0 = beta_0(centred) + mean(y) - sum_c mean(x_c) beta_c
            double shift = responseShift;
            for (int c = 0; c < p; c++) {
                shift -= columnShift[c] * beta[c];
            }
            beta[interceptColumn] += shift;
        }
        double[] ur = java.util.Arrays.copyOfRange(v, 0, qr);
        return new double[][] {beta, u1, ur};
    }

    /** (R_X R_X')^{-1}: the covariance of beta divided by sigma^2. */
    double[][] unscaledFixedCovariance() {
        DMatrixRMaj rx = new DMatrixRMaj(p, p);
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                rx.set(i, j, factor.at(qr + i, qr + j));
            }
        }
        DMatrixRMaj inv = new DMatrixRMaj(p, p);
        TriangularSolver_DDRM.invertLower(rx.data, inv.data, p);
        DMatrixRMaj cov = new DMatrixRMaj(p, p);
        CommonOps_DDRM.multTransA(inv, inv, cov);
        double[][] out = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                out[i][j] = cov.get(i, j);
            }
        }
        if (interceptColumn >= 0) {
            // cov(beta) = T cov(beta centred) T' with T = I except row 0: T[0][c] = -mean(x_c)
            double[][] tc = new double[p][p];
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    double v = out[i][j];
                    if (i == interceptColumn) {
                        for (int c = 0; c < p; c++) {
                            v -= columnShift[c] * out[c][j];
                        }
                    }
                    tc[i][j] = v;
                }
            }
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    double v = tc[i][j];
                    if (j == interceptColumn) {
                        for (int c = 0; c < p; c++) {
                            v -= tc[i][c] * columnShift[c];
                        }
                    }
                    out[i][j] = v;
                }
            }
        }
        return out;
    }

    /**
     * Per block and level, the k x k matrix Lambda_b P Lambda_b' where P is the level's diagonal block
     * of (L_Z L_Z')^{-1} and L_Z the random-effects part of the factor; times sigma^2 this is lme4's
     * conditional variance of the random effects ({@code ranef(condVar = TRUE)}), which treats beta as
     * known.
     *
     * @return {@code [block][level][k*k]}, row-major
     */
    double[][][] unscaledConditionalVariances() {
        if (sparse != null) {
            return sparseConditionalVariances(denseInverseCheaper());
        }
        // The columns of the inverse of the dense random-effects part of L22 (lower triangular, qr x qr), each held
        // contiguously: column c of Lrr^{-1} is inverse[c * qr + i], nonzero for i >= c (inverseColumns).
        return inverseConditionalVariances(inverseColumns(l22.data, m, qr), false);
    }

    /**
     * The conditional variances from the columns of Lrr^{-1} (see {@link #inverseColumns}); with {@code permuted}
     * the inverse is that of the sparse factor in its fill-reducing order, and each later random effect is read at
     * its position there ({@link SparseRestFactor#factorPosition}). The order does not change the products: P is a
     * sum over the rows of the inverse, and permuting the rows permutes the terms.
     */
    private double[][][] inverseConditionalVariances(double[] inverse, boolean permuted) {
        double[][][] out = new double[blocks.size()][][];
        // First block: P_j = L11_j^{-T} L11_j^{-1} + W_j' W_j, W_j = Lrr^{-1} L21r[:, j] L11_j^{-1}: W_j's columns are
        // combinations of the inverse's columns at R_j's rows.
        out[0] = new double[levels1][];
        double[] inv = new double[k1 * k1];
        double[] v = new double[k1];
        double[] w = new double[qr * k1];
        for (int j = 0; j < levels1; j++) {
            double[] pj = firstBlockPrecision(j, inv);
            if (qr > 0 && levelStart[j] < levelStart[j + 1] && levelRows[levelStart[j]] < qr) {
                // V = (rows of R_j in the random-effects part) L11_j^{-1}, then W_j = Lrr^{-1} V: W_j is zero above
                // R_j's first row (in the factor's order)
                int low = qr;
                for (int t = levelStart[j]; t < levelStart[j + 1] && levelRows[t] < qr; t++) {
                    low = Math.min(low, permuted ? sparse.factorPosition(levelRows[t]) : levelRows[t]);
                }
                java.util.Arrays.fill(w, low * k1, qr * k1, 0.0);
                for (int t = levelStart[j]; t < levelStart[j + 1] && levelRows[t] < qr; t++) {
                    int row = permuted ? sparse.factorPosition(levelRows[t]) : levelRows[t];
                    for (int c = 0; c < k1; c++) {
                        v[c] = crossTimesInverse(t, c, inv);
                    }
                    int col = row * qr;
                    if (k1 == 1) {
                        double v0 = v[0];
                        for (int i = row; i < qr; i++) {
                            w[i] += inverse[col + i] * v0;
                        }
                        continue;
                    }
                    for (int i = row; i < qr; i++) {
                        double a = inverse[col + i];
                        for (int c = 0; c < k1; c++) {
                            w[i * k1 + c] += a * v[c];
                        }
                    }
                }
                for (int r = 0; r < k1; r++) {
                    for (int c = 0; c < k1; c++) {
                        double s = 0;
                        for (int i = low; i < qr; i++) {
                            s += w[i * k1 + r] * w[i * k1 + c];
                        }
                        pj[r * k1 + c] += s;
                    }
                }
            }
            out[0][j] = sandwich(lambda[0], pj, k1);
        }
        // Later blocks: P = sum over rows i of Lrr^{-1}[i, cols]' Lrr^{-1}[i, cols], products of the inverse's columns.
        for (int b = 1; b < blocks.size(); b++) {
            ReBlock blk = blocks.get(b);
            int k = blk.k;
            out[b] = new double[blk.levelCount()][];
            for (int level = 0; level < blk.levelCount(); level++) {
                int c0 = restOffset[b] + level * k;
                double[] pj = new double[k * k];
                for (int r = 0; r < k; r++) {
                    int fr = permuted ? sparse.factorPosition(c0 + r) : c0 + r;
                    int cr = fr * qr;
                    for (int c = 0; c < k; c++) {
                        int fc = permuted ? sparse.factorPosition(c0 + c) : c0 + c;
                        int cc = fc * qr;
                        double s = 0;
                        for (int i = Math.max(fr, fc); i < qr; i++) {
                            s += inverse[cr + i] * inverse[cc + i];
                        }
                        pj[r * k + c] = s;
                    }
                }
                out[b][level] = sandwich(lambda[b], pj, k);
            }
        }
        return out;
    }

    /** Columns of Lrr^{-1} solved together (a block of them shares each pass over a column of Lrr). */
    static final int INVERSE_BLOCK = 32;

    /**
     * The inverse of the leading q x q part of a lower-triangular matrix held row-major with row length
     * {@code stride}, by columns: column c solves Lrr x = e_c by forward substitution in column form (x_k /= l_kk,
     * then x_i -= l_ik x_k below k), with Lrr's columns copied to contiguous rows first so that both the read of a
     * column and the update of x run along memory. Returned as q x q with column c of the inverse in
     * {@code [c * q, (c + 1) * q)} (zero above c). Each column's arithmetic is the same whatever the split of the
     * column blocks over the cores, so the result does not depend on the number of threads.
     */
    static double[] inverseColumns(double[] lower, int stride, int q) {
        double[] transposed = new double[q * q]; // transposed[k * q + i] = L[i][k], i >= k
        for (int i = 0; i < q; i++) {
            int row = i * stride;
            for (int k = 0; k <= i; k++) {
                transposed[k * q + i] = lower[row + k];
            }
        }
        return inverseColumnsOfColumns(transposed, q);
    }

    /**
     * As {@link #inverseColumns}, for a lower-triangular q x q matrix held by columns: element (i, k), i &gt;= k, at
     * {@code transposed[k * q + i]}.
     */
    static double[] inverseColumnsOfColumns(double[] transposed, int q) {
        double[] columns = new double[q * q];
        if (q == 0) {
            return columns;
        }
        int blockCount = (q + INVERSE_BLOCK - 1) / INVERSE_BLOCK;
        java.util.stream.IntStream blocksOfColumns = java.util.stream.IntStream.range(0, blockCount);
        if ((long) q * q * q >= 1L << 24) {
            blocksOfColumns = blocksOfColumns.parallel();
        }
        blocksOfColumns.forEach(blk -> {
            int c0 = blk * INVERSE_BLOCK;
            int c1 = Math.min(q, c0 + INVERSE_BLOCK);
            for (int c = c0; c < c1; c++) {
                columns[c * q + c] = 1.0;
            }
            for (int k = c0; k < q; k++) {
                double lkk = transposed[k * q + k];
                int lk = k * q;
                for (int c = c0; c < c1 && c <= k; c++) {
                    int xc = c * q;
                    double xk = columns[xc + k] / lkk;
                    columns[xc + k] = xk;
                    if (xk == 0) {
                        continue;
                    }
                    for (int i = k + 1; i < q; i++) {
                        columns[xc + i] -= transposed[lk + i] * xk;
                    }
                }
            }
        });
        return columns;
    }

    /**
     * How many multiply-adds of the dense kernel one multiply-add of a reach solve costs: {@link
     * SparseRestFactor#solveSparse} gathers and scatters through the factor's row indices one column at a time, while
     * {@link #inverseColumnsOfColumns} streams contiguous columns, blocked and over the cores. Measured on real InstEval
     * at its optimum (2 cores, loaded): the reach route 6.8e8 multiply-adds in 0.41 s CPU, the dense one 2.7e8 in
     * 0.08-0.09 s CPU, so about 1.7e9 against 3.2e9 multiply-adds per CPU second.
     */
    static final double REACH_COST = 2;

    /**
     * Whether the conditional variances with a sparse rest are cheaper through the dense inverse of L22 (which then
     * must fit: {@link SparseRestFactor#denseFits}, the dense kernel's own limit) than by a reach solve per level:
     * for crossed factors, whose reaches all cross the dense trailing clique; never for nested ones, whose reaches
     * are a few entries and whose qr x qr would not fit. The cost inputs are {@link #conditionalVarianceWork}'s.
     */
    private boolean denseInverseCheaper() {
        if (!sparse.denseFits()) {
            return false;
        }
        double[] work = conditionalVarianceWork();
        return denseInverseCheaper(work[0], work[1]);
    }

    /** The route choice by its cost inputs, in multiply-adds (see {@link #conditionalVarianceWork}). */
    static boolean denseInverseCheaper(double reachWork, double denseWork) {
        return reachWork * REACH_COST > denseWork;
    }

    /**
     * {reach, dense} multiply-adds of the two routes for the sparse rest. Reach: per first-block level, k1 solves
     * each at least the longest elimination-tree path of the level's rows (the union of the paths is not formed: a
     * lower bound, which leans to the reach route), and per later random effect one solve along its path
     * ({@link SparseRestFactor#pathWork}). Dense: the inverse's columns (qr^3 / 6), and the combinations, which run
     * from each row's position to the end of the inverse's columns.
     */
    double[] conditionalVarianceWork() {
        long[] path = sparse.pathWork();
        double reach = 0;
        double dense = (double) qr * qr * qr / 6;
        for (int j = 0; j < levels1; j++) {
            long longest = 0;
            int low = qr;
            for (int t = levelStart[j]; t < sparse.reEnd(j); t++) {
                int row = sparse.factorPosition(levelRows[t]);
                longest = Math.max(longest, path[row]);
                low = Math.min(low, row);
                dense += (double) (qr - row) * k1;
            }
            reach += (double) longest * k1;
            dense += (double) (qr - low) * k1 * k1;
        }
        for (int b = 1; b < blocks.size(); b++) {
            ReBlock blk = blocks.get(b);
            for (int c = restOffset[b]; c < restOffset[b] + blk.size(); c++) {
                int at = sparse.factorPosition(c);
                reach += path[at];
                dense += (double) (qr - at) * blk.k;
            }
        }
        return new double[] {reach, dense};
    }

    /** The sparse rest's conditional variances by the route given (the fit passes {@link #denseInverseCheaper}). */
    double[][][] sparseConditionalVariances(boolean denseInverse) {
        return denseInverse ? inverseConditionalVariances(inverseColumnsOfColumns(sparse.denseColumns(), qr), true)
                : sparseConditionalVariances();
    }

    /** Whether the sparse rest's conditional variances go through the dense inverse (false for a dense rest). */
    boolean conditionalVariancesByDenseInverse() {
        return sparse != null && denseInverseCheaper();
    }

    /**
     * The conditional variances with a sparse L22, by sparse triangular solves that touch only the elimination-tree
     * reach of each level (for nested factors a few entries, so the whole is linear in the number of groups): the
     * first block's P_j = L11_j^{-T} L11_j^{-1} + W_j' W_j with W_j = L22^{-1} L21r[:, j] L11_j^{-1}, a later block's
     * P = sum over rows i of (L22^{-1})[i, cols]' (L22^{-1})[i, cols], as in the dense case.
     */
    private double[][][] sparseConditionalVariances() {
        int kmax = k1;
        for (ReBlock blk : blocks) {
            kmax = Math.max(kmax, blk.k);
        }
        double[][] x = new double[kmax][qr];
        int[][] reach = new int[kmax][qr];
        int[] reachCount = new int[kmax];
        boolean[] mark = new boolean[qr];
        int[] rows = new int[qr];
        double[][][] out = new double[blocks.size()][][];
        out[0] = new double[levels1][];
        double[] inv = new double[k1 * k1];
        for (int j = 0; j < levels1; j++) {
            double[] pj = firstBlockPrecision(j, inv);
            int nr = 0;
            for (int t = levelStart[j]; t < sparse.reEnd(j); t++) {
                rows[nr++] = levelRows[t];
            }
            for (int c = 0; c < k1; c++) {
                for (int t = levelStart[j]; t < sparse.reEnd(j); t++) {
                    x[c][levelRows[t]] = crossTimesInverse(t, c, inv);
                }
                reachCount[c] = sparse.solveSparse(rows, nr, x[c], reach[c], mark);
            }
            addCrossProducts(pj, k1, x, reach, reachCount);
            out[0][j] = sandwich(lambda[0], pj, k1);
        }
        for (int b = 1; b < blocks.size(); b++) {
            ReBlock blk = blocks.get(b);
            int k = blk.k;
            out[b] = new double[blk.levelCount()][];
            for (int level = 0; level < blk.levelCount(); level++) {
                int c0 = restOffset[b] + level * k;
                for (int c = 0; c < k; c++) {
                    rows[0] = c0 + c;
                    x[c][c0 + c] = 1.0;
                    reachCount[c] = sparse.solveSparse(rows, 1, x[c], reach[c], mark);
                }
                double[] pj = new double[k * k];
                addCrossProducts(pj, k, x, reach, reachCount);
                out[b][level] = sandwich(lambda[b], pj, k);
            }
        }
        return out;
    }

    /**
     * L11_j^{-T} L11_j^{-1} of the first block's level j (k1 x k1, row-major), with L11_j^{-1} written into
     * {@code inv}: the first term of P_j.
     */
    private double[] firstBlockPrecision(int j, double[] inv) {
        SmallCholesky.invertLower(l11, j * k1 * k1, k1, inv);
        double[] pj = new double[k1 * k1];
        for (int r = 0; r < k1; r++) {
            for (int c = 0; c < k1; c++) {
                double s = 0;
                for (int t = 0; t < k1; t++) {
                    s += inv[t * k1 + r] * inv[t * k1 + c];
                }
                pj[r * k1 + c] = s;
            }
        }
        return pj;
    }

    /** Element c of row t of L21 times L11_j^{-1} (inv, lower triangular). */
    private double crossTimesInverse(int t, int c, double[] inv) {
        double s = 0;
        for (int u = c; u < k1; u++) {
            s += l21[t * k1 + u] * inv[u * k1 + c];
        }
        return s;
    }

    /** pj[r][c] += x_r . x_c over x_r's reach, then clears the k vectors x on their reaches. */
    private static void addCrossProducts(double[] pj, int k, double[][] x, int[][] reach, int[] reachCount) {
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int t = 0; t < reachCount[r]; t++) {
                    int i = reach[r][t];
                    s += x[r][i] * x[c][i];
                }
                pj[r * k + c] += s;
            }
        }
        for (int r = 0; r < k; r++) {
            for (int t = 0; t < reachCount[r]; t++) {
                x[r][reach[r][t]] = 0.0;
            }
        }
    }

    /** Lambda P Lambda' for k x k row-major matrices. */
    private static double[] sandwich(double[] lam, double[] pmat, int k) {
        double[] t = new double[k * k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int u = 0; u < k; u++) {
                    s += lam[r * k + u] * pmat[u * k + c];
                }
                t[r * k + c] = s;
            }
        }
        double[] out = new double[k * k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int u = 0; u < k; u++) {
                    s += t[r * k + u] * lam[c * k + u];
                }
                out[r * k + c] = s;
            }
        }
        return out;
    }

    /**
     * X beta + Z b per model-frame row: the population predictor with each block's Z b added, block after block
     * (none for a design from statistics, whose population predictor has no rows).
     *
     * @param b b = Lambda u by block ({@link #randomEffectsByBlock})
     */
    double[] conditional(double[] population, double[][] b) {
        double[] eta = population.clone();
        for (int i = 0; i < eta.length; i++) {
            for (int bl = 0; bl < blocks.size(); bl++) {
                ReBlock blk = blocks.get(bl);
                int base = blk.grouping.code(i) * blk.k;
                for (int c = 0; c < blk.k; c++) {
                    eta[i] += blk.columns[c][i] * b[bl][base + c];
                }
            }
        }
        return eta;
    }

}
