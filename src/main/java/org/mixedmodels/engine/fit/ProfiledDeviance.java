package org.mixedmodels.engine.fit;

import java.util.List;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.linalg.DenseCholesky;
import org.mixedmodels.engine.linalg.SmallCholesky;

/**
 * The profiled deviance or REML criterion of a linear mixed model as a function of theta (Bates,
 * Maechler, Bolker and Walker 2015, "Fitting linear mixed-effects models using lme4", J. Stat.
 * Softw. 67(1), section 3.4-3.6):
 *
 * <pre>
 *   ML:   d(theta)   = log|L|^2 + n     (1 + log(2 pi r^2 / n))
 *   REML: d_R(theta) = log|L|^2 + log|R_X|^2 + (n-p) (1 + log(2 pi r^2 / (n-p)))
 * </pre>
 *
 * where L L' = Lambda' Z'Z Lambda + I, R_X is the Cholesky factor of the Schur complement of X'X, and
 * r^2 is the penalized residual sum of squares.
 *
 * <p>Storage follows MixedModels.jl: the cross-products of [Z X y] are formed once, in blocks. The
 * first random-effects block (most levels) is kept level by level, k x k per level, so its factor
 * has no fill-in. Everything after it ({@code rest}: the other random-effects blocks, then X, then y)
 * is either one dense block of size m, factored by {@link DenseCholesky} (crossed factors, whose Schur
 * complement fills in), or - when the later random effects' part of it is sparse, as for nested factors,
 * where it is block-diagonal - a {@link SparseRestFactor}: a sparse Cholesky of that part (symbolic
 * analysis once) with X and y as dense rows, chosen when its flop count beats the dense one. Because y is
 * the last column of the factor, r^2 is the square of the factor's last diagonal element, and beta and the
 * random effects are solved only once, at the optimum. One evaluation costs O(levels k^3 + m^2 q1 + m^3)
 * dense, O(levels k^3 + nnz(L22) (p + 1)) sparse (linear in the number of groups for nested factors), and
 * never passes over the rows.
 */
public final class ProfiledDeviance implements MultivariateFunction {
    private final boolean reml;
    private final int n;
    private final int p;
    private final List<ReBlock> blocks;
    private final ReBlock first;
    private final int k1;
    private final int levels1;
    private final int q1;
    /** Random effects in the dense part, and where each later block starts there. */
    private final int qr;
    private final int[] restOffset;
    /** Destination-row boundaries of the parallel rank update (null until first needed). */
    private int[] updateSplit;
    /** Whether every random-effects block after the first has one column (crossed random intercepts). */
    private final boolean scalarRestBlocks;
    /** For each random effect of the dense part: its block, and its column within the block's level. */
    private final int[] restBlock;
    private final int[] restColumn;
    private final int m;
    private final int thetaCount;
    private final ThetaLayout thetaLayout;
    /** Per later random effect, its block's Lambda when every block has one column (set in factor). */
    private final double[] restRowScale;

    // Cross-products, formed once. A_r1 (m x q1) is stored by level j of the first block: only the
    // rows R_j of the dense part that co-occur with level j (the later blocks' levels seen with it,
    // X and y) are kept, as a |R_j| x k1 block; the factor L21 has the same pattern.
    private final double[] a11;
    private final int[] levelStart;
    private final int[] levelRows;
    private final double[] ar1;
    /** The dense rest's cross-products (m x m; null when the rest is factored sparsely). */
    private final DMatrixRMaj arr;
    /** The factor of the rest when its random-effects part is sparse (nested factors), else null. */
    private final SparseRestFactor sparse;
    /** The rest is factored sparsely only from this many later random effects on (below, dense is as fast). */
    static final int SPARSE_MIN = 300;

    // The factor at the last evaluated theta.
    private final double[][] lambda;
    private final double[] l11;
    private final double[] l21;
    private final DMatrixRMaj l22;
    private final CholeskyDecomposition_F64<DMatrixRMaj> cholesky;
    /** From this many levels of the first grouping factor on, the per-level factorization uses all cores. */
    static final int PARALLEL_LEVELS = 2000;
    /** From this size on, the dense block is factored by the multi-threaded block Cholesky. */
    static final int PARALLEL_DENSE = 400;
    /** The column of X that is all ones (the intercept), or -1; the response is centred when there is one. */
    private int interceptColumn = -1;
    /** The mean subtracted from the response before the cross-products, added back to the intercept. */
    private double responseShift;
    /** The means subtracted from X's other columns when there is an intercept (0 for the intercept). */
    private double[] columnShift;
    private final double[] work;
    /** Model-frame rows ordered by the first block's level (kept for the weighted refreshes). */
    private int[] order;
    private double[] factoredTheta;
    private int evaluations;
    private int factorizations;

