package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * Likelihood-ratio comparison of nested models fitted to the same rows, as lme4's {@code anova(m1, m2)}:
 * models ordered by their number of parameters, each compared with the one before it by
 * chi-square = 2 (logLik_2 - logLik_1) on the difference in parameters. REML likelihoods are
 * comparable only between models with the same fixed effects, so REML fits that differ in their
 * fixed effects are refitted by ML first, and the result says so.
 *
 * @param formulas the models, in the order of the table (fewest parameters first)
 * @param method the criterion the table's likelihoods come from
 * @param refitted true when REML fits were refitted by ML
 * @param npar parameters per model (fixed effects, theta, sigma)
 * @param chisq, df, p per model: the test against the model before it (NaN for the first)
 */
public record ModelComparison(List<String> formulas, FitOptions.Method method, boolean refitted, int nobs, int[] npar,
        double[] aic, double[] bic, double[] logLik, double[] deviance, double[] chisq, int[] df, double[] p)
        implements LikelihoodRatioTable {

    public static ModelComparison of(List<String> formulas, DataFrame data, FitOptions options) {
        if (formulas.size() < 2) {
            throw new MixedModelException("A comparison needs at least two models; give --formula twice or more.");
        }
        List<FitResult> fits = new ArrayList<>();
        for (String f : formulas) {
            fits.add(LinearMixedModel.fit(f, data, options));
        }
        return of(formulas, fits, data, options);
    }

    /** The comparison of models already fitted to the same rows (refitted by ML where needed). */
    public static ModelComparison of(List<String> formulas, List<FitResult> fits, DataFrame data, FitOptions options) {
        FitResult first = fits.get(0);
        String response = first.design().frame().formula().response();
        int[] rows = first.design().frame().rows();
        for (int i = 1; i < fits.size(); i++) {
            FitResult f = fits.get(i);
            if (!f.design().frame().formula().response().equals(response)) {
                throw new MixedModelException("The models have different responses ('" + response + "' and '"
                        + f.design().frame().formula().response() + "'); a likelihood-ratio test compares models of the same response.");
            }
            if (!Arrays.equals(rows, f.design().frame().rows())) {
                throw new MixedModelException("The models use different rows (" + first.nobs() + " and " + f.nobs()
                        + " rows after leaving out missing values of their columns); compare models fitted to the same rows, "
                        + "e.g. by removing rows with missing values in any column either model uses.");
            }
        }
        boolean refit = false;
        if (options.method() == FitOptions.Method.REML) {
            List<String> x = first.design().fixed().names();
            for (FitResult f : fits) {
                if (!f.design().fixed().names().equals(x)) {
                    refit = true;
                }
            }
            if (refit) {
                FitOptions ml = options.withMethod(FitOptions.Method.ML);
                List<FitResult> refitted = new ArrayList<>();
                for (FitResult f : fits) {
                    refitted.add(LinearMixedModel.fit(f.design(), ml));
                }
                fits = refitted;
            }
        }
        Integer[] order = new Integer[fits.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<FitResult> fitted = fits;
        Arrays.sort(order, Comparator.comparingInt(i -> fitted.get(i).parameterCount()));
        int m = order.length;
        int[] npar = new int[m];
        double[] aic = new double[m];
        double[] bic = new double[m];
        double[] logLik = new double[m];
        double[] deviance = new double[m];
        double[] chisq = new double[m];
        int[] df = new int[m];
        double[] p = new double[m];
        List<String> names = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            FitResult f = fits.get(order[k]);
            names.add(formulas.get(order[k]));
            npar[k] = f.parameterCount();
            aic[k] = f.aic();
            bic[k] = f.bic();
            logLik[k] = f.logLik();
            deviance[k] = f.objective();
            if (k == 0) {
                chisq[k] = Double.NaN;
                p[k] = Double.NaN;
                continue;
            }
            chisq[k] = Math.max(0, 2 * (logLik[k] - logLik[k - 1]));
            df[k] = npar[k] - npar[k - 1];
            p[k] = df[k] > 0 ? Gamma.regularizedGammaQ(df[k] / 2.0, chisq[k] / 2) : Double.NaN; // upper tail, exact for tiny p
        }
        FitOptions.Method method = refit ? FitOptions.Method.ML : options.method();
        return new ModelComparison(List.copyOf(names), method, refit, first.nobs(), npar, aic, bic, logLik, deviance,
                chisq, df, p);
    }
}
