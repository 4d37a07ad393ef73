package org.mixedmodels.engine.fit;

import java.util.Arrays;
import java.util.Locale;
import org.ejml.data.DMatrixSparseCSC;
import org.ejml.sparse.csc.decomposition.chol.CholeskyUpLooking_DSCC;
import org.ejml.sparse.csc.misc.ColumnCounts_DSCC;
import org.ejml.sparse.csc.misc.TriangularSolver_DSCC;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.linalg.ApproximateMinimumDegree;
import org.mixedmodels.engine.linalg.SmallCholesky;

/**
 * The factor of everything after the first random-effects block when the random-effects part of it is sparse
 * (MixedModels.jl's blocked Cholesky with a sparse L[2,2]; lme4 factors the same matrix with CHOLMOD). With the
 * first block B1 eliminated level by level, the rest of the factor is
 *
 * <pre>
 *   [ L22  0   ]   with  L22 L22' = C22 = S' A22 S + I - L21r L21r'          (q_r x q_r, sparse)
 *   [ L32  L33 ]         L32      = C32 L22^{-T},  C32 = A32 S - L21x L21r'  ((p+1) x q_r, dense rows)
 *                        L33 L33' = A33 - L21x L21x' - L32 L32'               ((p+1) x (p+1), dense)
 * </pre>
 *
 * where r indexes the later random effects, x the columns of X followed by y, S = blockdiag(Lambda_b) and L21
 * holds the rows of the first block's factor column (see {@link ProfiledDeviance}). The pattern of C22 is the
 * union, over the levels j of the first factor, of the complete graphs on the later random effects that co-occur
 * with j; for nested factors (each level of the first factor within one level of each later one, and the later ones
 * nested in turn) it is block-diagonal per outer level and its factor in the natural order (inner factors first)
 * has no fill, so one evaluation costs O(rows of the pattern) - linear in the number of groups. The symbolic
 * analysis (elimination tree, column counts) is done once, by EJML's CSparse-style up-looking Cholesky with its
 * structure locked; only the numbers change from one theta to the next.
 *
 * <p>Nothing here is q x q or n x n dense: C32 and L32 are (p+1) x q_r, the rest is sparse.
 */
final class SparseRestFactor {
    private final int qr;
    /** The columns of X plus y. */
    private final int px;
    /** Block and column within the level of each later random effect, in the factor's (permuted) order. */
    private final int[] restBlock;
    private final int[] restColumn;
    private final int[] blockK;
    /**
     * The fill-reducing order: {@code perm[c]} is the later random effect (caller's index) at position c of the
     * factor, {@code inverse} the position of each; the identity when the natural order is kept.
     */
    private final int[] perm;
    private final int[] inverse;

    /** C22's upper triangle (rows sorted within each column); its values are rewritten at every evaluation. */
    private final DMatrixSparseCSC c22;
    /** A22 on c22's pattern (formed once). */
    private final double[] a22;
    private final int[] diagPos;
    /** For every level j and pair (b <= a) of its later random effects, in loop order: the position in c22. */
    private final int[] updatePos;
    /** Where each level's later random effects end in levelRows (the X and y rows follow). */
    private final int[] reEnd;
    /** When a later block has k > 1: per entry of c22, the positions of the A22 entries Lambda' A Lambda reads. */
    private final int[] termStart;
    private final int[] termPos;
    private final boolean scalar;

    private final double[] a32;
    private final double[] a33;
    private final double[] l32;
    private final double[] l33;
    private final CholeskyUpLooking_DSCC cholesky = new CholeskyUpLooking_DSCC();
    /** All zero between calls of {@link #solveSparse}. */
    private final double[] scratch;
    private DMatrixSparseCSC l22;
    private int[] l22Diag;
    private int[] parent;
    /** Whether the numbers are factored by {@link SupernodalCholesky} (chosen by {@link #create}'s cost model). */
    private final boolean supernodal;
    private SupernodalCholesky supernodes;

