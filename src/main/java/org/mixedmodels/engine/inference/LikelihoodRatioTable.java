package org.mixedmodels.engine.inference;

import java.util.List;

/**
 * A likelihood-ratio table of nested models, as R's {@code anova(m0, m1, ...)} prints it: per model (fewest
 * parameters first) its parameters, AIC, BIC, log-likelihood and deviance, and the test against the model before it
 * (NaN for the first). Linear mixed models ({@link ModelComparison}) and GLMMs share it, so the reports print both
 * the same way.
 */
public interface LikelihoodRatioTable {
    List<String> formulas();

    int nobs();

    int[] npar();

    double[] aic();

    double[] bic();

    double[] logLik();

    double[] deviance();

    double[] chisq();

    int[] df();

    double[] p();
}
