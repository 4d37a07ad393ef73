package org.mixedmodels.engine.inference;

import org.apache.commons.math3.distribution.FDistribution;
import org.apache.commons.math3.special.Erf;

/**
 * emmeans' {@code dunnettx} adjustment, its default for treatment-versus-control contrasts ({@code trt.vs.ctrl}):
 * an approximation to Dunnett's two-sided many-to-one distribution that needs no multivariate t integral. For m
 * comparisons with a control (emmeans 1.8, {@code .pdunnx}):
 * {@code P(max |t| <= x) ~ w * ptukey(sqrt(2) x, (1 + sqrt(1 + 8 m)) / 2, df) + (1 - w) * pf(x^2, 1, df)^m},
 * with {@code w = (m - 1) / m}: between Tukey's distribution for as many means as give m pairs and Sidak's bound
 * for m independent tests. The adjusted p-value is {@code 1 - P(max |t| <= |t|)}; a single comparison is not
 * adjusted (emmeans leaves a family of one alone).
 */
public final class DunnettApproximation {
    private DunnettApproximation() {
    }

    /**
     * @param t the contrast's t (or z) statistic
     * @param comparisons the number of comparisons with the control in the family (m)
     * @param df the contrast's degrees of freedom (infinite for z)
     * @param unadjusted the contrast's two-sided p-value, returned for a family of one
     */
    public static double adjustedP(double t, int comparisons, double df, double unadjusted) {
        if (comparisons <= 1) {
            return unadjusted;
        }
        double x = Math.abs(t);
        double m = comparisons;
        double weight = (m - 1) / m;
        double tukey = StudentizedRange.cdf(Math.sqrt(2) * x, (1 + Math.sqrt(1 + 8 * m)) / 2, df);
        // pf(x^2, 1, df): P(|t_df| <= x); for infinite df the normal's
        double single = Double.isInfinite(df) ? Erf.erf(x / Math.sqrt(2))
                : new FDistribution(null, 1, df).cumulativeProbability(x * x);
        double sidak = Math.pow(single, m);
        return Math.min(1, Math.max(0, 1 - (weight * tukey + (1 - weight) * sidak)));
    }
}
