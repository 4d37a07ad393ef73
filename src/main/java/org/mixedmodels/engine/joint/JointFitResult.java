package org.mixedmodels.engine.joint;

import java.util.List;

/**
 * A fitted joint model of a longitudinal marker and time to event (JM's {@code jointModel} object and its
 * {@code summary}).
 *
 * @param baseline the baseline hazard
 * @param longitudinal the longitudinal fixed effects beta
 * @param event the event-process coefficients in JM's order: the Weibull {@code (Intercept)}, the baseline
 *     covariates, {@code Assoct} (alpha, the association with the current value m_i(t)), then {@code log(shape)} or
 *     {@code log(xi.1)}...
 * @param randomEffectNames the columns of z ({@code (Intercept)}, {@code obstime})
 * @param randomEffectsCovariance D
 * @param sigma the residual standard deviation of the longitudinal model
 * @param logLik the log-likelihood at the estimates, with JM's quadrature
 * @param aic -2 logLik + 2 parameters
 * @param bic -2 logLik + log(subjects) parameters: JM counts subjects, not measurements, as the sample size
 * @param parameterCount estimated parameters (beta, sigma, event coefficients, the entries of D)
 * @param subjects number of subjects
 * @param nobs number of longitudinal measurements
 * @param events number of events
 * @param knots the internal knots of the piecewise-constant baseline (empty for Weibull)
 * @param ranef per-subject random effects
 * @param predictions dynamic survival predictions at the requested horizons
 * @param parameterNames names of the optimisation parameters (the rows of {@code covariance})
 * @param estimates the optimisation parameters at the estimates (log sigma, Cholesky factor of D with log diagonal)
 * @param covariance inverse of the negative Hessian over the optimisation parameters
 * @param iterations quasi-Newton iterations
 * @param converged whether the optimiser met its tolerance
 * @param ghPoints Gauss-Hermite points per random effect
 * @param seconds wall-clock time of the fit
 * @param warnings messages for the user
 */
public record JointFitResult(Baseline baseline, List<JointCoefficient> longitudinal, List<JointCoefficient> event,
        List<String> randomEffectNames, double[][] randomEffectsCovariance, double sigma, double logLik, double aic,
        double bic, int parameterCount, int subjects, int nobs, int events, double[] knots,
        List<SubjectRandomEffects> ranef, List<SurvivalPrediction> predictions, List<String> parameterNames,
        double[] estimates, double[][] covariance, int iterations, boolean converged, int ghPoints, double seconds,
        List<String> warnings) {

    /** The event coefficient of the given term, e.g. {@code Assoct}. */
    public JointCoefficient eventCoefficient(String term) {
        return event.stream().filter(c -> c.term().equals(term)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no event coefficient " + term));
    }

    /** The longitudinal coefficient of the given term. */
    public JointCoefficient longitudinalCoefficient(String term) {
        return longitudinal.stream().filter(c -> c.term().equals(term)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no longitudinal coefficient " + term));
    }
}
