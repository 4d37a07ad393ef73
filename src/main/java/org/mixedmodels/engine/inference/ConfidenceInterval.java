package org.mixedmodels.engine.inference;

/**
 * An interval for one model parameter, named as lme4's {@code confint} names profile rows:
 * {@code sd_(Intercept)|Subject}, {@code cor_Days.(Intercept)|Subject}, {@code sigma}, then the
 * coefficients ({@code (Intercept)}, {@code Days}). NaN bounds mean "not available" (Wald intervals
 * for variance parameters, as lme4 prints NA).
 */
public record ConfidenceInterval(String parameter, double lower, double upper) {
}
