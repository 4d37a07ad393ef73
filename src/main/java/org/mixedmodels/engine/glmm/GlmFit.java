package org.mixedmodels.engine.glmm;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.MixedModelException;

/**
 * The fixed-effects-only GLM fitted by IRLS as R's {@code glm.fit} (start mu from the family's initialize,
 * convergence when the relative change of the deviance is below 1e-10): glmer's starting beta, and its
 * standard errors, which set unit-free scales for the optimizer's and the Hessian's steps.
 */
record GlmFit(double[] beta, double[] se, double deviance) {

    static GlmFit fit(GlmFamily family, double[][] x, double[] y, double[] wt, double[] offset) {
        int n = y.length;
        int p = x.length;
        double[] eta = new double[n];
        for (int i = 0; i < n; i++) {
            eta[i] = family.linkfun(family.muStart(y[i], wt[i]));
        }
        double[] beta = new double[p];
        double devOld = Double.POSITIVE_INFINITY;
        RealMatrix info = null;
        double dev = Double.NaN;
        for (int it = 0; it < 100; it++) {
            info = information(family, x, y, wt, eta);
            beta = step(family, x, y, wt, offset, eta, info);
            dev = linearPredictor(family, x, y, wt, offset, beta, eta);
            if (Math.abs(dev - devOld) / (Math.abs(dev) + 0.1) < 1e-10) {
                break;
            }
            devOld = dev;
        }
        RealMatrix inv = solve(info).getInverse();
        double[] se = new double[p];
        for (int a = 0; a < p; a++) {
            se[a] = Math.sqrt(inv.getEntry(a, a));
        }
        return new GlmFit(beta, se, dev);
    }

    /** X'WX at the linear predictor eta (lower triangle, then symmetrized). */
    private static RealMatrix information(GlmFamily family, double[][] x, double[] y, double[] wt, double[] eta) {
        int p = x.length;
        RealMatrix info = new Array2DRowRealMatrix(p, p);
        for (int i = 0; i < y.length; i++) {
            double mu = family.linkinv(eta[i]);
            double d = family.muEta(eta[i]);
            double w = wt[i] * d * d / family.variance(mu);
            for (int a = 0; a < p; a++) {
                for (int b = 0; b <= a; b++) {
                    info.addToEntry(a, b, w * x[a][i] * x[b][i]);
                }
            }
        }
        symmetrize(info);
        return info;
    }

    /** One IRLS step: the weighted least-squares beta for the working response at eta. */
    private static double[] step(GlmFamily family, double[][] x, double[] y, double[] wt, double[] offset,
            double[] eta, RealMatrix info) {
        int p = x.length;
        double[] rhs = new double[p];
        for (int i = 0; i < y.length; i++) {
            double mu = family.linkinv(eta[i]);
            double d = family.muEta(eta[i]);
            double w = wt[i] * d * d / family.variance(mu);
            double z = eta[i] - offset[i] + (y[i] - mu) / d;
            for (int a = 0; a < p; a++) {
                rhs[a] += w * x[a][i] * z;
            }
        }
        return solve(info).solve(new ArrayRealVector(rhs)).toArray();
    }

    /** eta = X beta + offset (into eta); returns the deviance there. */
    private static double linearPredictor(GlmFamily family, double[][] x, double[] y, double[] wt, double[] offset,
            double[] beta, double[] eta) {
        double dev = 0;
        for (int i = 0; i < y.length; i++) {
            eta[i] = offset[i];
            for (int a = 0; a < x.length; a++) {
                eta[i] += beta[a] * x[a][i];
            }
            dev += family.devResid(y[i], family.linkinv(eta[i]), wt[i]);
        }
        return dev;
    }

    private static void symmetrize(RealMatrix m) {
        for (int a = 0; a < m.getRowDimension(); a++) {
            for (int b = 0; b < a; b++) {
                m.setEntry(b, a, m.getEntry(a, b));
            }
        }
    }

    private static org.apache.commons.math3.linear.DecompositionSolver solve(RealMatrix info) {
        try {
            return new CholeskyDecomposition(info, 1e-12, 1e-12).getSolver();
        } catch (org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException e) {
            throw new MixedModelException("The fixed effects cannot be estimated: the GLM's information matrix is"
                    + " singular (complete separation, or a column that is constant where the response varies).");
        }
    }
}
