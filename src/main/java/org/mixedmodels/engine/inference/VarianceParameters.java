package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.fit.CriterionDerivatives;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.ProfiledDeviance;
import org.mixedmodels.engine.fit.ResidualCovarianceModel;
import org.mixedmodels.engine.fit.ThetaLayout;

/**
 * The variance parameters of a fit, their asymptotic covariance and the derivatives of cov(beta) with
 * respect to them: what Satterthwaite's approximation needs, as lmerTest computes it (Kuznetsova,
 * Brockhoff and Christensen 2017, J. Stat. Softw. 82(13), section 3):
 *
 * <pre>
 *   -2 l(theta, sigma) = g(theta) + r^2(theta) / sigma^2 + d log(2 pi sigma^2),   d = n - p (REML) or n (ML)
 *   g = log|L|^2 [+ log|R_X|^2 for REML]
 *   A = 2 H^{-1},  H the Hessian of -2 l at the estimates
 *   cov(beta)(theta, sigma) = sigma^2 (R_X R_X')^{-1}(theta)
 * </pre>
 *
 * Satterthwaite's df are invariant under a smooth reparametrization of the variance parameters, so they are
 * taken in unit-free coordinates, which is what makes them independent of the data's units: each theta times
 * the root mean square of its random-effect column (as the optimizer sees it), and s = sigma / sigma-hat. The
 * derivatives in s are analytic (the criterion is explicit in sigma):
 *
 * <pre>
 *   q(theta) = r^2(theta) / sigma-hat^2
 *   d2/dtheta2 = g'' + q'',   d2/dtheta ds = -2 q',   d2/ds2 = 6 q - 2 d,   d cov(beta)/ds = 2 cov(beta)
 * </pre>
 *
 * and those in theta numerical (Richardson-extrapolated central differences, as lmerTest's numDeriv), with
 * g, q and (R_X R_X')^{-1} all from the same factorizations. Models with a residual covariance term add the
 * structure's own (unconstrained, unit-free) parameters after theta, and take every derivative exactly
 * ({@link ResidualCovarianceModel#criterionDerivatives}).
 */
public final class VarianceParameters {
    /** Eigenvalues of H below this fraction of the largest are treated as zero (lmerTest's 1e-8, made relative). */
    public static final double DEFAULT_EIGEN_TOLERANCE = 1e-8;

    private final double[] varpar;
    private final double[][] asymptoticCovariance;
    private final double[][][] covBetaJacobian;
    private final List<String> warnings = new ArrayList<>();

