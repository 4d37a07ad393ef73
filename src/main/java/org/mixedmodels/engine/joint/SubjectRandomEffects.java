package org.mixedmodels.engine.joint;

/**
 * A subject's random effects at the joint-model estimates.
 *
 * @param subject the subject's label
 * @param mode the empirical Bayes mode: the b maximising p(y_i | b) p(T_i, d_i | b) p(b) at the estimates, in the
 *     order of {@link JointFitResult#randomEffectNames()}
 * @param posteriorMean the posterior mean under the fit's quadrature rule (what JM's {@code ranef} reports)
 */
public record SubjectRandomEffects(String subject, double[] mode, double[] posteriorMean) {
}
