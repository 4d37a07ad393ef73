package org.mixedmodels.engine.glmm;

import java.util.List;

/**
 * A fitted GLMM with one scalar random intercept, as glmer's summary prints it.
 *
 * @param method {@code Laplace} or {@code AGQ}
 * @param theta the random intercept's SD (for these families without dispersion theta = sigma_b)
 * @param fixed the fixed effects with Wald z tests
 * @param modes the conditional modes b_j = theta u_j per group level, in the factor's level order
 * @param condsd their conditional SDs theta / L_jj, as {@code ranef(condVar = TRUE)}
 * @param logLik lme4's {@code logLik()} (for nAGQ &gt; 1 without the saturated log-likelihood)
 * @param deviance -2 logLik, lme4's printed deviance
 * @param saturatedLogLik the saturated model's log-likelihood
 * @param logLikAbsolute the marginal log-likelihood, logLik + saturatedLogLik for AGQ, logLik for Laplace
 * @param devianceConditional lme4's {@code deviance()}: sum of squared deviance residuals at the modes
 * @param fittedLink eta = X beta + offset + b per row
 * @param fittedResponse the fitted mean per row (probability, rate)
 * @param fittedPopulation the mean at the fixed effects alone (b = 0)
 */
public record GlmmResult(String family, String link, String method, int nAGQ, int nobs, String groupName,
        List<String> levels, double theta, List<Coefficient> fixed, double[] modes, double[] condsd,
        double logLik, double deviance, double aic, double bic, int dfResid, double saturatedLogLik,
        double logLikAbsolute, double aicAbsolute, double bicAbsolute, double devianceConditional,
        double[] fittedLink, double[] fittedResponse, double[] fittedPopulation, int evaluations,
        List<String> warnings) {

    /** A fixed effect with its Wald z test (SE from the Hessian of the deviance over theta and beta). */
    public record Coefficient(String term, double estimate, double se, double z, double p) {
    }

    /** The random intercept's variance theta^2. */
    public double variance() {
        return theta * theta;
    }
}
