package org.mixedmodels.engine.fit;

import java.util.List;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;

/**
 * Fits a linear mixed model by REML or ML, as lme4's {@code lmer}: a short driver over the pipeline's
 * steps, each usable alone: {@link FormulaParser} (parse) -> {@link Design} (model frame, X, random
 * terms) -> {@link ProfiledDeviance} (objective of theta, its bounds and start from {@link ThetaLayout}) ->
 * {@link ThetaOptimizer#minimizePolished} (coarse optimizer, then {@link NewtonPolish} steps) -> the solutions at
 * the optimum's factor ({@link FactorSolutions}) -> the result ({@link FitAssembly}). Models with a residual
 * covariance term within subject are fitted by {@link ResidualCovarianceModel} and give the same kind of result.
 */
public final class LinearMixedModel {
    /** lme4's {@code isSingular} tolerance on the diagonal thetas ({@link FitAssembly#DEFAULT_SINGULAR_TOLERANCE}). */
    public static final double DEFAULT_SINGULAR_TOLERANCE = FitAssembly.DEFAULT_SINGULAR_TOLERANCE;

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
        MultivariateFunction watched = monitor.watching(deviance, new int[1]);
        // The optimizer works on theta relative to each random-effect column's scale (its root mean square), so
        // that the start, the trust region and the boundary checks mean the same for a slope per second as per
        // year; theta itself (lme4's) is that divided by the column's scale.
        double[] scale = thetaScales(design);
        MultivariateFunction unitFree = scaledTheta -> watched.value(ThetaLayout.divide(scaledTheta, scale));
        OptimizerSummary scaled = ThetaOptimizer.minimizePolished(unitFree, deviance.initialTheta(),
                deviance.lowerBounds());
        OptimizerSummary opt = new OptimizerSummary(scaled.optimizer(), ThetaLayout.divide(scaled.initialTheta(), scale),
                ThetaLayout.divide(scaled.theta(), scale), scaled.objective(), scaled.evaluations(), scaled.converged(),
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

    /** {@link #thetaScales(Design)} from the terms' rows ({@link ThetaLayout#scales}). */
    public static double[] thetaScales(List<RandomEffectTerm> terms) {
        return ThetaLayout.of(terms).scales();
    }

    /**
     * The result at the optimum (lme4's {@code mkMerMod}): the factor at the optimum's theta (the current one when the
     * last evaluation was there), its solutions
     * ({@link FactorSolutions}: beta, b, cov(beta) / sigma^2, the conditional variances), sigma^2 = r^2 / (n - p)
     * (REML) or r^2 / n (ML), packaged by {@link FitAssembly}.
     */
    static FitResult assemble(Design design, FitOptions options, ProfiledDeviance deviance, OptimizerSummary opt) {
        double[] theta = opt.theta();
        // the optimizer's last evaluation is usually its optimum (BOBYQA's best point, or the Newton polish's accepted
        // step): that factor is the one to read, and factoring the same theta again would give the same numbers
        if (!deviance.factoredAt(theta) && !deviance.factor(theta)) {
            throw new org.mixedmodels.engine.MixedModelException(
                    "The model could not be factored at the optimum; the design is numerically singular.");
        }
        boolean reml = deviance.reml();
        int n = deviance.nobs();
        int p = deviance.fixedCount();
        double objective = deviance.objective();
        double sigma = Math.sqrt(deviance.pwrss() / (reml ? n - p : n));
        FactorSolutions solutions = deviance.solutions();
        double[][] solution = solutions.solve();
        double[] beta = solution[0];
        double[][] unscaled = solutions.unscaledFixedCovariance();
        double[][] b = solutions.randomEffectsByBlock(solution[1], solution[2]);
        List<RandomEffect> ranef = solutions.randomEffects(b, sigma);
        // a design from statistics alone has no rows, so no fitted values or residuals
        double[] population = FitAssembly.population(design.fixed().columns(), beta, design.response().length);
        double[] conditional = solutions.conditional(population, b);
        // on the unit-free scale of the optimizer (see fit), so that a slope per second is not "singular"
        boolean singular = FitAssembly.isSingular(ThetaLayout.times(theta, thetaScales(design)),
                deviance.lowerBounds());
        return FitAssembly.assemble(design, options, opt, new FitAssembly.Estimates(n,
                FitAssembly.ngroups(design.randomTerms()), theta, sigma, objective, p + theta.length + 1, n, beta,
                unscaled, sigma * sigma, ranef, population, conditional, singular, List.of(), null));
    }

    /** {@link FitAssembly#varCorr}: lme4's {@code as.data.frame(VarCorr(m))}. */
    public static List<VarCorrRow> varCorr(List<RandomEffectTerm> terms, double[] theta, double sigma) {
        return FitAssembly.varCorr(terms, theta, sigma);
    }
}
