package org.mixedmodels.engine.fit;

/** One fixed-effect coefficient in R's naming, with its standard error and t value. */
public record FixedEffect(String term, double estimate, double se, double t) {
}