    public ProfiledDeviance(Design design, boolean reml) {
        this(design, reml, SPARSE_MIN);
    }

    /**
     * As above; the rest is factored sparsely only from {@code sparseMin} later random effects on, and always when
     * sparseMin is negative (for tests).
     */
    ProfiledDeviance(Design design, boolean reml, int sparseMin) {
        this(design.randomTerms(), design.nobs(), design.fixed().columnCount(), reml, sparseMin, design.statistics());
        if (design.statistics() == null) {
            formCrossProducts(design.fixed().columns(), design.response(), null);
        } else {
            fromStatistics(design.statistics());
        }
    }

    /**
     * The factor of Lambda' Z' W Z Lambda + I alone (no fixed effects), for the penalized iteratively reweighted
     * least squares of a GLMM (lme4's PIRLS with beta held fixed, as in glmer's second stage): the same blocked
     * storage, pattern and symbolic analysis as the linear model's, formed once; {@link #factorWeighted} refreshes
     * the cross-products for new weights and working response and factors. The last column of the factor is the
     * weighted working response, so {@link #sphericalModes} solves the penalized weighted least-squares problem.
     */
    public static ProfiledDeviance weightedRandomEffects(List<RandomEffectTerm> terms, int nobs) {
        // the sparse rest from any size on when its flop count wins: a GLMM factors thousands of times (grouseticks:
        // 181 later random effects, 2.7 ms sparse against 8.5 ms dense per factorization)
        return new ProfiledDeviance(terms, nobs, 0, false, 0, null);
    }

    /** @param stats the design's cross-product statistics (a fit from statistics), or null to form them from rows */
    private ProfiledDeviance(List<RandomEffectTerm> terms, int nobs, int fixedCount, boolean reml, int sparseMin,
            org.mixedmodels.engine.design.CrossProducts stats) {
        this.reml = reml;
        this.blocks = ReBlock.of(terms);
        this.first = blocks.get(0);
        this.n = nobs;
        this.p = fixedCount;
        this.k1 = first.k;
        this.levels1 = first.levelCount();
        this.q1 = first.size();
        this.restOffset = new int[blocks.size()];
        this.scalarRestBlocks = blocks.stream().skip(1).allMatch(blk -> blk.k == 1);
        int q = 0;
        for (int b = 1; b < blocks.size(); b++) {
            restOffset[b] = q;
            q += blocks.get(b).size();
        }
        this.qr = q;
        this.restBlock = new int[qr];
        this.restColumn = new int[qr];
        for (int b = 1; b < blocks.size(); b++) {
            for (int e = 0; e < blocks.get(b).size(); e++) {
                restBlock[restOffset[b] + e] = b;
                restColumn[restOffset[b] + e] = e % blocks.get(b).k;
            }
        }
        this.m = qr + p + 1;
        this.restRowScale = new double[qr];
        this.thetaCount = terms.stream().mapToInt(RandomEffectTerm::thetaCount).sum();
        this.thetaLayout = ThetaLayout.of(terms);

        this.a11 = new double[levels1 * k1 * k1];
        this.levelStart = new int[levels1 + 1];
        this.levelRows = stats == null ? levelPattern() : stats.levelPattern(levelStart);
        this.ar1 = new double[levelRows.length * k1];
        int[] blockK = blocks.stream().mapToInt(blk -> blk.k).toArray();
        this.sparse = SparseRestFactor.create(qr, p, restBlock, restColumn, blockK, levelStart, levelRows, sparseMin);
        this.arr = sparse == null ? new DMatrixRMaj(m, m) : null;

        this.lambda = new double[blocks.size()][];
        for (int b = 0; b < blocks.size(); b++) {
            lambda[b] = new double[blocks.get(b).k * blocks.get(b).k];
        }
        this.l11 = new double[a11.length];
        this.l21 = new double[ar1.length];
        this.l22 = sparse == null ? new DMatrixRMaj(m, m) : null;
        this.cholesky = sparse == null ? DecompositionFactory_DDRM.chol(m, true) : null;
        this.work = new double[Math.max(k1 * k1, m)];
    }