    /**
     * @param x the unit-free variance parameters at the estimates, without s
     * @param probe at x: {g(x), q(x)} and the unscaled cov(beta) (R_X R_X')^{-1}
     * @param sigma2 sigma-hat^2
     * @param dof d
     */
    private VarianceParameters(double[] x, Function<double[], NumericalDerivatives.Probe> probe, double sigma2,
            int dof, InferenceMonitor monitor) {
        int k = x.length;
        // one factorization per probe: the centre, then 2 k + k (k - 1) points per Richardson level
        int probes = 1 + NumericalDerivatives.DEFAULT_LEVELS * k * (k + 1);
        int[] done = {0};
        NumericalDerivatives.Derivatives d = NumericalDerivatives.at(ux -> {
            monitor.step(InferenceMonitor.SATTERTHWAITE, "Hessian evaluation", ++done[0], probes);
            return probe.apply(ux);
        }, x);
        double q = d.values()[1];
        double[][] h = new double[k + 1][k + 1];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                h[i][j] = d.hessians()[0][i][j] + d.hessians()[1][i][j];
            }
            h[i][k] = -2 * d.gradients()[1][i];
            h[k][i] = h[i][k];
        }
        h[k][k] = 6 * q - 2 * dof;
        asymptoticCovariance = twiceInverse(h, warnings);
        covBetaJacobian = new double[k + 1][][];
        for (int i = 0; i < k; i++) {
            covBetaJacobian[i] = scaled(d.jacobian()[i], sigma2);
        }
        covBetaJacobian[k] = scaled(copy(d.matrix()), 2 * sigma2);
        varpar = java.util.Arrays.copyOf(x, k + 1);
        varpar[k] = 1;
    }

    /** With the Hessian H of -2 l and d cov(beta) / d varpar given, in the same unit-free coordinates. */
    private VarianceParameters(double[] varpar, double[][] hessian, double[][][] covBetaJacobian) {
        this.varpar = varpar;
        this.asymptoticCovariance = twiceInverse(hessian, warnings);
        this.covBetaJacobian = covBetaJacobian;
    }

    public static VarianceParameters of(FitResult fit) {
        return of(fit, InferenceMonitor.NONE);
    }

    /** As {@link #of(FitResult)}, telling {@code monitor} of each step (and so letting it stop the computation). */
    public static VarianceParameters of(FitResult fit, InferenceMonitor monitor) {
        if (fit.residual() != null) {
            monitor.step(InferenceMonitor.SATTERTHWAITE, "information matrix", 1, 1);
            return withResidualStructure(fit);
        }
        return ofLme4Fit(fit, monitor);
    }

    /** varpar = (theta, sigma), as lmerTest, in unit-free coordinates. */
    private static VarianceParameters ofLme4Fit(FitResult fit, InferenceMonitor monitor) {
        boolean reml = fit.method() == FitOptions.Method.REML;
        ProfiledDeviance deviance = new ProfiledDeviance(fit.design(), reml);
        int n = deviance.nobs();
        int p = deviance.fixedCount();
        double[] scale = LinearMixedModel.thetaScales(fit.design());
        double[] x = ThetaLayout.times(fit.theta(), scale);
        double sigma2 = fit.sigma() * fit.sigma();
        int dof = reml ? n - p : n;
        return new VarianceParameters(x, ux -> {
            double[] theta = ThetaLayout.divide(ux, scale);
            if (!deviance.factor(theta)) {
                return new NumericalDerivatives.Probe(new double[] {Double.NaN, Double.NaN}, nanMatrix(p));
            }
            double g = deviance.logDetL() + (reml ? deviance.logDetRX() : 0);
            return new NumericalDerivatives.Probe(new double[] {g, deviance.pwrss() / sigma2},
                    deviance.unscaledFixedCovariance());
        }, sigma2, dof, monitor);
    }

    /**
     * varpar = (theta, the residual structure's parameters, sigma) for models with a residual covariance term:
     * the same approximation with the structure's own (unconstrained, unit-free) parameters after theta and
     * s = sigma / sigma-hat last. H is the exact Hessian of the deviance (the observed information) in these coordinates.
     */
    private static VarianceParameters withResidualStructure(FitResult fit) {
        boolean reml = fit.method() == FitOptions.Method.REML;
        ResidualCovarianceModel model = new ResidualCovarianceModel(fit.design(), reml);
        double[] a = fit.residual().parameters();
        int nt = fit.theta().length;
        double[] scale = LinearMixedModel.thetaScales(fit.design());
        int k = nt + a.length;
        double sigmaHat = fit.sigma();
        // u = (theta x scale, structure parameters, s = sigma / sigma-hat): unit-free coordinates
        double[] u = java.util.Arrays.copyOf(ThetaLayout.times(fit.theta(), scale), k + 1);
        System.arraycopy(a, 0, u, nt, a.length);
        u[k] = 1;
        double[] natural = java.util.Arrays.copyOf(fit.theta(), k);
        System.arraycopy(a, 0, natural, nt, a.length);
        // the exact second derivatives of the deviance (ResidualCovarianceModel.criterionDerivatives): the observed
        // information, as lmerTest (numerical Hessian of the deviance), mmrm (TMB's automatic differentiation) and SAS
        // PROC MIXED (its Newton-Raphson Hessian, unless SCORING=) take it; d cov(beta) / dx analytic. The expected
        // information instead moves the df on fev_data by up to 31 (ar1: 219 against SAS's 188; observed 188.2),
        // the observed stays within SAS's rounding for every listing (SasMmrmParityTest).
        CriterionDerivatives d = model.criterionDerivatives(natural, sigmaHat);
        double[][] information = d.observed();
        // du_i / dx_i: 1 / scale for the thetas, 1 for the structure's parameters, sigma-hat for s
        double[] by = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            by[i] = i < nt ? 1 / scale[i] : i < k ? 1 : sigmaHat;
        }
        double[][] h = new double[k + 1][k + 1];
        for (int i = 0; i <= k; i++) {
            for (int j = 0; j <= k; j++) {
                h[i][j] = information[i][j] * by[i] * by[j];
            }
        }
        double sigma2 = sigmaHat * sigmaHat;
        double[][][] jacobian = new double[k + 1][][];
        for (int i = 0; i < k; i++) {
            jacobian[i] = scaled(copy(d.unscaledFixedCovarianceJacobian()[i]), sigma2 * by[i]);
        }
        int p = fit.design().fixed().columnCount();
        jacobian[k] = p == 0 ? new double[0][0] : scaled(model.unscaledFixedCovariance(natural), 2 * sigma2);
        return new VarianceParameters(u, h, jacobian);
    }

    private static double[][] nanMatrix(int p) {
        double[][] m = new double[p][p];
        for (double[] row : m) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        return m;
    }

    private static double[][] copy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    private static double[][] scaled(double[][] m, double factor) {
        for (double[] row : m) {
            for (int c = 0; c < row.length; c++) {
                row[c] *= factor;
            }
        }
        return m;
    }

    /**
     * 2 H^{-1}. Where H has eigenvalues near zero (a flat or boundary direction), the inverse is taken
     * over the others only, and a negative eigenvalue (not a minimum) is reported as lmerTest does.
     */
    private static double[][] twiceInverse(double[][] h, List<String> warnings) {
        RealMatrix hm = MatrixUtils.createRealMatrix(h);
        EigenDecomposition eig = new EigenDecomposition(hm);
        double[] values = eig.getRealEigenvalues();
        int negative = 0;
        int zero = 0;
        int k = h.length;
        double largest = 0;
        for (double v : values) {
            largest = Math.max(largest, Math.abs(v));
        }
        double tolerance = DEFAULT_EIGEN_TOLERANCE * largest;
        double[][] out = new double[k][k];
        for (int e = 0; e < k; e++) {
            double v = values[e];
            if (v < -tolerance) {
                negative++;
            } else if (v < tolerance) {
                zero++;
                continue;
            }
            double[] vec = eig.getEigenvector(e).toArray();
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    out[r][c] += 2 * vec[r] * vec[c] / v;
                }
            }
        }
        if (negative > 0) {
            warnings.add("Model failed to converge with " + negative
                    + " negative eigenvalue(s) of the Hessian of the variance parameters; degrees of freedom may be unreliable.");
        }
        if (zero > 0) {
            warnings.add("Model may not have converged with " + zero
                    + " eigenvalue(s) of the Hessian of the variance parameters close to zero.");
        }
        return out;
    }

    /** The unit-free coordinates at the estimates: theta times its column's scale, [structure], sigma / sigma-hat = 1. */
    public double[] varpar() {
        return varpar.clone();
    }

    /** The asymptotic covariance matrix of {@link #varpar()}: 2 H^{-1}. */
    public double[][] asymptoticCovariance() {
        return asymptoticCovariance;
    }

    /** d cov(beta) / d varpar_i, one p x p matrix per variance parameter. */
    public double[][][] covBetaJacobian() {
        return covBetaJacobian;
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }
}
