package org.mixedmodels.engine.fit;

import java.util.Arrays;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.locks.LockSupport;
import org.ejml.data.DMatrixSparseCSC;
import org.mixedmodels.engine.linalg.DenseCholesky;

/**
 * The numeric part of {@link SparseRestFactor}'s Cholesky C22 = L22 L22' as a right-looking supernodal
 * factorization (Ng and Peyton 1993; Davis, "Direct Methods for Sparse Linear Systems", 2006, ch. 9; CHOLMOD's
 * supernodal kernel), on the pattern of L22 found once per fit by EJML's up-looking factorization. A supernode is a
 * run of consecutive columns whose patterns below the diagonal are nested (column j's parent in the elimination
 * tree is j + 1 and its count is one more): its columns are one dense panel, factored by dense loops the JIT
 * vectorizes, and its update of later columns is one dense product scattered once, where the up-looking kernel does
 * one scalar sparse operation per entry. The X and y rows (L32) ride along as px extra dense rows of every panel, so
 * L32 comes out of the same panel operations and L33's Schur complement C33 - L32 L32' is accumulated with them.
 * The last supernode (the dense clique an AMD order ends with: InstEval's last ~500 lecturers), together with the
 * X and y rows, is factored by {@link DenseCholesky}, which also gives L33.
 *
 * <p>The result is written back into L22's values (and L32's rows), so every solve of {@link SparseRestFactor}
 * (the BLUPs, the conditional variances) reads the same factor whichever kernel made it. Nothing is q x q: the
 * panels hold L22's supernodal pattern (a little more than its entries) plus px rows per column.
 */
final class SupernodalCholesky {
    /** The trailing supernode is handed to the dense kernel from this width (one of its panels). */
    static final int DENSE_ROOT_MIN = 64;

    private final int qr;
    private final int px;
    private final int nsup;
    private final int[] supStart;
    /** Rows (< qr) of each supernode's panel: its own columns first, then the rows below, ascending. */
    private final int[] rowStart;
    private final int[] rows;
    /** Panel offset of each supernode; a panel is column-major with leading dimension m + px. */
    private final long[] panelOffset;
    private final double[] panel;
    private final int[] colSup;
    /** For every entry of C22 (upper triangle, CSC): its position in the panels. */
    private final int[] assemblePos;
    /** For every entry of L22 (EJML's CSC): its position in the panels. */
    private final int[] factorPos;
    private final boolean denseRoot;
    private final double[] root;
    /** First column of the dense root (qr when there is none). */
    private final int rootFirst;
    /** Per supernode: the first panel row below the diagonal whose column is in the root (m when none is). */
    private final int[] rootFrom;
    /**
     * Per supernode: the first panel row of the root columns from {@link #rootSplit} on. With two threads the helper
     * updates the root columns before it (rows rootFrom..splitAt-1), the caller everything else.
     */
    private final int[] splitAt;
    /** Root columns rootFirst..rootFirst+rootSplit-1 go to the helper thread (balancing the two threads' work). */
    private final int rootSplit;
    /** Estimated work of one factorization (multiply-adds and scattered writes), for the decision to split. */
    private final long work;
    /** The caller's and the helper's scratch. */
    private final Scratch mine;
    private final Scratch helper;
    private Mode mode = Mode.AUTO;
    /** Progress of the caller through the front supernodes (the helper waits for it), and a failure flag. */
    private volatile int factored;
    private volatile boolean failed;
    /** The helper thread while it is parked in {@link #awaitFactored} (null otherwise). */
    private volatile Thread helperWaiting;
    /** Spins of the helper before it parks (each a {@link Thread#onSpinWait} hint, well under a microsecond). */
    private static final int HELPER_SPINS = 200;

