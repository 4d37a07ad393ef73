package org.mixedmodels.engine.joint;

/**
 * A dynamic prediction: the probability that a subject is event-free at {@code horizon} given that it was at
 * {@code lastTime}, its last measurement, and given its measurements up to then.
 *
 * @param subject the subject's label
 * @param lastTime t, the time of the subject's last longitudinal measurement
 * @param horizon u, a time after t
 * @param probability P(T > u | T > t, y_i(s), s <= t), first-order estimate (see {@link JointModel})
 */
public record SurvivalPrediction(String subject, double lastTime, double horizon, double probability) {
}