    private SparseRestFactor(int qr, int px, int[] restBlock, int[] restColumn, int[] blockK, DMatrixSparseCSC c22,
            int[] updatePos, int[] reEnd, int[] perm, int[] inverse, boolean supernodal) {
        this.qr = qr;
        this.supernodal = supernodal;
        this.px = px;
        this.perm = perm;
        this.inverse = inverse;
        this.restBlock = new int[qr];
        this.restColumn = new int[qr];
        for (int c = 0; c < qr; c++) {
            this.restBlock[c] = restBlock[perm[c]];
            this.restColumn[c] = restColumn[perm[c]];
        }
        restBlock = this.restBlock;
        restColumn = this.restColumn;
        this.blockK = blockK;
        this.c22 = c22;
        this.updatePos = updatePos;
        this.reEnd = reEnd;
        this.a22 = new double[c22.nz_length];
        this.diagPos = new int[qr];
        for (int c = 0; c < qr; c++) {
            diagPos[c] = position(c, c);
        }
        boolean allScalar = true;
        for (int r = 0; r < qr; r++) {
            allScalar &= blockK[restBlock[r]] == 1;
        }
        this.scalar = allScalar;
        if (scalar) {
            termStart = null;
            termPos = null;
        } else {
            termStart = new int[c22.nz_length + 1];
            int count = 0;
            for (int c = 0; c < qr; c++) {
                for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                    int r = c22.nz_rows[e];
                    termStart[e] = count;
                    count += (blockK[restBlock[r]] - restColumn[r]) * (blockK[restBlock[c]] - restColumn[c]);
                }
            }
            termStart[c22.nz_length] = count;
            termPos = new int[count];
            for (int c = 0; c < qr; c++) {
                int c0 = c - restColumn[c];
                int kc = blockK[restBlock[c]];
                for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                    int r = c22.nz_rows[e];
                    int r0 = r - restColumn[r];
                    int kr = blockK[restBlock[r]];
                    int at = termStart[e];
                    for (int s = restColumn[r]; s < kr; s++) {
                        for (int t = restColumn[c]; t < kc; t++) {
                            int i = r0 + s;
                            int j = c0 + t;
                            termPos[at++] = position(Math.min(i, j), Math.max(i, j));
                        }
                    }
                }
            }
        }
        this.a32 = new double[px * qr];
        this.a33 = new double[px * px];
        this.l32 = new double[px * qr];
        this.l33 = new double[px * px];
        this.scratch = new double[qr];
    }

    /**
     * The sparse factor for the pattern of the first block's levels, or null when a dense factor of the whole
     * rest is expected to be faster: the sparse one is chosen when its flop count (from the symbolic analysis) times
     * {@link #DENSE_ADVANTAGE} is below the dense m^3/3, or when the dense block would not fit in memory
     * ({@link #DENSE_MAX}); below {@code minSize} later random effects the dense one is always used.
     *
     * @param levelStart levelRows per first-block level as in {@link ProfiledDeviance} (ascending per level; the
     *     later random effects, 0..qr-1, come before X's and y's rows)
     */
    static SparseRestFactor create(int qr, int p, int[] restBlock, int[] restColumn, int[] blockK, int[] levelStart,
            int[] levelRows, int minSize) {
        // minSize < 0 (tests): the sparse factor whatever the flop counts say
        boolean force = minSize < 0;
        if (qr < minSize) {
            return null;
        }
        int levels = levelStart.length - 1;
        int[] reEnd = new int[levels];
        long pairs = 0;
        for (int j = 0; j < levels; j++) {
            int t = levelStart[j];
            while (t < levelStart[j + 1] && levelRows[t] < qr) {
                t++;
            }
            reEnd[j] = t;
            long s = t - levelStart[j];
            pairs += s * (s + 1) / 2;
        }
        long m = qr + p + 1L;
        boolean denseFits = m <= DENSE_MAX;
        double denseFlops = (double) m * m * m / 3;
        if (!force && denseFits && pairs > 8.0 * qr * qr) {
            // every pair of later random effects co-occurs about 16 times or more: the Schur complement is dense
            // (not at once from 2 times: real InstEval has 1.01 qr^2 pairs, and its AMD order a narrow front)
            return null;
        }
        if (pairs > Integer.MAX_VALUE - 8) {
            return null;
        }
        int[] identity = new int[qr];
        for (int c = 0; c < qr; c++) {
            identity[c] = c;
        }
        Pattern naturalPattern = pattern(qr, levelStart, levelRows, reEnd, identity, (int) pairs);
        DMatrixSparseCSC natural = naturalPattern.c22();
        Pattern chosen = naturalPattern;
        long[] naturalCost = symbolic(natural, p);
        int[] perm = identity;
        int[] inverse = identity;
        DMatrixSparseCSC c22 = natural;
        long[] cost = naturalCost;
        if (naturalCost[1] > natural.nz_length) {
            // the natural order (inner factors first) fills in, as for crossed factors: try a fill-reducing order
            // of the levels (each level's k random effects stay together, in their order)
            int[] amd = levelOrder(natural, restColumn, qr);
            int[] amdInverse = new int[qr];
            for (int c = 0; c < qr; c++) {
                amdInverse[amd[c]] = c;
            }
            Pattern orderedPattern = pattern(qr, levelStart, levelRows, reEnd, amdInverse, (int) pairs);
            DMatrixSparseCSC ordered = orderedPattern.c22();
            long[] orderedCost = symbolic(ordered, p);
            if (orderedCost[0] < naturalCost[0]) {
                perm = amd;
                inverse = amdInverse;
                c22 = ordered;
                chosen = orderedPattern;
                cost = orderedCost;
            }
        }
        long factorEntries = cost[1];
        Kernel kernel = choose(cost, m);
        if (!force && denseFits && kernel == Kernel.DENSE) {
            return null;
        }
        boolean supernodal = force ? minSize == FORCE_SUPERNODAL
                : kernel == Kernel.SUPERNODAL;
        if (factorEntries > MAX_FACTOR_ENTRIES) {
            throw new MixedModelException(String.format(Locale.ROOT, "The random-effects factor of this model would"
                    + " hold %,d entries (%.1f GB): its grouping factors after the first are crossed with many levels"
                    + " each, so the factor fills in. Fit a model with fewer crossed levels, or nest the factors.",
                    factorEntries, factorEntries * 12.0 / 1e9));
        }
        // the entry of every pair of a level's later random effects, in the loop order of the rank update
        int[] updatePos = chosen.pairPos();
        return new SparseRestFactor(qr, p + 1, restBlock, restColumn, blockK, c22, updatePos, reEnd,
                perm, inverse, supernodal);
    }

    /** C22's pattern and, for every pair of later random effects of a level in {@link #create}'s loop order, its entry. */
    record Pattern(DMatrixSparseCSC c22, int[] pairPos) {
    }

    /**
     * The pattern of C22's upper triangle with the later random effects at positions {@code position[r]}: per
     * column, the rows that co-occur with it in some level of the first factor (rows sorted within a column), and
     * the entry of each co-occurring pair (level j, a in its later random effects, b <= a). Linear in the pairs:
     * the pairs are bucketed by column, repeats dropped with a mark per row, and the rows sorted by transposing
     * twice (a counting sort), so no comparison sort or search is needed.
     */
    static Pattern pattern(int qr, int[] levelStart, int[] levelRows, int[] reEnd, int[] position,
            int pairs) {
        int levels = levelStart.length - 1;
        int[] count = new int[qr + 1];
        for (int j = 0; j < levels; j++) {
            for (int a = levelStart[j]; a < reEnd[j]; a++) {
                int pa = position[levelRows[a]];
                for (int b = levelStart[j]; b <= a; b++) {
                    count[Math.max(pa, position[levelRows[b]])]++;
                }
            }
        }
        int[] start = new int[qr + 1];
        for (int c = 0; c < qr; c++) {
            start[c + 1] = start[c] + count[c];
        }
        // raw[s]: the row of the pair in slot s (bucketed by column); pairSlot[e]: the slot of pair e
        int[] raw = new int[start[qr]];
        int[] pairSlot = new int[pairs];
        int[] fill = Arrays.copyOf(start, qr);
        int e = 0;
        for (int j = 0; j < levels; j++) {
            for (int a = levelStart[j]; a < reEnd[j]; a++) {
                int pa = position[levelRows[a]];
                for (int b = levelStart[j]; b <= a; b++) {
                    int pb = position[levelRows[b]];
                    int slot = fill[Math.max(pa, pb)]++;
                    raw[slot] = Math.min(pa, pb);
                    pairSlot[e++] = slot;
                }
            }
        }
        // distinct rows per column, in order of first appearance; then raw[s] is the distinct entry of slot s
        int[] mark = new int[qr];
        Arrays.fill(mark, -1);
        int[] entryOfRow = new int[qr];
        int[] distinctRow = new int[start[qr]];
        int[] distinctStart = new int[qr + 1];
        int[] slotEntry = raw;
        int nz = 0;
        for (int c = 0; c < qr; c++) {
            distinctStart[c] = nz;
            for (int s = start[c]; s < start[c + 1]; s++) {
                int r = raw[s];
                if (mark[r] != c) {
                    mark[r] = c;
                    entryOfRow[r] = nz;
                    distinctRow[nz++] = r;
                }
                slotEntry[s] = entryOfRow[r];
            }
        }
        distinctStart[qr] = nz;
        // transpose (entries by row, columns ascending within a row), then back (rows ascending within a column)
        int[] rowStart = new int[qr + 1];
        for (int d = 0; d < nz; d++) {
            rowStart[distinctRow[d] + 1]++;
        }
        for (int r = 0; r < qr; r++) {
            rowStart[r + 1] += rowStart[r];
        }
        int[] byRowCol = new int[nz];
        int[] byRowEntry = new int[nz];
        int[] rowFill = Arrays.copyOf(rowStart, qr);
        for (int c = 0; c < qr; c++) {
            for (int d = distinctStart[c]; d < distinctStart[c + 1]; d++) {
                int at = rowFill[distinctRow[d]]++;
                byRowCol[at] = c;
                byRowEntry[at] = d;
            }
        }
        int[] colIdx = Arrays.copyOf(distinctStart, qr + 1);
        int[] colFill = Arrays.copyOf(distinctStart, qr);
        int[] rows = new int[nz];
        int[] entryPos = new int[nz];
        for (int r = 0; r < qr; r++) {
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) {
                int at = colFill[byRowCol[t]]++;
                rows[at] = r;
                entryPos[byRowEntry[t]] = at;
            }
        }
        int[] pairPos = pairSlot;
        for (int q = 0; q < pairs; q++) {
            pairPos[q] = entryPos[slotEntry[pairSlot[q]]];
        }
        DMatrixSparseCSC c22 = new DMatrixSparseCSC(qr, qr, 0);
        c22.nz_rows = rows;
        c22.nz_values = new double[nz];
        c22.col_idx = colIdx;
        c22.nz_length = nz;
        c22.indicesSorted = true;
        return new Pattern(c22, pairPos);
    }

    /**
     * Symbolic analysis (elimination tree, postorder, column counts of L, as CSparse's cs_schol): the flops of the
     * numeric factorization with the solves for L32 and the update of L33, and the entries of L22, before anything
     * of that size is allocated. {@code {flops, entries}}.
     */
    static long[] symbolic(DMatrixSparseCSC c22, int p) {
        return symbolic(c22, p, null);
    }

    /** As {@link #symbolic(DMatrixSparseCSC, int)}, leaving L's column counts in {@code countsOut} when given. */
    static long[] symbolic(DMatrixSparseCSC c22, int p, int[] countsOut) {
        int qr = c22.numCols;
        int[] parent = new int[qr];
        int[] post = new int[qr];
        int[] counts = new int[qr];
        TriangularSolver_DSCC.eliminationTree(c22, false, parent, null);
        TriangularSolver_DSCC.postorder(parent, qr, post, null);
        new ColumnCounts_DSCC(false).process(c22, parent, post, counts);
        double flops = 0;
        long entries = 0;
        for (int c = 0; c < qr; c++) {
            flops += (double) counts[c] * counts[c];
            entries += counts[c];
        }
        flops += 2.0 * (p + 1) * entries;
        // the trailing clique: the last columns whose factor columns are full below the diagonal
        int clique = 0;
        while (clique < qr && counts[qr - 1 - clique] == clique + 1) {
            clique++;
        }
        double cliqueFlops = (double) clique * clique * clique / 3;
        if (countsOut != null) {
            System.arraycopy(counts, 0, countsOut, 0, qr);
        }
        return new long[] {(long) Math.min(flops, Long.MAX_VALUE / 2), entries, clique,
            (long) Math.min(Math.max(0, flops - cliqueFlops), Long.MAX_VALUE / 2)};
    }

    /**
     * The approximate minimum degree order of the later random effects (Amestoy, Davis and Duff 1996), computed on
     * the graph of their levels (the k random effects of one level are one node and stay consecutive, in their
     * order, so that Lambda' A Lambda is still formed level by level).
     */
    static int[] levelOrder(DMatrixSparseCSC c22, int[] restColumn, int qr) {
        int[] group = new int[qr];
        int groups = 0;
        for (int c = 0; c < qr; c++) {
            if (restColumn[c] == 0) {
                groups++;
            }
            group[c] = groups - 1;
        }
        int[] groupStart = new int[groups + 1];
        for (int c = 0; c < qr; c++) {
            groupStart[group[c] + 1]++;
        }
        for (int g = 0; g < groups; g++) {
            groupStart[g + 1] += groupStart[g];
        }
        // symmetric adjacency of the groups from the upper triangle (repeats are ignored by the ordering)
        int[] degree = new int[groups + 1];
        for (int c = 0; c < qr; c++) {
            for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                int r = c22.nz_rows[e];
                if (group[r] != group[c]) {
                    degree[group[r] + 1]++;
                    degree[group[c] + 1]++;
                }
            }
        }
        for (int g = 0; g < groups; g++) {
            degree[g + 1] += degree[g];
        }
        int[] adj = new int[degree[groups]];
        int[] fill = Arrays.copyOf(degree, groups);
        for (int c = 0; c < qr; c++) {
            for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                int r = c22.nz_rows[e];
                if (group[r] != group[c]) {
                    adj[fill[group[r]]++] = group[c];
                    adj[fill[group[c]]++] = group[r];
                }
            }
        }
        int[] groupOrder = ApproximateMinimumDegree.order(groups, degree, adj);
        int[] perm = new int[qr];
        int at = 0;
        for (int g : groupOrder) {
            for (int c = groupStart[g]; c < groupStart[g + 1]; c++) {
                perm[at++] = c;
            }
        }
        return perm;
    }

    /**
     * How many times fewer flops the sparse factorization must need than the dense one: a dense blocked Cholesky
     * on two cores runs at several times the flop rate of the scalar sparse up-looking one.
     */
    static final double DENSE_ADVANTAGE = 8;
    /**
     * The cost of one flop of {@link SupernodalCholesky} outside its trailing clique, in flops of the dense kernel
     * (which also factors the clique): its panels are narrow and scattered, measured on real InstEval (README).
     */
    static final double SUPERNODAL_FRONT_COST = 3;
    /** The supernodal kernel needs a trailing clique this wide to beat the up-looking one (nested: none). */
    static final int SUPERNODAL_MIN_CLIQUE = SupernodalCholesky.DENSE_ROOT_MIN;
    /** {@code minSize} that forces the supernodal kernel (tests); other negative values force the up-looking one. */
    static final int FORCE_SUPERNODAL = -2;

    /** The kernels of the rest's factor. */
    enum Kernel { DENSE, UP_LOOKING, SUPERNODAL }

    /**
     * The cheapest kernel by the cost model, in units of one flop of the dense kernel: dense m^3/3; up-looking
     * its flops times {@link #DENSE_ADVANTAGE}; supernodal the trailing clique's flops at the dense rate and the
     * rest times {@link #SUPERNODAL_FRONT_COST}, when the clique is at least {@link #SUPERNODAL_MIN_CLIQUE} wide.
     *
     * @param cost {@link #symbolic}'s {flops, entries, clique, flops outside the clique}
     */
    static Kernel choose(long[] cost, long m) {
        double dense = (double) m * m * m / 3;
        double upLooking = cost[0] * DENSE_ADVANTAGE;
        double supernodal = cost[2] >= SUPERNODAL_MIN_CLIQUE
                ? (double) cost[2] * cost[2] * cost[2] / 3 + cost[3] * SUPERNODAL_FRONT_COST
                : Double.POSITIVE_INFINITY;
        if (supernodal < upLooking && supernodal < dense) {
            return Kernel.SUPERNODAL;
        }
        return upLooking < dense ? Kernel.UP_LOOKING : Kernel.DENSE;
    }
    /** The largest sparse factor attempted (entries; 12 bytes each): beyond, the fill makes the model infeasible. */
    static final long MAX_FACTOR_ENTRIES = 400_000_000L;
    /** Above this size the dense block (m^2 doubles, held about three times) does not fit a desktop heap. */
    static final long DENSE_MAX = 12_000;

    /** The position of (row, col), row <= col, in c22; -1 if absent. */
    private int position(int row, int col) {
        int lo = c22.col_idx[col];
        int hi = c22.col_idx[col + 1] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int r = c22.nz_rows[mid];
            if (r < row) {
                lo = mid + 1;
            } else if (r > row) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Zeroes the accumulated cross-products (a GLMM's PIRLS forms them anew for every set of weights). */
    void clearCrossProducts() {
        Arrays.fill(a22, 0.0);
        Arrays.fill(a32, 0.0);
        Arrays.fill(a33, 0.0);
    }

    /**
     * Adds one model-frame row's cross-products: {@code idx[0..nz)} ascending indices of the rest (later random
     * effects, then X's columns, then y), {@code val} the row's values there.
     */
    /** Adds a cross-product summed elsewhere: entry (row, col) of the rest's lower triangle, row >= col. */
    void add(int row, int col, double value) {
        if (row < qr) {
            int r = inverse[row];
            int c = inverse[col];
            a22[position(Math.min(r, c), Math.max(r, c))] += value;
        } else if (col < qr) {
            a32[(row - qr) * qr + inverse[col]] += value;
        } else {
            a33[(row - qr) * px + (col - qr)] += value;
        }
    }

    void accumulate(int[] idx, double[] val, int nz) {
        // the row's later random effects come first (idx ascending); X's columns and y, when they are qr, qr + 1,
        // ... (as ProfiledDeviance gives them), fill a contiguous run of each row of a33. Every entry receives at
        // most one product per model-frame row, so the order of the loops below does not change any sum.
        int nr = 0;
        while (nr < nz && idx[nr] < qr) {
            nr++;
        }
        if (nr == nz || idx[nr] != qr || idx[nz - 1] != qr + nz - 1 - nr) {
            accumulateGeneral(idx, val, nz);
            return;
        }
        for (int e = 0; e < nr; e++) {
            int c = inverse[idx[e]];
            double ve = val[e];
            for (int f = 0; f <= e; f++) {
                int r = inverse[idx[f]];
                a22[position(Math.min(r, c), Math.max(r, c))] += ve * val[f];
            }
        }
        for (int e = nr; e < nz; e++) {
            double ve = val[e];
            if (ve == 0) {
                // a zero of X (most of a factor's dummy columns): its products are zeros, which change no sum
                continue;
            }
            int base32 = (e - nr) * qr;
            for (int f = 0; f < nr; f++) {
                a32[base32 + inverse[idx[f]]] += ve * val[f];
            }
            int base33 = (e - nr) * px - nr;
            for (int f = nr; f <= e; f++) {
                a33[base33 + f] += ve * val[f];
            }
        }
    }

    /** {@link #accumulate} for any ascending indices. */
    void accumulateGeneral(int[] idx, double[] val, int nz) {
        for (int e = 0; e < nz; e++) {
            int ie = idx[e];
            double ve = val[e];
            for (int f = 0; f <= e; f++) {
                int jf = idx[f];
                double prod = ve * val[f];
                if (ie < qr) {
                    int r = inverse[jf];
                    int c = inverse[ie];
                    a22[position(Math.min(r, c), Math.max(r, c))] += prod;
                } else if (jf < qr) {
                    a32[(ie - qr) * qr + inverse[jf]] += prod;
                } else {
                    a33[(ie - qr) * px + (jf - qr)] += prod;
                }
            }
        }
    }

    /**
     * Factors the rest for the current Lambda and first-block factor rows {@code l21} (k1 values per row of
     * levelRows, the later random effects' rows already multiplied by Lambda_b'); false if not positive definite.
     */
    boolean factor(double[][] lambda, double[] l21, int k1, int[] levelStart, int[] levelRows) {
        double[] v = c22.nz_values;
        // S' A22 S + I
        if (scalar) {
            for (int c = 0; c < qr; c++) {
                double lc = lambda[restBlock[c]][0];
                for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                    v[e] = a22[e] * lambda[restBlock[c22.nz_rows[e]]][0] * lc;
                }
            }
        } else {
            for (int c = 0; c < qr; c++) {
                double[] lamC = lambda[restBlock[c]];
                int kc = blockK[restBlock[c]];
                int ic = restColumn[c];
                for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                    int r = c22.nz_rows[e];
                    double[] lamR = lambda[restBlock[r]];
                    int kr = blockK[restBlock[r]];
                    int ir = restColumn[r];
                    int at = termStart[e];
                    double s = 0;
                    for (int a = ir; a < kr; a++) {
                        double la = lamR[a * kr + ir];
                        for (int b = ic; b < kc; b++) {
                            s += la * a22[termPos[at++]] * lamC[b * kc + ic];
                        }
                    }
                    v[e] = s;
                }
            }
        }
        for (int c = 0; c < qr; c++) {
            v[diagPos[c]] += 1.0;
        }
        // C32 = A32 S, C33 = A33 (lower triangle)
        for (int x = 0; x < px; x++) {
            int row = x * qr;
            for (int c = 0; c < qr; c++) {
                int kc = blockK[restBlock[c]];
                double[] lamC = lambda[restBlock[c]];
                int ic = restColumn[c];
                int c0 = c - ic;
                double s = 0;
                for (int t = ic; t < kc; t++) {
                    s += a32[row + c0 + t] * lamC[t * kc + ic];
                }
                l32[row + c] = s;
            }
        }
        System.arraycopy(a33, 0, l33, 0, a33.length);
        // minus L21 L21', level by level
        int e = 0;
        int levels = levelStart.length - 1;
        if (k1 == 1) {
            rankUpdateScalar(v, l21, levelStart, levelRows);
        }
        for (int j = 0; j < levels && k1 > 1; j++) {
            int from = levelStart[j];
            int mid = reEnd[j];
            int to = levelStart[j + 1];
            for (int a = from; a < mid; a++) {
                for (int b = from; b <= a; b++) {
                    v[updatePos[e++]] -= dot(l21, a * k1, b * k1, k1);
                }
            }
            for (int a = mid; a < to; a++) {
                int x = levelRows[a] - qr;
                for (int b = from; b < mid; b++) {
                    l32[x * qr + inverse[levelRows[b]]] -= dot(l21, a * k1, b * k1, k1);
                }
                for (int b = mid; b <= a; b++) {
                    l33[x * px + levelRows[b] - qr] -= dot(l21, a * k1, b * k1, k1);
                }
            }
        }
        if (supernodal && supernodes != null) {
            if (!supernodes.factor(v, l32, l33, l22.nz_values)) {
                return false;
            }
            return supernodes.factorsL33() || SmallCholesky.decomposeInPlace(l33, 0, px);
        }
        if (!cholesky.decompose(c22)) {
            return false;
        }
        if (l22 == null) {
            cholesky.setStructureLocked(true);
            l22 = cholesky.getL();
            l22Diag = new int[qr];
            parent = new int[qr];
            for (int c = 0; c < qr; c++) {
                l22Diag[c] = -1;
                parent[c] = -1;
                for (int q = l22.col_idx[c]; q < l22.col_idx[c + 1]; q++) {
                    int r = l22.nz_rows[q];
                    if (r == c) {
                        l22Diag[c] = q;
                    } else if (r > c && (parent[c] < 0 || r < parent[c])) {
                        parent[c] = r;
                    }
                }
            }
            if (supernodal) {
                // the pattern of L22 is known now: from here on the numbers are factored supernodally
                supernodes = new SupernodalCholesky(l22, c22, px);
                if (!supernodes.factor(v, l32, l33, l22.nz_values)) {
                    return false;
                }
                return supernodes.factorsL33() || SmallCholesky.decomposeInPlace(l33, 0, px);
            }
        }
        // L32 rows: L22 w = c32 row; then L33 L33' = C33 - L32 L32'
        double[] w = new double[qr];
        for (int x = 0; x < px; x++) {
            System.arraycopy(l32, x * qr, w, 0, qr);
            TriangularSolver_DSCC.solveL(l22, w);
            System.arraycopy(w, 0, l32, x * qr, qr);
        }
        for (int x = 0; x < px; x++) {
            for (int y = 0; y <= x; y++) {
                l33[x * px + y] -= dot2(l32, x * qr, y * qr, qr);
            }
        }
        return SmallCholesky.decomposeInPlace(l33, 0, px);
    }

    /**
     * The rank update for a first block of one column per level (L21 L21' is then a sum of outer products), from
     * the plan {@link RankPlan} made at the first call: each level's later random effects in the factor's order, so
     * that a pair's entry of C22 lies in the column of its later member, and the columns cut in two at an even share
     * of the work (C22's pairs and L32's entries; L33 goes with the second part). L32 is updated transposed (each
     * random effect's X and y rows contiguous). With two threads each takes one part; every entry still receives
     * its levels' products one level after the other in level order, with the same arithmetic, so the result does
     * not depend on the split and equals the scattered update in create's order (bit-identical).
     */
    private void rankUpdateScalar(double[] v, double[] l21, int[] levelStart, int[] levelRows) {
        if (rankMode == RankMode.REFERENCE) {
            rankUpdateReference(v, l21, levelStart, levelRows);
            return;
        }
        if (plan == null) {
            plan = new RankPlan(levelStart, levelRows);
        }
        RankPlan pl = plan;
        double[] t32 = pl.l32T;
        for (int x = 0; x < px; x++) {
            int row = x * qr;
            for (int c = 0; c < qr; c++) {
                t32[c * px + x] = l32[row + c];
            }
        }
        boolean split = rankMode == RankMode.SPLIT || rankMode == RankMode.AUTO
                && pl.work >= RANK_PARALLEL_MIN && Runtime.getRuntime().availableProcessors() > 1;
        if (split) {
            java.util.concurrent.ForkJoinTask<?> task = java.util.concurrent.ForkJoinTask.adapt(
                    () -> rankPart(pl, v, l21, levelStart, levelRows, false, pl.helperBuffer)).fork();
            rankPart(pl, v, l21, levelStart, levelRows, true, pl.buffer);
            task.join();
        } else {
            rankPart(pl, v, l21, levelStart, levelRows, true, pl.buffer);
            rankPart(pl, v, l21, levelStart, levelRows, false, pl.buffer);
        }
        for (int x = 0; x < px; x++) {
            int row = x * qr;
            for (int c = 0; c < qr; c++) {
                l32[row + c] = t32[c * px + x];
            }
        }
    }

    /**
     * One of the two parts of {@link #rankUpdateScalar}: the columns of C22 and L32 before the cut, or those from
     * it with L33.
     */
    private void rankPart(RankPlan pl, double[] v, double[] l21, int[] levelStart, int[] levelRows, boolean first,
            double[] buf) {
        int levels = levelStart.length - 1;
        int[] order = pl.order;
        int[] pos = pl.pairPos;
        int[] sortedPos = pl.sortedPos;
        double[] t32 = pl.l32T;
        for (int j = 0; j < levels; j++) {
            int from = levelStart[j];
            int mid = reEnd[j];
            int to = levelStart[j + 1];
            int nr = mid - from;
            int cut = pl.cut[j];
            int a0 = first ? 0 : cut;
            int a1 = first ? cut : nr;
            if (a0 < a1) {
                for (int t = 0; t < a1; t++) {
                    buf[t] = l21[order[from + t]];
                }
                int e = pl.pairStart[j] + a0 * (a0 + 1) / 2;
                for (int a = a0; a < a1; a++) {
                    double la = buf[a];
                    for (int b = 0; b <= a; b++) {
                        v[pos[e++]] -= la * buf[b];
                    }
                }
                for (int b = a0; b < a1; b++) {
                    double lb = buf[b];
                    int base = sortedPos[from + b] * px - qr;
                    for (int a = mid; a < to; a++) {
                        t32[base + levelRows[a]] -= l21[a] * lb;
                    }
                }
            }
            if (!first) {
                for (int a = mid; a < to; a++) {
                    double la = l21[a];
                    int row33 = (levelRows[a] - qr) * px - qr;
                    for (int b = mid; b <= a; b++) {
                        l33[row33 + levelRows[b]] -= la * l21[b];
                    }
                }
            }
        }
    }

    /** {@link #rankUpdateScalar} in create's order of the pairs, one thread (the tests' reference). */
    private void rankUpdateReference(double[] v, double[] l21, int[] levelStart, int[] levelRows) {
        int e = 0;
        int levels = levelStart.length - 1;
        for (int j = 0; j < levels; j++) {
            int from = levelStart[j];
            int mid = reEnd[j];
            int to = levelStart[j + 1];
            for (int a = from; a < mid; a++) {
                double la = l21[a];
                for (int b = from; b <= a; b++) {
                    v[updatePos[e++]] -= la * l21[b];
                }
            }
            for (int a = mid; a < to; a++) {
                double la = l21[a];
                int x = levelRows[a] - qr;
                int row = x * qr;
                for (int b = from; b < mid; b++) {
                    l32[row + inverse[levelRows[b]]] -= la * l21[b];
                }
                int row33 = x * px - qr;
                for (int b = mid; b <= a; b++) {
                    l33[row33 + levelRows[b]] -= la * l21[b];
                }
            }
        }
    }

    /** Below this many multiply-adds the rank update is not split over two threads. */
    static final long RANK_PARALLEL_MIN = 200_000;

    /** How {@link #rankUpdateScalar} runs (tests force each; the results are identical). */
    enum RankMode {
        /** Two threads when the work is large enough and there are two processors. */
        AUTO,
        SERIAL,
        /** Two threads whatever the size. */
        SPLIT,
        /** The scattered update in create's order of the pairs, one thread. */
        REFERENCE
    }

    private RankMode rankMode = RankMode.AUTO;
    private RankPlan plan;

    /** For the tests: how the next rank updates run. */
    void rankMode(RankMode mode) {
        this.rankMode = mode;
    }

    /** {@link #rankUpdateScalar}'s order of the pairs and its cut, made once per fit from {@link #updatePos}. */
    private final class RankPlan {
        /** Per level, its entries of levelRows before reEnd by ascending factor position (indices into levelRows). */
        final int[] order;
        /** The factor position of each entry of {@link #order}. */
        final int[] sortedPos;
        /** Per pair of a level's later random effects in that order (a >= b): its position in C22. */
        final int[] pairPos;
        final int[] pairStart;
        /** Per level: how many of its later random effects (in that order) lie before the column cut. */
        final int[] cut;
        /** L32 transposed during the update ({@code qr x px}). */
        final double[] l32T;
        final long work;
        final double[] buffer;
        final double[] helperBuffer;

        RankPlan(int[] levelStart, int[] levelRows) {
            int levels = levelStart.length - 1;
            int total = levelStart[levels];
            order = new int[total];
            sortedPos = new int[total];
            pairStart = new int[levels + 1];
            pairPos = new int[updatePos.length];
            cut = new int[levels];
            l32T = new double[qr * px];
            int widest = 0;
            long[] columnWork = new long[qr];
            long pairs = 0;
            long l33Work = 0;
            long[] key = new long[0];
            for (int j = 0; j < levels; j++) {
                int from = levelStart[j];
                int mid = reEnd[j];
                int nr = mid - from;
                int nx = levelStart[j + 1] - mid;
                widest = Math.max(widest, nr);
                pairStart[j] = (int) pairs;
                if (key.length < nr) {
                    key = new long[nr];
                }
                for (int t = 0; t < nr; t++) {
                    key[t] = (long) inverse[levelRows[from + t]] << 32 | t;
                }
                Arrays.sort(key, 0, nr);
                for (int t = 0; t < nr; t++) {
                    order[from + t] = from + (int) key[t];
                    sortedPos[from + t] = (int) (key[t] >>> 32);
                }
                // updatePos enumerates each level's pairs (a, b <= a) in levelRows order (create)
                int e = (int) pairs;
                for (int a = 0; a < nr; a++) {
                    int oa = order[from + a] - from;
                    for (int b = 0; b <= a; b++) {
                        int ob = order[from + b] - from;
                        int hi = Math.max(oa, ob);
                        int lo = Math.min(oa, ob);
                        pairPos[e++] = updatePos[(int) pairs + hi * (hi + 1) / 2 + lo];
                    }
                    columnWork[sortedPos[from + a]] += a + 1 + nx;
                }
                pairs = e;
                l33Work += (long) nx * (nx + 1) / 2;
            }
            pairStart[levels] = (int) pairs;
            long all = l33Work;
            for (long c : columnWork) {
                all += c;
            }
            // the first part: the columns before the one at which half of all the work is reached
            int columnCut = 0;
            long sum = 0;
            while (columnCut < qr && sum + columnWork[columnCut] / 2 < all / 2) {
                sum += columnWork[columnCut++];
            }
            for (int j = 0; j < levels; j++) {
                int from = levelStart[j];
                int c = 0;
                while (c < reEnd[j] - from && sortedPos[from + c] < columnCut) {
                    c++;
                }
                cut[j] = c;
            }
            work = all;
            buffer = new double[widest];
            helperBuffer = new double[widest];
        }
    }

    private static double dot(double[] a, int i, int j, int k) {
        double s = 0;
        for (int c = 0; c < k; c++) {
            s += a[i + c] * a[j + c];
        }
        return s;
    }

    private static double dot2(double[] a, int i, int j, int n) {
        double s = 0;
        for (int c = 0; c < n; c++) {
            s += a[i + c] * a[j + c];
        }
        return s;
    }

    /** sum of log of L22's diagonal. */
    double logDiagL22() {
        double s = 0;
        for (int c = 0; c < qr; c++) {
            s += Math.log(l22.nz_values[l22Diag[c]]);
        }
        return s;
    }

    /** The rows of the dense part L33 (X's columns, then y). */
    int denseRows() {
        return px;
    }

    /** Element (i, j), i >= j, of the dense part L33 (X's columns, then y). */
    double l33(int i, int j) {
        return l33[i * px + j];
    }

    /**
     * [u_r; beta] of the penalized least-squares problem (beta for centred X): L33x' beta = l33's last row, then
     * L22' u_r = L32's y row - L32x' beta.
     */
    double[] solve() {
        int p = px - 1;
        double[] out = new double[qr + p];
        double[] beta = new double[p];
        for (int i = 0; i < p; i++) {
            beta[i] = l33[p * px + i];
        }
        for (int i = p - 1; i >= 0; i--) {
            double s = beta[i];
            for (int j = i + 1; j < p; j++) {
                s -= l33[j * px + i] * beta[j];
            }
            beta[i] = s / l33[i * px + i];
        }
        double[] u = new double[qr];
        for (int c = 0; c < qr; c++) {
            double s = l32[p * qr + c];
            for (int x = 0; x < p; x++) {
                s -= l32[x * qr + c] * beta[x];
            }
            u[c] = s;
        }
        TriangularSolver_DSCC.solveTranL(l22, u);
        for (int c = 0; c < qr; c++) {
            out[perm[c]] = u[c];
        }
        System.arraycopy(beta, 0, out, qr, p);
        return out;
    }

    /**
     * Solves L22 w = v for a v that is nonzero only on {@code rows[0..nrows)}, touching only the reach (the
     * union of the elimination-tree paths from those rows): its indices are returned in {@code reach} (count
     * returned) and w is left in {@code x} on them. Indices are the caller's (the factor's order is undone: w is
     * that of the caller's order, L22 P' w = P' v). {@code mark} must be all false on entry and is restored.
     */
    int solveSparse(int[] rows, int nrows, double[] x, int[] reach, boolean[] mark) {
        double[] y = scratch;
        int count = 0;
        for (int t = 0; t < nrows; t++) {
            int r = inverse[rows[t]];
            y[r] = x[rows[t]];
            x[rows[t]] = 0;
            for (int i = r; i >= 0 && !mark[i]; i = parent[i]) {
                mark[i] = true;
                reach[count++] = i;
            }
        }
        Arrays.sort(reach, 0, count);
        for (int t = 0; t < count; t++) {
            int j = reach[t];
            mark[j] = false;
            double xj = y[j] / l22.nz_values[l22Diag[j]];
            y[j] = xj;
            if (xj == 0) {
                continue;
            }
            for (int q = l22.col_idx[j]; q < l22.col_idx[j + 1]; q++) {
                int r = l22.nz_rows[q];
                if (r > j) {
                    y[r] -= l22.nz_values[q] * xj;
                }
            }
        }
        for (int t = 0; t < count; t++) {
            int j = reach[t];
            x[perm[j]] = y[j];
            y[j] = 0;
            reach[t] = perm[j];
        }
        return count;
    }

    /**
     * Per factor position i, the multiply-adds of {@link #solveSparse} from a right-hand side nonzero at i alone: the
     * entries of the factor's columns on i's elimination-tree path to the root (the reach). Read from the factor's
     * pattern after the first factorization.
     */
    long[] pathWork() {
        long[] work = new long[qr];
        for (int i = qr - 1; i >= 0; i--) {
            long own = l22.col_idx[i + 1] - l22.col_idx[i];
            work[i] = own + (parent[i] >= 0 ? work[parent[i]] : 0);
        }
        return work;
    }

    /** The position in the factor's (fill-reducing) order of the caller's later random effect c. */
    int factorPosition(int c) {
        return inverse[c];
    }

    /** Whether a dense qr x qr array is held as the dense kernel would hold its own m x m block. */
    boolean denseFits() {
        return qr + px <= DENSE_MAX;
    }

    /**
     * L22 scattered into a dense qr x qr array by columns, in the factor's order: element (i, j), i &gt;= j, at
     * {@code [j * qr + i]}, zero above the diagonal.
     */
    double[] denseColumns() {
        double[] out = new double[qr * qr];
        for (int j = 0; j < qr; j++) {
            for (int q = l22.col_idx[j]; q < l22.col_idx[j + 1]; q++) {
                int r = l22.nz_rows[q];
                if (r >= j) {
                    out[j * qr + r] = l22.nz_values[q];
                }
            }
        }
        return out;
    }

    /** The entries of L22 (after the first factorization), for the fill figures. */
    int factorEntries() {
        return l22 == null ? -1 : l22.nz_length;
    }

    /** Whether the fill-reducing order replaced the natural one. */
    boolean reordered() {
        for (int c = 0; c < qr; c++) {
            if (perm[c] != c) {
                return true;
            }
        }
        return false;
    }

    /** Whether the numbers are factored supernodally. */
    boolean supernodal() {
        return supernodal;
    }

    /** The supernodal kernel after the first factorization (null before, or on the up-looking path). */
    SupernodalCholesky supernodes() {
        return supernodes;
    }

    int reEnd(int level) {
        return reEnd[level];
    }

    int size() {
        return qr;
    }
}