    /** The indices of the dense part's rows that one model-frame row touches, ascending; returns the count. */
    private int restEntries(int i, int[] idx) {
        int nz = 0;
        for (int b = 1; b < blocks.size(); b++) {
            ReBlock blk = blocks.get(b);
            int start = restOffset[b] + blk.grouping.code(i) * blk.k;
            for (int c = 0; c < blk.k; c++) {
                idx[nz++] = start + c;
            }
        }
        for (int c = 0; c <= p; c++) {
            idx[nz++] = qr + c;
        }
        return nz;
    }

    /** R_j for every level j of the first block (ascending within a level); fills levelStart. */
    private int[] levelPattern() {
        int[] order = rowsByLevel();
        int[] idx = new int[m];
        int[] mark = new int[m];
        java.util.Arrays.fill(mark, -1);
        int[] rows = new int[Math.max(16, levels1 * (p + 1))];
        int count = 0;
        int r = 0;
        for (int j = 0; j < levels1; j++) {
            levelStart[j] = count;
            while (r < n && first.grouping.code(order[r]) == j) {
                int nz = restEntries(order[r], idx);
                for (int e = 0; e < nz; e++) {
                    if (mark[idx[e]] != j) {
                        mark[idx[e]] = j;
                        if (count == rows.length) {
                            rows = java.util.Arrays.copyOf(rows, rows.length * 2);
                        }
                        rows[count++] = idx[e];
                    }
                }
                r++;
            }
            java.util.Arrays.sort(rows, levelStart[j], count);
        }
        levelStart[levels1] = count;
        return java.util.Arrays.copyOf(rows, count);
    }

    /** Model-frame rows ordered by the first block's level (counting sort, stable). */
    private int[] rowsByLevel() {
        int[] start = new int[levels1 + 1];
        for (int i = 0; i < n; i++) {
            start[first.grouping.code(i) + 1]++;
        }
        for (int j = 0; j < levels1; j++) {
            start[j + 1] += start[j];
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[start[first.grouping.code(i)]++] = i;
        }
        return order;
    }

    /**
     * Accumulates the cross-products of [Z X y], each row times {@code sqrtWeights[i]} when given (then neither y
     * nor X is centred: the weighted mode has no X). Multiplying by 1 is exact, so the unweighted numbers do not
     * depend on this.
     */
    private void formCrossProducts(double[][] x, double[] y, double[] sqrtWeights) {
        // With an intercept column the response is centred first: the cross-products of [Z X y] are formed once
        // and y'y - ... would otherwise cancel catastrophically for responses far from 0 (e.g. 1e8 +- 1); the
        // intercept absorbs the shift exactly, and solve() adds it back.
        interceptColumn = sqrtWeights == null ? interceptColumn(x) : -1;
        columnShift = new double[p];
        if (interceptColumn >= 0) {
            // likewise X's other columns (time as POSIX seconds): X - 1 m' spans the same space, so only the
            // intercept and its covariance change, mapped back in solve() and unscaledFixedCovariance()
            double[][] centredX = new double[p][];
            for (int c = 0; c < p; c++) {
                if (c == interceptColumn) {
                    centredX[c] = x[c];
                    continue;
                }
                double mean = 0;
                for (double v : x[c]) {
                    mean += v / n;
                }
                columnShift[c] = mean;
                centredX[c] = new double[n];
                for (int i = 0; i < n; i++) {
                    centredX[c][i] = x[c][i] - mean;
                }
            }
            x = centredX;
            double mean = 0;
            for (double v : y) {
                mean += v / n;
            }
            responseShift = mean;
            double[] centred = new double[n];
            for (int i = 0; i < n; i++) {
                centred[i] = y[i] - mean;
            }
            y = centred;
        }
        int[] idx = new int[m];
        double[] val = new double[m];
        double[] z1 = new double[k1];
        int[] position = new int[m];
        double[] arrd = arr == null ? null : arr.data;
        if (order == null) {
            order = rowsByLevel();
        }
        int r = 0;
        for (int j = 0; j < levels1; j++) {
            for (int t = levelStart[j]; t < levelStart[j + 1]; t++) {
                position[levelRows[t]] = t;
            }
            for (; r < n && first.grouping.code(order[r]) == j; r++) {
                int i = order[r];
                double sw = sqrtWeights == null ? 1.0 : sqrtWeights[i];
                for (int c = 0; c < k1; c++) {
                    z1[c] = sqrtWeights == null ? first.columns[c][i] : first.columns[c][i] * sw;
                }
                int base = j * k1 * k1;
                for (int a = 0; a < k1; a++) {
                    for (int c = 0; c < k1; c++) {
                        a11[base + a * k1 + c] += z1[a] * z1[c];
                    }
                }
                int nz = restEntries(i, idx);
                for (int e = 0; e < nz; e++) {
                    int ix = idx[e];
                    int rb = restBlockOf(ix);
                    val[e] = ix < qr ? blocks.get(rb).columns[restColumn[ix]][i] : ix < qr + p ? x[ix - qr][i] : y[i];
                    if (sqrtWeights != null) {
                        val[e] *= sw;
                    }
                }
                for (int e = 0; e < nz; e++) {
                    int at = position[idx[e]] * k1;
                    for (int c = 0; c < k1; c++) {
                        ar1[at + c] += val[e] * z1[c];
                    }
                    if (arrd == null) {
                        continue;
                    }
                    for (int f = 0; f <= e; f++) {
                        arrd[idx[e] * m + idx[f]] += val[e] * val[f];
                    }
                }
                if (sparse != null) {
                    sparse.accumulate(idx, val, nz);
                }
            }
        }
        if (arrd == null) {
            return;
        }
        // Symmetrize: the entries were accumulated in the lower triangle (indices ascend within a row).
        for (int a = 0; a < m; a++) {
            for (int c = 0; c < a; c++) {
                arrd[c * m + a] = arrd[a * m + c];
            }
        }
    }

