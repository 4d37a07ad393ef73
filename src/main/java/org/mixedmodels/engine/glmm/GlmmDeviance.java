package org.mixedmodels.engine.glmm;

import java.util.List;

import org.mixedmodels.engine.fit.RandomEffect;

/**
 * glmer's objective as a function of (theta, beta), with the conditional modes found anew at each evaluation; the
 * state of the last evaluation (modes, linear predictor) is kept for the result.
 */
interface GlmmDeviance {

    /** The deviance at (theta, beta) (+Inf where it cannot be evaluated); leaves the modes of this point. */
    double deviance(double[] theta, double[] beta);

    /** The linear predictor X beta + offset + Z b at the last evaluation. */
    double[] eta();

    /** X beta + offset. */
    double[] fixedPredictor(double[] beta);

    /** The conditional modes with their conditional SDs at the last evaluation. */
    List<RandomEffect> randomEffects();
}
