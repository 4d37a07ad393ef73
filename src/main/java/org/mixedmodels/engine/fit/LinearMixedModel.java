package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;

/**
 * Fits a linear mixed model by REML or ML, as lme4's {@code lmer}: a short driver over the pipeline's
 * steps, each usable alone: {@link FormulaParser} (parse) -> {@link Design} (model frame, X, random
 * terms) -> {@link ProfiledDeviance} (objective of theta) -> {@link ThetaOptimizer} -> the result,
 * assembled here from the factor at the optimum. Models with a residual covariance term within subject are
 * fitted by {@link ResidualCovarianceModel} and give the same kind of result.
 */
public final class LinearMixedModel {
    /** lme4's {@code isSingular} tolerance on the diagonal thetas. */
    public static final double DEFAULT_SINGULAR_TOLERANCE = 1e-4;

    private LinearMixedModel() {
    }

    public static FitResult fit(String formula, DataFrame data, FitOptions options) {
        return fit(FormulaParser.parse(formula), data, options);
    }

    /** A fit of a formula whose optimizer reports every objective evaluation to {@code monitor}. */
    public static FitResult fit(String formula, DataFrame data, FitOptions options, FitMonitor monitor) {
        return fit(Design.build(FormulaParser.parse(formula), data, options.referenceLevels(), options.levelOrders()),
                options, monitor);
    }

    public static FitResult fit(Formula formula, DataFrame data, FitOptions options) {
        return fit(Design.build(formula, data, options.referenceLevels(), options.levelOrders()), options);
    }

    public static FitResult fit(Design design, FitOptions options) {
        return fit(design, options, FitMonitor.NONE);
    }

    /** A fit whose optimizer reports every objective evaluation to {@code monitor} (progress, cancel). */
    public static FitResult fit(Design design, FitOptions options, FitMonitor monitor) {
        if (design.residual() != null) {
            if (design.statistics() != null) {
                throw new org.mixedmodels.engine.MixedModelException(
                        org.mixedmodels.engine.design.CrossProducts.residualRefusal());
            }
            return ResidualCovarianceModel.fit(design, options, monitor);
        }
        ProfiledDeviance deviance = new ProfiledDeviance(design, options.method() == FitOptions.Method.REML);
        int[] evaluations = {0};
        MultivariateFunction watched = theta -> {
            double value = deviance.value(theta);
            monitor.objectiveEvaluated(++evaluations[0], value);
            return value;
        };
        // The optimizer works on theta relative to each random-effect column's scale (its root mean square), so
        // that the start, the trust region and the boundary checks mean the same for a slope per second as per
        // year; theta itself (lme4's) is that divided by the column's scale.
        double[] scale = thetaScales(design);
        MultivariateFunction unitFree = scaledTheta -> watched.value(divide(scaledTheta, scale));
        OptimizerSummary scaled = ThetaOptimizer.polished(unitFree,
                ThetaOptimizer.minimize(unitFree, deviance.initialTheta(), deviance.lowerBounds()), deviance.lowerBounds());
        OptimizerSummary opt = new OptimizerSummary(scaled.optimizer(), divide(scaled.initialTheta(), scale),
                divide(scaled.theta(), scale), scaled.objective(), scaled.evaluations(), scaled.converged(),
                scaled.message());
        return assemble(design, options, deviance, opt);
    }

    /**
     * Per theta element (lme4's order: term by term, the lower triangle column by column), the root mean square
     * of the random-effect column of its row; 1 for an intercept.
     */
    public static double[] thetaScales(Design design) {
        return design.statistics() != null ? design.statistics().thetaScales() : thetaScales(design.randomTerms());
    }

