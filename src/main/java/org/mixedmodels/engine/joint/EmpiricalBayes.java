package org.mixedmodels.engine.joint;

import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * Per-subject posterior modes of the random effects at fixed parameters, and the cumulative hazard given them.
 *
 * <p>log p(y_i | b) + log p(T_i, d_i | b) + log p(b) is concave in b for the current-value model (Gaussian terms,
 * a linear term and minus a sum of exponentials of linear functions), so Newton's method with step halving finds
 * the unique mode from any start.
 */
final class EmpiricalBayes {
    private final JointLikelihood lik;
    private final double[] theta;
    private final double[][] dInv;
    private final double sigma2;
    private final double alpha;

    EmpiricalBayes(JointLikelihood lik, double[] theta) {
        this.lik = lik;
        this.theta = theta.clone();
        this.dInv = SmallMatrices.inverseSpd(lik.covariance(theta));
        double s = Math.exp(theta[lik.oSigma]);
        this.sigma2 = s * s;
        this.alpha = theta[lik.oAlpha];
    }

    /**
     * The mode of b for subject i given all its measurements, survival up to the end of {@code nodes} and, when
     * {@code zAtEvent} is not null, an event there (the hazard's log-linear term alpha z(T)' b).
     */
    double[] mode(int i, SurvivalNodes nodes, double[] zAtEvent, double[] start) {
        int q = lik.q;
        JointData data = lik.data;
        double[] resid0 = new double[data.y[i].length];
        for (int j = 0; j < resid0.length; j++) {
            resid0[j] = data.y[i][j] - dot(data.x[i][j], theta, 0, lik.p);
        }
        double[] hc = baseTerms(i, nodes);
        double[] ms0 = new double[nodes.size()];
        for (int g = 0; g < ms0.length; g++) {
            ms0[g] = dot(nodes.x()[g], theta, 0, lik.p);
        }
        double[] b = start.clone();
        double f = objective(i, b, resid0, hc, ms0, nodes, zAtEvent);
        for (int it = 0; it < 100; it++) {
            double[] grad = new double[q];
            double[][] neg = new double[q][q];
            for (int j = 0; j < resid0.length; j++) {
                double[] zj = data.z[i][j];
                double r = resid0[j] - SmallMatrices.dot(zj, b);
                for (int a = 0; a < q; a++) {
                    grad[a] += zj[a] * r / sigma2;
                    for (int c = 0; c < q; c++) {
                        neg[a][c] += zj[a] * zj[c] / sigma2;
                    }
                }
            }
            if (zAtEvent != null) {
                for (int a = 0; a < q; a++) {
                    grad[a] += alpha * zAtEvent[a];
                }
            }
            for (int g = 0; g < nodes.size(); g++) {
                double[] zg = nodes.z()[g];
                double e = hc[g] * Math.exp(alpha * (ms0[g] + SmallMatrices.dot(zg, b)));
                for (int a = 0; a < q; a++) {
                    grad[a] -= e * alpha * zg[a];
                    for (int c = 0; c < q; c++) {
                        neg[a][c] += e * alpha * alpha * zg[a] * zg[c];
                    }
                }
            }
            double[] db = SmallMatrices.multiply(dInv, b);
            for (int a = 0; a < q; a++) {
                grad[a] -= db[a];
                for (int c = 0; c < q; c++) {
                    neg[a][c] += dInv[a][c];
                }
            }
            double[] step = SmallMatrices.solveSpd(neg, grad);
            if (step == null) {
                break;
            }
            double scale = 1;
            double[] next = new double[q];
            double fNext = Double.NEGATIVE_INFINITY;
            for (int h = 0; h < 40; h++) {
                for (int a = 0; a < q; a++) {
                    next[a] = b[a] + scale * step[a];
                }
                fNext = objective(i, next, resid0, hc, ms0, nodes, zAtEvent);
                if (fNext >= f - 1e-12 * Math.abs(f)) {
                    break;
                }
                scale /= 2;
            }
            double change = 0;
            for (int a = 0; a < q; a++) {
                change = Math.max(change, Math.abs(next[a] - b[a]) / Math.max(1, Math.abs(b[a])));
            }
            b = next.clone();
            f = fNext;
            if (change < 1e-12) {
                break;
            }
        }
        return b;
    }

    /** The cumulative hazard over the nodes' interval given random effects b. */
    double cumulativeHazard(int i, SurvivalNodes nodes, double[] b) {
        double[] hc = baseTerms(i, nodes);
        double h = 0;
        for (int g = 0; g < nodes.size(); g++) {
            double m = dot(nodes.x()[g], theta, 0, lik.p) + SmallMatrices.dot(nodes.z()[g], b);
            h += hc[g] * Math.exp(alpha * m);
        }
        return h;
    }

    /** c_g h0(s_g) exp(gamma' w_i) for each node. */
    private double[] baseTerms(int i, SurvivalNodes nodes) {
        double eww = Math.exp(dot(lik.wFull[i], theta, lik.oGamma, lik.ng));
        double[] hc = new double[nodes.size()];
        for (int g = 0; g < hc.length; g++) {
            hc[g] = eww * nodes.c()[g]
                    * Math.exp(lik.logBaseline(theta, Math.log(nodes.s()[g]), nodes.interval()[g]));
        }
        return hc;
    }

    private double objective(int i, double[] b, double[] resid0, double[] hc, double[] ms0, SurvivalNodes nodes,
            double[] zAtEvent) {
        JointData data = lik.data;
        double f = 0;
        for (int j = 0; j < resid0.length; j++) {
            double r = resid0[j] - SmallMatrices.dot(data.z[i][j], b);
            f -= 0.5 * r * r / sigma2;
        }
        if (zAtEvent != null) {
            f += alpha * SmallMatrices.dot(zAtEvent, b);
        }
        for (int g = 0; g < nodes.size(); g++) {
            f -= hc[g] * Math.exp(alpha * (ms0[g] + SmallMatrices.dot(nodes.z()[g], b)));
        }
        f -= 0.5 * SmallMatrices.dot(b, SmallMatrices.multiply(dInv, b));
        return f;
    }

    private static double dot(double[] row, double[] theta, int offset, int len) {
        double s = 0;
        for (int c = 0; c < len; c++) {
            s += row[c] * theta[offset + c];
        }
        return s;
    }
}
