package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.design.VisitPatterns;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * Linear mixed models with correlated residuals within subject (nlme's {@code lme}/{@code gls} with a
 * correlation structure, R's mmrm): y_i ~ N(X_i beta, sigma^2 (Z_i Lambda Lambda' Z_i' + S_i(a))) for each
 * subject i, independent between subjects. The random effects must be grouped by the residual term's
 * subject (then each subject is one block). Sigma^2 and beta are profiled out as in Pinheiro and Bates
 * (2000, Mixed-Effects Models in S and S-PLUS, sec. 2.2 and 5.1): each subject's rows are whitened by the
 * Cholesky factor of its relative covariance, so the cost is linear in the number of subjects, and
 * subjects with missing visits use the visits they have.
 */
public final class ResidualCovarianceModel implements MultivariateFunction {
    /** A Cholesky pivot at or below this fraction of its diagonal element counts as not positive definite. */
    static final double PIVOT_TOLERANCE = 1e-12;
    private final Design design;
    private final boolean reml;
    private final ResidualDesign residual;
    private final ResidualStructure structure;
    private final ResidualLayout layout;
    private final List<RandomEffectTerm> terms;
    private final int[][] rowsBySubject;
    /** Where the random effects' thetas sit in the parameters (before the structure's own). */
    private final ThetaLayout thetaLayout;
    private final int thetaCount;
    private final int q;
    private final int p;
    private final int n;
    /** Sufficient statistics per visit pattern, when no random effects make subjects differ (else null). */
    private final List<Pattern> patterns;
    private final SparseRows sparse;

    /**
     * Subjects observed at the same visits share S_i, so sum_i X_i' S^-1 X_i = sum_jk (S^-1)_jk C_jk with
     * C_jk = sum_i x_ij x_ik' formed once: an evaluation then costs O(visits^2) times the nonzeros of C_jk per
     * pattern, not per subject (the nonzeros are few where the columns are factors by visit).
     */
    private record Pattern(int[] position, int[] stratum, int group, int count, int[][] xxIndex, double[][] xxValue,
            int[][] xyIndex, double[][] xyValue, double[][] cyy, double[][] z) {
    }

    /** Whether the fit reads statistics by visit pattern ({@link VisitPatterns}) rather than rows. */
    private final boolean fromStatistics;
    /** The number of subjects. */
    private final int subjects;

    /** What one evaluation yields, kept for assembling results at the optimum. */
    record Evaluation(double objective, double[] beta, double sigma2, double[][] xtvx, double logDet,
            double logDetXtvx, List<double[][]> weights) {
    }

    public ResidualCovarianceModel(Design design, boolean reml) {
        this.design = design;
        this.reml = reml;
        this.residual = design.residual();
        if (residual == null) {
            throw new IllegalArgumentException("The design has no residual covariance term.");
        }
        this.terms = design.randomTerms();
        for (RandomEffectTerm t : terms) {
            if (!t.groupName().equals(residual.subject().name())) {
                throw new MixedModelException("The random effects of '" + t.groupName() + "' are not grouped by the "
                        + "residual term's subject '" + residual.subject().name() + "'. With a residual covariance "
                        + "term, random effects must be grouped by its subject, e.g. (1 | " + residual.subject().name()
                        + ") + " + residual.structure() + "(" + residual.timeName() + " | "
                        + residual.subject().name() + ").");
            }
        }
        this.structure = new ResidualStructure(residual.structure(), residual.visits().size());
        this.layout = new ResidualLayout(structure, residual.groupCount(), residual.strataCount());
        this.rowsBySubject = residual.rowsBySubject();
        this.thetaLayout = ThetaLayout.of(terms);
        this.thetaCount = thetaLayout.size();
        this.q = thetaLayout.columns();
        this.p = design.fixed().columnCount();
        VisitPatterns stats = design.visitPatterns();
        this.fromStatistics = stats != null;
        this.n = fromStatistics ? (int) stats.rows() : design.response().length;
        this.sparse = SparseRows.of(design.fixed().columns(), design.response().length);
        if (fromStatistics) {
            if (stats.fixedCount() != p || stats.randomCount() != q) {
                throw new IllegalArgumentException("The visit-pattern statistics do not match the design's columns.");
            }
            this.patterns = patterns(stats);
            this.subjects = (int) stats.subjects();
        } else {
            this.patterns = q == 0 && !ResidualStructure.isContinuousTime(residual.structure()) ? patterns() : null;
            this.subjects = rowsBySubject.length;
        }
        if (residual.structure().equals("us") && subjects <= residual.visits().size()) {
            throw new MixedModelException("An unstructured covariance over " + residual.visits().size() + " visits needs "
                    + "more subjects than visits; the data have " + subjects + ".");
        }
    }

    public ResidualStructure structure() {
        return structure;
    }

    /** The residual term's parameters (all groups' and the variance ratios), after the thetas. */
    int structureParameterCount() {
        return layout.parameterCount();
    }

    /** Random-effect thetas (lme4's layout) followed by the residual structure's parameters. */
    public int parameterCount() {
        return thetaCount + layout.parameterCount();
    }

    /**
     * Starting values: thetas 1 (as lme4) and the residual structure at independence, except for an unstructured
     * matrix, which starts at the (pairwise) covariance of the least-squares residuals by visit: with its
     * t (t + 1) / 2 - 1 parameters a start near the optimum saves most of the optimizer's evaluations.
     */
    public double[] initial() {
        double[] x = java.util.Arrays.copyOf(thetaLayout.initial(), parameterCount());
        if (residual.structure().equals("us") && q == 0) {
            double[] start = fromStatistics ? unstructuredStartFromPatterns() : unstructuredStart();
            if (start != null) {
                for (int g = 0; g < residual.groupCount(); g++) {
                    System.arraycopy(start, 0, x, thetaCount + groupOffset(g), start.length);
                }
            }
        }
        return x;
    }

    /** The unstructured structure's parameters of the residuals' empirical covariance, or null if unusable. */
    private double[] unstructuredStart() {
        double[][] cols = design.fixed().columns();
        double[] y = design.response();
        double[][] xtx = new double[p][p];
        double[] xty = new double[p];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < p; a++) {
                xty[a] += cols[a][i] * y[i];
                for (int b = 0; b < p; b++) {
                    xtx[a][b] += cols[a][i] * cols[b][i];
                }
            }
        }
        double[] beta = p == 0 ? new double[0] : SmallMatrices.solveSpd(xtx, xty);
        if (beta == null) {
            return null;
        }
        int t = residual.visits().size();
        double[][] sum = new double[t][t];
        long[][] count = new long[t][t];
        double[] res = y.clone();
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < p; a++) {
                res[i] -= cols[a][i] * beta[a];
            }
        }
        for (int[] rows : rowsBySubject) {
            for (int j : rows) {
                for (int k : rows) {
                    sum[residual.position()[j]][residual.position()[k]] += res[j] * res[k];
                    count[residual.position()[j]][residual.position()[k]]++;
                }
            }
        }
        return unstructuredParameters(sum, count);
    }

    /**
     * {@link #unstructuredStart} from the per-pattern sums: least squares from the sums of the visits' own blocks,
     * then per visit pair the summed residual products r_j r_k = y_j y_k - b'x_j y_k - b'x_k y_j + b'x_j x_k' b.
     */
    private double[] unstructuredStartFromPatterns() {
        double[][] xtx = new double[p][p];
        double[] xty = new double[p];
        for (Pattern pat : patterns) {
            int m = pat.position().length;
            for (int j = 0; j < m; j++) {
                int jj = j * m + j;
                for (int u = 0; u < pat.xxIndex()[jj].length; u++) {
                    int idx = pat.xxIndex()[jj][u];
                    xtx[idx / p][idx % p] += pat.xxValue()[jj][u];
                }
                for (int u = 0; u < pat.xyIndex()[jj].length; u++) {
                    xty[pat.xyIndex()[jj][u]] += pat.xyValue()[jj][u];
                }
            }
        }
        double[] beta = p == 0 ? new double[0] : SmallMatrices.solveSpd(xtx, xty);
        if (beta == null) {
            return null;
        }
        int t = residual.visits().size();
        double[][] sum = new double[t][t];
        long[][] count = new long[t][t];
        for (Pattern pat : patterns) {
            double[][] rr = residualProducts(pat, beta);
            int m = pat.position().length;
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    sum[pat.position()[j]][pat.position()[k]] += rr[j][k];
                    count[pat.position()[j]][pat.position()[k]] += pat.count();
                }
            }
        }
        return unstructuredParameters(sum, count);
    }

    /** Per visit pair (j, k) of a pattern, the sum over its subjects of r_j r_k with r = y - X beta. */
    private double[][] residualProducts(Pattern pat, double[] beta) {
        int m = pat.position().length;
        double[][] rr = new double[m][m];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                int jk = j * m + k;
                int kj = k * m + j;
                double quad = 0;
                for (int u = 0; u < pat.xxIndex()[jk].length; u++) {
                    int idx = pat.xxIndex()[jk][u];
                    quad += beta[idx / p] * beta[idx % p] * pat.xxValue()[jk][u];
                }
                double cross = 0;
                for (int u = 0; u < pat.xyIndex()[jk].length; u++) {
                    cross += beta[pat.xyIndex()[jk][u]] * pat.xyValue()[jk][u];
                }
                for (int u = 0; u < pat.xyIndex()[kj].length; u++) {
                    cross += beta[pat.xyIndex()[kj][u]] * pat.xyValue()[kj][u];
                }
                rr[j][k] = pat.cyy()[j][k] - cross + quad;
            }
        }
        return rr;
    }

    /**
     * The unstructured parameters of pairwise covariances sum / count, or null; the correlations are shrunk until the
     * matrix is positive definite (pairwise covariances need not be).
     */
    private double[] unstructuredParameters(double[][] sum, long[][] count) {
        int t = sum.length;
        double[][] cov = new double[t][t];
        for (int j = 0; j < t; j++) {
            for (int k = 0; k < t; k++) {
                cov[j][k] = count[j][k] > 1 ? sum[j][k] / count[j][k] : 0;
            }
            if (!(cov[j][j] > 0)) {
                return null;
            }
        }
        for (double shrink = 1; shrink > 0.05; shrink *= 0.8) {
            double[][] c = new double[t][t];
            for (int j = 0; j < t; j++) {
                for (int k = 0; k < t; k++) {
                    c[j][k] = j == k ? cov[j][j] : shrink * cov[j][k];
                }
            }
            double[][] l = SmallMatrices.cholesky(c, PIVOT_TOLERANCE);
            if (l != null) {
                double scale = l[0][0];
                double[] a = new double[structure.parameterCount()];
                int at = 0;
                for (int r = 1; r < t; r++) {
                    for (int col = 0; col < r; col++) {
                        a[at++] = l[r][col] / scale;
                    }
                    a[at++] = Math.log(l[r][r] / scale);
                }
                return a;
            }
        }
        return null;
    }

    /**
     * The patterns of statistics aggregated by visit pattern ({@link VisitPatterns}), in the sparse form the
     * evaluation reads: for the visit pair (j, k), the nonzero entries of C_jk = sum_i x_ij x_ik', of sum_i x_ij y_ik,
     * and sum_i y_ij y_ik, read off the pattern's summed outer products.
     */
    private List<Pattern> patterns(VisitPatterns stats) {
        List<Pattern> result = new ArrayList<>();
        int w = p + 1;
        for (VisitPatterns.Pattern vp : stats.patterns()) {
            int[] position = vp.position();
            int m = position.length;
            double[] sums = vp.sums();
            int width = m * w;
            int[][] xxIndex = new int[m * m][];
            double[][] xxValue = new double[m * m][];
            int[][] xyIndex = new int[m * m][];
            double[][] xyValue = new double[m * m][];
            double[][] cyy = new double[m][m];
            int[] idx = new int[p * p];
            double[] val = new double[p * p];
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    int jk = j * m + k;
                    int count = 0;
                    for (int a = 0; a < p; a++) {
                        for (int b = 0; b < p; b++) {
                            double v = sums[(j * w + a) * width + k * w + b];
                            if (v != 0) {
                                idx[count] = a * p + b;
                                val[count++] = v;
                            }
                        }
                    }
                    xxIndex[jk] = java.util.Arrays.copyOf(idx, count);
                    xxValue[jk] = java.util.Arrays.copyOf(val, count);
                    count = 0;
                    for (int a = 0; a < p; a++) {
                        double v = sums[(j * w + a) * width + k * w + p];
                        if (v != 0) {
                            idx[count] = a;
                            val[count++] = v;
                        }
                    }
                    xyIndex[jk] = java.util.Arrays.copyOf(idx, count);
                    xyValue[jk] = java.util.Arrays.copyOf(val, count);
                    cyy[j][k] = sums[(j * w + p) * width + k * w + p];
                }
            }
            if (vp.count() > Integer.MAX_VALUE) {
                throw new MixedModelException("A visit pattern has more than 2^31 subjects; the engine counts fewer.");
            }
            double[] zFlat = vp.z();
            double[][] z = new double[m][q];
            for (int j = 0; j < m; j++) {
                System.arraycopy(zFlat, j * q, z[j], 0, q);
            }
            result.add(new Pattern(position, vp.stratum(), vp.group(), (int) vp.count(), xxIndex, xxValue, xyIndex,
                    xyValue, cyy, z));
        }
        return result;
    }

    /** Diagonal thetas are >= 0; the residual parameters are unconstrained (bounded at +-10 for the search). */
    public double[] lowerBounds() {
        double[] lower = java.util.Arrays.copyOf(thetaLayout.lowerBounds(), parameterCount());
        for (int i = thetaCount; i < lower.length; i++) {
            lower[i] = -10;
        }
        return lower;
    }

    /**
     * -2 log-likelihood (restricted for REML) at the parameters x (thetas, then the residual structure's) and
     * the residual SD sigma, with beta at its generalized least-squares estimate: the function of the variance
     * parameters whose Hessian Satterthwaite's approximation needs (as lmerTest's devfun, with sigma explicit).
     * NaN where a covariance matrix is not positive definite.
     */
    public double deviance(double[] x, double sigma) {
        Evaluation e = evaluate(x);
        if (e == null) {
            return Double.NaN;
        }
        int dof = reml ? n - p : n;
        double sigma2 = sigma * sigma;
        double dev = e.logDet() + e.sigma2() * dof / sigma2 + dof * Math.log(2 * Math.PI * sigma2);
        return reml ? dev + e.logDetXtvx() : dev;
    }

    /** (X' V^-1 X)^-1 with V relative to sigma^2, at the parameters x; cov(beta) is sigma^2 times it. */
    public double[][] unscaledFixedCovariance(double[] x) {
        Evaluation e = evaluate(x);
        if (e == null) {
            throw new MixedModelException("The residual covariance is not positive definite at these parameters.");
        }
        if (p == 0) {
            return new double[0][0];
        }
        // by Cholesky, which unlike LU is not disturbed by columns of X in very different units
        double[][] inverse = SmallMatrices.inverseSpd(e.xtvx());
        if (inverse == null) {
            throw new MixedModelException("X' V^-1 X is not positive definite at these parameters.");
        }
        return inverse;
    }

    @Override
    public double value(double[] x) {
        Evaluation e = evaluate(x);
        return e == null ? Double.MAX_VALUE : e.objective();
    }

    /** Each row's nonzero fixed-effect columns and values: designs of factors by visit are mostly zeros. */
    private record SparseRows(int[][] index, double[][] value) {
        static SparseRows of(double[][] columns, int n) {
            int p = columns.length;
            int[][] index = new int[n][];
            double[][] value = new double[n][];
            int[] buffer = new int[p];
            for (int i = 0; i < n; i++) {
                int count = 0;
                for (int a = 0; a < p; a++) {
                    if (columns[a][i] != 0) {
                        buffer[count++] = a;
                    }
                }
                index[i] = java.util.Arrays.copyOf(buffer, count);
                value[i] = new double[count];
                for (int u = 0; u < count; u++) {
                    value[i][u] = columns[index[i][u]][i];
                }
            }
            return new SparseRows(index, value);
        }
    }

    /**
     * The per-pattern sums, kept sparse: for the pair of visits (j, k) of the pattern (flat index j m + k),
     * C_jk = sum_i x_ij x_ik' as its nonzero entries (flat index a p + b and value), sum_i x_ij y_ik likewise, and
     * sum_i y_ij y_ik. Forming them costs sum over subjects of m^2 times the squared nonzeros per row.
     */
    private List<Pattern> patterns() {
        Map<String, List<int[]>> byPattern = new java.util.LinkedHashMap<>();
        for (int[] rows : rowsBySubject) {
            byPattern.computeIfAbsent(pattern(rows), k -> new ArrayList<>()).add(rows);
        }
        double[] y = design.response();
        double[] scratch = new double[p * p];
        boolean[] seen = new boolean[p * p];
        int[] touched = new int[p * p];
        double[] scratchY = new double[p];
        boolean[] seenY = new boolean[p];
        int[] touchedY = new int[p];
        List<Pattern> result = new ArrayList<>();
        for (List<int[]> subjects : byPattern.values()) {
            int m = subjects.get(0).length;
            int[][] xxIndex = new int[m * m][];
            double[][] xxValue = new double[m * m][];
            int[][] xyIndex = new int[m * m][];
            double[][] xyValue = new double[m * m][];
            double[][] cyy = new double[m][m];
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    int count = 0;
                    int countY = 0;
                    for (int[] rows : subjects) {
                        int rj = rows[j];
                        int rk = rows[k];
                        cyy[j][k] += y[rj] * y[rk];
                        int[] ij = sparse.index()[rj];
                        double[] vj = sparse.value()[rj];
                        int[] ik = sparse.index()[rk];
                        double[] vk = sparse.value()[rk];
                        for (int u = 0; u < ij.length; u++) {
                            int a = ij[u];
                            if (!seenY[a]) {
                                seenY[a] = true;
                                touchedY[countY++] = a;
                            }
                            scratchY[a] += vj[u] * y[rk];
                            int base = a * p;
                            for (int w = 0; w < ik.length; w++) {
                                int idx = base + ik[w];
                                if (!seen[idx]) {
                                    seen[idx] = true;
                                    touched[count++] = idx;
                                }
                                scratch[idx] += vj[u] * vk[w];
                            }
                        }
                    }
                    int jk = j * m + k;
                    xxIndex[jk] = java.util.Arrays.copyOf(touched, count);
                    xxValue[jk] = new double[count];
                    for (int u = 0; u < count; u++) {
                        xxValue[jk][u] = scratch[touched[u]];
                        scratch[touched[u]] = 0;
                        seen[touched[u]] = false;
                    }
                    xyIndex[jk] = java.util.Arrays.copyOf(touchedY, countY);
                    xyValue[jk] = new double[countY];
                    for (int u = 0; u < countY; u++) {
                        xyValue[jk][u] = scratchY[touchedY[u]];
                        scratchY[touchedY[u]] = 0;
                        seenY[touchedY[u]] = false;
                    }
                }
            }
            int[] position = new int[m];
            for (int j = 0; j < m; j++) {
                position[j] = residual.position()[subjects.get(0)[j]];
            }
            result.add(new Pattern(position, stratum(subjects.get(0)), group(subjects.get(0)), subjects.size(), xxIndex,
                    xxValue, xyIndex, xyValue, cyy, new double[m][0]));
        }
        return result;
    }

    /** The profiled criterion at x, or null where a covariance matrix is not positive definite. */
    Evaluation evaluate(double[] x) {
        double[][] lambda = lambda(x);
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);
        double[] xtxFlat = new double[p * p];
        double[] xty = new double[p];
        double yty = 0;
        double logDet = 0;
        double[][] fixed = design.fixed().columns();
        double[] y = design.response();
        List<double[][]> weights = null;
        if (patterns != null) {
            weights = new ArrayList<>(patterns.size());
            for (Pattern pat : patterns) {
                int m = pat.position().length;
                double[][] sm = residualPart(a, pat.group(), pat.position(), null, pat.stratum());
                addRandomPart(sm, pat.z(), lambda);
                double[][] l = SmallMatrices.cholesky(sm, PIVOT_TOLERANCE);
                if (l == null) {
                    return null;
                }
                double[][] w = SmallMatrices.inverseFromCholesky(l);
                weights.add(w);
                logDet = SmallMatrices.addLogDeterminant(logDet, l, pat.count());
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        int jk = j * m + k;
                        double wjk = w[j][k];
                        yty += wjk * pat.cyy()[j][k];
                        addScaled(pat.xyIndex()[jk], pat.xyValue()[jk], wjk, xty);
                        addScaled(pat.xxIndex()[jk], pat.xxValue()[jk], wjk, xtxFlat);
                    }
                }
            }
        }
        double[][] xtx = new double[p][p];
        for (int r = 0; r < p; r++) {
            System.arraycopy(xtxFlat, r * p, xtx[r], 0, p);
        }
        for (int[] rows : patterns != null ? new int[0][] : rowsBySubject) {
            int m = rows.length;
            double[][] l = SmallMatrices.cholesky(subjectCovariance(rows, lambda, a), PIVOT_TOLERANCE);
            if (l == null) {
                return null;
            }
            logDet = SmallMatrices.addLogDeterminant(logDet, l, 1);
            double[][] wx = new double[m][p];
            double[] wy = new double[m];
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < p; c++) {
                    wx[j][c] = fixed[c][rows[j]];
                }
                wy[j] = y[rows[j]];
            }
            SmallMatrices.forwardSolveInPlace(l, wx, wy);
            for (int j = 0; j < m; j++) {
                for (int r = 0; r < p; r++) {
                    xty[r] += wx[j][r] * wy[j];
                    for (int c = 0; c <= r; c++) {
                        xtx[r][c] += wx[j][r] * wx[j][c];
                    }
                }
                yty += wy[j] * wy[j];
            }
        }
        for (int r = 0; r < p; r++) {
            for (int c = r + 1; c < p; c++) {
                xtx[r][c] = xtx[c][r];
            }
        }
        double[] beta;
        double logDetXtvx;
        if (p == 0) {
            // no fixed effects (e.g. change ~ 0 + ar1(visit | subject)): nothing to profile out
            beta = new double[0];
            logDetXtvx = 0;
        } else {
            double[][] l = SmallMatrices.cholesky(xtx, PIVOT_TOLERANCE);
            if (l == null) {
                return null;
            }
            logDetXtvx = SmallMatrices.addLogDeterminant(0, l, 1);
            beta = SmallMatrices.solveWithCholesky(l, xty);
        }
        double rss = yty;
        for (int r = 0; r < p; r++) {
            rss -= beta[r] * xty[r];
        }
        double objective;
        double sigma2;
        if (reml) {
            int df = n - p;
            sigma2 = rss / df;
            objective = logDet + logDetXtvx + df * (1 + Math.log(2 * Math.PI * sigma2));
        } else {
            sigma2 = rss / n;
            objective = logDet + n * (1 + Math.log(2 * Math.PI * sigma2));
        }
        return new Evaluation(objective, beta, sigma2, xtx, logDet, logDetXtvx, weights);
    }

    /**
     * The profiled criterion and its gradient in x (written into {@code grad}); +infinity where a covariance is
     * not positive definite. With W_i = V_i^-1, A = (X' W X)^-1 and r_i = y_i - X_i beta at the GLS estimate, the
     * derivative of the REML criterion in a parameter of V is sum_i tr(G_i dV_i) with
     * G_i = W_i - W_i X_i A X_i' W_i - (n - p) / r'Wr W_i r_i r_i' W_i (for ML without the middle term and with
     * n for n - p): d log|V| = tr(W dV), d log|X'WX| = -tr(A X'W dV W X), and d r'Wr = -r'W dV W r since beta
     * minimises r'Wr (Harville 1977, JASA 72, sec. 4; Wolfinger, Tobias and Sall 1994, SIAM J. Sci. Comput. 15).
     * Subjects sharing a visit pattern share W, so their G is formed from the pattern's sums.
     */
    public double valueAndGradient(double[] x, double[] grad) {
        java.util.Arrays.fill(grad, 0);
        Evaluation e = evaluate(x);
        if (e == null) {
            return Double.POSITIVE_INFINITY;
        }
        gradient(x, e, 1 / e.sigma2(), grad); // 1 / sigma^2-hat = (n - p) / r'Wr
        return e.objective();
    }

    /**
     * The gradient of {@link #deviance} in (x, sigma), written into {@code grad} (length x.length + 1): in x as
     * {@link #valueAndGradient} with sigma fixed (the last term's weight is 1 / sigma^2), and
     * d/dsigma = -2 r'Wr / sigma^3 + 2 (n - p) / sigma (n for ML). What Satterthwaite's Hessian is taken from.
     */
    public void devianceGradient(double[] x, double sigma, double[] grad) {
        java.util.Arrays.fill(grad, 0);
        Evaluation e = evaluate(x);
        if (e == null) {
            java.util.Arrays.fill(grad, Double.NaN);
            return;
        }
        double sigma2 = sigma * sigma;
        gradient(x, e, 1 / sigma2, grad);
        int dof = reml ? n - p : n;
        double rss = e.sigma2() * dof;
        grad[x.length] = -2 * rss / (sigma2 * sigma) + 2 * dof / sigma;
    }

    /** The gradient in x, with c the weight of the residual term W r r' W (1 / sigma^2). */
    private void gradient(double[] x, Evaluation e, double c, double[] grad) {
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);
        double[] beta = e.beta();
        double[][] inverse = p == 0 ? new double[0][0] : SmallMatrices.inverseSpd(e.xtvx());
        double[][] zgzPatterns = new double[q][q];
        if (patterns != null) {
            int t = residual.visits().size();
            double[][][] full = new double[residual.groupCount()][t][t];
            for (int pi = 0; pi < patterns.size(); pi++) {
                Pattern pat = patterns.get(pi);
                double[][] w = e.weights().get(pi);
                int m = pat.position().length;
                double[][] middle = fixedCovarianceProducts(pat, inverse);
                double[][] rr = residualProducts(pat, beta);
                double[][] inner = new double[m][m];
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        inner[j][k] = c * rr[j][k] + (reml ? middle[j][k] : 0);
                    }
                }
                double[][] wiw = SmallMatrices.multiply(SmallMatrices.multiply(w, inner), w);
                double[][] g = new double[m][m];
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        g[j][k] = pat.count() * w[j][k] - wiw[j][k];
                    }
                }
                if (q > 0) {
                    addZgz(zgzPatterns, pat.z(), g);
                }
                g = varIdentGradient(a, pat.group(), pat.position(), null, pat.stratum(), g, grad);
                double[][] target = full[pat.group()];
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        target[pat.position()[j]][pat.position()[k]] += g[j][k];
                    }
                }
            }
            int[] all = new int[t];
            for (int v = 0; v < t; v++) {
                all[v] = v;
            }
            for (int gr = 0; gr < full.length; gr++) {
                addStructureGradient(a, gr, structure.gradient(groupParameters(a, gr), all, null, full[gr]), grad);
            }
            if (q > 0) {
                thetaGradient(zgzPatterns, lambda(x), grad);
            }
        } else {
            double[][] lambda = lambda(x);
            double[][] fixed = design.fixed().columns();
            double[] y = design.response();
            double[][] zgz = new double[q][q];
            for (int[] rows : rowsBySubject) {
                int m = rows.length;
                double[][] w = SmallMatrices.inverseSpd(subjectCovariance(rows, lambda, a), PIVOT_TOLERANCE);
                double[] r = new double[m];
                double[][] xi = new double[m][p];
                for (int j = 0; j < m; j++) {
                    r[j] = y[rows[j]];
                    for (int col = 0; col < p; col++) {
                        xi[j][col] = fixed[col][rows[j]];
                        r[j] -= xi[j][col] * beta[col];
                    }
                }
                double[][] wx = SmallMatrices.multiply(w, xi);
                double[] wr = SmallMatrices.multiply(w, r);
                double[][] wxa = p == 0 ? new double[m][0] : SmallMatrices.multiply(wx, inverse);
                double[][] g = new double[m][m];
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        double mid = 0;
                        if (reml) {
                            for (int col = 0; col < p; col++) {
                                mid += wxa[j][col] * wx[k][col];
                            }
                        }
                        g[j][k] = w[j][k] - mid - c * wr[j] * wr[k];
                    }
                }
                int[] position = new int[m];
                double[] time = new double[m];
                for (int j = 0; j < m; j++) {
                    position[j] = residual.position()[rows[j]];
                    time[j] = residual.time()[rows[j]];
                }
                int gr = group(rows);
                addStructureGradient(a, gr, structure.gradient(groupParameters(a, gr), position, time,
                        varIdentGradient(a, gr, position, time, stratum(rows), g, grad)), grad);
                if (q > 0) {
                    addZgz(zgz, z(rows), g);
                }
            }
            if (q > 0) {
                thetaGradient(zgz, lambda, grad);
            }
        }
    }

    /** tr(G dV) for V = Z Lambda Lambda' Z': d/dLambda_rc = 2 (Z' G Z Lambda)_rc, written into the thetas' slots. */
    private void thetaGradient(double[][] zgz, double[][] lambda, double[] grad) {
        thetaLayout.thetaEntries(SmallMatrices.multiply(zgz, lambda), 2, grad);
    }

    /** Adds Z' G Z (q x q) for a pattern's Z (m x q) and its derivative weight G (m x m). */
    private void addZgz(double[][] zgz, double[][] z, double[][] g) {
        int m = g.length;
        for (int u = 0; u < q; u++) {
            for (int v = 0; v < q; v++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        s += z[j][u] * g[j][k] * z[k][v];
                    }
                }
                zgz[u][v] += s;
            }
        }
    }

    /** Adds (Z Lambda)(Z Lambda)' to a pattern's residual part (nothing without random effects). */
    private void addRandomPart(double[][] v, double[][] z, double[][] lambda) {
        if (q > 0) {
            withRandomPart(v, zLambda(z, lambda));
        }
    }

    /** Adds group g's structure gradient (taken at its own parameters, before its scale) into grad. */
    private void addStructureGradient(double[] a, int g, double[] structureGrad, double[] grad) {
        double scale = groupScale(a, g);
        int from = thetaCount + groupOffset(g);
        for (int l = 0; l < structureGrad.length; l++) {
            grad[from + l] += scale * structureGrad[l];
        }
    }

    /**
     * One subject's BLUP b = Lambda u and conditional variances, from u = Lambda' Z' V^-1 r and
     * Var(u | y) / sigma^2 = I - Lambda' Z' V^-1 Z Lambda (Pinheiro and Bates 2000, sec. 2.2.3; beta taken as known,
     * as lme4's condVar).
     *
     * @param v the subject's Z Lambda Lambda' Z' + S (relative to sigma^2)
     * @param zl the subject's Z Lambda (m x q)
     * @param r the subject's y - X beta
     * @return {blup, conditional variance} (each of length q)
     */
    static double[][] blupOfSubject(double[][] v, double[][] zl, double[] r, double[][] lambda, double sigma2) {
        int m = r.length;
        int q = lambda.length;
        double[][] w = SmallMatrices.inverseSpd(v, PIVOT_TOLERANCE);
        double[] wr = new double[m];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                wr[j] += w[j][k] * r[k];
            }
        }
        double[] u = new double[q];
        double[][] vu = new double[q][q];
        for (int c = 0; c < q; c++) {
            for (int j = 0; j < m; j++) {
                u[c] += zl[j][c] * wr[j];
            }
            for (int d = 0; d < q; d++) {
                double t = 0;
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        t += zl[j][c] * w[j][k] * zl[k][d];
                    }
                }
                vu[c][d] = (c == d ? 1 : 0) - t;
            }
        }
        double[] blup = new double[q];
        double[] condVar = new double[q];
        for (int row = 0; row < q; row++) {
            for (int c = 0; c < q; c++) {
                blup[row] += lambda[row][c] * u[c];
                for (int d = 0; d < q; d++) {
                    condVar[row] += lambda[row][c] * vu[c][d] * lambda[row][d] * sigma2;
                }
            }
        }
        return new double[][] {blup, condVar};
    }

    /**
     * One subject's BLUP and conditional SD at a fit's optimum, from that subject's rows alone (the entry point of a
     * fit from statistics, whose subjects' rows are elsewhere): the same computation as the fit's own BLUPs.
     *
     * @param theta the fit's random-effect thetas ({@link FitResult#theta()})
     * @param a the fit's residual parameters ({@link ResidualFit#parameters()})
     * @param sigma the fit's residual SD
     * @param position the rows' visit positions (indices into the residual structure's visits), in visit order
     * @param time the rows' times (as the structure reads them; the positions' values for categorical visits)
     * @param stratum the rows' varident strata, or null
     * @param group the subject's level of the structure's group factor (0 without one)
     * @param z the rows' random-effect columns (m x q)
     * @param r the rows' y - X beta
     * @return {blup, conditional SD} (each of length q, columns as the fit's random-effect terms in order)
     */
    public double[][] subjectBlup(double[] theta, double[] a, double sigma, int[] position, double[] time, int[] stratum, int group,
            double[][] z, double[] r) {
        double[] x = java.util.Arrays.copyOf(theta, thetaCount + a.length);
        System.arraycopy(a, 0, x, thetaCount, a.length);
        double[][] lambda = lambda(x);
        double[][] zl = zLambda(z, lambda);
        double[][] v = withRandomPart(residualPart(a, group, position, time, stratum), zl);
        double[][] bc = blupOfSubject(v, zl, r, lambda, sigma * sigma);
        for (int c = 0; c < q; c++) {
            bc[1][c] = Math.sqrt(Math.max(bc[1][c], 0));
        }
        return bc;
    }

    /** Z_i Lambda Lambda' Z_i' + S_i for one subject's rows (relative to sigma^2). */
    double[][] subjectCovariance(int[] rows, double[][] lambda, double[] a) {
        int m = rows.length;
        int[] position = new int[m];
        double[] time = new double[m];
        for (int j = 0; j < m; j++) {
            position[j] = residual.position()[rows[j]];
            time[j] = residual.time()[rows[j]];
        }
        double[][] v = residualPart(a, group(rows), position, time, stratum(rows));
        return q > 0 ? withRandomPart(v, zLambda(rows, lambda)) : v;
    }

    /** v + (Z Lambda)(Z Lambda)', in place: a subject's residual part with its random part added. */
    private static double[][] withRandomPart(double[][] v, double[][] zl) {
        int m = v.length;
        int q = m == 0 ? 0 : zl[0].length;
        for (int j = 0; j < m; j++) {
            for (int k = 0; k <= j; k++) {
                double s = 0;
                for (int u = 0; u < q; u++) {
                    s += zl[j][u] * zl[k][u];
                }
                v[j][k] += s;
                if (k != j) {
                    v[k][j] += s;
                }
            }
        }
        return v;
    }

    /** Z_i Lambda: each row's random-effect columns times the relative Cholesky factor. */
    double[][] zLambda(int[] rows, double[][] lambda) {
        return zLambda(z(rows), lambda);
    }

    /** Z Lambda for rows' random-effect columns z (m x q) and the lower triangular Lambda (q x q). */
    private static double[][] zLambda(double[][] z, double[][] lambda) {
        int m = z.length;
        int q = lambda.length;
        double[][] zl = new double[m][q];
        for (int j = 0; j < m; j++) {
            for (int u = 0; u < q; u++) {
                double s = 0;
                for (int r = u; r < q; r++) {
                    s += z[j][r] * lambda[r][u];
                }
                zl[j][u] = s;
            }
        }
        return zl;
    }

    /** The random-effect columns of one subject's rows (m x q). */
    double[][] z(int[] rows) {
        int m = rows.length;
        double[][] z = new double[m][q];
        int offset = 0;
        for (RandomEffectTerm t : terms) {
            for (int c = 0; c < t.k(); c++) {
                for (int j = 0; j < m; j++) {
                    z[j][offset + c] = t.model().columns()[c][rows[j]];
                }
            }
            offset += t.k();
        }
        return z;
    }

    /** The block-diagonal relative Cholesky factor from the thetas ({@link ThetaLayout#lambda}). */
    double[][] lambda(double[] x) {
        return thetaLayout.lambda(x);
    }

    private String pattern(int[] rows) {
        StringBuilder b = new StringBuilder();
        for (int r : rows) {
            b.append(residual.position()[r]).append(',');
            if (residual.stratum() != null) {
                b.append(residual.stratum()[r]).append(';');
            }
        }
        return b.append('g').append(group(rows)).toString();
    }

    /** The group (of {@code us(visit | arm / subject)}) of a subject's rows; 0 without groups. */
    private int group(int[] rows) {
        return residual.group() == null ? 0 : residual.group().code(rows[0]);
    }

    private int structureParameters() {
        return layout.structureParameters();
    }

    private int groupOffset(int g) {
        return layout.groupOffset(g);
    }

    private double[] groupParameters(double[] a, int g) {
        return layout.groupParameters(a, g);
    }

    private double groupScale(double[] a, int g) {
        return layout.groupScale(a, g);
    }

    /** The varident stratum of each row (null without a varident term). */
    private int[] stratum(int[] rows) {
        if (residual.stratum() == null) {
            return null;
        }
        int[] s = new int[rows.length];
        for (int j = 0; j < rows.length; j++) {
            s[j] = residual.stratum()[rows[j]];
        }
        return s;
    }

    private double[] sdRatios(double[] a, int[] stratum) {
        double[] r = new double[stratum.length];
        for (int j = 0; j < r.length; j++) {
            r[j] = layout.sdRatio(a, stratum[j]);
        }
        return r;
    }

    /** The residual part of rows at these positions and times ({@link ResidualLayout#residualPart}). */
    private double[][] residualPart(double[] a, int group, int[] position, double[] time, int[] stratum) {
        return layout.residualPart(a, group, position, time, stratum);
    }

    /**
     * For G (symmetric, the derivative's weight on the rows' covariance): D G D, the weight the structure's own
     * parameters see, and adds to {@code grad} the derivatives in the log variance ratios, sum over rows j of
     * stratum s of (G D S D)_jj.
     */
    private double[][] varIdentGradient(double[] a, int group, int[] position, double[] time, int[] stratum,
            double[][] g, double[] grad) {
        if (group > 0) {
            // the group's log scale: d part / d s = part
            double[][] part = residualPart(a, group, position, time, stratum);
            double sum = 0;
            for (int j = 0; j < g.length; j++) {
                for (int k = 0; k < g.length; k++) {
                    sum += g[j][k] * part[j][k];
                }
            }
            grad[thetaCount + groupOffset(group) + structure.parameterCount()] += sum;
        }
        if (stratum == null) {
            return g;
        }
        int m = position.length;
        double[][] part = residualPart(a, group, position, time, stratum);
        double[] r = sdRatios(a, stratum);
        int from = thetaCount + structureParameters();
        double[][] scaled = new double[m][m];
        for (int j = 0; j < m; j++) {
            double diag = 0;
            for (int k = 0; k < m; k++) {
                scaled[j][k] = r[j] * g[j][k] * r[k];
                diag += g[j][k] * part[k][j];
            }
            if (stratum[j] > 0) {
                grad[from + stratum[j] - 1] += diag;
            }
        }
        return scaled;
    }

    // ---- exact second derivatives (observed and expected information) ----

    /**
     * One block of subjects sharing V (a visit pattern, count subjects) or one subject (count 1, its own X and r), as
     * the second derivatives read it.
     */
    private record Block(int count, double[][] w, double[][] mid, double[][] rr, int group, int[] position,
            double[] time, int[] stratum, double[][] z, Pattern pattern, double[][] xi, double[] ri) {
    }

    /**
     * The exact gradient, observed information (Hessian) and expected information of {@link #deviance} in (x, sigma),
     * and d (X'WX)^-1 / dx. With P = W - W X A X' W (W = V^-1, A = (X'WX)^-1, V relative to sigma^2) and V_r, V_rs
     * the first and second derivatives of V:
     *
     * <pre>
     *   d2 (log|V| + log|X'WX|) / dx_r dx_s = tr(P V_rs) - tr(P V_r P V_s)            (REML; ML: W for P)
     *   d2 y'Py / dx_r dx_s = 2 y'P V_r P V_s P y - y'P V_rs P y
     *   d2 / dx_r dsigma = 2 y'P V_r P y / sigma^3,   d2 / dsigma^2 = 6 y'Py / sigma^4 - 2 d / sigma^2
     * </pre>
     *
     * (Harville 1977, JASA 72, sec. 4; Jennrich and Schluchter 1986, Biometrics 42; Wolfinger, Tobias and Sall 1994).
     * The V_rs terms are sum_i tr(G_i V_rsi) with the gradient's G_i; the others expand per block, since
     * tr(P V_r P V_s) = sum_i tr(W V_r W V_s) - 2 sum_i tr(W X_i A X_i' W V_r W V_s) + tr(A M_r A M_s) with
     * M_r = sum_i X_i' W V_r W X_i, and y'P V_r P V_s P y = sum_i u_i' V_r W V_s u_i - h_r' A h_s with u_i = W r_i and
     * h_r = sum_i X_i' W V_r u_i: sums that subjects of one visit pattern share. V_r and V_rs of the structure are
     * exact ({@link StructureDerivatives}), those of the thetas (V = Z Lambda Lambda' Z'), of the groups' log scales and
     * of the varident log variance ratios in closed form.
     */
    public CriterionDerivatives criterionDerivatives(double[] x, double sigma) {
        Evaluation e = evaluate(x);
        if (e == null) {
            throw new MixedModelException("The residual covariance is not positive definite at these parameters.");
        }
        return criterionDerivatives(x, sigma, e, true);
    }

    /**
     * The criterion with sigma profiled out ({@link #value}), its gradient, Hessian and expected information at x
     * (sigma at sigma-hat(x), where the deviance's derivative in sigma vanishes: {@link CriterionDerivatives#profiled});
     * null where a covariance is not positive definite.
     */
    NewtonScoring.Step profiledDerivatives(double[] x) {
        Evaluation e = evaluate(x);
        if (e == null) {
            return null;
        }
        CriterionDerivatives d = criterionDerivatives(x, Math.sqrt(e.sigma2()), e, false);
        return new NewtonScoring.Step(e.objective(), java.util.Arrays.copyOf(d.gradient(), x.length),
                CriterionDerivatives.profiled(d.observed()), CriterionDerivatives.profiled(d.expected()));
    }

    /** With {@code jacobian} false the d (X'WX)^-1 / dx are left empty (what the optimizer does not need). */
    private CriterionDerivatives criterionDerivatives(double[] x, double sigma, Evaluation e, boolean withJacobian) {
        int k = x.length;
        double sigma2 = sigma * sigma;
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);
        double[] beta = e.beta();
        double[][] inverse = p == 0 ? new double[0][0] : SmallMatrices.inverseSpd(e.xtvx());
        double[][] lambda = lambda(x);
        StructureDerivatives derivatives = new StructureDerivatives(structure, residual.visits().size());
        boolean continuous = ResidualStructure.isContinuousTime(residual.structure());
        int t = residual.visits().size();
        int[] all = new int[t];
        for (int v = 0; v < t; v++) {
            all[v] = v;
        }
        int groups = residual.groupCount();
        // the structure's dS / da over all visits, per group (categorical visits), and the summed D G D per group
        double[][][][] fullFirst = new double[groups][][][];
        double[][][] fullG = new double[groups][t][t];
        if (!continuous) {
            for (int g = 0; g < groups; g++) {
                fullFirst[g] = derivatives.first(groupParameters(a, g), all, null);
            }
        }
        double[][] h1 = new double[k][k];
        double[][] h2 = new double[k][k];
        double[][] fisher = new double[k][k];
        double[][] mr = new double[k][p * p];
        double[][] hr = new double[k][p];
        double[] qr = new double[k];
        double[] trPV = new double[k];
        double[] trWV = new double[k];
        double[] grad = new double[k + 1];
        for (Block b : blocks(x, e, inverse, lambda)) {
            int m = b.position().length;
            double[][] w = b.w();
            double[][] r = SmallMatrices.multiply(SmallMatrices.multiply(w, b.rr()), w);
            double[][] bm = reml && p > 0 ? SmallMatrices.multiply(SmallMatrices.multiply(w, b.mid()), w)
                    : new double[m][m];
            double[][] g = new double[m][m];
            double[][] kObs = new double[m][m];
            double[][] kExp = new double[m][m];
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    g[j][u] = b.count() * w[j][u] - bm[j][u] - r[j][u] / sigma2;
                    kObs[j][u] = -b.count() * w[j][u] + 2 * bm[j][u] + 2 * r[j][u] / sigma2;
                    kExp[j][u] = b.count() * w[j][u] - 2 * bm[j][u];
                }
            }
            // first derivatives of the block's V: (index, matrix)
            List<Integer> index = new ArrayList<>();
            List<double[][]> first = new ArrayList<>();
            int gr = b.group();
            double[] ag = groupParameters(a, gr);
            double scale = groupScale(a, gr);
            double[] ratio = b.stratum() == null ? null : sdRatios(a, b.stratum());
            double[][] residualPart = residualPart(a, gr, b.position(), b.time(), b.stratum());
            if (q > 0) {
                double[][] zl = new double[m][q];
                for (int j = 0; j < m; j++) {
                    for (int u = 0; u < q; u++) {
                        for (int c = u; c < q; c++) {
                            zl[j][u] += b.z()[j][c] * lambda[c][u];
                        }
                    }
                }
                int at = 0;
                int offset = 0;
                for (RandomEffectTerm term : terms) {
                    for (int col = 0; col < term.k(); col++) {
                        for (int row = col; row < term.k(); row++) {
                            double[][] v = new double[m][m];
                            for (int j = 0; j < m; j++) {
                                for (int u = 0; u < m; u++) {
                                    v[j][u] = b.z()[j][offset + row] * zl[u][offset + col]
                                            + zl[j][offset + col] * b.z()[u][offset + row];
                                }
                            }
                            index.add(at++);
                            first.add(v);
                        }
                    }
                    offset += term.k();
                }
            }
            double[][][] ds = continuous ? derivatives.first(ag, b.position(), b.time()) : null;
            int from = thetaCount + groupOffset(gr);
            for (int l = 0; l < structure.parameterCount(); l++) {
                double[][] v = new double[m][m];
                boolean nonzero = false;
                for (int j = 0; j < m; j++) {
                    for (int u = 0; u < m; u++) {
                        double d = continuous ? ds[l][j][u] : fullFirst[gr][l][b.position()[j]][b.position()[u]];
                        v[j][u] = scale * d * (ratio == null ? 1 : ratio[j] * ratio[u]);
                        nonzero |= v[j][u] != 0;
                    }
                }
                if (nonzero) {
                    index.add(from + l);
                    first.add(v);
                }
            }
            if (gr > 0) {
                index.add(thetaCount + layout.scaleIndex(gr));
                first.add(residualPart);
            }
            int residualFirst = q > 0 ? thetaCount : 0; // where the residual parameters start in the block's lists
            int strataCount = residual.strataCount();
            double[][][] alpha = new double[strataCount][][];
            if (b.stratum() != null) {
                for (int s = 1; s < strataCount; s++) {
                    double[][] al = new double[m][m];
                    boolean present = false;
                    for (int j = 0; j < m; j++) {
                        for (int u = 0; u < m; u++) {
                            al[j][u] = ((b.stratum()[j] == s ? 1 : 0) + (b.stratum()[u] == s ? 1 : 0)) / 2.0;
                        }
                        present |= b.stratum()[j] == s;
                    }
                    if (!present) {
                        continue;
                    }
                    alpha[s] = al;
                    double[][] v = new double[m][m];
                    for (int j = 0; j < m; j++) {
                        for (int u = 0; u < m; u++) {
                            v[j][u] = residualPart[j][u] * al[j][u];
                        }
                    }
                    index.add(thetaCount + layout.ratioIndex(s));
                    first.add(v);
                }
            }
            // the second derivatives' part: sum_jk G_jk (V_rs)_jk
            if (q > 0) {
                double[][] zgz = new double[q][q];
                addZgz(zgz, b.z(), g);
                int[] termOf = new int[thetaCount];
                int[] rowOf = new int[thetaCount];
                int[] colOf = new int[thetaCount];
                int at = 0;
                int offset = 0;
                for (int ti = 0; ti < terms.size(); ti++) {
                    RandomEffectTerm term = terms.get(ti);
                    for (int col = 0; col < term.k(); col++) {
                        for (int row = col; row < term.k(); row++) {
                            termOf[at] = ti;
                            rowOf[at] = offset + row;
                            colOf[at++] = offset + col;
                        }
                    }
                    offset += term.k();
                }
                for (int i = 0; i < thetaCount; i++) {
                    for (int j = 0; j < thetaCount; j++) {
                        if (termOf[i] == termOf[j] && colOf[i] == colOf[j]) {
                            h2[i][j] += 2 * zgz[rowOf[i]][rowOf[j]];
                        }
                    }
                }
            }
            double[][] dgd = new double[m][m];
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    dgd[j][u] = scale * g[j][u] * (ratio == null ? 1 : ratio[j] * ratio[u]);
                }
            }
            if (continuous) {
                addBlock(h2, from, derivatives.secondContraction(ag, b.position(), b.time(), dgd));
            } else {
                for (int j = 0; j < m; j++) {
                    for (int u = 0; u < m; u++) {
                        fullG[gr][b.position()[j]][b.position()[u]] += dgd[j][u];
                    }
                }
            }
            for (int i = residualFirst; i < index.size(); i++) {
                int ri = index.get(i);
                boolean isScale = gr > 0 && ri == thetaCount + layout.scaleIndex(gr);
                boolean isStructure = ri >= from && ri < from + structure.parameterCount();
                double[][] vi = first.get(i);
                if (isStructure || isScale) {
                    // d/d s_g of a term with the group's scale is the term itself
                    int sIndex = gr > 0 ? thetaCount + layout.scaleIndex(gr) : -1;
                    if (sIndex >= 0) {
                        double v = elementSum(g, vi);
                        h2[ri][sIndex] += v;
                        if (ri != sIndex) {
                            h2[sIndex][ri] += v;
                        }
                    }
                }
                for (int s = 1; s < strataCount; s++) {
                    if (alpha[s] == null) {
                        continue;
                    }
                    int ci = thetaCount + layout.ratioIndex(s);
                    if (isStructure || isScale) {
                        double v = weightedSum(g, vi, alpha[s], null);
                        h2[ri][ci] += v;
                        h2[ci][ri] += v;
                    } else if (ri >= thetaCount + layout.ratioIndex(1)) {
                        // two variance ratios: V_res alpha_t alpha_u (added once per ordered pair below)
                        int tIndex = ri - (thetaCount + layout.ratioIndex(1)) + 1;
                        h2[ri][ci] += weightedSum(g, residualPart, alpha[tIndex], alpha[s]);
                    }
                }
            }
            // the first derivatives' part, per block
            int np = index.size();
            double[][][] kObsV = new double[np][][];
            double[][][] kExpV = new double[np][][];
            for (int i = 0; i < np; i++) {
                int ri = index.get(i);
                double[][] vi = first.get(i);
                double[][] wv = SmallMatrices.multiply(w, vi);
                double[][] vw = SmallMatrices.transpose(wv);
                double[][] wvw = SmallMatrices.multiply(wv, w);
                if (p > 0) {
                    addM(b, wvw, mr[ri]);
                    addH(b, wvw, beta, hr[ri]);
                }
                qr[ri] += elementSum(vi, r);
                double wvSum = b.count() * elementSum(w, vi);
                trWV[ri] += wvSum;
                trPV[ri] += wvSum - elementSum(bm, vi);
                grad[ri] += elementSum(g, vi);
                kObsV[i] = SmallMatrices.multiply(kObs, vw);
                kExpV[i] = SmallMatrices.multiply(reml ? kExp : scaledCopy(w, b.count()), vw);
            }
            for (int i = 0; i < np; i++) {
                int ri = index.get(i);
                for (int j = 0; j <= i; j++) {
                    int rj = index.get(j);
                    double[][] vj = first.get(j);
                    double obs = elementSumTransposed(kObsV[i], vj);
                    double exp = elementSumTransposed(kExpV[i], vj);
                    h1[ri][rj] += obs;
                    fisher[ri][rj] += exp;
                    if (ri != rj) {
                        h1[rj][ri] += obs;
                        fisher[rj][ri] += exp;
                    }
                }
            }
        }
        if (!continuous) {
            for (int g = 0; g < groups; g++) {
                addBlock(h2, thetaCount + groupOffset(g), derivatives.secondContraction(groupParameters(a, g), all, null,
                        fullG[g]));
            }
        }
        // the terms through A: tr(A M_r A M_s) (REML) and h_r' A h_s, with A = C C' and N_r = C' M_r C
        double[][][] jacobian = new double[k][][];
        if (p > 0) {
            double[][] c = SmallMatrices.cholesky(inverse, 0);
            double[][] ct = SmallMatrices.transpose(c);
            double[][] nr = new double[k][];
            double[][] ah = new double[k][];
            for (int i = 0; i < k; i++) {
                double[][] mi = new double[p][p];
                for (int u = 0; u < p; u++) {
                    System.arraycopy(mr[i], u * p, mi[u], 0, p);
                }
                jacobian[i] = withJacobian ? SmallMatrices.multiply(SmallMatrices.multiply(inverse, mi), inverse)
                        : new double[0][0];
                double[][] ni = SmallMatrices.multiply(SmallMatrices.multiply(ct, mi), c);
                nr[i] = new double[p * p];
                for (int u = 0; u < p; u++) {
                    System.arraycopy(ni[u], 0, nr[i], u * p, p);
                }
                ah[i] = SmallMatrices.multiply(inverse, hr[i]);
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j <= i; j++) {
                    double quad = 2 * SmallMatrices.dot(hr[i], ah[j]) / sigma2;
                    double amam = reml ? SmallMatrices.dot(nr[i], nr[j]) : 0;
                    h1[i][j] -= quad + amam;
                    fisher[i][j] += amam;
                    if (i != j) {
                        h1[j][i] -= quad + amam;
                        fisher[j][i] += amam;
                    }
                }
            }
        } else {
            for (int i = 0; i < k; i++) {
                jacobian[i] = new double[0][0];
            }
        }
        int dof = reml ? n - p : n;
        double rss = e.sigma2() * dof;
        double[][] observed = new double[k + 1][k + 1];
        double[][] expected = new double[k + 1][k + 1];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                observed[i][j] = h1[i][j] + h2[i][j];
                expected[i][j] = fisher[i][j];
            }
            observed[i][k] = 2 * qr[i] / (sigma2 * sigma);
            observed[k][i] = observed[i][k];
            expected[i][k] = 2 * (reml ? trPV[i] : trWV[i]) / sigma;
            expected[k][i] = expected[i][k];
        }
        observed[k][k] = 6 * rss / (sigma2 * sigma2) - 2.0 * dof / sigma2;
        expected[k][k] = 4.0 * dof / sigma2;
        grad[k] = -2 * rss / (sigma2 * sigma) + 2.0 * dof / sigma;
        return new CriterionDerivatives(grad, observed, expected, jacobian);
    }

    /** The blocks of the derivatives: the visit patterns, or each subject with its own rows. */
    /**
     * For a visit pattern, the m x m matrix with entries x_j' (X'V^-1X)^-1 x_k summed over the pattern's subjects
     * (from its stored products of the fixed-effects rows): the REML correction of the residual products.
     */
    private double[][] fixedCovarianceProducts(Pattern pat, double[][] inverse) {
        int m = pat.position().length;
        double[][] out = new double[m][m];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                int[] xi = pat.xxIndex()[j * m + k];
                double[] xv = pat.xxValue()[j * m + k];
                double s = 0;
                for (int u = 0; u < xi.length; u++) {
                    int ra = xi[u] / p;
                    s += inverse[ra][xi[u] - ra * p] * xv[u];
                }
                out[j][k] = s;
            }
        }
        return out;
    }

    private List<Block> blocks(double[] x, Evaluation e, double[][] inverse, double[][] lambda) {
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);
        double[] beta = e.beta();
        List<Block> blocks = new ArrayList<>();
        if (patterns != null) {
            for (int pi = 0; pi < patterns.size(); pi++) {
                Pattern pat = patterns.get(pi);
                blocks.add(new Block(pat.count(), e.weights().get(pi), fixedCovarianceProducts(pat, inverse), residualProducts(pat, beta), pat.group(),
                        pat.position(), null, pat.stratum(), pat.z(), pat, null, null));
            }
            return blocks;
        }
        double[][] fixed = design.fixed().columns();
        double[] y = design.response();
        for (int[] rows : rowsBySubject) {
            int m = rows.length;
            double[][] w = SmallMatrices.inverseSpd(subjectCovariance(rows, lambda, a), PIVOT_TOLERANCE);
            double[] r = new double[m];
            double[][] xi = new double[m][p];
            int[] position = new int[m];
            double[] time = new double[m];
            for (int j = 0; j < m; j++) {
                r[j] = y[rows[j]];
                position[j] = residual.position()[rows[j]];
                time[j] = residual.time()[rows[j]];
                for (int col = 0; col < p; col++) {
                    xi[j][col] = fixed[col][rows[j]];
                    r[j] -= xi[j][col] * beta[col];
                }
            }
            double[][] mid = p == 0 ? new double[m][m]
                    : SmallMatrices.multiply(SmallMatrices.multiply(xi, inverse), SmallMatrices.transpose(xi));
            double[][] rr = new double[m][m];
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    rr[j][u] = r[j] * r[u];
                }
            }
            blocks.add(new Block(1, w, mid, rr, group(rows), position, time, stratum(rows), q > 0 ? z(rows)
                    : new double[m][0], null, xi, r));
        }
        return blocks;
    }

    /** Adds sum_jk Y_jk sum_i x_ij x_ik' (flat p x p) of the block's subjects. */
    private void addM(Block b, double[][] y, double[] target) {
        int m = y.length;
        if (b.pattern() != null) {
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    addScaled(b.pattern().xxIndex()[j * m + u], b.pattern().xxValue()[j * m + u], y[j][u], target);
                }
            }
            return;
        }
        double[][] yx = SmallMatrices.multiply(y, b.xi());
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < p; c++) {
                double xjc = b.xi()[j][c];
                if (xjc == 0) {
                    continue;
                }
                for (int d = 0; d < p; d++) {
                    target[c * p + d] += xjc * yx[j][d];
                }
            }
        }
    }

    /** Adds sum_jk Y_jk sum_i x_ij r_ik (p) of the block's subjects, r = y - X beta. */
    private void addH(Block b, double[][] y, double[] beta, double[] target) {
        int m = y.length;
        if (b.pattern() != null) {
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    double yju = y[j][u];
                    addScaled(b.pattern().xyIndex()[j * m + u], b.pattern().xyValue()[j * m + u], yju, target);
                    int[] xi = b.pattern().xxIndex()[j * m + u];
                    double[] xv = b.pattern().xxValue()[j * m + u];
                    for (int v = 0; v < xi.length; v++) {
                        int ra = xi[v] / p;
                        target[ra] -= yju * xv[v] * beta[xi[v] - ra * p];
                    }
                }
            }
            return;
        }
        double[] yr = SmallMatrices.multiply(y, b.ri());
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < p; c++) {
                target[c] += b.xi()[j][c] * yr[j];
            }
        }
    }

    /**
     * target[index[u]] += weight value[u]: one visit pair's sparse cross-product sums of a pattern (C_jk, or
     * sum_i x_ij y_ik) weighted into a flat accumulator.
     */
    private static void addScaled(int[] index, double[] value, double weight, double[] target) {
        for (int u = 0; u < index.length; u++) {
            target[index[u]] += weight * value[u];
        }
    }

    private static void addBlock(double[][] h, int from, double[][] block) {
        for (int i = 0; i < block.length; i++) {
            for (int j = 0; j < block.length; j++) {
                h[from + i][from + j] += block[i][j];
            }
        }
    }

    /** sum_jk A_jk B_jk. */
    private static double elementSum(double[][] a, double[][] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            for (int u = 0; u < a.length; u++) {
                s += a[j][u] * b[j][u];
            }
        }
        return s;
    }

    /** tr(A B) = sum_jk A_jk B_kj. */
    private static double elementSumTransposed(double[][] a, double[][] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            for (int u = 0; u < a.length; u++) {
                s += a[j][u] * b[u][j];
            }
        }
        return s;
    }

    /** sum_jk G_jk V_jk alpha_jk [beta_jk]. */
    private static double weightedSum(double[][] g, double[][] v, double[][] alpha, double[][] beta) {
        double s = 0;
        for (int j = 0; j < g.length; j++) {
            for (int u = 0; u < g.length; u++) {
                s += g[j][u] * v[j][u] * alpha[j][u] * (beta == null ? 1 : beta[j][u]);
            }
        }
        return s;
    }

    private static double[][] scaledCopy(double[][] a, double c) {
        double[][] out = new double[a.length][];
        for (int j = 0; j < a.length; j++) {
            out[j] = a[j].clone();
            for (int u = 0; u < out[j].length; u++) {
                out[j][u] *= c;
            }
        }
        return out;
    }

    /** The fit, reporting each objective evaluation to {@code monitor}; {@link LinearMixedModel#fit} calls it. */
    static FitResult fit(Design design, FitOptions options, FitMonitor monitor) {
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, options.method() == FitOptions.Method.REML);
        int[] evaluations = {0};
        MultivariateFunction watched = monitor.watching(model, evaluations);
        OptimizerSummary opt = null;
        double[] start = model.initial();
        {
            // Newton / Fisher scoring on the exact second derivatives where they are cheap, else (or where it fails)
            // BFGS on the analytic gradient, random effects included (their thetas unconstrained: see quasiNewton)
            if (model.prefersNewton()) {
                opt = model.newton(monitor, evaluations);
            }
            if (opt == null || !opt.converged()) {
                int before = opt == null ? 0 : opt.evaluations();
                opt = model.quasiNewton(monitor, evaluations);
                if (before > 0) {
                    // the evaluations of the Newton attempt count too
                    opt = new OptimizerSummary(opt.optimizer(), opt.initialTheta(), opt.theta(), opt.objective(),
                            opt.evaluations() + before, opt.converged(), opt.message(), opt.iterations());
                }
            }
            if (!opt.converged()) {
                if (start.length > MAX_BOBYQA_PARAMETERS) {
                    return model.assemble(options, opt);
                }
                // BOBYQA from where BFGS stopped, within the bounds it respects (a parameter heading to -infinity,
                // a variance going to 0, stops at the bound there)
                start = opt.theta().clone();
                double[] lower = model.lowerBounds();
                for (int i = 0; i < start.length; i++) {
                    start[i] = Math.max(start[i], lower[i] + 1e-3);
                }
                opt = null;
            }
        }
        if (opt == null) {
            opt = ThetaOptimizer.minimize(watched, start, model.lowerBounds());
        }
        return model.assemble(options, model.polished(opt, monitor, evaluations));
    }

    /**
     * The optimizer's result after a Newton step on the analytic gradient ({@link NewtonPolish}) in unit-free
     * coordinates (theta times its random-effect column's scale, the structure's own parameters as they are), so
     * that the optimum does not depend on where in its stopping radius the optimizer stopped; unchanged when the
     * optimizer did not converge.
     */
    private OptimizerSummary polished(OptimizerSummary opt, FitMonitor monitor, int[] evaluations) {
        if (!opt.converged() || opt.optimizer().equals("Newton")) {
            // Newton's last step on the exact Hessian already leaves the gradient far below the tolerance
            return opt;
        }
        double[] scale = thetaLayout.scales();
        double[] u = ThetaLayout.times(opt.theta(), scale);
        double[] lower = ThetaLayout.times(lowerBounds(), scale);
        Bfgs.Objective f = (uu, grad) -> {
            double[] x = ThetaLayout.divide(uu, scale);
            double value = valueAndGradient(x, grad);
            for (int i = 0; i < thetaCount; i++) {
                grad[i] /= scale[i];
            }
            monitor.objectiveEvaluated(++evaluations[0], value);
            return value;
        };
        NewtonPolish.Result r = NewtonPolish.polish(f, u, lower);
        if (r.steps() == 0) {
            return new OptimizerSummary(opt.optimizer(), opt.initialTheta(), opt.theta(), opt.objective(),
                    opt.evaluations() + r.evaluations(), true, opt.message(), opt.iterations());
        }
        double[] x = ThetaLayout.divide(r.x(), scale);
        return new OptimizerSummary(opt.optimizer(), opt.initialTheta(), x, r.value(),
                opt.evaluations() + r.evaluations(), true, opt.message(), opt.iterations());
    }

    /**
     * BFGS with a strong-Wolfe line search ({@link Bfgs}) on the analytic gradient, from {@link #initial}; when it
     * fails to converge the caller continues with BOBYQA from its end point (up to {@link #MAX_BOBYQA_PARAMETERS}). Converged when the gradient's largest
     * component is below {@link #GRADIENT_TOLERANCE} (the criterion is -2 log-likelihood and the parameters are
     * unit-free: log variance ratios, transformed correlations, factor elements relative to an SD) or when the
     * criterion stops decreasing to 1e-14 relative.
     */
    private OptimizerSummary quasiNewton(FitMonitor monitor, int[] evaluations) {
        double[] start = initial();
        double[] g0 = new double[start.length];
        double f0 = valueAndGradient(start, g0);
        if (start.length == 0) {
            return new OptimizerSummary("none", start, start, f0, 1, true, "no covariance parameters", 0);
        }
        if (!Double.isFinite(f0)) {
            return new OptimizerSummary("BFGS", start, start, f0, 1, false, "not finite at the start", 0);
        }
        double largest = Bfgs.maxAbs(g0);
        Bfgs.Objective objective = (x, grad) -> {
            double value = valueAndGradient(x, grad);
            monitor.objectiveEvaluated(++evaluations[0], value);
            return value;
        };
        // the first step moves the parameters by at most 0.5; BFGS rescales after it
        Bfgs.Result r = Bfgs.minimize(objective, start, null, largest > 0 ? 0.5 / largest : 1, MAX_ITERATIONS,
                GRADIENT_TOLERANCE, 1e-14);
        double[] x = withPositiveDiagonal(r.x());
        if (!r.converged() || !Double.isFinite(r.value())) {
            return new OptimizerSummary("BFGS", start, x, r.value(), r.evaluations(), false, "BFGS stopped ("
                    + r.message() + ") with a gradient of " + String.format(java.util.Locale.ROOT, "%.3g", Bfgs.maxAbs(r.gradient()))
                    + "; the covariance may have more parameters than the data support (e.g. few subjects at a late visit)",
                    r.iterations());
        }
        return new OptimizerSummary("BFGS", start, x, r.value(), r.evaluations(), true, "converged ("
                + r.message() + ")", r.iterations());
    }

    /**
     * Whether Newton goes first: for fits by visit pattern with up to {@link #MAX_NEWTON_PARAMETERS} parameters, where
     * an exact Hessian costs a few gradients (the pairs of parameters grow as k^2 per visit pattern); beyond, BFGS's
     * many cheap steps take less time, and so they do where the derivatives are formed subject by subject (random
     * effects, continuous time). Measured (README): us over 10 visits, 54 parameters, is about even; over 30 visits,
     * 464 parameters, one Hessian costs seconds. The system property {@code mixedmodels.residualOptimizer}
     * ({@code newton} or {@code bfgs}) overrides the choice, for measurements.
     */
    boolean prefersNewton() {
        String forced = System.getProperty("mixedmodels.residualOptimizer");
        if (forced != null) {
            return forced.equals("newton");
        }
        return patterns != null && parameterCount() <= MAX_NEWTON_PARAMETERS;
    }

    /** See {@link #prefersNewton}. */
    static final int MAX_NEWTON_PARAMETERS = 40;

    /**
     * Newton-Raphson on the exact Hessian with Fisher scoring where it is not positive definite ({@link NewtonScoring}),
     * from {@link #initial}, to the same tolerances as {@link #quasiNewton}; null when there is nothing to optimise.
     */
    private OptimizerSummary newton(FitMonitor monitor, int[] evaluations) {
        double[] start = initial();
        if (start.length == 0) {
            return null;
        }
        NewtonScoring.Result r = NewtonScoring.minimize(x -> {
            NewtonScoring.Step s = profiledDerivatives(x);
            monitor.objectiveEvaluated(++evaluations[0], s == null ? Double.NaN : s.value());
            return s;
        }, x -> {
            double value = value(x);
            monitor.objectiveEvaluated(++evaluations[0], value);
            return value == Double.MAX_VALUE ? Double.POSITIVE_INFINITY : value;
        }, start, MAX_NEWTON_ITERATIONS, GRADIENT_TOLERANCE, 1e-14);
        String steps = r.newtonSteps() + " Newton and " + r.scoringSteps() + " scoring steps";
        if (!r.converged() || !Double.isFinite(r.value())) {
            return new OptimizerSummary("Newton", start, withPositiveDiagonal(r.x()), r.value(), r.evaluations(), false,
                    "Newton stopped (" + r.message() + ", " + steps + ")", r.iterations());
        }
        return new OptimizerSummary("Newton", start, withPositiveDiagonal(r.x()), r.value(), r.evaluations(), true,
                "converged (" + r.message() + ", " + steps + ")", r.iterations());
    }

    /** Newton's iteration limit (it converges in tens where it converges at all); BFGS takes over beyond it. */
    static final int MAX_NEWTON_ITERATIONS = 100;

    /**
     * BFGS leaves the random effects' thetas unconstrained: V depends on Lambda only through Lambda Lambda', which
     * does not change when a column of Lambda changes sign, so a negative diagonal element is the same fit as its
     * column negated ({@link ThetaLayout#withPositiveDiagonal}: lme4's layout, diagonal thetas &gt;= 0).
     */
    private double[] withPositiveDiagonal(double[] x) {
        return thetaLayout.withPositiveDiagonal(x);
    }

    /** Above this many parameters BOBYQA (quadratic models in 2k + 1 points) is too slow to be a fallback. */
    static final int MAX_BOBYQA_PARAMETERS = 60;

    /** BFGS's gradient tolerance on the -2 log-likelihood per unit-free parameter. */
    static final double GRADIENT_TOLERANCE = 1e-6;
    /** BFGS's iteration limit; beyond it BOBYQA takes over. */
    static final int MAX_ITERATIONS = 5000;

    /**
     * The result at the optimum. The random effects are the BLUPs b_i = D Z_i' V_i^-1 (y_i - X_i beta) with
     * conditional variance D - D Z_i' V_i^-1 Z_i D (Pinheiro and Bates 2000, sec. 2.2.3; beta taken as known,
     * as lme4's condVar), computed per subject.
     */
    FitResult assemble(FitOptions options, OptimizerSummary opt) {
        double[] x = opt.theta();
        Evaluation e = evaluate(x);
        if (e == null) {
            throw new MixedModelException("The residual covariance is not positive definite at the optimum.");
        }
        double sigma2 = e.sigma2();
        double sigma = Math.sqrt(sigma2);
        double[] beta = e.beta();
        double[][] unscaled = p == 0 ? new double[0][0] : SmallMatrices.inverseSpd(e.xtvx());
        double[] theta = java.util.Arrays.copyOf(x, thetaCount);
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);

        double[] y = design.response();
        // a design from statistics alone has no rows: no fitted values, residuals or BLUPs (they need each subject's rows)
        int rowCount = y.length;
        double[] population = FitAssembly.population(design.fixed().columns(), beta, rowCount);
        double[] conditional = population.clone();
        List<RandomEffect> ranef = q > 0 && rowCount > 0 ? blups(x, a, sigma2, population, conditional) : List.of();

        Map<String, Integer> ngroups = new java.util.LinkedHashMap<>();
        ngroups.put(residual.subject().name(), subjects);
        boolean singular = FitAssembly.isSingular(theta, thetaLayout.lowerBounds());
        List<String> notes = q > 0 && rowCount == 0 ? List.of("No BLUPs: the fit read statistics by visit pattern, "
                + "and a subject's BLUP needs that subject's own rows (fit in memory, or predict per subject from the "
                + "estimates).") : List.of();
        // Parameters counted as nlme's logLik df; BIC uses n - p observations for REML, as nlme.
        int k = parameterCount() + p + 1;
        int nEff = reml ? n - p : n;
        return FitAssembly.assemble(design, options, opt, new FitAssembly.Estimates(n, ngroups, theta, sigma,
                e.objective(), k, nEff, beta, unscaled, sigma2, ranef, population, conditional, singular, notes,
                residualFit(a, sigma2)));
    }

    /**
     * The BLUPs of every subject with their conditional SDs, term by term, column by column, subject by subject; adds
     * each subject's Z_i b_i to {@code conditional}.
     */
    private List<RandomEffect> blups(double[] x, double[] a, double sigma2, double[] population, double[] conditional) {
        double[] y = design.response();
        double[][] lambda = lambda(x);
        int subjects = rowsBySubject.length;
        double[][] blup = new double[subjects][];
        double[][] condVar = new double[subjects][];
        for (int s = 0; s < subjects; s++) {
            int[] rows = rowsBySubject[s];
            int m = rows.length;
            double[] r = new double[m];
            for (int j = 0; j < m; j++) {
                r[j] = y[rows[j]] - population[rows[j]];
            }
            double[][] bc = blupOfSubject(subjectCovariance(rows, lambda, a), zLambda(rows, lambda), r, lambda,
                    sigma2);
            blup[s] = bc[0];
            condVar[s] = bc[1];
            double[][] z = z(rows);
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < q; c++) {
                    conditional[rows[j]] += z[j][c] * blup[s][c];
                }
            }
        }
        List<RandomEffect> ranef = new ArrayList<>();
        int offset = 0;
        for (RandomEffectTerm t : terms) {
            for (int c = 0; c < t.k(); c++) {
                for (int s = 0; s < subjects; s++) {
                    ranef.add(new RandomEffect(t.groupName(), t.columnNames().get(c), subjectLevel(s),
                            blup[s][offset + c], Math.sqrt(Math.max(condVar[s][offset + c], 0))));
                }
            }
            offset += t.k();
        }
        return ranef;
    }

    /** The fitted residual structure with its parameters on the users' scale ({@link ResidualFit#describe}). */
    private ResidualFit residualFit(double[] a, double sigma2) {
        String groupFactor = residual.group() == null ? null : residual.group().name();
        List<String> groups = residual.group() == null ? List.of() : residual.group().levels();
        List<String> strata = residual.strata() == null ? List.of() : residual.strata();
        return new ResidualFit(residual.structure(), residual.timeName(), residual.subject().name(),
                residual.visits(), a, ResidualFit.describe(layout, a, sigma2, groupFactor, groups,
                residual.varianceFactor(), strata), groupFactor, groups, residual.varianceFactor(), strata);
    }

    /** The label of the s-th subject block (blocks are the subject factor's levels, in order). */
    private String subjectLevel(int s) {
        return residual.subject().levels().get(s);
    }
}
