package org.mixedmodels.engine.fit;

import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.design.Design;

/**
 * A fitted linear mixed model (lme4's {@code merMod}): estimates, variance components, conditional
 * modes, fit statistics and the design they came from.
 *
 * @param design the design fitted (response, X, random-effects terms)
 * @param method REML or ML
 * @param nobs rows used
 * @param ngroups levels per grouping factor, in lme4's order
 * @param theta lme4's relative covariance factor parameters
 * @param sigma residual standard deviation
 * @param logLik log-likelihood (the REML log-likelihood for REML fits, as lme4)
 * @param objective REML criterion or deviance: -2 logLik
 * @param aic Akaike's criterion, objective + 2 (parameters)
 * @param bic Schwarz's criterion, objective + log(n) (parameters)
 * @param singular whether the fit is on the boundary (an SD of 0 or a correlation of +-1)
 * @param fixedEffects coefficients with SE and t
 * @param fixedCovariance covariance matrix of the coefficients
 * @param varCorr variance components, residual last
 * @param randomEffects conditional modes per group, term and level
 * @param fittedConditional fitted values including the random effects
 * @param fittedPopulation fitted values from the fixed effects alone
 * @param residuals response minus conditional fitted values
 * @param optimizer what the optimizer did
 * @param warnings messages for the user (rows left out, dropped columns, boundary fit, ...)
 * @param residual the residual covariance structure within subject, or null for independent residuals
 */
public record FitResult(Design design, FitOptions.Method method, int nobs, Map<String, Integer> ngroups,
        double[] theta, double sigma, double logLik, double objective, double aic, double bic, boolean singular,
        List<FixedEffect> fixedEffects, double[][] fixedCovariance, List<VarCorrRow> varCorr,
        List<RandomEffect> randomEffects, double[] fittedConditional, double[] fittedPopulation, double[] residuals,
        OptimizerSummary optimizer, List<String> warnings, ResidualFit residual) {

    /**
     * Number of estimated parameters counted by logLik's df: fixed effects, theta, sigma and the residual
     * structure's parameters.
     */
    public int parameterCount() {
        return fixedEffects.size() + theta.length + 1 + (residual == null ? 0 : residual.parameters().length);
    }

    public double[] beta() {
        return fixedEffects.stream().mapToDouble(FixedEffect::estimate).toArray();
    }

    public boolean converged() {
        return optimizer.converged();
    }
}
