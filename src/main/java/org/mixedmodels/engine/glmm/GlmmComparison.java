package org.mixedmodels.engine.glmm;

import java.util.List;

/**
 * Likelihood-ratio comparison of nested GLMMs, as lme4's {@code anova(m0, m1)} prints it; see
 * {@link GlmmInference#likelihoodRatio}.
 *
 * @param formulas the models in the order of the table (fewest parameters first)
 * @param nobs rows used (the same for all)
 * @param npar parameters per model (fixed effects and theta)
 * @param aic per model, as its fit
 * @param bic per model
 * @param logLik per model (lme4's logLik)
 * @param deviance per model (-2 logLik)
 * @param chisq the test against the model before it (NaN for the first)
 * @param df its degrees of freedom (0 for the first)
 * @param p its p-value (NaN for the first, or for df 0)
 */
public record GlmmComparison(List<String> formulas, int nobs, int[] npar, double[] aic, double[] bic, double[] logLik,
        double[] deviance, double[] chisq, int[] df, double[] p)
        implements org.mixedmodels.engine.inference.LikelihoodRatioTable {
}