    /**
     * The weighted mode's factor (see {@link #weightedRandomEffects}) for theta, with the rows of Z weighted by
     * {@code sqrtWeights} and the working response {@code sqrtWeights * response} as the last column; false where
     * the factorization fails.
     */
    public boolean factorWeighted(double[] theta, double[] sqrtWeights, double[] response) {
        if (p != 0) {
            throw new IllegalStateException("factorWeighted is for the factor made by weightedRandomEffects");
        }
        java.util.Arrays.fill(a11, 0.0);
        java.util.Arrays.fill(ar1, 0.0);
        if (arr != null) {
            java.util.Arrays.fill(arr.data, 0.0);
        }
        if (sparse != null) {
            sparse.clearCrossProducts();
        }
        formCrossProducts(new double[0][], response, sqrtWeights);
        evaluations++;
        return factor(theta);
    }

    /**
     * The spherical random effects u at the current factor (the penalized least-squares solution), the first
     * block's (level by level, k per level) followed by the later blocks' in the same layout.
     */
    public double[] sphericalModes() {
        double[][] s = solve();
        double[] u = new double[q1 + qr];
        System.arraycopy(s[1], 0, u, 0, q1);
        System.arraycopy(s[2], 0, u, q1, qr);
        return u;
    }

    /** The number of random effects q (the length of u). */
    public int randomEffectCount() {
        return q1 + qr;
    }

    /** Z Lambda u per model-frame row for the given theta; u laid out as {@link #sphericalModes}. */
    public double[] randomPredictor(double[] theta, double[] u, double[] out) {
        java.util.Arrays.fill(out, 0.0);
        int start = 0;
        double[] bl = new double[0];
        for (int b = 0; b < blocks.size(); b++) {
            ReBlock blk = blocks.get(b);
            int k = blk.k;
            double[] lam = new double[k * k];
            blk.lambda(theta, lam);
            if (bl.length < blk.size()) {
                bl = new double[blk.size()];
            }
            for (int level = 0; level < blk.levelCount(); level++) {
                for (int r = 0; r < k; r++) {
                    double s = 0;
                    for (int c = 0; c <= r; c++) {
                        s += lam[r * k + c] * u[start + level * k + c];
                    }
                    bl[level * k + r] = s;
                }
            }
            for (int i = 0; i < n; i++) {
                int base = blk.grouping.code(i) * k;
                double s = 0;
                for (int c = 0; c < k; c++) {
                    s += blk.columns[c][i] * bl[base + c];
                }
                out[i] += s;
            }
            start += blk.size();
        }
        return out;
    }

    /**
     * The conditional modes b = Lambda u with their conditional SDs at the current factor (lme4's
     * {@code ranef(condVar = TRUE)}; {@link FactorSolutions#randomEffects}). u as {@link #sphericalModes}.
     */
    public List<RandomEffect> randomEffects(double[] u, double sigma) {
        return solutions().randomEffects(u, sigma);
    }

