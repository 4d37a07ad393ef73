package org.mixedmodels.engine.inference;

/**
 * A fixed-effect coefficient's test and confidence interval under a df method: estimate, SE (the
 * adjusted SE under Kenward-Roger), df (infinite for z tests), t, two-sided p and the interval.
 */
public record CoefficientTest(String term, double estimate, double se, double df, double t, double p, double lower,
        double upper) {
}
