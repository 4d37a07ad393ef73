package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.ProfiledDeviance;
import org.mixedmodels.engine.fit.ResidualCovarianceModel;

/**
 * The variance parameters varpar = (theta, sigma) of a fit, their asymptotic covariance and the
 * derivatives of cov(beta) with respect to them: what Satterthwaite's approximation needs, computed
 * as lmerTest does (Kuznetsova, Brockhoff and Christensen 2017, J. Stat. Softw. 82(13), section 3):
 *
 * <pre>
 *   -2 l(theta, sigma) = log|L|^2 + r^2(theta) / sigma^2 + n log(2 pi sigma^2)
 *                        [REML: + log|R_X|^2 - p log(2 pi sigma^2)]
 *   A = 2 H^{-1},  H the Hessian of -2 l at the estimates
 *   cov(beta)(theta, sigma) = sigma^2 (R_X R_X')^{-1}(theta)
 * </pre>
 *
 * Both derivatives are numerical (Richardson-extrapolated central differences), as lmerTest's.
 */
public final class VarianceParameters {
    /** Eigenvalues of H within this of 0 are treated as zero (lmerTest's tolerance). */
    public static final double DEFAULT_EIGEN_TOLERANCE = 1e-8;

    private final double[] varpar;
    private final double[][] asymptoticCovariance;
    private final double[][][] covBetaJacobian;
    private final List<String> warnings = new ArrayList<>();

    /**
     * @param varpar the variance parameters at the estimates, sigma last
     * @param deviance -2 l as a function of varpar (beta at its estimate given varpar)
     * @param covBeta cov(beta) as a function of varpar
     */
    private VarianceParameters(double[] varpar, ToDoubleFunction<double[]> deviance,
            Function<double[], double[][]> covBeta) {
        this.varpar = varpar;
        asymptoticCovariance = twiceInverse(NumericalDerivatives.hessian(deviance::applyAsDouble, varpar), warnings);
        covBetaJacobian = NumericalDerivatives.jacobian(covBeta::apply, varpar);
    }

    /** With the Hessian H of -2 l given. */
    private VarianceParameters(double[] varpar, double[][] hessian, Function<double[], double[][]> covBeta) {
        this.varpar = varpar;
        asymptoticCovariance = twiceInverse(hessian, warnings);
        covBetaJacobian = NumericalDerivatives.jacobian(covBeta::apply, varpar);
    }

    /**
     * The Hessian as the (Richardson-extrapolated) Jacobian of an analytic gradient of -2 l, symmetrised: 8 k
     * gradient evaluations instead of about 8 k^2 evaluations of -2 l for k parameters.
     */
    private static double[][] hessianFromGradient(Function<double[], double[]> gradient, double[] varpar) {
        double[][][] d = NumericalDerivatives.jacobian(v -> new double[][] {gradient.apply(v)}, varpar);
        int k = varpar.length;
        double[][] h = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                h[i][j] = (d[i][0][j] + d[j][0][i]) / 2;
            }
        }
        return h;
    }

    public static VarianceParameters of(FitResult fit) {
        return fit.residual() != null ? withResidualStructure(fit) : ofLme4Fit(fit);
    }

    /** varpar = (theta, sigma), as lmerTest. */
    private static VarianceParameters ofLme4Fit(FitResult fit) {
        boolean reml = fit.method() == FitOptions.Method.REML;
        ProfiledDeviance deviance = new ProfiledDeviance(fit.design(), reml);
        int n = deviance.nobs();
        int p = deviance.fixedCount();
        int nt = fit.theta().length;
        double[] varpar = java.util.Arrays.copyOf(fit.theta(), nt + 1);
        varpar[nt] = fit.sigma();
        int dof = reml ? n - p : n;
        return new VarianceParameters(varpar, vp -> {
            double[] theta = java.util.Arrays.copyOf(vp, nt);
            double sigma2 = vp[nt] * vp[nt];
            if (!deviance.factor(theta)) {
                return Double.NaN;
            }
            double dev = deviance.logDetL() + deviance.pwrss() / sigma2 + dof * Math.log(2 * Math.PI * sigma2);
            return reml ? dev + deviance.logDetRX() : dev;
        }, vp -> {
            deviance.factor(java.util.Arrays.copyOf(vp, nt));
            return scaled(deviance.unscaledFixedCovariance(), vp[nt] * vp[nt]);
        });
    }

    /**
     * varpar = (theta, the residual structure's parameters, sigma) for models with a residual covariance term:
     * the same approximation on the structure's own (unconstrained) scale, which leaves the df unchanged since
     * Satterthwaite's df are invariant to smooth reparametrization of the variance parameters.
     */
    private static VarianceParameters withResidualStructure(FitResult fit) {
        ResidualCovarianceModel model = new ResidualCovarianceModel(fit.design(), fit.method() == FitOptions.Method.REML);
        double[] a = fit.residual().parameters();
        int nt = fit.theta().length;
        int k = nt + a.length;
        double[] varpar = java.util.Arrays.copyOf(fit.theta(), k + 1);
        System.arraycopy(a, 0, varpar, nt, a.length);
        varpar[k] = fit.sigma();
        // the Hessian from the analytic gradient of the deviance (ResidualCovarianceModel.devianceGradient)
        Function<double[], double[]> gradient = vp -> {
            double[] g = new double[k + 1];
            model.devianceGradient(java.util.Arrays.copyOf(vp, k), vp[k], g);
            return g;
        };
        return new VarianceParameters(varpar, hessianFromGradient(gradient, varpar), vp -> scaled(model.unscaledFixedCovariance(java.util.Arrays.copyOf(vp, k)), vp[k] * vp[k]));
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
        double[][] out = new double[k][k];
        for (int e = 0; e < k; e++) {
            double v = values[e];
            if (v < -DEFAULT_EIGEN_TOLERANCE) {
                negative++;
            } else if (v < DEFAULT_EIGEN_TOLERANCE) {
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

    /** (theta, sigma) at the estimates. */
    public double[] varpar() {
        return varpar.clone();
    }

    /** The asymptotic covariance matrix of (theta, sigma): 2 H^{-1}. */
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
