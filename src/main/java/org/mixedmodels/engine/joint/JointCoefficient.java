package org.mixedmodels.engine.joint;

/**
 * One estimated coefficient of a joint model with its Wald test, as JM's {@code summary} prints it.
 *
 * @param term JM's name ({@code (Intercept)}, {@code obstime:drugddI}, {@code Assoct}, {@code log(shape)},
 *     {@code log(xi.1)})
 * @param estimate the maximum likelihood estimate
 * @param se its standard error from the inverse of the numerical Hessian of the log-likelihood
 * @param z estimate / se
 * @param p two-sided p-value from the standard normal
 */
public record JointCoefficient(String term, double estimate, double se, double z, double p) {
}
