package org.mixedmodels.engine.fit;

/**
 * Exact first and second derivatives of the -2 log-likelihood (restricted for REML) of a residual-structure model
 * with sigma explicit ({@link ResidualCovarianceModel#deviance}), in (x, sigma): x the model's parameters (thetas, then
 * the residual term's), sigma last.
 *
 * @param gradient the gradient (length k + 1)
 * @param observed the Hessian, the observed information ((k + 1) x (k + 1))
 * @param expected its expectation under the model, the expected (Fisher) information: tr(P V_r P V_s) for REML
 *     (Harville 1977), sum_i tr(W_i V_ri W_i V_si) for ML, and 2 tr(P V_r) / sigma, 4 (n - p) / sigma^2 (n for ML)
 *     for sigma
 * @param unscaledFixedCovarianceJacobian d (X' V^-1 X)^-1 / dx_r = A X' W V_r W X A, one p x p matrix per x_r
 *     (V relative to sigma^2; cov(beta) is sigma^2 times (X' V^-1 X)^-1)
 */
public record CriterionDerivatives(double[] gradient, double[][] observed, double[][] expected,
        double[][][] unscaledFixedCovarianceJacobian) {

    /**
     * The Hessian (or information) of the criterion with sigma profiled out ({@link ResidualCovarianceModel#value}),
     * valid at sigma = sigma-hat(x), where d/dsigma = 0: H_xx - H_x,sigma H_sigma,x / H_sigma,sigma.
     */
    public static double[][] profiled(double[][] h) {
        int k = h.length - 1;
        double[][] out = new double[k][k];
        double hss = h[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = h[i][j] - h[i][k] * h[k][j] / hss;
            }
        }
        return out;
    }
}
