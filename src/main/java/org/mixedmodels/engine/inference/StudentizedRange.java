package org.mixedmodels.engine.inference;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;

/**
 * The studentized range distribution (R's {@code ptukey}), for Tukey-adjusted p-values, by direct
 * numerical integration of its definition (Hartley 1942; Copenhaver and Holland 1988): the range of
 * k standard normals is below w with probability
 * {@code W(w) = k int phi(z) [Phi(z + w) - Phi(z)]^(k-1) dz}, and
 * {@code P(Q <= q) = int g(s) W(q s) ds} over s = sqrt(chi^2_df / df). Both integrals use
 * Gauss-Legendre rules on subintervals that cover all but a negligible mass. Commons Math has no
 * implementation of this distribution.
 */
public final class StudentizedRange {
    /** Gauss-Legendre points per subinterval. */
    private static final int POINTS = 8;
    private static final GaussIntegrator UNIT = new GaussIntegratorFactory().legendre(POINTS, 0, 1);
    /** The inner integral over z covers [-Z_LIMIT, Z_LIMIT], outside which phi is below 1e-19. */
    private static final double Z_LIMIT = 9;
    private static final int Z_INTERVALS = 24;
    private static final int S_INTERVALS = 32;
    /** Above this df the chi factor is taken as 1. */
    private static final double LARGE_DF = 1e5;

    private StudentizedRange() {
    }

    /** P(Q > q) for k means and df degrees of freedom (infinite df allowed). */
    public static double upperTail(double q, int k, double df) {
        if (k < 2) {
            return Double.NaN;
        }
        if (q <= 0) {
            return 1;
        }
        if (k == 2) {
            // The range of two means is sqrt(2) |t|: exactly the unadjusted two-sided p, which the integral
            // (1 - cdf) would lose in its far tail.
            double t = q / Math.sqrt(2);
            return Double.isInfinite(df) ? Erf.erfc(t / Math.sqrt(2)) : Satterthwaite.twoSidedP(t, df);
        }
        return Math.max(0, 1 - cdf(q, k, df));
    }

    /** P(Q <= q). */
    public static double cdf(double q, int k, double df) {
        return cdf(q, (double) k, df);
    }

    /**
     * P(Q <= q) for a real number of means k, as R's {@code ptukey} takes it (the defining integral holds for any
     * k > 1); emmeans' Dunnett approximation calls it with k = (1 + sqrt(1 + 8 m)) / 2 for m comparisons.
     */
    public static double cdf(double q, double k, double df) {
        if (q <= 0) {
            return 0;
        }
        if (Double.isInfinite(df) || df > LARGE_DF) {
            return rangeCdf(q, k);
        }
        ChiSquaredDistribution chi = new ChiSquaredDistribution(null, df);
        double lo = Math.sqrt(chi.inverseCumulativeProbability(1e-14) / df);
        double hi = Math.sqrt(chi.inverseCumulativeProbability(1 - 1e-14) / df);
        double logNorm = (df / 2) * Math.log(df) - Gamma.logGamma(df / 2) - (df / 2 - 1) * Math.log(2);
        double width = (hi - lo) / S_INTERVALS;
        double sum = 0;
        for (int i = 0; i < S_INTERVALS; i++) {
            double a = lo + i * width;
            for (int j = 0; j < POINTS; j++) {
                double s = a + width * UNIT.getPoint(j);
                double density = Math.exp(logNorm + (df - 1) * Math.log(s) - df * s * s / 2);
                sum += width * UNIT.getWeight(j) * density * rangeCdf(q * s, k);
            }
        }
        return Math.min(1, sum);
    }

    /** W(w): the probability that the range of k standard normals is below w. */
    static double rangeCdf(double w, double k) {
        double width = 2 * Z_LIMIT / Z_INTERVALS;
        double sum = 0;
        for (int i = 0; i < Z_INTERVALS; i++) {
            double a = -Z_LIMIT + i * width;
            for (int j = 0; j < POINTS; j++) {
                double z = a + width * UNIT.getPoint(j);
                double inside = normalCdf(z + w) - normalCdf(z);
                if (inside <= 0) {
                    continue;
                }
                sum += width * UNIT.getWeight(j) * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * Math.pow(inside, k - 1);
            }
        }
        return Math.min(1, k * sum);
    }

    private static double normalCdf(double x) {
        return 0.5 * Erf.erfc(-x / Math.sqrt(2));
    }
}
