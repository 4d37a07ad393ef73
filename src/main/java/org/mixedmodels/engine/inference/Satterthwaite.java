package org.mixedmodels.engine.inference;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Gamma;
import org.mixedmodels.engine.fit.FitResult;

/**
 * Satterthwaite's degrees of freedom for t and F tests of fixed effects, as lmerTest computes them
 * (Kuznetsova et al. 2017, J. Stat. Softw. 82(13), eq. 4-6; Satterthwaite 1946): for a contrast l,
 *
 * <pre>
 *   df = 2 (l' C l)^2 / (g' A g),   g_i = l' (dC / d varpar_i) l
 * </pre>
 *
 * with C = cov(beta) and A the asymptotic covariance of the variance parameters. A multi-row L is
 * rotated to the eigenvectors of L C L', each row gets its own df nu_m, and the F statistic's df is
 * 2E / (E - q) with E = sum nu_m / (nu_m - 2) (Fai and Cornelius 1996), as lmerTest's
 * {@code contestMD}.
 */
public final class Satterthwaite {
    /** Relative size below which an eigenvalue of L C L' counts as zero (rank of the hypothesis). */
    public static final double DEFAULT_RANK_TOLERANCE = 1e-8;

    private final FitResult fit;
    private final VarianceParameters varpar;

    public Satterthwaite(FitResult fit) {
        this(fit, VarianceParameters.of(fit));
    }

    /** As {@link #Satterthwaite(FitResult)}, telling {@code monitor} of each step of the Hessian (which may stop it). */
    public Satterthwaite(FitResult fit, InferenceMonitor monitor) {
        this(fit, VarianceParameters.of(fit, monitor));
    }

    public Satterthwaite(FitResult fit, VarianceParameters varpar) {
        this.fit = fit;
        this.varpar = varpar;
    }

    public VarianceParameters varianceParameters() {
        return varpar;
    }

    /** df of the t test of l' beta. */
    public double df(double[] l) {
        double var = quadratic(l, fit.fixedCovariance());
        double[][][] jac = varpar.covBetaJacobian();
        double[] g = new double[jac.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = quadratic(l, jac[i]);
        }
        return 2 * var * var / quadratic(g, varpar.asymptoticCovariance());
    }

    /** The t test of l' beta = 0 as an F test with one numerator df (t = sqrt(F) with the estimate's sign). */
    public ContrastTest tTest(double[] l) {
        double estimate = dot(l, fit.beta());
        double se = Math.sqrt(quadratic(l, fit.fixedCovariance()));
        double t = estimate / se;
        double df = df(l);
        return new ContrastTest(t * t, 1, df, twoSidedP(t, df));
    }

    /** The F test of L beta = 0. */
    public ContrastTest fTest(double[][] contrast) {
        if (contrast.length == 1) {
            return tTest(contrast[0]);
        }
        return eigenFTest(contrast, fit.fixedCovariance(), fit.beta(), this::df);
    }

    /**
     * lmerTest's F test of L beta = 0 under the covariance C: the Wald statistic over the eigen-contrasts of L C L'
     * (eigenvalues at or below {@link #DEFAULT_RANK_TOLERANCE} of the largest dropped), each with its own df,
     * combined by {@link #fDenominatorDf}.
     */
    static ContrastTest eigenFTest(double[][] contrast, double[][] covariance, double[] beta,
            java.util.function.ToDoubleFunction<double[]> df) {
        int q = contrast.length;
        double[][] vl = new double[q][q];
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < q; j++) {
                vl[i][j] = bilinear(contrast[i], covariance, contrast[j]);
            }
        }
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(vl));
        double[] d = eig.getRealEigenvalues();
        double largest = 0;
        for (double v : d) {
            largest = Math.max(largest, v);
        }
        double fsum = 0;
        int rank = 0;
        double[] nu = new double[q];
        for (int m = 0; m < q; m++) {
            if (d[m] <= DEFAULT_RANK_TOLERANCE * largest) {
                continue;
            }
            double[] pm = eig.getEigenvector(m).toArray();
            double[] row = new double[beta.length];
            for (int i = 0; i < q; i++) {
                for (int k = 0; k < beta.length; k++) {
                    row[k] += pm[i] * contrast[i][k];
                }
            }
            double est = dot(row, beta);
            fsum += est * est / d[m];
            nu[rank++] = df.applyAsDouble(row);
        }
        double f = fsum / rank;
        double denDf = fDenominatorDf(java.util.Arrays.copyOf(nu, rank));
        return new ContrastTest(f, rank, denDf, upperTailF(f, rank, denDf));
    }

    /** lmerTest's {@code get_Fstat_ddf}. */
    static double fDenominatorDf(double[] nu) {
        if (nu.length == 1) {
            return nu[0];
        }
        boolean equal = true;
        double mean = 0;
        for (double v : nu) {
            equal &= Math.abs(v - nu[0]) < 1e-8;
            mean += v / nu.length;
        }
        if (equal) {
            return mean;
        }
        double e = 0;
        for (double v : nu) {
            if (v <= 2) {
                return 2;
            }
            e += v / (v - 2);
        }
        return 2 * e / (e - nu.length);
    }

    /**
     * P(F > f) for F(d1, d2) from the regularized incomplete beta function directly, so that tiny
     * p-values keep their relative precision (1 - cdf would round them to 0).
     */
    static double upperTailF(double f, double d1, double d2) {
        if (!(d1 > 0 && d2 > 0) || Double.isNaN(f)) {
            return Double.NaN;
        }
        if (Double.isInfinite(d2)) { // the chi-square limit: d1 F ~ chi2(d1)
            return Gamma.regularizedGammaQ(d1 / 2, d1 * f / 2);
        }
        return Beta.regularizedBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
    }

    /** Two-sided p of t with df; NaN where the df are not a positive number (a degenerate fit), never an exception. */
    static double twoSidedP(double t, double df) {
        if (!(df > 0)) {
            return Double.NaN;
        }
        return 2 * new TDistribution(null, df).cumulativeProbability(-Math.abs(t));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double quadratic(double[] l, double[][] m) {
        return bilinear(l, m, l);
    }

    static double bilinear(double[] a, double[][] m, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == 0) {
                continue;
            }
            for (int j = 0; j < b.length; j++) {
                s += a[i] * m[i][j] * b[j];
            }
        }
        return s;
    }
}
