package org.mixedmodels.engine.glmm;

import java.util.List;
import java.util.Map;

/**
 * @param family binomial or Poisson
 * @param link the link (null: the family's canonical link)
 * @param trials the trials column for a binomial successes/trials response, or null for a 0/1 response
 * @param offset an offset column on the link scale, or null
 * @param nAGQ 1 for the Laplace approximation, more for adaptive Gauss-Hermite with that many nodes (lme4 allows
 *     it for one scalar random-effects term only, as here)
 * @param referenceLevels reference levels of categorical columns (as the linear models take them)
 * @param levelOrders explicit level orders of categorical columns (as {@code FitOptions.levelOrders})
 */
public record GlmmOptions(Family family, Link link, String trials, String offset, int nAGQ,
        Map<String, String> referenceLevels, Map<String, List<String>> levelOrders) {

    public GlmmOptions {
        if (family == null) {
            throw new IllegalArgumentException("A GLMM needs a family (binomial or poisson).");
        }
        if (nAGQ < 1 || nAGQ > 100) {
            throw new IllegalArgumentException("nAGQ must be between 1 (Laplace) and 100 (lme4 takes up to 100), not " + nAGQ
                    + ". (nAGQ = 0, glmer's fast PIRLS-only fit, is not offered here.)");
        }
        referenceLevels = referenceLevels == null ? Map.of() : Map.copyOf(referenceLevels);
        levelOrders = levelOrders == null ? Map.of() : Map.copyOf(levelOrders);
    }

    public GlmmOptions(Family family, Link link, String trials, String offset, int nAGQ,
            Map<String, String> referenceLevels) {
        this(family, link, trials, offset, nAGQ, referenceLevels, Map.of());
    }

    public static GlmmOptions of(Family family) {
        return new GlmmOptions(family, null, null, null, 1, Map.of(), Map.of());
    }

    public GlmmOptions withLink(Link l) {
        return new GlmmOptions(family, l, trials, offset, nAGQ, referenceLevels, levelOrders);
    }

    public GlmmOptions withTrials(String column) {
        return new GlmmOptions(family, link, column, offset, nAGQ, referenceLevels, levelOrders);
    }

    public GlmmOptions withOffset(String column) {
        return new GlmmOptions(family, link, trials, column, nAGQ, referenceLevels, levelOrders);
    }

    public GlmmOptions withNAGQ(int k) {
        return new GlmmOptions(family, link, trials, offset, k, referenceLevels, levelOrders);
    }

    public GlmmOptions withReferenceLevels(Map<String, String> levels) {
        return new GlmmOptions(family, link, trials, offset, nAGQ, levels, levelOrders);
    }

    public GlmmOptions withLevelOrders(Map<String, List<String>> orders) {
        return new GlmmOptions(family, link, trials, offset, nAGQ, referenceLevels, orders);
    }

    /** The family with its link (the canonical one when none is given). */
    public GlmFamily glmFamily() {
        return new GlmFamily(family, link == null ? family.defaultLink() : link);
    }
}
