package org.mixedmodels.engine.prediction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.GlmmResult;
import org.mixedmodels.engine.glmm.GlmFamily;
import org.mixedmodels.engine.glmm.Link;

/**
 * A fitted GLMM as a model port carries it: the linear predictor (formula, factor levels, beta and its covariance,
 * the conditional modes per grouping factor; {@link FittedModel} with {@code sigma} 1, as lme4's {@code sigma()} of a
 * binomial or Poisson fit) and what turns it into the response: the family and link, and the columns of the trials
 * and the offset.
 *
 * @param linearPredictor the coefficients and modes; its {@code method} is glmer's ({@code Laplace} or {@code AGQ})
 * @param family {@code binomial} or {@code poisson}
 * @param link {@code logit}, {@code probit}, {@code cloglog} or {@code log}
 * @param trials the trials column of a successes/trials binomial response, or null
 * @param offset the offset column, or null
 * @param nAGQ 1 for Laplace, the number of quadrature points otherwise
 */
public record GlmmModel(FittedModel linearPredictor, String family, String link, String trials, String offset,
        int nAGQ) {

    public GlmmModel {
        new GlmFamily(Family.of(family), Link.of(link)); // refuses a family and link that do not go together
    }

    /**
     * Extracts the model from a fit: the linear predictor as {@link FittedModel#of} does for a linear model (factor
     * levels, beta and lme4's {@code vcov}, per grouping factor Lambda Lambda' and the conditional modes with their
     * SDs), method {@code Laplace} or {@code AGQ}, sigma 1, statistics nobs, logLik, AIC, BIC, objective (the
     * deviance), df_resid, overdispersion_ratio, singular, converged.
     *
     * @param options the fit's options (for the trials and offset columns)
     */
    public static GlmmModel of(GlmmResult fit, GlmmOptions options) {
        Design design = fit.design();
        List<FittedModel.Group> groups = new ArrayList<>();
        for (GlmmResult.Group g : fit.groups()) {
            groups.add(new FittedModel.Group(g.name(), List.of(g.name().split(":")), g.columns(), g.covariance(),
                    g.levels(), g.modes(), g.conditionalSd()));
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("nobs", (double) fit.nobs());
        stats.put("logLik", fit.logLik());
        stats.put("AIC", fit.aic());
        stats.put("BIC", fit.bic());
        stats.put("objective", fit.deviance());
        stats.put("df_resid", (double) fit.dfResid());
        stats.put("overdispersion_ratio", fit.overdispersionRatio());
        stats.put("singular", fit.singular() ? 1.0 : 0.0);
        stats.put("converged", fit.converged() ? 1.0 : 0.0);
        FittedModel linear = new FittedModel(design.frame().formula().source(), fit.method(),
                FittedModel.factorLevels(design), design.fixed().names(), fit.beta(), fit.fixedCovariance(), groups, 1.0,
                stats, null);
        return new GlmmModel(linear, fit.family(), fit.link(), options.trials(), options.offset(), fit.nAGQ());
    }

    /** The family with its link, as the engine computes with it. */
    public GlmFamily glmFamily() {
        return new GlmFamily(Family.of(family), Link.of(link));
    }
}