    /**
     * The cross-products from statistics ({@link org.mixedmodels.engine.design.CrossProducts}) instead of rows: the
     * same blocks in the same index space, with the same centring, summed elsewhere (a distributed pass, or the
     * design's own rows).
     */
    private void fromStatistics(org.mixedmodels.engine.design.CrossProducts stats) {
        if (stats.layout().firstBlockColumns() != k1 || stats.layout().firstBlockLevels() != levels1
                || stats.layout().restSize() != m) {
            throw new IllegalArgumentException("The statistics' layout does not match the design's blocks.");
        }
        System.arraycopy(stats.firstBlockSquares(), 0, a11, 0, a11.length);
        System.arraycopy(stats.firstBlockCross(), 0, ar1, 0, ar1.length);
        interceptColumn = stats.interceptColumn();
        columnShift = stats.columnShift();
        responseShift = stats.responseShift();
        double[] arrd = arr == null ? null : arr.data;
        stats.forEachRestEntry((row, col, v) -> {
            if (arrd != null) {
                arrd[row * m + col] += v;
            } else {
                sparse.add(row, col, v);
            }
        });
        if (arrd != null) {
            for (int a = 0; a < m; a++) {
                for (int c = 0; c < a; c++) {
                    arrd[c * m + a] = arrd[a * m + c];
                }
            }
        }
    }

    /** The index of a column of X that is 1 in every row, or -1. */
    private static int interceptColumn(double[][] x) {
        for (int c = 0; c < x.length; c++) {
            boolean ones = true;
            for (double v : x[c]) {
                if (v != 1.0) {
                    ones = false;
                    break;
                }
            }
            if (ones) {
                return c;
            }
        }
        return -1;
    }

    private int restBlockOf(int index) {
        return index < qr ? restBlock[index] : 0;
    }

    /** The objective (REML criterion or deviance) at theta; +Inf where the factorization fails. */
    @Override
    public double value(double[] theta) {
        evaluations++;
        if (!factor(theta)) {
            return Double.POSITIVE_INFINITY;
        }
        return objective();
    }

    /** The objective from the current factor. */
    public double objective() {
        double r2 = pwrss();
        if (reml) {
            int dof = n - p;
            return logDetL() + logDetRX() + dof * (1 + Math.log(2 * Math.PI * r2 / dof));
        }
        return logDetL() + n * (1 + Math.log(2 * Math.PI * r2 / n));
    }

