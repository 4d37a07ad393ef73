package org.mixedmodels.engine.inference;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * The pieces of Kenward-Roger for a random-effects model of any design (crossed grouping factors included)
 * without an n x n matrix. With V = sigma^2 (I + Z Lambda Lambda' Z') the Woodbury identity gives
 *
 * <pre>
 *   V^-1 = (I - Z K Z') / sigma^2,   K = Lambda C^-1 Lambda',   C = Lambda' A Lambda + I,   A = Z'Z
 * </pre>
 *
 * (Henderson and Searle 1981, SIAM Review 23, eq. 17; C is lme4's L L', Bates et al. 2015, J. Stat. Softw. 67(1),
 * section 3.2; the form with Lambda rather than its inverse holds on the boundary, Lambda singular). Each generator
 * of the random part is G_r = Z E_r Z', E_r sparse q x q (for term t and its covariance element (a, b): the (a, b)
 * and (b, a) entries of every level's k x k block), so with W = Z' V^-1 Z = (A - A K A) / sigma^2,
 * M = Z' V^-1 X, N = Z' V^-2 X and T = V^-1 X:
 *
 * <pre>
 *   P_r  = -M' E_r M                  P_e  = -T'T                          (e: the residual variance)
 *   Q_rs = M' E_r W E_s M             Q_re = M' E_r N                      Q_ee = T' V^-1 T
 *   tr(V^-1 G_r V^-1 G_s) = tr(E_r W E_s W)
 *   tr(V^-1 G_r V^-1)     = tr(E_r Z'V^-2 Z),  Z'V^-2 Z = W (I - K A) / sigma^2
 *   tr(V^-2)              = (n - 2 tr(K A) + tr(K A K A)) / sigma^4
 * </pre>
 *
 * (Kenward and Roger 1997, Biometrics 53, eq. 2-5, in pbkrtest's parametrization, Halekoh and Hojsgaard 2014,
 * J. Stat. Softw. 59(9), section 4; V is linear in these parameters, so R_rs = 0 and KR-linear is KR). Memory: the
 * rows enter through Z (sum of k per row), X and n x p columns; the random effects through a few dense q x q matrices
 * (C^-1 and K in place, A K, W), so memory is linear in the rows and quadratic in the random effects, time
 * O(q^3 + q nnz(A) + q^2 p m) for m generators.
 */
final class WoodburyKenwardRoger {
    /** P_r (p x p), Q_rs for r &lt;= s, tr(V^-1 G_r V^-1 G_s) for r &lt;= s: the generators, then the residual. */
    final DMatrixRMaj[] pr;
    final DMatrixRMaj[][] qrs;
    final double[][] traces;

    /** Dense q x q matrices held at once at the peak (C, its inverse, then K, A K and W). */
    static final int DENSE_MATRICES = 3;

    private final int n;
    private final int pc;
    private final int qTotal;
    /** Z by rows: row i has {@code perRow} entries, columns zCol[i * perRow + e], values zVal[...]. */
    private final int perRow;
    private final int[] zCol;
    private final double[] zVal;
    /** A = Z'Z in compressed rows (symmetric, both triangles). */
    private int[] aStart;
    private int[] aCol;
    private double[] aVal;

    WoodburyKenwardRoger(FitResult fit) {
        Design design = fit.design();
        List<RandomEffectTerm> terms = design.randomTerms();
        this.n = design.nobs();
        double[][] xCols = design.fixed().columns();
        this.pc = xCols.length;
        double sigma2 = fit.sigma() * fit.sigma();
        // the random effects laid out term by term, the term with the most of them first (its block of C is block
        // diagonal, which the inversion uses); offset[t] and end[t] bound term t
        int[] offset = new int[terms.size()];
        int[] end = new int[terms.size()];
        int first = 0;
        int row = 0;
        for (int t = 0; t < terms.size(); t++) {
            row += terms.get(t).k();
            if (size(terms.get(t)) > size(terms.get(first))) {
                first = t;
            }
        }
        int next = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int t = 0; t < terms.size(); t++) {
                if ((t == first) == (pass == 0)) {
                    offset[t] = next;
                    next += size(terms.get(t));
                    end[t] = next;
                }
            }
        }
        this.qTotal = next;
        this.perRow = row;
        int q = qTotal;
        requireMemory(q);

        // Z by rows
        zCol = new int[n * perRow];
        zVal = new double[n * perRow];
        for (int i = 0; i < n; i++) {
            int e = i * perRow;
            for (int t = 0; t < terms.size(); t++) {
                RandomEffectTerm term = terms.get(t);
                double[][] z = term.model().columns();
                int base = offset[t] + term.grouping().code(i) * term.k();
                for (int c = 0; c < term.k(); c++) {
                    zCol[e] = base + c;
                    zVal[e++] = z[c][i];
                }
            }
        }
        crossProductOfZ(q);

        // Lambda: one lower-triangular k x k factor per term, lme4's theta column by column
        double[] theta = fit.theta();
        double[][][] lambda = new double[terms.size()][][];
        int[] termOf = new int[q];
        int th = 0;
        for (int t = 0; t < terms.size(); t++) {
            int k = terms.get(t).k();
            lambda[t] = new double[k][k];
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    lambda[t][r][c] = theta[th++];
                }
            }
            for (int j = offset[t]; j < end[t]; j++) {
                termOf[j] = t;
            }
        }

        // C = Lambda' A Lambda + I, from A's entries: C[(I, a), (J, b)] += Lambda_I[i, a] A[iI, jJ] Lambda_J[j, b]
        DMatrixRMaj c = new DMatrixRMaj(q, q);
        for (int i = 0; i < q; i++) {
            int ti = termOf[i];
            int ki = terms.get(ti).k();
            int li = (i - offset[ti]) % ki;
            int bi = i - li;
            for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                int j = aCol[e];
                int tj = termOf[j];
                int kj = terms.get(tj).k();
                int lj = (j - offset[tj]) % kj;
                int bj = j - lj;
                double v = aVal[e];
                for (int a = 0; a <= li; a++) {
                    double la = lambda[ti][li][a] * v;
                    if (la == 0) {
                        continue;
                    }
                    int rowBase = (bi + a) * q + bj;
                    for (int b = 0; b <= lj; b++) {
                        c.data[rowBase + b] += la * lambda[tj][lj][b];
                    }
                }
            }
        }
        for (int i = 0; i < q; i++) {
            c.data[i * q + i] += 1;
        }
        DMatrixRMaj kMat = c;
        invertByFirstBlock(kMat, size(terms.get(first)), terms.get(first).k());
        c = null;
        // K = Lambda C^-1 Lambda', in place: Lambda is block diagonal with k x k lower-triangular blocks
        scaleRowsByLambda(kMat, lambda, offset, end, terms);
        CommonOps_DDRM.transpose(kMat);
        scaleRowsByLambda(kMat, lambda, offset, end, terms);

        // T = V^-1 X, M = Z'T, U = V^-1 T, N = Z'U (n x p and q x p)
        double[][] tCols = new double[pc][];
        for (int j = 0; j < pc; j++) {
            tCols[j] = xCols[j];
        }
        tCols = applyVInverse(tCols, kMat, sigma2);
        double[][] m = zTransposeTimes(tCols);
        double[][] uCols = applyVInverse(tCols, kMat, sigma2);
        double[][] nMat = zTransposeTimes(uCols);

        // A K (rows of A times K), then W = (A - (A K) A) / sigma^2; K is not needed after A K
        DMatrixRMaj ak = new DMatrixRMaj(q, q);
        for (int i = 0; i < q; i++) {
            int out = i * q;
            for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                double v = aVal[e];
                int in = aCol[e] * q;
                for (int col = 0; col < q; col++) {
                    ak.data[out + col] += v * kMat.data[in + col];
                }
            }
        }
        kMat = null;
        DMatrixRMaj w = new DMatrixRMaj(q, q);
        for (int i = 0; i < q; i++) {
            int base = i * q;
            for (int j = 0; j < q; j++) {
                double v = ak.data[base + j];
                if (v == 0) {
                    continue;
                }
                for (int e = aStart[j]; e < aStart[j + 1]; e++) {
                    w.data[base + aCol[e]] -= v * aVal[e];
                }
            }
            for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                w.data[base + aCol[e]] += aVal[e];
            }
        }
        CommonOps_DDRM.divide(w, sigma2);
        symmetrize(w);

        // the generators' E_r as entry lists (both triangles), in KenwardRoger's order: per term, (a, b), a >= b,
        // column-major; the residual variance last
        int generators = 0;
        for (RandomEffectTerm term : terms) {
            generators += term.thetaCount();
        }
        int mAll = generators + 1;
        int[][] ei = new int[generators][];
        int[][] ej = new int[generators][];
        int g = 0;
        for (int t = 0; t < terms.size(); t++) {
            RandomEffectTerm term = terms.get(t);
            int k = term.k();
            int levels = term.levelCount();
            for (int b = 0; b < k; b++) {
                for (int a = b; a < k; a++) {
                    int entries = a == b ? levels : 2 * levels;
                    ei[g] = new int[entries];
                    ej[g] = new int[entries];
                    int f = 0;
                    for (int l = 0; l < levels; l++) {
                        int base = offset[t] + l * k;
                        ei[g][f] = base + a;
                        ej[g][f++] = base + b;
                        if (a != b) {
                            ei[g][f] = base + b;
                            ej[g][f++] = base + a;
                        }
                    }
                    g++;
                }
            }
        }

        traces = new double[mAll][mAll];
        // tr(E_r W E_s W) = sum over entries (i, j) of E_r and (k, l) of E_s of W[j, k] W[l, i] (E's entries are 1)
        for (int r = 0; r < generators; r++) {
            for (int s = r; s < generators; s++) {
                double sum = 0;
                for (int x = 0; x < ei[r].length; x++) {
                    int iRow = ei[r][x] * q;
                    int jRow = ej[r][x] * q;
                    for (int y = 0; y < ei[s].length; y++) {
                        sum += w.data[jRow + ei[s][y]] * w.data[iRow + ej[s][y]];
                    }
                }
                traces[r][s] = sum;
            }
        }
        // tr(E_r Z'V^-2 Z) with Z'V^-2 Z [j, i] = (W[j, i] - sum_k W[j, k] (A K)[i, k]) / sigma^2 (K A = (A K)')
        for (int r = 0; r < generators; r++) {
            double sum = 0;
            for (int x = 0; x < ei[r].length; x++) {
                int i = ei[r][x];
                int j = ej[r][x];
                double dot = 0;
                int wRow = j * q;
                int akRow = i * q;
                for (int k = 0; k < q; k++) {
                    dot += w.data[wRow + k] * ak.data[akRow + k];
                }
                sum += (w.data[wRow + i] - dot) / sigma2;
            }
            traces[r][generators] = sum;
        }
        double trKA = 0;
        double trKAKA = 0;
        for (int i = 0; i < q; i++) {
            trKA += ak.data[i * q + i];
            for (int j = 0; j < q; j++) {
                trKAKA += ak.data[i * q + j] * ak.data[j * q + i];
            }
        }
        traces[generators][generators] = (n - 2 * trKA + trKAKA) / (sigma2 * sigma2);
        ak = null;

        // P and Q
        DMatrixRMaj[] p = new DMatrixRMaj[mAll];
        DMatrixRMaj[][] qm = new DMatrixRMaj[mAll][mAll];
        pr = p;
        qrs = qm;
        double[][][] y = new double[generators][][];
        for (int r = 0; r < generators; r++) {
            // Y_r = E_r M, nonzero in the rows of E_r's entries
            double[][] yr = new double[q][];
            for (int x = 0; x < ei[r].length; x++) {
                int i = ei[r][x];
                if (yr[i] == null) {
                    yr[i] = new double[pc];
                }
                double[] mj = m[ej[r][x]];
                for (int col = 0; col < pc; col++) {
                    yr[i][col] += mj[col];
                }
            }
            y[r] = yr;
            p[r] = crossSparse(m, yr, -1);
        }
        p[generators] = new DMatrixRMaj(pc, pc);
        for (int a = 0; a < pc; a++) {
            for (int b = 0; b < pc; b++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += tCols[a][i] * tCols[b][i];
                }
                p[generators].set(a, b, -s);
            }
        }
        for (int s = 0; s < generators; s++) {
            // W Y_s (q x p, dense), W symmetric: sum over the rows i of Y_s of W[i, :]' Y_s[i, :]
            double[][] wy = new double[q][pc];
            for (int i = 0; i < q; i++) {
                double[] ys = y[s][i];
                if (ys == null) {
                    continue;
                }
                int base = i * q;
                for (int k = 0; k < q; k++) {
                    double wv = w.data[base + k];
                    if (wv == 0) {
                        continue;
                    }
                    double[] out = wy[k];
                    for (int col = 0; col < pc; col++) {
                        out[col] += wv * ys[col];
                    }
                }
            }
            for (int r = 0; r <= s; r++) {
                qm[r][s] = crossSparseTransposed(y[r], wy, 1);
            }
        }
        for (int r = 0; r < generators; r++) {
            qm[r][generators] = crossSparseTransposed(y[r], nMat, 1);
        }
        DMatrixRMaj qee = new DMatrixRMaj(pc, pc);
        for (int a = 0; a < pc; a++) {
            for (int b = 0; b < pc; b++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += tCols[a][i] * uCols[b][i];
                }
                qee.set(a, b, s);
            }
        }
        qm[generators][generators] = qee;
    }

    private static int size(RandomEffectTerm term) {
        return term.k() * term.levelCount();
    }

    /**
     * C^-1 in place, by blocks: C11 (the first q1 random effects, one term) is block diagonal with k x k blocks, so
     * with F = C11^-1 C12 and the Schur complement S = C22 - C21 F (q2 x q2),
     * C^-1 = [C11^-1 + F S^-1 F', -F S^-1; -S^-1 F', S^-1]. The rows of C12 are sparse (a level of the first factor
     * meets few levels of the others), so this costs O(q2^3 + nnz(C12) q2 + q1 nnz(C12)), not O(q^3).
     */
    private static void invertByFirstBlock(DMatrixRMaj c, int q1, int k1) {
        int q = c.numRows;
        int q2 = q - q1;
        // C11^-1, block by block, into C11's place
        double[][] block = new double[k1][k1];
        for (int base = 0; base < q1; base += k1) {
            for (int a = 0; a < k1; a++) {
                for (int b = 0; b < k1; b++) {
                    block[a][b] = c.data[(base + a) * q + base + b];
                }
            }
            double[][] inv;
            try {
                inv = k1 == 1 ? new double[][] {{1 / block[0][0]}} : SmallMatrices.inverseSpd(block);
            } catch (RuntimeException e) {
                inv = null;
            }
            if (inv == null || !(block[0][0] > 0)) {
                throw notPositiveDefinite();
            }
            for (int a = 0; a < k1; a++) {
                for (int b = 0; b < k1; b++) {
                    c.data[(base + a) * q + base + b] = inv[a][b];
                }
            }
        }
        if (q2 == 0) {
            return;
        }
        // F = C11^-1 C12 (q1 x q2) with the pattern of C12's rows of each level, block by block
        double[][] f = new double[q1][];
        int[][] pattern = new int[q1 / k1][];
        int[] scratch = new int[q2];
        for (int base = 0, level = 0; base < q1; base += k1, level++) {
            int found = 0;
            for (int col = 0; col < q2; col++) {
                for (int a = 0; a < k1; a++) {
                    if (c.data[(base + a) * q + q1 + col] != 0) {
                        scratch[found++] = col;
                        break;
                    }
                }
            }
            int[] cols = java.util.Arrays.copyOf(scratch, found);
            pattern[level] = cols;
            for (int a = 0; a < k1; a++) {
                double[] fa = new double[found];
                for (int b = 0; b < k1; b++) {
                    double v = c.data[(base + a) * q + base + b];
                    int src = (base + b) * q + q1;
                    for (int e = 0; e < found; e++) {
                        fa[e] += v * c.data[src + cols[e]];
                    }
                }
                f[base + a] = fa;
            }
        }
        // S = C22 - C21 F: sum over the rows of C12 of their outer products with F's rows, on their patterns
        DMatrixRMaj schur = new DMatrixRMaj(q2, q2);
        for (int i = 0; i < q2; i++) {
            System.arraycopy(c.data, (q1 + i) * q + q1, schur.data, i * q2, q2);
        }
        for (int base = 0, level = 0; base < q1; base += k1, level++) {
            int[] cols = pattern[level];
            for (int a = 0; a < k1; a++) {
                double[] fa = f[base + a];
                int src = (base + a) * q + q1;
                for (int x = 0; x < cols.length; x++) {
                    double v = c.data[src + cols[x]];
                    int out = cols[x] * q2;
                    for (int y = 0; y < cols.length; y++) {
                        schur.data[out + cols[y]] -= v * fa[y];
                    }
                }
            }
        }
        DMatrixRMaj schurInv = new DMatrixRMaj(q2, q2);
        if (!CommonOps_DDRM.invertSPD(schur, schurInv)) {
            throw notPositiveDefinite();
        }
        schur = null;
        // C^-1_12 = -F S^-1 (dense q1 x q2), C^-1_22 = S^-1
        double[] g = new double[q1 * q2];
        for (int base = 0, level = 0; base < q1; base += k1, level++) {
            int[] cols = pattern[level];
            for (int a = 0; a < k1; a++) {
                double[] fa = f[base + a];
                int out = (base + a) * q2;
                for (int x = 0; x < cols.length; x++) {
                    double v = fa[x];
                    int src = cols[x] * q2;
                    for (int col = 0; col < q2; col++) {
                        g[out + col] -= v * schurInv.data[src + col];
                    }
                }
            }
        }
        for (int i = 0; i < q2; i++) {
            System.arraycopy(schurInv.data, i * q2, c.data, (q1 + i) * q + q1, q2);
        }
        schurInv = null;
        for (int i = 0; i < q1; i++) {
            System.arraycopy(g, i * q2, c.data, i * q + q1, q2);
            for (int col = 0; col < q2; col++) {
                c.data[(q1 + col) * q + i] = g[i * q2 + col];
            }
        }
        // C^-1_11 = C11^-1 + F S^-1 F' = C11^-1 - G F', with G = C^-1_12 and F's sparse rows
        for (int i = 0; i < q1; i++) {
            int gi = i * q2;
            int out = i * q;
            for (int base = 0, level = 0; base < q1; base += k1, level++) {
                int[] cols = pattern[level];
                for (int a = 0; a < k1; a++) {
                    double[] fa = f[base + a];
                    double sum = 0;
                    for (int x = 0; x < cols.length; x++) {
                        sum += g[gi + cols[x]] * fa[x];
                    }
                    c.data[out + base + a] -= sum;
                }
            }
        }
    }

    private static MixedModelException notPositiveDefinite() {
        return new MixedModelException("Lambda' Z'Z Lambda + I is not positive definite; Kenward-Roger cannot be"
                + " computed for this fit.");
    }

    private static void requireMemory(int q) {
        long bytes = 8L * q * q * DENSE_MATRICES;
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes > available * 0.8) {
            throw new MixedModelException(String.format("Kenward-Roger needs %d dense %d x %d matrices (%.1f GB) for"
                    + " %d random effects, more than the memory available; use satterthwaite degrees of freedom"
                    + " instead.", DENSE_MATRICES, q, q, bytes / 1e9, q));
        }
    }

    /** A = Z'Z in compressed rows, accumulated densely row by row of A (one q-vector of work). */
    private void crossProductOfZ(int q) {
        // rows of Z by column: for each random effect, the rows of Z where it is nonzero
        int[] count = new int[q + 1];
        for (int e = 0; e < zCol.length; e++) {
            count[zCol[e] + 1]++;
        }
        for (int j = 0; j < q; j++) {
            count[j + 1] += count[j];
        }
        int[] byColumn = new int[zCol.length];
        int[] fill = count.clone();
        for (int e = 0; e < zCol.length; e++) {
            byColumn[fill[zCol[e]]++] = e;
        }
        double[] acc = new double[q];
        int[] seen = new int[q];
        java.util.Arrays.fill(seen, -1);
        int[] pattern = new int[q];
        aStart = new int[q + 1];
        int[] cols = new int[Math.max(16, zCol.length)];
        double[] vals = new double[cols.length];
        int nnz = 0;
        for (int j = 0; j < q; j++) {
            int found = 0;
            for (int t = count[j]; t < count[j + 1]; t++) {
                int e = byColumn[t];
                int rowStart = (e / perRow) * perRow;
                double v = zVal[e];
                for (int f = rowStart; f < rowStart + perRow; f++) {
                    int c = zCol[f];
                    if (seen[c] != j) {
                        seen[c] = j;
                        acc[c] = 0;
                        pattern[found++] = c;
                    }
                    acc[c] += v * zVal[f];
                }
            }
            java.util.Arrays.sort(pattern, 0, found);
            if (nnz + found > cols.length) {
                int size = Math.max(cols.length * 2, nnz + found);
                cols = java.util.Arrays.copyOf(cols, size);
                vals = java.util.Arrays.copyOf(vals, size);
            }
            for (int f = 0; f < found; f++) {
                cols[nnz] = pattern[f];
                vals[nnz++] = acc[pattern[f]];
            }
            aStart[j + 1] = nnz;
        }
        aCol = java.util.Arrays.copyOf(cols, nnz);
        aVal = java.util.Arrays.copyOf(vals, nnz);
    }

    /** Rows of a q x q matrix multiplied by Lambda' from the left is Lambda applied to each level's row block. */
    private static void scaleRowsByLambda(DMatrixRMaj a, double[][][] lambda, int[] offset, int[] end,
            List<RandomEffectTerm> terms) {
        int q = a.numCols;
        for (int t = 0; t < terms.size(); t++) {
            int k = terms.get(t).k();
            double[][] lt = lambda[t];
            double[] tmp = new double[k * q];
            for (int base = offset[t]; base < end[t]; base += k) {
                // rows base..base+k-1 become Lambda_t times them
                java.util.Arrays.fill(tmp, 0);
                for (int r = 0; r < k; r++) {
                    for (int c = 0; c <= r; c++) {
                        double l = lt[r][c];
                        if (l == 0) {
                            continue;
                        }
                        int src = (base + c) * q;
                        for (int col = 0; col < q; col++) {
                            tmp[r * q + col] += l * a.data[src + col];
                        }
                    }
                }
                System.arraycopy(tmp, 0, a.data, base * q, k * q);
            }
        }
    }

    /** V^-1 applied to n x p columns: (X - Z (K (Z'X))) / sigma^2. */
    private double[][] applyVInverse(double[][] cols, DMatrixRMaj k, double sigma2) {
        double[][] ztx = zTransposeTimes(cols);
        int q = qTotal;
        double[][] kz = new double[q][pc];
        for (int i = 0; i < q; i++) {
            int base = i * q;
            for (int j = 0; j < q; j++) {
                double v = k.data[base + j];
                if (v == 0) {
                    continue;
                }
                double[] src = ztx[j];
                for (int col = 0; col < pc; col++) {
                    kz[i][col] += v * src[col];
                }
            }
        }
        double[][] out = new double[pc][n];
        for (int i = 0; i < n; i++) {
            for (int col = 0; col < pc; col++) {
                double s = cols[col][i];
                for (int e = i * perRow; e < (i + 1) * perRow; e++) {
                    s -= zVal[e] * kz[zCol[e]][col];
                }
                out[col][i] = s / sigma2;
            }
        }
        return out;
    }

    /** Z' times n x p columns: q rows of p. */
    private double[][] zTransposeTimes(double[][] cols) {
        double[][] out = new double[qTotal][pc];
        for (int i = 0; i < n; i++) {
            for (int e = i * perRow; e < (i + 1) * perRow; e++) {
                double z = zVal[e];
                if (z == 0) {
                    continue;
                }
                double[] target = out[zCol[e]];
                for (int col = 0; col < pc; col++) {
                    target[col] += z * cols[col][i];
                }
            }
        }
        return out;
    }

    /** scale * M' Y for M dense (q rows of p) and Y with null rows for zero. */
    private DMatrixRMaj crossSparse(double[][] m, double[][] yRows, double scale) {
        DMatrixRMaj out = new DMatrixRMaj(pc, pc);
        for (int i = 0; i < yRows.length; i++) {
            double[] yi = yRows[i];
            if (yi == null) {
                continue;
            }
            double[] mi = m[i];
            for (int a = 0; a < pc; a++) {
                for (int b = 0; b < pc; b++) {
                    out.data[a * pc + b] += scale * mi[a] * yi[b];
                }
            }
        }
        return out;
    }

    /** scale * Y' D for Y with null rows for zero and D dense (q rows of p). */
    private DMatrixRMaj crossSparseTransposed(double[][] yRows, double[][] d, double scale) {
        DMatrixRMaj out = new DMatrixRMaj(pc, pc);
        for (int i = 0; i < yRows.length; i++) {
            double[] yi = yRows[i];
            if (yi == null) {
                continue;
            }
            double[] di = d[i];
            for (int a = 0; a < pc; a++) {
                for (int b = 0; b < pc; b++) {
                    out.data[a * pc + b] += scale * yi[a] * di[b];
                }
            }
        }
        return out;
    }

    private static void symmetrize(DMatrixRMaj a) {
        int n = a.numRows;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
                a.data[i * n + j] = v;
                a.data[j * n + i] = v;
            }
        }
    }
}
