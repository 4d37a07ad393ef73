package org.mixedmodels.engine.fit;

import java.util.Arrays;
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
    private final int[] map;
    private final double[] column;
    private final boolean denseRoot;
    private final double[] root;

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
        this.map = new int[qr];
        this.column = new double[maxRows + px];
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
        int last = denseRoot ? nsup - 1 : nsup;
        for (int s = 0; s < last; s++) {
            if (!factorPanel(s)) {
                return false;
            }
            update(s, l33);
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

    /** Whether {@link #factor} leaves L33 factored (else it leaves C33 - L32 L32' for the caller to factor). */
    boolean factorsL33() {
        return denseRoot;
    }

    /** Dense Cholesky of supernode s's w columns in place (column-major, right-looking within the panel). */
    private boolean factorPanel(int s) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int off = (int) panelOffset[s];
        int w = supStart[s + 1] - supStart[s];
        double[] a = panel;
        for (int t = 0; t < w; t++) {
            int ct = off + t * ld;
            double d = a[ct + t];
            if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                return false;
            }
            d = Math.sqrt(d);
            a[ct + t] = d;
            double inv = 1 / d;
            for (int i = t + 1; i < ld; i++) {
                a[ct + i] *= inv;
            }
            for (int j = t + 1; j < w; j++) {
                double lj = a[ct + j];
                int cj = off + j * ld;
                for (int i = j; i < ld; i++) {
                    a[cj + i] -= lj * a[ct + i];
                }
            }
        }
        return true;
    }

    /**
     * Supernode s's update of the later columns: for each row j below its diagonal (a later column), the column
     * u = B B(j, :)' of the rows j.. of the block B below the diagonal (four panel columns per pass, contiguous),
     * scattered into the supernode holding column j; the X and y rows' products go to C33.
     */
    private void update(int s, double[] l33) {
        int m = rowStart[s + 1] - rowStart[s];
        int ld = m + px;
        int off = (int) panelOffset[s];
        int w = supStart[s + 1] - supStart[s];
        int rs = rowStart[s];
        double[] a = panel;
        double[] u = column;
        int mapped = -1;
        for (int j = w; j < m; j++) {
            int len = ld - j;
            Arrays.fill(u, 0, len, 0.0);
            int t = 0;
            for (; t + 3 < w; t += 4) {
                int c0 = off + t * ld + j;
                int c1 = c0 + ld;
                int c2 = c1 + ld;
                int c3 = c2 + ld;
                double b0 = a[c0];
                double b1 = a[c1];
                double b2 = a[c2];
                double b3 = a[c3];
                for (int i = 0; i < len; i++) {
                    u[i] += b0 * a[c0 + i] + b1 * a[c1 + i] + b2 * a[c2 + i] + b3 * a[c3 + i];
                }
            }
            for (; t < w; t++) {
                int c0 = off + t * ld + j;
                double b0 = a[c0];
                for (int i = 0; i < len; i++) {
                    u[i] += b0 * a[c0 + i];
                }
            }
            int target = rows[rs + j];
            int d = colSup[target];
            int md = rowStart[d + 1] - rowStart[d];
            if (d != mapped) {
                for (int i = rowStart[d]; i < rowStart[d + 1]; i++) {
                    map[rows[i]] = i - rowStart[d];
                }
                mapped = d;
            }
            int dst = (int) panelOffset[d] + (target - supStart[d]) * (md + px);
            for (int i = 0; i < m - j; i++) {
                a[dst + map[rows[rs + j + i]]] -= u[i];
            }
            int xs = dst + md;
            for (int x = 0; x < px; x++) {
                a[xs + x] -= u[m - j + x];
            }
        }
        // C33 -= L32 L32' over this supernode's columns
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
        if (!DenseCholesky.decompose(r, n, false)) {
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
