package org.mixedmodels.engine.prediction;

import org.mixedmodels.engine.glmm.Family;
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

    /** The family with its link, as the engine computes with it. */
    public GlmFamily glmFamily() {
        return new GlmFamily(Family.of(family), Link.of(link));
    }
}