    /**
     * Updates the blocked factor for theta. Returns false when a block is not positive definite, which
     * happens only through rounding (every block is a positive-definite matrix plus I or a Schur
     * complement of one).
     */
    public boolean factor(double[] theta) {
        if (theta.length != thetaCount) {
            throw new IllegalArgumentException("theta has " + theta.length + " entries; the model has " + thetaCount);
        }
        factorizations++;
        factoredTheta = null; // until this factor is complete
        for (int b = 0; b < blocks.size(); b++) {
            blocks.get(b).lambda(theta, lambda[b]);
        }
        double[] lam1 = lambda[0];
        if (scalarRestBlocks) {
            for (int i = 0; i < qr; i++) {
                restRowScale[i] = lambda[restBlock[i]][0];
            }
        }
        // L11 and L21 level by level: each level's blocks depend on that level only, so the levels are split over
        // the cores with identical arithmetic per level (bit-identical results at any number of threads).
        System.arraycopy(ar1, 0, l21, 0, ar1.length);
        int chunks = levels1 >= PARALLEL_LEVELS ? Math.min(Runtime.getRuntime().availableProcessors(), 8) : 1;
        boolean ok;
        if (chunks > 1) {
            ok = java.util.stream.IntStream.range(0, chunks).parallel()
                    .allMatch(c -> factorLevels(lam1, (int) ((long) levels1 * c / chunks),
                            (int) ((long) levels1 * (c + 1) / chunks), new double[work.length]));
        } else {
            ok = factorLevels(lam1, 0, levels1, work);
        }
        if (!ok) {
            factoredTheta = null;
            return false;
        }
        if (sparse != null) {
            if (!sparse.factor(lambda, l21, k1, levelStart, levelRows)) {
                factoredTheta = null;
                return false;
            }
            factoredTheta = theta.clone();
            return true;
        }
        // L22 = chol(S' A_rr S + [I 0; 0 0] - L21 L21'), the rank update level by level over R_j x R_j.
        boolean large = m >= PARALLEL_DENSE;
        if (large && scalarRestBlocks) {
            // crossed intercepts: S is diagonal, so S' A_rr S is a scaling of A_rr's lower triangle (all the
            // block Cholesky reads), in one pass
            scaledLowerTriangle();
        } else {
            l22.setTo(arr);
            scaleRestRows(l22);
            scaleRestColumns(l22);
        }
        double[] c22 = l22.data;
        for (int i = 0; i < qr; i++) {
            c22[i * m + i] += 1.0;
        }
        if (large) {
            // destination rows split over the cores: each element still receives its updates level by level in
            // the same order, so the result does not depend on the split
            int[] split = rankUpdateSplit();
            java.util.stream.IntStream.range(0, split.length - 1).parallel()
                    .forEach(c -> rankUpdate(c22, split[c], split[c + 1]));
        } else {
            rankUpdate(c22, 0, m);
        }
        if (!large) {
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < a; b++) {
                    c22[b * m + a] = c22[a * m + b];
                }
            }
        }
        if (large) {
            // a large dense block (crossed factors with many levels): the blocked right-looking Cholesky in place on
            // the lower triangle, its trailing updates on all cores; every element receives its updates in the same
            // order however the rows are split, so the factor does not depend on the number of threads. The upper
            // triangle is left as it is: nothing reads it.
            if (!DenseCholesky.decompose(l22.data, m, true)) {
                factoredTheta = null;
                return false;
            }
        } else {
            if (!cholesky.decompose(l22)) {
                factoredTheta = null;
                return false;
            }
            // getT(null), not getT(l22): EJML's blocked Cholesky (its choice for m >= 1000) returned a wrong
            // factor (NaN log-determinant) when told to write into the matrix it decomposed.
            l22.setTo(cholesky.getT(null));
        }
        factoredTheta = theta.clone();
        return true;
    }

    /** The rows of level j's block of L21 that belong to later random-effects blocks, times Lambda_b'. */
    /**
     * L11_j = chol(Lambda1' A11_j Lambda1 + I) and L21's rows of level j = S' A_r1 Lambda1 L11_j^{-T}, for the
     * levels from..to-1; false when a block is not positive definite.
     */
    private boolean factorLevels(double[] lam1, int from, int to, double[] scratch) {
        if (k1 == 1 && scalarRestBlocks) {
            return factorScalarLevels(lam1[0], from, to);
        }
        for (int j = from; j < to; j++) {
            int base = j * k1 * k1;
            for (int r = 0; r < k1; r++) {
                for (int c = 0; c <= r; c++) {
                    double s = 0;
                    for (int u = 0; u < k1; u++) {
                        double lu = lam1[u * k1 + r];
                        if (lu == 0) {
                            continue;
                        }
                        for (int v = 0; v < k1; v++) {
                            s += lu * a11[base + u * k1 + v] * lam1[v * k1 + c];
                        }
                    }
                    l11[base + r * k1 + c] = s + (r == c ? 1.0 : 0.0);
                }
            }
            if (!SmallCholesky.decomposeInPlace(l11, base, k1)) {
                return false;
            }
            scaleRestRowsOfLevel(j);
            for (int t = levelStart[j]; t < levelStart[j + 1]; t++) {
                SmallCholesky.multiplyRowByLower(l21, t * k1, lam1, k1, scratch);
                SmallCholesky.solveRowTransposed(l11, base, k1, l21, t * k1);
            }
        }
        return true;
    }

    /**
     * {@link #factorLevels} when every block has one column (random intercepts, nested or crossed): the same
     * operations in the same order, written out for scalars (l11_j = sqrt(lambda1^2 a11_j + 1), each row of
     * L21 = a_r1 lambda_r lambda1 / l11_j), so the result is bit-identical and the inner loop has no calls.
     */
    private boolean factorScalarLevels(double lam, int from, int to) {
        double[] rowScale = restRowScale;
        for (int j = from; j < to; j++) {
            double s = lam == 0 ? 0 : lam * a11[j] * lam;
            double d = s + 1.0;
            if (!(d > 0)) {
                return false;
            }
            double l = Math.sqrt(d);
            l11[j] = l;
            for (int t = levelStart[j]; t < levelStart[j + 1]; t++) {
                int row = levelRows[t];
                double v = l21[t];
                if (row < qr) {
                    v = rowScale[row] * v;
                }
                l21[t] = v * lam / l;
            }
        }
        return true;
    }

    private void scaleRestRowsOfLevel(int j) {
        int t = levelStart[j];
        int end = levelStart[j + 1];
        while (t < end && levelRows[t] < qr) {
            int b = restBlock[levelRows[t]];
            int k = blocks.get(b).k;
            double[] lam = lambda[b];
            // The k rows of one level of block b are consecutive in R_j; new row r = sum_{s >= r} Lambda[s][r] old row s.
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k1; c++) {
                    double s = 0;
                    for (int u = r; u < k; u++) {
                        s += lam[u * k + r] * l21[(t + u) * k1 + c];
                    }
                    l21[(t + r) * k1 + c] = s;
                }
            }
            t += k;
        }
    }

    /** c22 -= L21 L21' on the destination rows from..to-1 (lower triangle), level by level. */
    private void rankUpdate(double[] c22, int fromRow, int toRow) {
        if (k1 == 1) {
            rankUpdateScalar(c22, fromRow, toRow);
            return;
        }
        for (int j = 0; j < levels1; j++) {
            int from = levelStart[j];
            int to = levelStart[j + 1];
            for (int a = from; a < to; a++) {
                int ra = levelRows[a];
                if (ra < fromRow || ra >= toRow) {
                    continue;
                }
                int row = ra * m;
                for (int b = from; b <= a; b++) {
                    double s = 0;
                    for (int c = 0; c < k1; c++) {
                        s += l21[a * k1 + c] * l21[b * k1 + c];
                    }
                    c22[row + levelRows[b]] -= s;
                }
            }
        }
    }

    /**
     * {@link #rankUpdate} for one column per level of the first block: the same products in the same order, written
     * out (bit-identical); a level's rows ascend, so those of the destination range are one run.
     */
    private void rankUpdateScalar(double[] c22, int fromRow, int toRow) {
        for (int j = 0; j < levels1; j++) {
            int from = levelStart[j];
            int to = levelStart[j + 1];
            for (int a = from; a < to; a++) {
                int ra = levelRows[a];
                if (ra < fromRow) {
                    continue;
                }
                if (ra >= toRow) {
                    break;
                }
                int row = ra * m;
                double la = l21[a];
                for (int b = from; b <= a; b++) {
                    c22[row + levelRows[b]] -= la * l21[b];
                }
            }
        }
    }

    /** Row boundaries that give each core about the same number of rank-update terms (computed once). */
    private int[] rankUpdateSplit() {
        if (updateSplit == null) {
            int chunks = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
            long[] perRow = new long[m];
            long total = 0;
            for (int j = 0; j < levels1; j++) {
                for (int a = levelStart[j]; a < levelStart[j + 1]; a++) {
                    perRow[levelRows[a]] += a - levelStart[j] + 1;
                    total += a - levelStart[j] + 1;
                }
            }
            int[] split = new int[chunks + 1];
            split[chunks] = m;
            long sum = 0;
            int c = 1;
            for (int r = 0; r < m && c < chunks; r++) {
                sum += perRow[r];
                if (sum >= total * c / chunks) {
                    split[c++] = r + 1;
                }
            }
            for (; c < chunks; c++) {
                split[c] = m;
            }
            updateSplit = split;
        }
        return updateSplit;
    }

    /** The factor's element (i, j), i >= j, wherever it is held. */
    private double factorAt(int i, int j) {
        if (sparse != null) {
            if (j < qr) {
                throw new IllegalStateException("the sparse random-effects factor is read through SparseRestFactor");
            }
            return sparse.l33(i - qr, j - qr);
        }
        return l22.data[i * m + j];
    }

    /** l22's lower triangle = S' A_rr S for S diagonal (every block after the first has one column). */
    private void scaledLowerTriangle() {
        double[] sc = new double[m];
        java.util.Arrays.fill(sc, 1.0);
        for (int b = 1; b < blocks.size(); b++) {
            double lam = lambda[b][0];
            for (int level = 0; level < blocks.get(b).levelCount(); level++) {
                sc[restOffset[b] + level] = lam;
            }
        }
        double[] d = l22.data;
        double[] src = arr.data;
        for (int a = 0; a < m; a++) {
            int row = a * m;
            double sa = sc[a];
            for (int b = 0; b <= a; b++) {
                d[row + b] = src[row + b] * sa * sc[b];
            }
        }
    }

    /** Rows of the random-effects part of the dense block times Lambda_b' (level by level). */
    private void scaleRestRows(DMatrixRMaj a) {
        int cols = a.numCols;
        double[] d = a.data;
        for (int b = 1; b < blocks.size(); b++) {
            int k = blocks.get(b).k;
            double[] lam = lambda[b];
            for (int level = 0; level < blocks.get(b).levelCount(); level++) {
                int r0 = restOffset[b] + level * k;
                // new row r = sum_{s >= r} Lambda[s][r] * old row s; ascending r reads only rows not yet written.
                for (int r = 0; r < k; r++) {
                    for (int col = 0; col < cols; col++) {
                        double s = 0;
                        for (int t = r; t < k; t++) {
                            s += lam[t * k + r] * d[(r0 + t) * cols + col];
                        }
                        d[(r0 + r) * cols + col] = s;
                    }
                }
            }
        }
    }

    /** Columns of the random-effects part of the dense block times Lambda_b. */
    private void scaleRestColumns(DMatrixRMaj a) {
        int cols = a.numCols;
        double[] d = a.data;
        for (int b = 1; b < blocks.size(); b++) {
            int k = blocks.get(b).k;
            double[] lam = lambda[b];
            for (int level = 0; level < blocks.get(b).levelCount(); level++) {
                int c0 = restOffset[b] + level * k;
                for (int row = 0; row < a.numRows; row++) {
                    int off = row * cols + c0;
                    for (int c = 0; c < k; c++) {
                        double s = 0;
                        for (int t = c; t < k; t++) {
                            s += d[off + t] * lam[t * k + c];
                        }
                        d[off + c] = s;
                    }
                }
            }
        }
    }

    /** log |L|^2, the log-determinant of Lambda'Z'Z Lambda + I. */
    public double logDetL() {
        double s = 0;
        for (int j = 0; j < levels1; j++) {
            for (int c = 0; c < k1; c++) {
                s += Math.log(l11[j * k1 * k1 + c * k1 + c]);
            }
        }
        if (sparse != null) {
            s += sparse.logDiagL22();
        } else {
            for (int i = 0; i < qr; i++) {
                s += Math.log(factorAt(i, i));
            }
        }
        return 2 * s;
    }

    /** log |R_X|^2. */
    public double logDetRX() {
        double s = 0;
        for (int i = qr; i < qr + p; i++) {
            s += Math.log(factorAt(i, i));
        }
        return 2 * s;
    }

    /** The penalized residual sum of squares r^2: the square of the factor's last diagonal element. */
    public double pwrss() {
        double r = factorAt(m - 1, m - 1);
        return r * r;
    }

    public int evaluations() {
        return evaluations;
    }

    public int thetaCount() {
        return thetaCount;
    }

    public int nobs() {
        return n;
    }

    public int fixedCount() {
        return p;
    }

    public boolean reml() {
        return reml;
    }

    /** Whether the random effects after the first block are factored sparsely. */
    boolean sparseRest() {
        return sparse != null;
    }

    /** The sparse factor of the rest, or null (for tests). */
    SparseRestFactor sparseFactor() {
        return sparse;
    }

    List<ReBlock> blocks() {
        return blocks;
    }

    /**
     * Whether the current factor is that of exactly this theta (the last successful {@link #factor}), so that what is
     * read from it at the optimum needs no second factorization of the same matrix.
     */
    boolean factoredAt(double[] theta) {
        return factoredTheta != null && java.util.Arrays.equals(factoredTheta, theta);
    }

    /** How many factorizations were made (for tests: the optimum's factor is reused, not repeated). */
    int factorizations() {
        return factorizations;
    }

    double[] factoredTheta() {
        return factoredTheta == null ? null : factoredTheta.clone();
    }

    /**
     * Lower bounds of theta: 0 for the diagonal of each term's relative covariance factor (standard
     * deviations), unbounded for the off-diagonal entries, as lme4 ({@link ThetaLayout#lowerBounds}).
     */
    public double[] lowerBounds() {
        return thetaLayout.lowerBounds();
    }

    /** lme4's starting value: 1 on the diagonals, 0 off them ({@link ThetaLayout#initial}). */
    public double[] initialTheta() {
        return thetaLayout.initial();
    }

    // ---- The solutions at the current factor: FactorSolutions (used once, at the optimum) ----

    /** The solutions at the current factor ({@link FactorSolutions}). */
    FactorSolutions solutions() {
        return new FactorSolutions(this::factorAt, p, qr, q1, blocks, restOffset, levelStart, levelRows, lambda, l11,
                l21, l22, sparse, interceptColumn, responseShift, columnShift);
    }

    /** {@code {beta, u_first, u_rest}} at the current factor ({@link FactorSolutions#solve}). */
    double[][] solve() {
        return solutions().solve();
    }

    /** (R_X R_X')^{-1}: the covariance of beta divided by sigma^2 ({@link FactorSolutions#unscaledFixedCovariance}). */
    public double[][] unscaledFixedCovariance() {
        return solutions().unscaledFixedCovariance();
    }

    /** Lambda P Lambda' per block and level ({@link FactorSolutions#unscaledConditionalVariances}). */
    double[][][] unscaledConditionalVariances() {
        return solutions().unscaledConditionalVariances();
    }

    /** Lambda of block b at the current factor (k x k, row-major). */
    double[] lambda(int b) {
        return lambda[b].clone();
    }
}