    /** {@link #thetaScales(Design)} from the terms' rows. */
    public static double[] thetaScales(List<RandomEffectTerm> terms) {
        List<Double> scales = new ArrayList<>();
        for (RandomEffectTerm t : terms) {
            double[][] z = t.model().columns();
            double[] rms = new double[t.k()];
            for (int r = 0; r < t.k(); r++) {
                double ss = 0;
                for (double v : z[r]) {
                    ss += v * v;
                }
                rms[r] = ss > 0 ? Math.sqrt(ss / z[r].length) : 1;
            }
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    scales.add(rms[r]);
                }
            }
        }
        return scales.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] divide(double[] x, double[] by) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / by[i];
        }
        return out;
    }

    /** The result at the optimum (lme4's {@code mkMerMod}). */
    static FitResult assemble(Design design, FitOptions options, ProfiledDeviance deviance, OptimizerSummary opt) {
        double[] theta = opt.theta();
        if (!deviance.factor(theta)) {
            throw new org.mixedmodels.engine.MixedModelException(
                    "The model could not be factored at the optimum; the design is numerically singular.");
        }
        boolean reml = deviance.reml();
        int n = deviance.nobs();
        int p = deviance.fixedCount();
        double objective = deviance.objective();
        double sigma = Math.sqrt(deviance.pwrss() / (reml ? n - p : n));
        double[][] solution = deviance.solve();
        double[] beta = solution[0];

        double[][] unscaled = deviance.unscaledFixedCovariance();
        double[][] vcov = new double[p][p];
        List<FixedEffect> fixed = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                vcov[i][j] = sigma * sigma * unscaled[i][j];
            }
            double se = Math.sqrt(vcov[i][i]);
            fixed.add(new FixedEffect(design.fixed().names().get(i), beta[i], se, beta[i] / se));
        }

        List<ReBlock> blocks = deviance.blocks();
        double[][] b = deviance.randomEffectsByBlock(solution[1], solution[2]);
        List<RandomEffect> ranef = deviance.randomEffects(b, sigma);

        double[][] x = design.fixed().columns();
        double[] y = design.response();
        // a design from statistics alone has no rows, so no fitted values or residuals
        int rows = y.length;
        double[] population = new double[rows];
        double[] conditional = new double[rows];
        double[] residuals = new double[rows];
        for (int i = 0; i < rows; i++) {
            double eta = 0;
            for (int j = 0; j < p; j++) {
                eta += x[j][i] * beta[j];
            }
            population[i] = eta;
            for (int bl = 0; bl < blocks.size(); bl++) {
                ReBlock blk = blocks.get(bl);
                int base = blk.grouping.code(i) * blk.k;
                for (int c = 0; c < blk.k; c++) {
                    eta += blk.columns[c][i] * b[bl][base + c];
                }
            }
            conditional[i] = eta;
            residuals[i] = y[i] - eta;
        }

        List<RandomEffectTerm> terms = design.randomTerms();
        Map<String, Integer> ngroups = new LinkedHashMap<>();
        for (RandomEffectTerm t : terms) {
            ngroups.putIfAbsent(t.groupName(), t.levelCount());
        }
        List<VarCorrRow> varCorr = varCorr(terms, theta, sigma);
        // on the unit-free scale of the optimizer (see fit), so that a slope per second is not "singular"
        double[] scale = thetaScales(design);
        double[] unitFree = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            unitFree[i] = theta[i] * scale[i];
        }
        boolean singular = isSingular(unitFree, deviance.lowerBounds(), terms);
        int df = p + theta.length + 1;
        List<String> warnings = new ArrayList<>(design.warnings());
        if (singular) {
            warnings.add("boundary (singular) fit: a random-effect variance is estimated as 0 or a correlation as +-1;"
                    + " the random-effects structure may be too complex for the data.");
        }
        if (!opt.converged()) {
            warnings.add("Model failed to converge: " + opt.message() + ".");
        }
        return new FitResult(design, options.method(), n, ngroups, theta, sigma, -objective / 2, objective,
                objective + 2 * df, objective + Math.log(n) * df, singular, fixed, vcov, varCorr, ranef, conditional,
                population, residuals, opt, warnings, null);
    }

    /**
     * Variance components per term: Sigma_t = sigma^2 Lambda_t Lambda_t', variances first, then the
     * covariances in the order (1,2), (1,3), (2,3), ..., as lme4's {@code as.data.frame(VarCorr(m))}.
     */
    public static List<VarCorrRow> varCorr(List<RandomEffectTerm> terms, double[] theta, double sigma) {
        List<VarCorrRow> rows = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        int offset = 0;
        for (RandomEffectTerm t : terms) {
            int k = t.k();
            double[] lam = new double[k * k];
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    lam[r * k + c] = theta[offset++];
                }
            }
            double[][] cov = new double[k][k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int u = 0; u < k; u++) {
                        s += lam[r * k + u] * lam[c * k + u];
                    }
                    cov[r][c] = s * sigma * sigma;
                }
            }
            int times = seen.merge(t.groupName(), 1, Integer::sum);
            String group = times == 1 ? t.groupName() : t.groupName() + "." + (times - 1);
            List<String> names = t.columnNames();
            for (int r = 0; r < k; r++) {
                rows.add(new VarCorrRow(group, names.get(r), null, cov[r][r], Math.sqrt(cov[r][r])));
            }
            for (int c = 1; c < k; c++) {
                for (int r = 0; r < c; r++) {
                    double corr = cov[r][c] / Math.sqrt(cov[r][r] * cov[c][c]);
                    rows.add(new VarCorrRow(group, names.get(r), names.get(c), cov[r][c], corr));
                }
            }
        }
        rows.add(new VarCorrRow("Residual", null, null, sigma * sigma, sigma));
        return rows;
    }

    /**
     * lme4's {@code isSingular}: a diagonal theta (relative SD) below the tolerance means a variance
     * of (almost) 0, and with it a correlation of +-1 for the term.
     */
    static boolean isSingular(double[] theta, double[] lower, List<RandomEffectTerm> terms) {
        for (int i = 0; i < theta.length; i++) {
            if (lower[i] == 0.0 && theta[i] < DEFAULT_SINGULAR_TOLERANCE) {
                return true;
            }
        }
        return false;
    }
}