    SupernodalCholesky(DMatrixSparseCSC l22, DMatrixSparseCSC c22, int px) {
        this.qr = l22.numCols;
        this.px = px;
        int[] count = new int[qr];
        int[] parent = new int[qr];
        for (int c = 0; c < qr; c++) {
            count[c] = l22.col_idx[c + 1] - l22.col_idx[c];
            parent[c] = -1;
            for (int q = l22.col_idx[c]; q < l22.col_idx[c + 1]; q++) {
                int r = l22.nz_rows[q];
                if (r > c && (parent[c] < 0 || r < parent[c])) {
                    parent[c] = r;
                }
            }
        }
        int[] starts = new int[qr + 1];
        int n = 0;
        for (int c = 0; c < qr; c++) {
            if (c == 0 || !(parent[c - 1] == c && count[c - 1] == count[c] + 1)) {
                starts[n++] = c;
            }
        }
        starts[n] = qr;
        this.nsup = n;
        this.supStart = Arrays.copyOf(starts, n + 1);
        this.colSup = new int[qr];
        this.rowStart = new int[n + 1];
        this.panelOffset = new long[n + 1];
        long total = 0;
        int rowTotal = 0;
        for (int s = 0; s < n; s++) {
            int f = supStart[s];
            for (int c = f; c < supStart[s + 1]; c++) {
                colSup[c] = s;
            }
            rowStart[s] = rowTotal;
            rowTotal += count[f];
            panelOffset[s] = total;
            total += (long) (count[f] + px) * (supStart[s + 1] - f);
        }
        rowStart[n] = rowTotal;
        panelOffset[n] = total;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("supernodal panels too large: " + total);
        }
        this.rows = new int[rowTotal];
        int maxRows = 0;
        for (int s = 0; s < n; s++) {
            int f = supStart[s];
            int at = rowStart[s];
            for (int q = l22.col_idx[f]; q < l22.col_idx[f + 1]; q++) {
                rows[at++] = l22.nz_rows[q];
            }
            Arrays.sort(rows, rowStart[s], rowStart[s + 1]);
            maxRows = Math.max(maxRows, rowStart[s + 1] - rowStart[s]);
        }
        this.panel = new double[(int) total];
        this.assemblePos = new int[c22.nz_length];
        for (int c = 0; c < qr; c++) {
            for (int e = c22.col_idx[c]; e < c22.col_idx[c + 1]; e++) {
                // C22(r, c), r <= c, is L's (c, r)
                assemblePos[e] = position(c22.nz_rows[e], c);
            }
        }
        this.factorPos = new int[l22.nz_length];
        for (int c = 0; c < qr; c++) {
            for (int q = l22.col_idx[c]; q < l22.col_idx[c + 1]; q++) {
                factorPos[q] = position(c, l22.nz_rows[q]);
            }
        }
        int last = n - 1;
        int w = n == 0 ? 0 : supStart[n] - supStart[last];
        this.denseRoot = n > 0 && w >= DENSE_ROOT_MIN && rowStart[n] - rowStart[last] == w;
        this.root = denseRoot ? new double[(w + px) * (w + px)] : null;
        this.rootFirst = denseRoot ? supStart[last] : qr;
        this.rootFrom = new int[n];
        this.splitAt = new int[n];
        int front = denseRoot ? last : n;
        long callerWork = 0;
        long[] rootColumnWork = new long[w + 1];
        for (int s = 0; s < front; s++) {
            int m = rowStart[s + 1] - rowStart[s];
            int ws = supStart[s + 1] - supStart[s];
            int ld = m + px;
            int j = ws;
            while (j < m && rows[rowStart[s] + j] < rootFirst) {
                callerWork += jobWork(ld, m, ws, j);
                j++;
            }
            rootFrom[s] = j;
            for (; j < m; j++) {
                rootColumnWork[rows[rowStart[s] + j] - rootFirst] += jobWork(ld, m, ws, j);
            }
            callerWork += (long) ws * ws * ld / 2 + (long) px * px * ws / 2;
        }
        long sum = callerWork;
        for (long c : rootColumnWork) {
            sum += c;
        }
        this.work = sum;
        // the helper takes the first root columns (the most work per column) up to half of the total
        int split = 0;
        long helperWork = 0;
        if (denseRoot) {
            while (split < w && helperWork + rootColumnWork[split] / 2 < sum / 2) {
                helperWork += rootColumnWork[split++];
            }
        }
        this.rootSplit = split;
        for (int s = 0; s < front; s++) {
            int m = rowStart[s + 1] - rowStart[s];
            int j = rootFrom[s];
            while (j < m && rows[rowStart[s] + j] < rootFirst + split) {
                j++;
            }
            splitAt[s] = j;
        }
        int widest = 0;
        for (int t = 0; t < front; t++) {
            widest = Math.max(widest, supStart[t + 1] - supStart[t]);
        }
        this.mine = new Scratch(qr, widest, maxRows + px);
        this.helper = denseRoot ? new Scratch(0, widest, maxRows + px) : null;
    }

    /** Estimated cost of one row j's update (its multiply-adds and scattered writes). */
    private static long jobWork(int ld, int m, int w, int j) {
        return (long) (ld - j) * w + 2L * (m - j) + 16;
    }

    /** Below this estimated work per factorization the front is not split over two threads. */
    static final long PARALLEL_MIN_WORK = 2_000_000;

    /** How the front supernodes' updates are run (tests force each; the results are identical). */
    enum Mode {
        /** Two threads when the work is large enough and there are two processors. */
        AUTO,
        /** One thread. */
        SERIAL,
        /** Two threads whatever the size. */
        SPLIT,
        /** One thread, the one-row-at-a-time kernel the blocked one replaced (for the tests' comparison). */
        REFERENCE
    }

    /** For the tests: how the next factorizations run. */
    void mode(Mode mode) {
        this.mode = mode;
    }

    /**
     * Per-thread scratch: the current supernode's columns, each its own array indexed by panel row, an update
     * column u indexed the same way, and the row map of a target supernode. Separate arrays read at the loop index
     * are the shape HotSpot's C2 vectorizes on JDK 17 (loops over several offsets into the one panel array are not:
     * 2.9 against 7.1 multiply-adds per ns for this kernel on a 2-core Xeon).
     */
    private static final class Scratch {
        final double[][] cols;
        final double[] u;
        final int[] map;
        int mapped = -1;

        Scratch(int qr, int width, int len) {
            cols = new double[width][len];
            u = new double[len];
            map = new int[qr];
        }
    }

    /** Position in the panels of L(row, col), row >= col, row in col's supernode pattern. */
    private int position(int col, int row) {
        int s = colSup[col];
        int ld = rowStart[s + 1] - rowStart[s] + px;
        int i = Arrays.binarySearch(rows, rowStart[s], rowStart[s + 1], row) - rowStart[s];
        if (i < 0) {
            throw new IllegalStateException("entry outside the supernodal pattern");
        }
        return (int) panelOffset[s] + (col - supStart[s]) * ld + i;
    }

    /** The supernodes (for the figures and tests). */
    int supernodes() {
        return nsup;
    }

    /** Whether the front's updates can be split over two threads (a dense root with columns for the helper). */
    boolean splittable() {
        return denseRoot && rootSplit > 0;
    }

    /** Entries of C22's pattern and of L22's (the lengths {@link #factor} takes, for the tests). */
    int[] patternSizes() {
        return new int[] {assemblePos.length, factorPos.length};
    }

    /** Width of the last supernode. */
    int rootWidth() {
        return nsup == 0 ? 0 : supStart[nsup] - supStart[nsup - 1];
    }

    /**
     * Factors C22 (c22Values on C22's pattern), with C32 in {@code l32} ({@code px x qr} rows) and C33 in
     * {@code l33} (lower triangle, {@code px x px}): on return {@code l22Values} hold L22 on EJML's pattern,
     * {@code l32} L32 and {@code l33} L33. False if C is not positive definite.
     */
    boolean factor(double[] c22Values, double[] l32, double[] l33, double[] l22Values) {
        Arrays.fill(panel, 0.0);
        for (int e = 0; e < assemblePos.length; e++) {
            panel[assemblePos[e]] = c22Values[e];
        }
        for (int s = 0; s < nsup; s++) {
            int m = rowStart[s + 1] - rowStart[s];
            int ld = m + px;
            int off = (int) panelOffset[s];
            int f = supStart[s];
            int w = supStart[s + 1] - f;
            for (int t = 0; t < w; t++) {
                int col = off + t * ld + m;
                int src = f + t;
                for (int x = 0; x < px; x++) {
                    panel[col + x] = l32[x * qr + src];
                }
            }
        }
        if (!factorFront(l33)) {
            return false;
        }
        if (denseRoot && !factorRoot(l33)) {
            return false;
        }
        for (int q = 0; q < factorPos.length; q++) {
            l22Values[q] = panel[factorPos[q]];
        }
        for (int s = 0; s < nsup; s++) {
            int m = rowStart[s + 1] - rowStart[s];
            int ld = m + px;
            int off = (int) panelOffset[s];
            int f = supStart[s];
            for (int t = 0; t < supStart[s + 1] - f; t++) {
                int col = off + t * ld + m;
                for (int x = 0; x < px; x++) {
                    l32[x * qr + f + t] = panel[col + x];
                }
            }
        }
        return true;
    }

    /**
     * Factors the front supernodes (all but the dense root) and applies their updates. With two threads the
     * caller factors each panel and applies its updates but those of the root columns before {@link #rootSplit},
     * which a helper applies, supernode by supernode once the caller has factored it: the two write disjoint
     * columns, and every column receives its updates in supernode order with the same arithmetic as with one
     * thread, so the factor does not depend on the split (bit-identical).
     */
    private boolean factorFront(double[] l33) {
        int last = denseRoot ? nsup - 1 : nsup;
        mine.mapped = -1;
        if (mode == Mode.REFERENCE) {
            for (int s = 0; s < last; s++) {
                if (!factorPanel(s)) {
                    return false;
                }
                updateReference(s, l33);
            }
            return true;
        }
        boolean split = denseRoot && rootSplit > 0 && (mode == Mode.SPLIT || mode == Mode.AUTO
                && work >= PARALLEL_MIN_WORK && Runtime.getRuntime().availableProcessors() > 1);
        if (!split) {
            for (int s = 0; s < last; s++) {
                if (!factorPanel(s)) {
                    return false;
                }
                int m = rowStart[s + 1] - rowStart[s];
                updateMapped(s, supStart[s + 1] - supStart[s], rootFrom[s], mine);
                updateRoot(s, rootFrom[s], m, mine);
                updateL33(s, l33);
            }
            return true;
        }
        factored = 0;
        failed = false;
        helperWaiting = null;
        ForkJoinTask<?> task = ForkJoinTask.adapt(() -> {
            for (int s = 0; s < last; s++) {
                if (!awaitFactored(s)) {
                    return;
                }
                loadColumns(s, helper);
                updateRoot(s, rootFrom[s], splitAt[s], helper);
            }
        }).fork();
        boolean ok = true;
        try {
            for (int s = 0; s < last; s++) {
                if (!factorPanel(s)) {
                    ok = false;
                    break;
                }
                factored = s + 1;
                wakeHelper();
                int m = rowStart[s + 1] - rowStart[s];
                updateMapped(s, supStart[s + 1] - supStart[s], rootFrom[s], mine);
                updateRoot(s, splitAt[s], m, mine);
                updateL33(s, l33);
            }
        } finally {
            if (!ok) {
                failed = true;
                wakeHelper();
            }
            if (ok) {
                task.join();
            } else {
                // the helper returns at once; wait for it so that the panels are not shared with the next call
                task.quietlyJoin();
            }
        }
        return ok;
    }

    /**
     * The helper's wait until the caller has factored supernode s: a short spin (the caller is usually a few
     * microseconds away), then parked, so that waiting costs no CPU on a loaded machine. The caller publishes
     * {@code factored} before it reads {@code helperWaiting}, the helper publishes {@code helperWaiting} before it
     * reads {@code factored} (both volatile), so one of them sees the other and no wake-up is lost. False when the
     * caller failed.
     */
    private boolean awaitFactored(int s) {
        for (int spins = 0; factored <= s; spins++) {
            if (failed) {
                return false;
            }
            if (spins < HELPER_SPINS) {
                Thread.onSpinWait();
                continue;
            }
            helperWaiting = Thread.currentThread();
            if (factored <= s && !failed) {
                LockSupport.park(this);
            }
            helperWaiting = null;
        }
        return !failed;
    }

    /** Unparks the helper if it waits (see {@link #awaitFactored}). */
    private void wakeHelper() {
        Thread waiting = helperWaiting;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /** Whether {@link #factor} leaves L33 factored (else it leaves C33 - L32 L32' for the caller to factor). */
    boolean factorsL33() {
        return denseRoot;
    }

    /**
     * Dense Cholesky of supernode s's w columns (right-looking within the panel), in the caller's column arrays,
     * which then hold the factored columns for its updates; written back to the panel.
     */
    private boolean factorPanel(int s) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int off = (int) panelOffset[s];
        int w = supStart[s + 1] - supStart[s];
        loadColumns(s, mine);
        double[][] cols = mine.cols;
        for (int t = 0; t < w; t++) {
            double[] ct = cols[t];
            double d = ct[t];
            if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                return false;
            }
            d = Math.sqrt(d);
            ct[t] = d;
            scale(ct, 1 / d, t + 1, ld);
            for (int j = t + 1; j < w; j++) {
                subtractMultiple(cols[j], ct, ct[j], j, ld);
            }
        }
        for (int t = 0; t < w; t++) {
            System.arraycopy(cols[t], 0, panel, off + t * ld, ld);
        }
        return true;
    }

    /** Supernode s's columns from the panel into the scratch's column arrays. */
    private void loadColumns(int s, Scratch scratch) {
        int ld = rowStart[s + 1] - rowStart[s] + px;
        int off = (int) panelOffset[s];
        for (int t = 0; t < supStart[s + 1] - supStart[s]; t++) {
            System.arraycopy(panel, off + t * ld, scratch.cols[t], 0, ld);
        }
    }

    /** x[i] *= f for from <= i < to. */
    private static void scale(double[] x, double f, int from, int to) {
        for (int i = from; i < to; i++) {
            x[i] *= f;
        }
    }

    /** x[i] -= f y[i] for from <= i < to. */
    private static void subtractMultiple(double[] x, double[] y, double f, int from, int to) {
        for (int i = from; i < to; i++) {
            x[i] -= f * y[i];
        }
    }

    /**
     * Supernode s's update of the later columns one row at a time, root columns included (the kernel that the
     * split and blocked root updates replaced, kept as the tests' bit-for-bit reference for them): for each row j
     * below the diagonal, the column u = B(j.., :) B(j, :)' scattered into the supernode holding column j; the X
     * and y rows' products go to C33.
     */
    private void updateReference(int s, double[] l33) {
        mine.mapped = -1;
        updateMapped(s, supStart[s + 1] - supStart[s], rowStart[s + 1] - rowStart[s], mine);
        updateL33(s, l33);
    }

    /**
     * Supernode s's update of the columns of panel rows from..to-1, which lie in front supernodes: per row j, u =
     * B(j.., :) B(j, :)' ({@link #column}), scattered through the row map of the target supernode.
     */
    private void updateMapped(int s, int from, int to, Scratch scratch) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int w = supStart[s + 1] - supStart[s];
        int rs = rowStart[s];
        double[] a = panel;
        double[] u = scratch.u;
        int[] map = scratch.map;
        for (int j = from; j < to; j++) {
            column(scratch.cols, w, j, ld, u);
            int target = rows[rs + j];
            int d = colSup[target];
            int md = rowStart[d + 1] - rowStart[d];
            if (d != scratch.mapped) {
                for (int i = rowStart[d]; i < rowStart[d + 1]; i++) {
                    map[rows[i]] = i - rowStart[d];
                }
                scratch.mapped = d;
            }
            int dst = (int) panelOffset[d] + (target - supStart[d]) * (md + px);
            for (int i = j; i < m; i++) {
                a[dst + map[rows[rs + i]]] -= u[i];
            }
            int xs = dst + md - m;
            for (int i = m; i < ld; i++) {
                a[xs + i] -= u[i];
            }
        }
    }

    /**
     * u[j..ld) = B(j.., :) B(j, :)' over the supernode's w columns (u[i] for panel row i): four columns per pass,
     * u[i] += b0 c0[i] + b1 c1[i] + b2 c2[i] + b3 c3[i], then one per pass, the arithmetic of every element fixed
     * whichever rows are updated together or by which thread.
     */
    private static void column(double[][] cols, int w, int j, int ld, double[] u) {
        Arrays.fill(u, j, ld, 0.0);
        int t = 0;
        for (; t + 3 < w; t += 4) {
            double[] c0 = cols[t];
            double[] c1 = cols[t + 1];
            double[] c2 = cols[t + 2];
            double[] c3 = cols[t + 3];
            addFourColumns(u, c0, c1, c2, c3, c0[j], c1[j], c2[j], c3[j], j, ld);
        }
        for (; t < w; t++) {
            double[] c0 = cols[t];
            addColumn(u, c0, c0[j], j, ld);
        }
    }

    private static void addFourColumns(double[] u, double[] c0, double[] c1, double[] c2, double[] c3, double b0,
            double b1, double b2, double b3, int from, int to) {
        for (int i = from; i < to; i++) {
            u[i] += b0 * c0[i] + b1 * c1[i] + b2 * c2[i] + b3 * c3[i];
        }
    }

    private static void addColumn(double[] u, double[] c0, double b0, int from, int to) {
        for (int i = from; i < to; i++) {
            u[i] += b0 * c0[i];
        }
    }

    /**
     * Supernode s's update of the root columns of panel rows from..to-1: the root is dense, so a panel row's
     * position in every target column is the same (row - rootFirst).
     */
    private void updateRoot(int s, int from, int to, Scratch scratch) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int w = supStart[s + 1] - supStart[s];
        int rs = rowStart[s];
        int wr = qr - rootFirst;
        int ldr = wr + px;
        int rootOff = (int) panelOffset[nsup - 1];
        double[] a = panel;
        double[] u = scratch.u;
        for (int j = from; j < to; j++) {
            column(scratch.cols, w, j, ld, u);
            int dst = rootOff + (rows[rs + j] - rootFirst) * ldr - rootFirst;
            for (int i = j; i < m; i++) {
                a[dst + rows[rs + i]] -= u[i];
            }
            int xs = dst + rootFirst + wr - m;
            for (int i = m; i < ld; i++) {
                a[xs + i] -= u[i];
            }
        }
    }

    /** C33 -= L32 L32' over supernode s's columns. */
    private void updateL33(int s, double[] l33) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int off = (int) panelOffset[s];
        int w = supStart[s + 1] - supStart[s];
        double[] a = panel;
        for (int x = 0; x < px; x++) {
            for (int y = 0; y <= x; y++) {
                double sum = 0;
                for (int t = 0; t < w; t++) {
                    int c = off + t * ld + m;
                    sum += a[c + x] * a[c + y];
                }
                l33[x * px + y] -= sum;
            }
        }
    }

    /** The last supernode (a dense clique with no rows below but X and y) and L33, by the blocked dense kernel. */
    private boolean factorRoot(double[] l33) {
        int s = nsup - 1;
        int w = supStart[s + 1] - supStart[s];
        int ld = w + px;
        int off = (int) panelOffset[s];
        int n = ld;
        double[] r = root;
        for (int j = 0; j < w; j++) {
            int c = off + j * ld;
            for (int i = j; i < ld; i++) {
                r[i * n + j] = panel[c + i];
            }
        }
        for (int x = 0; x < px; x++) {
            for (int y = 0; y <= x; y++) {
                r[(w + x) * n + w + y] = l33[x * px + y];
            }
        }
        if (!DenseCholesky.decompose(r, n, true)) {
            return false;
        }
        for (int j = 0; j < w; j++) {
            int c = off + j * ld;
            for (int i = j; i < ld; i++) {
                panel[c + i] = r[i * n + j];
            }
        }
        for (int x = 0; x < px; x++) {
            for (int y = 0; y <= x; y++) {
                l33[x * px + y] = r[(w + x) * n + w + y];
            }
        }
        return true;
    }
}
