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
    record Evaluation(double objective, double[] beta, double sigma2, double[][] xtvx, double logDet) {
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
        return x;
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
                double[][] l = cholesky(sm);
                if (l == null) {
                    return null;
                }
                double[][] w = inverseFromCholesky(l);
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
            double[][] l = cholesky(subjectCovariance(rows, lambda, a));
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
        if (reml) {
            int df = n - p;
            sigma2 = rss / df;
            objective = logDet + Math.log(chol.getDeterminant()) + df * (1 + Math.log(2 * Math.PI * sigma2));
        } else {
            sigma2 = rss / n;
            objective = logDet + n * (1 + Math.log(2 * Math.PI * sigma2));
        }
        return new Evaluation(objective, beta, sigma2, xtx, logDet);
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

    /** (L L')^-1 from the lower factor L. */
    private static double[][] inverseFromCholesky(double[][] l) {
        int m = l.length;
        double[][] li = new double[m][m];
        for (int c = 0; c < m; c++) {
            li[c][c] = 1 / l[c][c];
            for (int r = c + 1; r < m; r++) {
                double s = 0;
                for (int k = c; k < r; k++) {
                    s -= l[r][k] * li[k][c];
                }
                li[r][c] = s / l[r][r];
            }
        }
        double[][] w = new double[m][m];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c <= r; c++) {
                double s = 0;
                for (int k = r; k < m; k++) {
                    s += li[k][r] * li[k][c];
                }
                w[r][c] = s;
                w[c][r] = s;
            }
        }
        return w;
    }

    /** Lower Cholesky factor of a small symmetric matrix, or null if it is not positive definite. */
    static double[][] cholesky(double[][] v) {
        int m = v.length;
        double[][] l = new double[m][m];
        for (int j = 0; j < m; j++) {
            double d = v[j][j];
            for (int k = 0; k < j; k++) {
                d -= l[j][k] * l[j][k];
            }
            if (!(d > 1e-12 * Math.abs(v[j][j])) || !Double.isFinite(d)) {
                return null;
            }
            l[j][j] = Math.sqrt(d);
            for (int i = j + 1; i < m; i++) {
                double s = v[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = s / l[j][j];
            }
        }
        return l;
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

    /** The fit: optimum, coefficients and their covariance, variance parameters and criteria. */
    public record Result(double[] parameters, double[] beta, double[][] betaCovariance, double sigma, double logLik,
            double objective, double aic, double bic, int parameterCount, double[][] randomCovariance,
            Map<String, Object> residualStructure, OptimizerSummary optimizer, List<String> fixedNames) {
    }

    public static Result fit(Design design, FitOptions options) {
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, options.method() == FitOptions.Method.REML);
        OptimizerSummary opt = ThetaOptimizer.minimize(model, model.initial(), model.lowerBounds());
        Evaluation e = model.evaluate(opt.theta());
        if (e == null) {
            throw new MixedModelException("The residual covariance is not positive definite at the optimum.");
        }
        RealMatrix inv = MatrixUtils.inverse(MatrixUtils.createRealMatrix(e.xtvx()));
        double[][] cov = inv.scalarMultiply(e.sigma2()).getData();
        int k = model.parameterCount() + model.p + 1;
        double logLik = -e.objective() / 2;
        double[][] lambda = model.lambda(opt.theta());
        double[][] d = new double[model.q][model.q];
        for (int r = 0; r < model.q; r++) {
            for (int c = 0; c < model.q; c++) {
                for (int u = 0; u < model.q; u++) {
                    d[r][c] += lambda[r][u] * lambda[c][u] * e.sigma2();
                }
            }
        }
        double[] a = java.util.Arrays.copyOfRange(opt.theta(), model.thetaCount, opt.theta().length);
        int nEff = model.reml ? model.n - model.p : model.n;
        return new Result(opt.theta(), e.beta(), cov, Math.sqrt(e.sigma2()), logLik, e.objective(),
                e.objective() + 2 * k, e.objective() + Math.log(nEff) * k, k, d,
                model.structure.describe(a, e.sigma2()), opt, new ArrayList<>(design.fixed().names()));
    }
}
