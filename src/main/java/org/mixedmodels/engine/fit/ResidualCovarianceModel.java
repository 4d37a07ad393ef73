package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.design.ResidualDesign;
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
    private final List<RandomEffectTerm> terms;
    private final int[][] rowsBySubject;
    private final int thetaCount;
    private final int q;
    private final int p;
    private final int n;
    /** Sufficient statistics per visit pattern, when no random effects make subjects differ (else null). */
    private final List<Pattern> patterns;

    /**
     * Subjects observed at the same visits share S_i, so sum_i X_i' S^-1 X_i = sum_jk (S^-1)_jk C_jk with
     * C_jk = sum_i x_ij x_ik' formed once: an evaluation then costs O(visits^2 p^2) per pattern, not per
     * subject.
     */
    private record Pattern(int[] position, int count, double[][][][] cxx, double[][][] cxy, double[][] cyy) {
    }

    /** What one evaluation yields, kept for assembling results at the optimum. */
    record Evaluation(double objective, double[] beta, double sigma2, double[][] xtvx, double logDet,
            double logDetXtvx) {
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
        this.rowsBySubject = residual.rowsBySubject();
        int count = 0;
        int cols = 0;
        for (RandomEffectTerm t : terms) {
            count += t.thetaCount();
            cols += t.k();
        }
        this.thetaCount = count;
        this.q = cols;
        this.p = design.fixed().columnCount();
        this.n = design.response().length;
        this.patterns = q == 0 && !residual.structure().equals("sp_exp") ? patterns() : null;
        if (residual.structure().equals("us") && rowsBySubject.length <= residual.visits().size()) {
            throw new MixedModelException("An unstructured covariance over " + residual.visits().size() + " visits needs "
                    + "more subjects than visits; the data have " + rowsBySubject.length + ".");
        }
    }

    public ResidualStructure structure() {
        return structure;
    }

    /** Random-effect thetas (lme4's layout) followed by the residual structure's parameters. */
    public int parameterCount() {
        return thetaCount + structure.parameterCount();
    }

    /**
     * Starting values: thetas 1 (as lme4) and the residual structure at independence, except for an unstructured
     * matrix, which starts at the (pairwise) covariance of the least-squares residuals by visit: with its
     * t (t + 1) / 2 - 1 parameters a start near the optimum saves most of the optimizer's evaluations.
     */
    public double[] initial() {
        double[] x = new double[parameterCount()];
        int at = 0;
        for (RandomEffectTerm t : terms) {
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    x[at++] = r == c ? 1 : 0;
                }
            }
        }
        if (residual.structure().equals("us") && q == 0) {
            double[] start = unstructuredStart();
            if (start != null) {
                System.arraycopy(start, 0, x, thetaCount, start.length);
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
        double[] beta;
        try {
            beta = new CholeskyDecomposition(MatrixUtils.createRealMatrix(xtx), 1e-12, 1e-14).getSolver()
                .solve(MatrixUtils.createRealVector(xty)).toArray();
        } catch (NonPositiveDefiniteMatrixException e) {
            return null;
        }
        int t = residual.visits().size();
        double[][] sum = new double[t][t];
        int[][] count = new int[t][t];
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
        double[][] cov = new double[t][t];
        for (int j = 0; j < t; j++) {
            for (int k = 0; k < t; k++) {
                cov[j][k] = count[j][k] > 1 ? sum[j][k] / count[j][k] : 0;
            }
            if (!(cov[j][j] > 0)) {
                return null;
            }
        }
        // shrink the correlations until the matrix is positive definite (pairwise covariances need not be)
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

    /** Diagonal thetas are >= 0; the residual parameters are unconstrained (bounded at +-10 for the search). */
    public double[] lowerBounds() {
        double[] lower = new double[parameterCount()];
        int at = 0;
        for (RandomEffectTerm t : terms) {
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    lower[at++] = r == c ? 0 : Double.NEGATIVE_INFINITY;
                }
            }
        }
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

    private List<Pattern> patterns() {
        Map<String, List<int[]>> byPattern = new java.util.LinkedHashMap<>();
        for (int[] rows : rowsBySubject) {
            byPattern.computeIfAbsent(pattern(rows), k -> new ArrayList<>()).add(rows);
        }
        double[][] x = design.fixed().columns();
        double[] y = design.response();
        List<Pattern> result = new ArrayList<>();
        for (List<int[]> subjects : byPattern.values()) {
            int m = subjects.get(0).length;
            double[][][][] cxx = new double[m][m][p][p];
            double[][][] cxy = new double[m][m][p];
            double[][] cyy = new double[m][m];
            for (int[] rows : subjects) {
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        int rj = rows[j];
                        int rk = rows[k];
                        cyy[j][k] += y[rj] * y[rk];
                        for (int a = 0; a < p; a++) {
                            cxy[j][k][a] += x[a][rj] * y[rk];
                            for (int b = 0; b < p; b++) {
                                cxx[j][k][a][b] += x[a][rj] * x[b][rk];
                            }
                        }
                    }
                }
            }
            int[] position = new int[m];
            for (int j = 0; j < m; j++) {
                position[j] = residual.position()[subjects.get(0)[j]];
            }
            result.add(new Pattern(position, subjects.size(), cxx, cxy, cyy));
        }
        return result;
    }

    /** The profiled criterion at x, or null where a covariance matrix is not positive definite. */
    Evaluation evaluate(double[] x) {
        double[][] lambda = lambda(x);
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);
        double[][] xtx = new double[p][p];
        double[] xty = new double[p];
        double yty = 0;
        double logDet = 0;
        double[][] fixed = design.fixed().columns();
        double[] y = design.response();
        if (patterns != null) {
            for (Pattern pat : patterns) {
                int m = pat.position().length;
                double[][] sm = new double[m][m];
                structure.covariance(a, pat.position(), new double[m], sm);
                double[][] l = SmallMatrices.cholesky(sm, PIVOT_TOLERANCE);
                if (l == null) {
                    return null;
                }
                double[][] w = SmallMatrices.inverseFromCholesky(l);
                for (int j = 0; j < m; j++) {
                    logDet += 2 * pat.count() * Math.log(l[j][j]);
                    for (int k = 0; k < m; k++) {
                        double wjk = w[j][k];
                        yty += wjk * pat.cyy()[j][k];
                        double[] cxy = pat.cxy()[j][k];
                        double[][] cxx = pat.cxx()[j][k];
                        for (int r = 0; r < p; r++) {
                            xty[r] += wjk * cxy[r];
                            for (int c = 0; c <= r; c++) {
                                xtx[r][c] += wjk * cxx[r][c];
                            }
                        }
                    }
                }
            }
        }
        for (int[] rows : patterns != null ? new int[0][] : rowsBySubject) {
            int m = rows.length;
            double[][] l = SmallMatrices.cholesky(subjectCovariance(rows, lambda, a), PIVOT_TOLERANCE);
            if (l == null) {
                return null;
            }
            for (int j = 0; j < m; j++) {
                logDet += 2 * Math.log(l[j][j]);
            }
            double[][] wx = new double[m][p];
            double[] wy = new double[m];
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < p; c++) {
                    wx[j][c] = fixed[c][rows[j]];
                }
                wy[j] = y[rows[j]];
            }
            forwardSolve(l, wx, wy);
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
        RealMatrix xtxm = MatrixUtils.createRealMatrix(xtx);
        CholeskyDecomposition chol;
        try {
            chol = new CholeskyDecomposition(xtxm, 1e-12, 1e-14);
        } catch (NonPositiveDefiniteMatrixException ex) {
            return null;
        }
        double[] beta = chol.getSolver().solve(MatrixUtils.createRealVector(xty)).toArray();
        double rss = yty;
        for (int r = 0; r < p; r++) {
            rss -= beta[r] * xty[r];
        }
        double objective;
        double sigma2;
        double logDetXtvx = Math.log(chol.getDeterminant());
        if (reml) {
            int df = n - p;
            sigma2 = rss / df;
            objective = logDet + logDetXtvx + df * (1 + Math.log(2 * Math.PI * sigma2));
        } else {
            sigma2 = rss / n;
            objective = logDet + n * (1 + Math.log(2 * Math.PI * sigma2));
        }
        return new Evaluation(objective, beta, sigma2, xtx, logDet, logDetXtvx);
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
        double[][] v = new double[m][m];
        structure.covariance(a, position, time, v);
        if (q > 0) {
            double[][] zl = zLambda(rows, lambda);
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
        }
        return v;
    }

    /** Z_i Lambda: each row's random-effect columns times the relative Cholesky factor. */
    double[][] zLambda(int[] rows, double[][] lambda) {
        int m = rows.length;
        double[][] z = z(rows);
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

    /** The block-diagonal relative Cholesky factor from the thetas (column-major lower triangle per term). */
    double[][] lambda(double[] x) {
        double[][] lambda = new double[q][q];
        int at = 0;
        int offset = 0;
        for (RandomEffectTerm t : terms) {
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    lambda[offset + r][offset + c] = x[at++];
                }
            }
            offset += t.k();
        }
        return lambda;
    }

    private String pattern(int[] rows) {
        StringBuilder b = new StringBuilder();
        for (int r : rows) {
            b.append(residual.position()[r]).append(',');
        }
        return b.toString();
    }

    private static void forwardSolve(double[][] l, double[][] x, double[] y) {
        int m = l.length;
        int p = x.length == 0 ? 0 : x[0].length;
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < j; k++) {
                y[j] -= l[j][k] * y[k];
                for (int c = 0; c < p; c++) {
                    x[j][c] -= l[j][k] * x[k][c];
                }
            }
            y[j] /= l[j][j];
            for (int c = 0; c < p; c++) {
                x[j][c] /= l[j][j];
            }
        }
    }

    /** The fit, reporting each objective evaluation to {@code monitor}; {@link LinearMixedModel#fit} calls it. */
    static FitResult fit(Design design, FitOptions options, FitMonitor monitor) {
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, options.method() == FitOptions.Method.REML);
        int[] evaluations = {0};
        MultivariateFunction watched = x -> {
            double value = model.value(x);
            monitor.objectiveEvaluated(++evaluations[0], value);
            return value;
        };
        OptimizerSummary opt = ThetaOptimizer.minimize(watched, model.initial(), model.lowerBounds());
        return model.assemble(options, opt);
    }

    /**
     * The result at the optimum. The random effects are the BLUPs b_i = D Z_i' V_i^-1 (y_i - X_i beta) with
     * conditional variance D - D Z_i' V_i^-1 Z_i D (Pinheiro and Bates 2000, sec. 2.2.3; beta taken as known,
     * as lme4's condVar), computed per subject.
     */
    private FitResult assemble(FitOptions options, OptimizerSummary opt) {
        double[] x = opt.theta();
        Evaluation e = evaluate(x);
        if (e == null) {
            throw new MixedModelException("The residual covariance is not positive definite at the optimum.");
        }
        double sigma2 = e.sigma2();
        double sigma = Math.sqrt(sigma2);
        double[] beta = e.beta();
        double[][] cov = MatrixUtils.inverse(MatrixUtils.createRealMatrix(e.xtvx())).scalarMultiply(sigma2).getData();
        List<FixedEffect> fixed = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            double se = Math.sqrt(cov[i][i]);
            fixed.add(new FixedEffect(design.fixed().names().get(i), beta[i], se, beta[i] / se));
        }
        double[] theta = java.util.Arrays.copyOf(x, thetaCount);
        double[] a = java.util.Arrays.copyOfRange(x, thetaCount, x.length);

        double[][] fixedCols = design.fixed().columns();
        double[] y = design.response();
        double[] population = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                population[i] += fixedCols[j][i] * beta[j];
            }
        }
        double[] conditional = population.clone();
        List<RandomEffect> ranef = new ArrayList<>();
        if (q > 0) {
            double[][] lambda = lambda(x);
            int subjects = rowsBySubject.length;
            double[][] blup = new double[subjects][];
            double[][] condVar = new double[subjects][];
            for (int s = 0; s < subjects; s++) {
                int[] rows = rowsBySubject[s];
                int m = rows.length;
                double[][] w = SmallMatrices.inverseFromCholesky(
                        SmallMatrices.cholesky(subjectCovariance(rows, lambda, a), PIVOT_TOLERANCE));
                double[][] zl = zLambda(rows, lambda);
                // u = Lambda' Z' W r and Var(u | y) / sigma^2 = I - Lambda' Z' W Z Lambda, then b = Lambda u
                double[] wr = new double[m];
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        wr[j] += w[j][k] * (y[rows[k]] - population[rows[k]]);
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
                blup[s] = new double[q];
                condVar[s] = new double[q];
                for (int r = 0; r < q; r++) {
                    for (int c = 0; c < q; c++) {
                        blup[s][r] += lambda[r][c] * u[c];
                        for (int d = 0; d < q; d++) {
                            condVar[s][r] += lambda[r][c] * vu[c][d] * lambda[r][d] * sigma2;
                        }
                    }
                }
                double[][] z = z(rows);
                for (int j = 0; j < m; j++) {
                    for (int c = 0; c < q; c++) {
                        conditional[rows[j]] += z[j][c] * blup[s][c];
                    }
                }
            }
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
        }
        double[] residuals = new double[n];
        for (int i = 0; i < n; i++) {
            residuals[i] = y[i] - conditional[i];
        }

        Map<String, Integer> ngroups = new java.util.LinkedHashMap<>();
        ngroups.put(residual.subject().name(), rowsBySubject.length);
        double[] lower = java.util.Arrays.copyOf(lowerBounds(), thetaCount);
        boolean singular = LinearMixedModel.isSingular(theta, lower, terms);
        List<String> warnings = new ArrayList<>(design.warnings());
        if (singular) {
            warnings.add("boundary (singular) fit: a random-effect variance is estimated as 0 or a correlation as +-1;"
                    + " the random-effects structure may be too complex for the data.");
        }
        if (!opt.converged()) {
            warnings.add("Model failed to converge: " + opt.message() + ".");
        }
        // Parameters counted as nlme's logLik df; BIC uses n - p observations for REML, as nlme.
        int k = parameterCount() + p + 1;
        int nEff = reml ? n - p : n;
        double objective = e.objective();
        ResidualFit residualFit = new ResidualFit(residual.structure(), residual.timeName(), residual.subject().name(),
                residual.visits(), a, structure.describe(a, sigma2));
        return new FitResult(design, options.method(), n, ngroups, theta, sigma, -objective / 2, objective,
                objective + 2 * k, objective + Math.log(nEff) * k, singular, fixed, cov,
                LinearMixedModel.varCorr(terms, theta, sigma), ranef, conditional, population, residuals, opt, warnings,
                residualFit);
    }

    /** The label of the s-th subject block (blocks are the subject factor's levels, in order). */
    private String subjectLevel(int s) {
        return residual.subject().levels().get(s);
    }
}
