package org.mixedmodels.engine.glmm;

import java.util.Map;

/**
 * @param family binomial or Poisson
 * @param link the link (null: the family's canonical link)
 * @param trials the trials column for a binomial successes/trials response, or null for a 0/1 response
 * @param offset an offset column on the link scale, or null
 * @param nAGQ 1 for the Laplace approximation, more for adaptive Gauss-Hermite with that many nodes (lme4 allows
 *     it for one scalar random-effects term only, as here)
 * @param referenceLevels reference levels of categorical columns (as the linear models take them)
 */
public record GlmmOptions(Family family, Link link, String trials, String offset, int nAGQ,
        Map<String, String> referenceLevels) {

    public GlmmOptions {
        if (nAGQ < 1 || nAGQ > 100) {
            throw new IllegalArgumentException("nAGQ must be between 1 (Laplace) and 100 (lme4 takes up to 100), not " + nAGQ
                    + ". (nAGQ = 0, glmer's fast PIRLS-only fit, is not offered here.)");
        }
        referenceLevels = referenceLevels == null ? Map.of() : Map.copyOf(referenceLevels);
    }

    public static GlmmOptions of(Family family) {
        return new GlmmOptions(family, null, null, null, 1, Map.of());
    }

    public GlmmOptions withLink(Link l) {
        return new GlmmOptions(family, l, trials, offset, nAGQ, referenceLevels);
    }

    public GlmmOptions withTrials(String column) {
        return new GlmmOptions(family, link, column, offset, nAGQ, referenceLevels);
    }

    public GlmmOptions withOffset(String column) {
        return new GlmmOptions(family, link, trials, column, nAGQ, referenceLevels);
    }

    public GlmmOptions withNAGQ(int k) {
        return new GlmmOptions(family, link, trials, offset, k, referenceLevels);
    }

    GlmFamily glmFamily() {
        return new GlmFamily(family, link == null ? family.defaultLink() : link);
    }
}
