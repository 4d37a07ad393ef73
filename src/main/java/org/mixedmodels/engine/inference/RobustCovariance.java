package org.mixedmodels.engine.inference;

import org.mixedmodels.engine.fit.ThetaLayout;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * Cluster-robust (sandwich) covariance of the fixed effects, clustered by subject, as R's clubSandwich computes
 * it for nlme's gls and lme (Pustejovsky and Tipton 2018, J. Bus. Econ. Stat. 36, 672-683):
 * cov = M (sum_j X_j' W_j A_j e_j e_j' A_j' W_j X_j) M with M = (X' W X)^-1, W_j = V_j^-1 at the fitted V,
 * e_j = y_j - X_j beta the marginal residuals, and A_j = I for CR0, or for CR2 (Bell and McCaffrey 2002) the
 * bias-reducing adjustment A_j = R_j' B_j^{-1/2} R_j with V_j = R_j' R_j (Cholesky) and
 * B_j = R_j (V_j - X_j M X_j') R_j', B^{-1/2} from its eigen-decomposition over the eigenvalues above 1e-12 of the
 * largest (clubSandwich's Sym_power). The fitted V is the working model (clubSandwich's default target).
 *
 * <p>The df of l'beta are clubSandwich's Satterthwaite df (coef_test; Bell and McCaffrey 2002, sec. 3; Tipton
 * 2015, Psychol. Methods 20): with E_j = M X_j' W_j A_j, g_j = L_j' E_j' l (V_j = L_j L_j') and
 * h_j = C' X_j' E_j' l (M = C C'), the matrix over clusters P_jk = [j = k] |g_j|^2 - h_j'h_k gives
 * df = (tr P)^2 / sum_jk P_jk^2. Multi-df tests ({@link LinearContrasts}) use the sandwich in the Wald statistic
 * and combine the df of its eigen-contrasts as lmerTest does (not clubSandwich's Hotelling T^2 approximation).
 */
public final class RobustCovariance {
    private final CovarianceType type;
    private final double[][] bread;
    private final double[][] breadFactor;
    private final double[][] covariance;
    /** Per cluster: M X_j' W_j A_j (p x m_j), the matrix that takes the cluster's residuals to its share of beta. */
    private final List<double[][]> estimating = new ArrayList<>();
    /** Per cluster: the Cholesky factor of V_j (lower). */
    private final List<double[][]> chol = new ArrayList<>();
    /** Per cluster: X_j (m_j x p). */
    private final List<double[][]> x = new ArrayList<>();

    /**
     * Whether a model of this formula has the clusters a sandwich needs, checked before any data are read (the CLI
     * up front, the nodes at configure time): the residual term's subject, or else the one grouping factor of all
     * random-effect terms. Throws the message the fit would give otherwise; nothing for the model-based covariance.
     */
    public static void requireClusters(org.mixedmodels.engine.formula.Formula formula, CovarianceType type) {
        if (type == CovarianceType.MODEL || !formula.residualTerms().isEmpty()) {
            return;
        }
        if (formula.randomTerms().isEmpty()) {
            throw noClusters();
        }
        String group = formula.randomTerms().get(0).groupingName();
        for (org.mixedmodels.engine.formula.RandomTerm t : formula.randomTerms()) {
            if (!t.groupingName().equals(group)) {
                throw severalGroupingFactors(type, group, t.groupingName());
            }
        }
    }

    private static MixedModelException noClusters() {
        return new MixedModelException("A robust covariance clusters by subject; the model has neither random effects "
                + "nor a residual covariance term to name the subject.");
    }

    private static MixedModelException severalGroupingFactors(CovarianceType type, String first, String second) {
        return new MixedModelException("The " + type.label() + " covariance clusters by one grouping factor, but the "
                + "random effects are grouped by both '" + first + "' and '" + second + "' (crossed or nested factors);"
                + " choose the model-based covariance, or a model whose random effects share one grouping factor.");
    }

    public RobustCovariance(FitResult fit, CovarianceType type) {
        if (type == CovarianceType.MODEL) {
            throw new IllegalArgumentException("The model-based covariance is the fit's own.");
        }
        this.type = type;
        Design design = fit.design();
        int p = fit.fixedEffects().size();
        double[][] cols = design.fixed().columns();
        double[] y = design.response();
        double[] beta = fit.beta();
        List<int[]> clusters = new ArrayList<>();
        List<double[][]> v = new ArrayList<>();
        marginalCovariances(fit, type, clusters, v);
        int n = clusters.size();
        if (n < 2) {
            throw new MixedModelException("A robust covariance needs at least two subjects; the data have " + n + ".");
        }
        double[][] xtwx = new double[p][p];
        List<double[][]> w = new ArrayList<>();
        List<double[]> residuals = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            int[] rows = clusters.get(j);
            int m = rows.length;
            double[][] l = SmallMatrices.cholesky(v.get(j));
            if (l == null) {
                throw new MixedModelException("The fitted covariance of a subject is not positive definite.");
            }
            double[][] wj = SmallMatrices.inverseFromCholesky(l);
            double[][] xj = new double[m][p];
            double[] e = new double[m];
            for (int r = 0; r < m; r++) {
                e[r] = y[rows[r]];
                for (int c = 0; c < p; c++) {
                    xj[r][c] = cols[c][rows[r]];
                    e[r] -= xj[r][c] * beta[c];
                }
            }
            double[][] wx = SmallMatrices.multiply(wj, xj);
            double[][] xtw = SmallMatrices.transpose(wx);
            double[][] contribution = SmallMatrices.multiply(xtw, xj);
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    xtwx[a][b] += contribution[a][b];
                }
            }
            chol.add(l);
            x.add(xj);
            w.add(wj);
            residuals.add(e);
        }
        bread = SmallMatrices.inverseSpd(xtwx);
        if (bread == null) {
            throw new MixedModelException("X' V^-1 X is not positive definite; the robust covariance is undefined.");
        }
        breadFactor = SmallMatrices.cholesky(bread);
        double[][] meat = new double[p][p];
        for (int j = 0; j < n; j++) {
            double[][] xtw = SmallMatrices.transpose(SmallMatrices.multiply(w.get(j), x.get(j)));
            double[][] est = SmallMatrices.multiply(bread, xtw);
            if (type == CovarianceType.EMPIRICAL_CR2) {
                est = SmallMatrices.multiply(est, adjustment(v.get(j), chol.get(j), x.get(j)));
            }
            estimating.add(est);
            double[] u = SmallMatrices.multiply(est, residuals.get(j));
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    meat[a][b] += u[a] * u[b];
                }
            }
        }
        covariance = meat;
    }

    /** A_j = R' B^{-1/2} R with R = L' (V = R'R) and B = R (V - X M X') R'. */
    private double[][] adjustment(double[][] vj, double[][] l, double[][] xj) {
        int m = vj.length;
        double[][] r = SmallMatrices.transpose(l);
        double[][] xmx = SmallMatrices.multiplyTransposed(SmallMatrices.multiply(xj, bread), xj);
        double[][] inner = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = 0; b < m; b++) {
                inner[a][b] = vj[a][b] - xmx[a][b];
            }
        }
        double[][] b = SmallMatrices.multiply(SmallMatrices.multiply(r, inner), l);
        for (int a = 0; a < m; a++) {
            for (int c = 0; c < a; c++) {
                double s = (b[a][c] + b[c][a]) / 2;
                b[a][c] = s;
                b[c][a] = s;
            }
        }
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(b));
        double[] values = eig.getRealEigenvalues();
        double largest = 0;
        for (double e : values) {
            largest = Math.max(largest, Math.abs(e));
        }
        double[][] power = new double[m][m];
        for (int e = 0; e < m; e++) {
            if (!(values[e] > 1e-12 * largest)) {
                continue;
            }
            double[] vec = eig.getEigenvector(e).toArray();
            double f = 1 / Math.sqrt(values[e]);
            for (int a = 0; a < m; a++) {
                for (int c = 0; c < m; c++) {
                    power[a][c] += f * vec[a] * vec[c];
                }
            }
        }
        return SmallMatrices.multiply(SmallMatrices.multiply(l, power), r);
    }

    /**
     * The subjects' rows and fitted marginal covariances V_j = sigma^2 (Z_j Lambda Lambda' Z_j' + S_j) (absolute):
     * S_j the residual structure over the subject's visits, or I without a residual term, where the subject is the
     * (single) grouping factor of the random effects.
     */
    private static void marginalCovariances(FitResult fit, CovarianceType type, List<int[]> clusters,
            List<double[][]> v) {
        Design design = fit.design();
        List<RandomEffectTerm> terms = design.randomTerms();
        double sigma2 = fit.sigma() * fit.sigma();
        if (fit.residual() != null) {
            ResidualDesign residual = design.residual();
            for (int[] rows : residual.rowsBySubject()) {
                // the subject's group's structure (group-specific parameters) and its rows' varident SD ratios
                double[][] vj = fit.residual().covariance(residual, rows, fit.sigma());
                addRandomEffects(fit, terms, rows, sigma2, vj);
                clusters.add(rows);
                v.add(vj);
            }
            return;
        }
        if (terms.isEmpty()) {
            throw noClusters();
        }
        String group = terms.get(0).groupName();
        for (RandomEffectTerm t : terms) {
            if (!t.groupName().equals(group)) {
                throw severalGroupingFactors(type, group, t.groupName());
            }
        }
        int levels = terms.get(0).levelCount();
        List<List<Integer>> byLevel = new ArrayList<>();
        for (int g = 0; g < levels; g++) {
            byLevel.add(new ArrayList<>());
        }
        for (int i = 0; i < fit.nobs(); i++) {
            byLevel.get(terms.get(0).grouping().code(i)).add(i);
        }
        for (List<Integer> list : byLevel) {
            int[] rows = list.stream().mapToInt(Integer::intValue).toArray();
            int m = rows.length;
            double[][] vj = new double[m][m];
            for (int a = 0; a < m; a++) {
                vj[a][a] = sigma2;
            }
            addRandomEffects(fit, terms, rows, sigma2, vj);
            clusters.add(rows);
            v.add(vj);
        }
    }

    /** Adds sigma^2 Z_t Lambda_t Lambda_t' Z_t' of every random-effect term (all grouped by the subject). */
    private static void addRandomEffects(FitResult fit, List<RandomEffectTerm> terms, int[] rows, double sigma2,
            double[][] vj) {
        int m = rows.length;
        ThetaLayout layout = ThetaLayout.of(terms);
        for (int ti = 0; ti < terms.size(); ti++) {
            RandomEffectTerm t = terms.get(ti);
            int k = t.k();
            double[][] d = layout.termCovariance(fit.theta(), ti);
            double[][] z = t.model().columns();
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    double s = 0;
                    for (int u = 0; u < k; u++) {
                        for (int w = 0; w < k; w++) {
                            s += z[u][rows[a]] * d[u][w] * z[w][rows[b]];
                        }
                    }
                    vj[a][b] += sigma2 * s;
                }
            }
        }
    }

    public CovarianceType type() {
        return type;
    }

    /** The sandwich covariance of beta (p x p). */
    public double[][] covariance() {
        double[][] c = new double[covariance.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = covariance[i].clone();
        }
        return c;
    }

    public int clusters() {
        return estimating.size();
    }

    /** clubSandwich's Satterthwaite df of l'beta (coef_test with {@code test = "Satterthwaite"}). */
    public double df(double[] l) {
        int p = l.length;
        double trace = 0;
        double sumDiagSquares = 0;
        double crossDiag = 0;
        double[][] q = new double[p][p];
        for (int j = 0; j < estimating.size(); j++) {
            double[] lm = new double[estimating.get(j)[0].length];
            double[][] est = estimating.get(j);
            for (int a = 0; a < p; a++) {
                if (l[a] == 0) {
                    continue;
                }
                for (int r = 0; r < lm.length; r++) {
                    lm[r] += l[a] * est[a][r];
                }
            }
            // g_j = l' M X_j' W_j A_j L_j and h_j = C' X_j' (l' M X_j' W_j A_j)'
            double[][] lj = chol.get(j);
            double g2 = 0;
            for (int c = 0; c < lm.length; c++) {
                double s = 0;
                for (int r = c; r < lm.length; r++) {
                    s += lm[r] * lj[r][c];
                }
                g2 += s * s;
            }
            double[] xl = new double[p];
            double[][] xj = x.get(j);
            for (int r = 0; r < lm.length; r++) {
                for (int a = 0; a < p; a++) {
                    xl[a] += xj[r][a] * lm[r];
                }
            }
            double[] h = new double[p];
            for (int c = 0; c < p; c++) {
                double s = 0;
                for (int a = c; a < p; a++) {
                    s += xl[a] * breadFactor[a][c];
                }
                h[c] = s;
            }
            double h2 = SmallMatrices.dot(h, h);
            trace += g2 - h2;
            double pjj = g2 - h2;
            sumDiagSquares += pjj * pjj;
            // sum_{j != k} (h_j'h_k)^2 = ||sum_j h_j h_j'||_F^2 - sum_j |h_j|^4
            crossDiag += h2 * h2;
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    q[a][b] += h[a] * h[b];
                }
            }
        }
        double frobenius = 0;
        for (double[] row : q) {
            for (double e : row) {
                frobenius += e * e;
            }
        }
        double sumSquares = sumDiagSquares + frobenius - crossDiag;
        return trace * trace / sumSquares;
    }

    /**
     * clubSandwich's HTZ test of C beta = 0 (Wald_test with {@code test = "HTZ"}; Tipton and Pustejovsky 2015, J.
     * Educ. Behav. Stat. 40, sec. 3.2, Hotelling's T^2 with Zhang's degrees of freedom): the Wald statistic Q with
     * this sandwich, F = (nu - q + 1) / (nu q) Q on q and nu - q + 1 df, where nu = q (q + 1) / sum_st Var(d_st) and
     * Var(d) the variance of the standardised sandwich Omega^-1/2 C V^R C' Omega^-1/2 under the working model.
     * With g_sj = L_j' (c_s' E_j)' and h_sj = M^1/2' X_j' (c_s' E_j)' (E_j the cluster's estimating matrix, L_j the
     * Cholesky factor of V_j, M = (X' W X)^-1), the working-model covariances P_st,jk = [j = k] g_sj'g_tj -
     * h_sj'h_tk give Omega_st = sum_j P_st,jj, and after rotating g and h by Omega^-1/2 the sums over cluster pairs
     * sum_jk B_ab,jk B_cd,jk = sum_j D_ab(j) D_cd(j) - sum_j D_ab(j) h_cj'h_dj - sum_j D_cd(j) h_aj'h_bj
     * + tr(N_ca N_bd), with D_ab(j) = g_aj'g_bj and N_ab = sum_j h_aj h_bj', are formed without the J x J arrays.
     * With one row it is the t test with clubSandwich's Satterthwaite df ({@link #df}).
     */
    public ContrastTest htzTest(double[][] contrast, double[] beta) {
        int q = contrast.length;
        int p = beta.length;
        int clusters = estimating.size();
        double[][][] g = new double[clusters][q][];
        double[][][] h = new double[clusters][q][];
        for (int j = 0; j < clusters; j++) {
            double[][] est = estimating.get(j);
            int m = est[0].length;
            double[][] lj = chol.get(j);
            double[][] xj = x.get(j);
            for (int sRow = 0; sRow < q; sRow++) {
                double[] lm = new double[m];
                for (int a = 0; a < p; a++) {
                    if (contrast[sRow][a] != 0) {
                        for (int r = 0; r < m; r++) {
                            lm[r] += contrast[sRow][a] * est[a][r];
                        }
                    }
                }
                double[] gj = new double[m];
                for (int c = 0; c < m; c++) {
                    for (int r = c; r < m; r++) {
                        gj[c] += lm[r] * lj[r][c];
                    }
                }
                double[] xl = new double[p];
                for (int r = 0; r < m; r++) {
                    for (int a = 0; a < p; a++) {
                        xl[a] += xj[r][a] * lm[r];
                    }
                }
                double[] hj = new double[p];
                for (int c = 0; c < p; c++) {
                    for (int a = c; a < p; a++) {
                        hj[c] += xl[a] * breadFactor[a][c];
                    }
                }
                g[j][sRow] = gj;
                h[j][sRow] = hj;
            }
        }
        double[][] omega = new double[q][q];
        for (int j = 0; j < clusters; j++) {
            for (int a = 0; a < q; a++) {
                for (int b = 0; b < q; b++) {
                    omega[a][b] += SmallMatrices.dot(g[j][a], g[j][b]) - SmallMatrices.dot(h[j][a], h[j][b]);
                }
            }
        }
        double[][] root = inverseSquareRoot(omega);
        // rotate: g~_sj = sum_a (Omega^-1/2)_sa g_aj, likewise h
        for (int j = 0; j < clusters; j++) {
            g[j] = rotate(root, g[j]);
            h[j] = rotate(root, h[j]);
        }
        double[][][] d = new double[clusters][q][q];
        double[][][] hh = new double[clusters][q][q];
        double[][][][] nSum = new double[q][q][p][p];
        for (int j = 0; j < clusters; j++) {
            for (int a = 0; a < q; a++) {
                for (int b = 0; b < q; b++) {
                    d[j][a][b] = SmallMatrices.dot(g[j][a], g[j][b]);
                    hh[j][a][b] = SmallMatrices.dot(h[j][a], h[j][b]);
                    for (int u = 0; u < p; u++) {
                        for (int v = 0; v < p; v++) {
                            nSum[a][b][u][v] += h[j][a][u] * h[j][b][v];
                        }
                    }
                }
            }
        }
        double total = 0;
        for (int sRow = 0; sRow < q; sRow++) {
            for (int t = 0; t < q; t++) {
                // Var(d_st) = sum_jk B_st,jk B_ts,jk + sum_jk B_ss,jk B_tt,jk (clubSandwich's total_variance_mat)
                total += pairSum(d, hh, nSum, sRow, t, t, sRow) + pairSum(d, hh, nSum, sRow, sRow, t, t);
            }
        }
        double nu = q * (q + 1) / total;
        double wald = waldStatistic(contrast, beta);
        double denDf = nu - q + 1;
        double delta = Math.max(denDf / nu, 0);
        double f = delta * wald / q;
        double pValue = denDf > 0 ? Satterthwaite.upperTailF(f, q, denDf) : Double.NaN;
        return new ContrastTest(f, q, denDf, pValue);
    }

    /** sum over cluster pairs of B_ab,jk B_cd,jk (see {@link #htzTest}). */
    private static double pairSum(double[][][] d, double[][][] hh, double[][][][] nSum, int a, int b, int c, int e) {
        double s = 0;
        for (int j = 0; j < d.length; j++) {
            s += d[j][a][b] * d[j][c][e] - d[j][a][b] * hh[j][c][e] - d[j][c][e] * hh[j][a][b];
        }
        double[][] n1 = nSum[c][a];
        double[][] n2 = nSum[b][e];
        for (int u = 0; u < n1.length; u++) {
            for (int v = 0; v < n1.length; v++) {
                s += n1[u][v] * n2[v][u];
            }
        }
        return s;
    }

    private static double[][] rotate(double[][] root, double[][] vectors) {
        int q = root.length;
        double[][] out = new double[q][vectors[0].length];
        for (int sRow = 0; sRow < q; sRow++) {
            for (int a = 0; a < q; a++) {
                for (int r = 0; r < out[sRow].length; r++) {
                    out[sRow][r] += root[sRow][a] * vectors[a][r];
                }
            }
        }
        return out;
    }

    /** (C beta)' (C V^R C')^-1 (C beta). */
    private double waldStatistic(double[][] contrast, double[] beta) {
        int q = contrast.length;
        double[] cb = SmallMatrices.multiply(contrast, beta);
        double[][] ccov = SmallMatrices.multiplyTransposed(SmallMatrices.multiply(contrast, covariance), contrast);
        double[] solved = SmallMatrices.solveSpd(ccov, cb);
        if (solved == null) {
            throw new MixedModelException("The contrasts' robust covariance C V C' is singular; the " + q
                    + "-df test is undefined (are the contrasts linearly dependent?).");
        }
        return SmallMatrices.dot(cb, solved);
    }

    /** A symmetric positive definite matrix to the power -1/2, by its eigen-decomposition. */
    private static double[][] inverseSquareRoot(double[][] a) {
        int q = a.length;
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(a));
        double[][] out = new double[q][q];
        for (int e = 0; e < q; e++) {
            double value = eig.getRealEigenvalue(e);
            if (!(value > 0)) {
                throw new MixedModelException("The contrasts' working-model covariance is not positive definite; the "
                        + q + "-df HTZ test is undefined (are the contrasts linearly dependent?).");
            }
            double[] vec = eig.getEigenvector(e).toArray();
            for (int r = 0; r < q; r++) {
                for (int c = 0; c < q; c++) {
                    out[r][c] += vec[r] * vec[c] / Math.sqrt(value);
                }
            }
        }
        return out;
    }
}
