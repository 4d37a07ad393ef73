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
 * (Henderson and Searle 1981, SIAM Review 23: 53-60; C is lme4's L L', Bates et al. 2015, J. Stat. Softw. 67(1),
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
 * J. Stat. Softw. 59(9), section 4; V is linear in these parameters, so R_rs = 0 and KR-linear is KR).
 *
 * <p>Where a term's variances are large against sigma^2, W is tiny against A and A - A K A cancels (about
 * log10(theta^4 n^2) digits). Such terms (Lambda_t invertible, every diagonal element at least 1) are worked in
 * Lambda's coordinates, E_r = S F_r S' with S = Lambda_t on their random effects (I elsewhere): then
 * S'WS = (I - C^-1) / sigma^2 on them, Lambda'W = C^-1 Lambda' A / sigma^2 across, S'Z'V^-1 X = C^-1 Lambda' Z'X /
 * sigma^2 and S^-1 (I - K A) S = C^-1 on them (from C^-1 (C - I) = I - C^-1), none a difference of near-equal terms;
 * the formulas above hold with M, N, W, E_r replaced by S'M, S'N, S'WS, F_r.
 *
 * <p>Memory: the rows enter through Z (sum of k per row), X and n x p columns; the random effects through at most
 * two dense q x q matrices at once (C^-1, which C^-1 Lambda' A and then H overwrite on the columns where they are
 * read, and S'WS), so memory is linear in the rows and quadratic in the random effects; C^-1 is formed by blocks
 * (the largest term's block of C is block diagonal), time O(q2^3 + q nnz(A) + q^2 p m) for m generators and q2
 * random effects outside the largest term.
 */
final class WoodburyKenwardRoger {
    /** P_r (p x p), Q_rs for r &lt;= s, tr(V^-1 G_r V^-1 G_s) for r &lt;= s: the generators, then the residual. */
    final DMatrixRMaj[] pr;
    final DMatrixRMaj[][] qrs;
    final double[][] traces;

    /**
     * Dense q x q matrices held at once at the peak: C^-1 (later sharing its place with C^-1 Lambda' A, then H) and
     * S'WS.
     */
    static final int DENSE_MATRICES = 2;

    /** How many dense q x q matrices this computation allocated (all live at once at the peak); for the tests. */
    int denseSquareMatrices;

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
        this(fit, InferenceMonitor.NONE);
    }

    /** Tells {@code monitor} of each step: the inversion of C, X1, then per parameter the traces and the Q_rs. */
    WoodburyKenwardRoger(FitResult fit, InferenceMonitor monitor) {
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
        DMatrixRMaj c = denseSquare(q);
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
        int steps = 2 + 2 * terms.stream().mapToInt(RandomEffectTerm::thetaCount).sum();
        monitor.step(InferenceMonitor.KENWARD_ROGER, "step", 1, steps);
        DMatrixRMaj ci = c;
        invertByFirstBlock(ci, size(terms.get(first)), terms.get(first).k());
        c = null;

        // Which terms are worked in Lambda's coordinates (S_t = Lambda_t) rather than Z's (S_t = I): those whose
        // Lambda_t is invertible with every diagonal element at least 1 (variances at least sigma^2). There W = Z'V^-1 Z
        // is small against A = Z'Z, and A - A K A would lose about log10(theta^4 n^2) digits to cancellation, while
        // S'WS = (I - C^-1) / sigma^2 and Lambda' W = C^-1 Lambda' A / sigma^2 need no subtraction of near-equal terms.
        boolean[] scaled = new boolean[terms.size()];
        boolean[] scaledRow = new boolean[q];
        double[][][] lambdaInverse = new double[terms.size()][][];
        for (int t = 0; t < terms.size(); t++) {
            int k = terms.get(t).k();
            boolean ok = true;
            for (int a = 0; a < k; a++) {
                ok &= lambda[t][a][a] >= 1;
            }
            scaled[t] = ok;
            if (ok) {
                lambdaInverse[t] = SmallMatrices.lowerInverse(lambda[t]);
                for (int j = offset[t]; j < end[t]; j++) {
                    scaledRow[j] = true;
                }
            }
        }

        // T = V^-1 X, M~ = S'Z'V^-1 X; U = V^-1 T, N~ = S'Z'V^-1 T = S'Z'V^-2 X (n x p and q x p)
        double[][] m = new double[q][];
        double[][] tCols = applyVInverse(xCols, ci, lambda, offset, end, terms, scaledRow, sigma2, m);
        double[][] nMat = new double[q][];
        double[][] uCols = applyVInverse(tCols, ci, lambda, offset, end, terms, scaledRow, sigma2, nMat);

        // X1 = C^-1 Lambda' A (dense x sparse: Lambda' A has A's pattern). What follows reads C^-1 only on the columns
        // of the terms in Lambda's coordinates (S'WS_ss = I - C^-1_ss, H_ss, H_us = (Lambda C^-1)_us) and X1 only on
        // the others' (S'WS_su = X1_su, the uu block from (A Lambda X1)_uu, H_su, H_uu): so X1 goes into C^-1's place
        // on those columns, row by row (row i of X1 needs only row i of C^-1), and one dense q x q matrix holds
        // both: shared[:, s] = C^-1[:, s], shared[:, u] = X1[:, u].
        monitor.step(InferenceMonitor.KENWARD_ROGER, "step", 2, steps);
        double[] laVal = lambdaTransposeTimesA(lambda, termOf, offset, terms);
        DMatrixRMaj shared = ci;
        ci = null;
        double[] x1Row = new double[q];
        for (int i = 0; i < q; i++) {
            int base = i * q;
            java.util.Arrays.fill(x1Row, 0);
            for (int j = 0; j < q; j++) {
                double v = shared.data[base + j];
                if (v == 0) {
                    continue;
                }
                for (int e = aStart[j]; e < aStart[j + 1]; e++) {
                    x1Row[aCol[e]] += v * laVal[e];
                }
            }
            for (int j = 0; j < q; j++) {
                if (!scaledRow[j]) {
                    shared.data[base + j] = x1Row[j];
                }
            }
        }
        x1Row = null;
        // sigma^2 S'WS: ss = I - C^-1, su = X1_su, us = its transpose, uu = A_uu - (A Lambda X1)_uu
        DMatrixRMaj w = denseSquare(q);
        for (int i = 0; i < q; i++) {
            int base = i * q;
            if (scaledRow[i]) {
                for (int j = 0; j < q; j++) {
                    w.data[base + j] = scaledRow[j] ? (i == j ? 1 : 0) - shared.data[base + j] : shared.data[base + j];
                }
            } else {
                for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                    if (!scaledRow[aCol[e]]) {
                        w.data[base + aCol[e]] += aVal[e];
                    }
                }
                // (A Lambda X1)[i, u] = sum_j (Lambda' A)[j, i] X1[j, u], Lambda' A has A's (symmetric) pattern
                for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                    int j = aCol[e];
                    double v = laTransposedAt(laVal, i, j);
                    if (v == 0) {
                        continue;
                    }
                    int src = j * q;
                    for (int col = 0; col < q; col++) {
                        if (!scaledRow[col]) {
                            w.data[base + col] -= v * shared.data[src + col];
                        }
                    }
                }
                for (int j = 0; j < q; j++) {
                    if (scaledRow[j]) {
                        w.data[base + j] = shared.data[j * q + i];
                    }
                }
            }
        }
        symmetrize(w);
        // H = S^-1 (I - K A) S in shared's place: ss = C^-1_ss, su = -X1_su, us = (Lambda C^-1)_us, uu = I - (Lambda X1)_uu;
        // Lambda times shared's rows of the terms in Z's coordinates gives both of the latter
        scaleRowsByLambda(shared, lambda, offset, end, terms, scaled, false);
        DMatrixRMaj h = shared;
        shared = null;
        for (int i = 0; i < q; i++) {
            int base = i * q;
            for (int j = 0; j < q; j++) {
                if (scaledRow[i]) {
                    if (!scaledRow[j]) {
                        h.data[base + j] = -h.data[base + j];
                    }
                } else if (!scaledRow[j]) {
                    h.data[base + j] = (i == j ? 1 : 0) - h.data[base + j];
                }
            }
        }

        // the generators' F_r = S^-1 E_r S^-T as entry lists (i, j, value), in KenwardRoger's order: per term,
        // (a, b), a >= b, column-major; the residual variance last. E_r has the (a, b) and (b, a) entries of every
        // level's k x k block; in Lambda's coordinates the block is Lambda_t^-1 (e_a e_b' + e_b e_a') Lambda_t^-T.
        int generators = 0;
        for (RandomEffectTerm term : terms) {
            generators += term.thetaCount();
        }
        int mAll = generators + 1;
        int[][] ei = new int[generators][];
        int[][] ej = new int[generators][];
        double[][] ev = new double[generators][];
        int g = 0;
        for (int t = 0; t < terms.size(); t++) {
            RandomEffectTerm term = terms.get(t);
            int k = term.k();
            int levels = term.levelCount();
            for (int b = 0; b < k; b++) {
                for (int a = b; a < k; a++) {
                    double[][] block = new double[k][k];
                    block[a][b] = 1;
                    block[b][a] = 1;
                    if (scaled[t]) {
                        block = SmallMatrices.multiplyTransposed(SmallMatrices.multiply(lambdaInverse[t], block),
                                lambdaInverse[t]);
                    }
                    int perLevel = 0;
                    for (double[] rowOf : block) {
                        for (double v : rowOf) {
                            perLevel += v != 0 ? 1 : 0;
                        }
                    }
                    ei[g] = new int[perLevel * levels];
                    ej[g] = new int[perLevel * levels];
                    ev[g] = new double[perLevel * levels];
                    int f = 0;
                    for (int l = 0; l < levels; l++) {
                        int base = offset[t] + l * k;
                        for (int x = 0; x < k; x++) {
                            for (int y = 0; y < k; y++) {
                                if (block[x][y] != 0) {
                                    ei[g][f] = base + x;
                                    ej[g][f] = base + y;
                                    ev[g][f++] = block[x][y];
                                }
                            }
                        }
                    }
                    g++;
                }
            }
        }

        traces = new double[mAll][mAll];
        double s4 = sigma2 * sigma2;
        // tr(E_r W E_s W) = tr(F_r W~ F_s W~) = sum over entries (i, j) of F_r and (k, l) of F_s of
        // F_r[i, j] F_s[k, l] W~[j, k] W~[l, i]; w holds sigma^2 W~
        for (int r = 0; r < generators; r++) {
            monitor.step(InferenceMonitor.KENWARD_ROGER, "step", 3 + r, steps);
            for (int s = r; s < generators; s++) {
                double sum = 0;
                for (int x = 0; x < ei[r].length; x++) {
                    int iRow = ei[r][x] * q;
                    int jRow = ej[r][x] * q;
                    double part = 0;
                    for (int y = 0; y < ei[s].length; y++) {
                        part += ev[s][y] * w.data[jRow + ei[s][y]] * w.data[iRow + ej[s][y]];
                    }
                    sum += ev[r][x] * part;
                }
                traces[r][s] = sum / s4;
            }
        }
        // tr(V^-2) = (n - 2 tr(K A) + tr(K A K A)) / sigma^4 = (n - q + tr(H^2)) / sigma^4
        double trH2 = 0;
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < q; j++) {
                trH2 += h.data[i * q + j] * h.data[j * q + i];
            }
        }
        traces[generators][generators] = (n - q + trH2) / s4;
        CommonOps_DDRM.transpose(h); // its columns as rows, for the products below
        // tr(E_r Z'V^-2 Z) = tr(F_r S'Z'V^-2 Z S), S'Z'V^-2 Z S = W~ H / sigma^2: entry [j, i] = row j of w, column i of h
        for (int r = 0; r < generators; r++) {
            double sum = 0;
            for (int x = 0; x < ei[r].length; x++) {
                int i = ei[r][x];
                int wRow = ej[r][x] * q;
                double dot = 0;
                int hRow = i * q;
                for (int k = 0; k < q; k++) {
                    dot += w.data[wRow + k] * h.data[hRow + k];
                }
                sum += ev[r][x] * dot;
            }
            traces[r][generators] = sum / s4;
        }
        h = null;

        // P and Q
        DMatrixRMaj[] p = new DMatrixRMaj[mAll];
        DMatrixRMaj[][] qm = new DMatrixRMaj[mAll][mAll];
        pr = p;
        qrs = qm;
        double[][][] y = new double[generators][][];
        for (int r = 0; r < generators; r++) {
            // Y_r = F_r M~, nonzero in the rows of F_r's entries
            double[][] yr = new double[q][];
            for (int x = 0; x < ei[r].length; x++) {
                int i = ei[r][x];
                if (yr[i] == null) {
                    yr[i] = new double[pc];
                }
                double[] mj = m[ej[r][x]];
                double v = ev[r][x];
                for (int col = 0; col < pc; col++) {
                    yr[i][col] += v * mj[col];
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
            monitor.step(InferenceMonitor.KENWARD_ROGER, "step", 3 + generators + s, steps);
            // W~ Y_s (q x p, dense), W~ symmetric: sum over the rows i of Y_s of W~[i, :]' Y_s[i, :]
            double[][] wy = new double[q][pc];
            for (int i = 0; i < q; i++) {
                double[] ys = y[s][i];
                if (ys == null) {
                    continue;
                }
                int base = i * q;
                for (int k = 0; k < q; k++) {
                    double wv = w.data[base + k] / sigma2;
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

    /** A dense q x q matrix, counted (every allocation of that size goes through here). */
    private DMatrixRMaj denseSquare(int q) {
        denseSquareMatrices++;
        return new DMatrixRMaj(q, q);
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

    /** Lambda times a q x q matrix, in place, on the row blocks of the terms with {@code scaled[t] == which}. */
    private static void scaleRowsByLambda(DMatrixRMaj a, double[][][] lambda, int[] offset, int[] end,
            List<RandomEffectTerm> terms, boolean[] scaled, boolean which) {
        int q = a.numCols;
        for (int t = 0; t < terms.size(); t++) {
            if (scaled[t] != which) {
                continue;
            }
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

    /** Lambda (or Lambda', {@code transpose}) times q rows of p, block by block. */
    private static double[][] lambdaTimes(double[][] v, double[][][] lambda, int[] offset, int[] end,
            List<RandomEffectTerm> terms, boolean transpose) {
        int width = v.length == 0 ? 0 : v[0].length;
        double[][] out = new double[v.length][width];
        for (int t = 0; t < terms.size(); t++) {
            int k = terms.get(t).k();
            double[][] lt = lambda[t];
            for (int base = offset[t]; base < end[t]; base += k) {
                for (int r = 0; r < k; r++) {
                    for (int c = 0; c < k; c++) {
                        double l = transpose ? lt[c][r] : lt[r][c];
                        if (l == 0) {
                            continue;
                        }
                        for (int col = 0; col < width; col++) {
                            out[base + r][col] += l * v[base + c][col];
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * V^-1 applied to n x p columns Y, (Y - Z K Z'Y) / sigma^2 with K Z'Y = Lambda C^-1 Lambda' Z'Y; fills
     * {@code tilde} with S'Z'V^-1 Y: C^-1 Lambda' Z'Y / sigma^2 in the rows of the terms in Lambda's coordinates
     * (no subtraction), (Z'Y - A K Z'Y) / sigma^2 in the others.
     */
    private double[][] applyVInverse(double[][] cols, DMatrixRMaj ci, double[][][] lambda, int[] offset, int[] end,
            List<RandomEffectTerm> terms, boolean[] scaledRow, double sigma2, double[][] tilde) {
        double[][] zy = zTransposeTimes(cols);
        double[][] g = lambdaTimes(zy, lambda, offset, end, terms, true);
        int q = qTotal;
        double[][] hv = new double[q][pc];
        for (int i = 0; i < q; i++) {
            int base = i * q;
            for (int j = 0; j < q; j++) {
                double v = ci.data[base + j];
                if (v == 0) {
                    continue;
                }
                double[] src = g[j];
                for (int col = 0; col < pc; col++) {
                    hv[i][col] += v * src[col];
                }
            }
        }
        double[][] kz = lambdaTimes(hv, lambda, offset, end, terms, false);
        for (int i = 0; i < q; i++) {
            double[] out = new double[pc];
            if (scaledRow[i]) {
                for (int col = 0; col < pc; col++) {
                    out[col] = hv[i][col] / sigma2;
                }
            } else {
                for (int col = 0; col < pc; col++) {
                    double s = zy[i][col];
                    for (int e = aStart[i]; e < aStart[i + 1]; e++) {
                        s -= aVal[e] * kz[aCol[e]][col];
                    }
                    out[col] = s / sigma2;
                }
            }
            tilde[i] = out;
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

    /**
     * The values of Lambda' A on A's pattern: the rows of one level's k x k block share their pattern (A's rows of
     * a level's random effects come from the same rows of Z), so (Lambda' A)[i, :] mixes rows of equal pattern.
     */
    private double[] lambdaTransposeTimesA(double[][][] lambda, int[] termOf, int[] offset,
            List<RandomEffectTerm> terms) {
        double[] out = new double[aVal.length];
        for (int i = 0; i < qTotal; i++) {
            int t = termOf[i];
            int k = terms.get(t).k();
            int li = (i - offset[t]) % k;
            int bi = i - li;
            int len = aStart[i + 1] - aStart[i];
            for (int r = li; r < k; r++) {
                double l = lambda[t][r][li];
                if (l == 0) {
                    continue;
                }
                int src = aStart[bi + r];
                if (aStart[bi + r + 1] - src != len) {
                    throw new IllegalStateException("rows of one level's random effects differ in pattern");
                }
                for (int e = 0; e < len; e++) {
                    out[aStart[i] + e] += l * aVal[src + e];
                }
            }
        }
        return out;
    }

    /** (Lambda' A)[j, i], from its values on A's (symmetric) pattern. */
    private double laTransposedAt(double[] laVal, int i, int j) {
        int e = java.util.Arrays.binarySearch(aCol, aStart[j], aStart[j + 1], i);
        return e < 0 ? 0 : laVal[e];
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

    /** scale * Y' D for Y with null rows for zero and D dense (q rows of p): the transpose of scale * D' Y. */
    private DMatrixRMaj crossSparseTransposed(double[][] yRows, double[][] d, double scale) {
        DMatrixRMaj out = crossSparse(d, yRows, scale);
        CommonOps_DDRM.transpose(out);
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
