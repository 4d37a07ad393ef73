package org.mixedmodels.engine.joint;

import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * The joint log-likelihood sum_i log integral p(y_i | b) p(T_i, d_i | b) p(b) db and its gradient, with the
 * integral over b_i replaced by JM's pseudo-adaptive Gauss-Hermite rule.
 *
 * <p>Model (Rizopoulos 2010, J. Stat. Softw. 35(9), eq. 1-3): y_ij = x_ij' beta + z_ij' b_i + e_ij,
 * b_i ~ N(0, D), e_ij ~ N(0, sigma^2); h_i(t) = h0(t) exp(gamma' w_i + alpha m_i(t)), m_i(t) = x_i(t)' beta +
 * z_i(t)' b_i; p(T_i, d_i | b) = h_i(T_i)^d_i exp(-integral_0^T_i h_i(s) ds).
 *
 * <p>Quadrature (Rizopoulos 2012, Biometrics 68, 1063-1072, "pseudo-adaptive" rule, as JM's {@code aGH}
 * methods): the nodes of subject i are b_ik = bhat_i + sqrt(2) R_i^-1 x_k with x_k the product Gauss-Hermite
 * nodes, bhat_i the conditional mode of the separate linear mixed model and R_i the upper Cholesky factor of
 * Z_i'Z_i / sigma^2 + D^-1 of that fit; the weights are 2^(q/2) w_k exp(|x_k|^2) det(R_i^-1). The nodes stay fixed
 * while the parameters move, which is why the log-likelihood is smooth and its gradient is simply the posterior
 * (quadrature-weighted) mean of the complete-data score; re-centring during optimisation would make it neither.
 * JM reports its logLik on this same rule, so matching it to 1e-4 needs the same centring and the same points.
 *
 * <p>Parameters, in this order: beta, log sigma, gamma (the Weibull intercept first), alpha, the baseline
 * (log shape, or log xi_1..xi_Q), and the lower Cholesky factor L of D = L L' by column with log diagonal, so
 * that the optimisation is unconstrained and D stays positive definite.
 */
final class JointLikelihood {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    final JointData data;
    final int p;
    final int q;
    final int ng;
    final int nb;
    final int nd;
    final int size;
    final int oSigma;
    final int oGamma;
    final int oAlpha;
    final int oBase;
    final int oD;
    final int ghPoints;
    final int k;

    final double[][][] nodes;
    final double[][] logWeight;
    final double[][][] zb;
    final double[][] zTb;
    final double[][][] zSb;
    final SurvivalNodes[] surv;
    final double[][] xT;
    final double[][] wFull;
    final int[] intervalT;
    final double[] logT;
    final double[][] logS;

    JointLikelihood(JointData data, int ghPoints) {
        this.data = data;
        this.p = data.p;
        this.q = data.q;
        this.ng = data.eventCovariateCount();
        this.nb = data.baselineParameterCount();
        this.nd = q * (q + 1) / 2;
        this.oSigma = p;
        this.oGamma = p + 1;
        this.oAlpha = oGamma + ng;
        this.oBase = oAlpha + 1;
        this.oD = oBase + nb;
        this.size = oD + nd;
        this.ghPoints = ghPoints;
        int n = data.n;

        // product Gauss-Hermite grid
        double[][] gh = QuadratureRules.hermite(ghPoints);
        int kk = 1;
        for (int d = 0; d < q; d++) {
            kk *= ghPoints;
        }
        this.k = kk;
        double[][] grid = new double[k][q];
        double[] gridLogW = new double[k];
        for (int g = 0; g < k; g++) {
            int rest = g;
            double lw = 0.5 * q * Math.log(2);
            for (int d = 0; d < q; d++) {
                int idx = rest % ghPoints;
                rest /= ghPoints;
                double xv = gh[0][idx];
                grid[g][d] = xv;
                lw += Math.log(gh[1][idx]) + xv * xv;
            }
            gridLogW[g] = lw;
        }

        // centring and scaling from the separate LMM
        double[][] dInv = SmallMatrices.inverseSpd(data.lmmD);
        if (dInv == null) {
            throw new org.mixedmodels.engine.MixedModelException("The random-effects covariance of the separate linear"
                    + " mixed model is singular (a variance of 0 or a correlation of +-1), so the quadrature cannot be"
                    + " centred; simplify the random-effects term of the longitudinal formula.");
        }
        double s2 = data.lmmSigma * data.lmmSigma;
        nodes = new double[n][k][q];
        logWeight = new double[n][k];
        zb = new double[n][k][];
        zTb = new double[n][k];
        zSb = new double[n][k][];
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        surv = SurvivalNodes.build(data, all, data.time);
        double[][][] atT = data.designAt(all, data.time);
        xT = atT[0];
        double[][] zT = atT[1];
        wFull = new double[n][];
        intervalT = new int[n];
        logT = new double[n];
        logS = new double[n][];
        for (int i = 0; i < n; i++) {
            wFull[i] = data.eventCovariates(i);
            logT[i] = Math.log(data.time[i]);
            if (data.baseline == Baseline.PIECEWISE) {
                intervalT[i] = data.interval(data.time[i]);
            }
            logS[i] = new double[surv[i].size()];
            for (int g = 0; g < surv[i].size(); g++) {
                logS[i][g] = Math.log(surv[i].s()[g]);
            }
            double[][] a = new double[q][q];
            for (double[] zr : data.z[i]) {
                for (int r = 0; r < q; r++) {
                    for (int c = 0; c < q; c++) {
                        a[r][c] += zr[r] * zr[c] / s2;
                    }
                }
            }
            for (int r = 0; r < q; r++) {
                for (int c = 0; c < q; c++) {
                    a[r][c] += dInv[r][c];
                }
            }
            double[][] la = SmallMatrices.cholesky(a);
            double[][] rInv = SmallMatrices.transpose(SmallMatrices.lowerInverse(la)); // R^-1 with R = la'
            double logDetRInv = 0;
            for (int r = 0; r < q; r++) {
                logDetRInv -= Math.log(la[r][r]);
            }
            int ni = data.y[i].length;
            int gi = surv[i].size();
            for (int g = 0; g < k; g++) {
                double[] b = nodes[i][g];
                for (int r = 0; r < q; r++) {
                    double v = data.lmmRanef[i][r];
                    for (int c = 0; c < q; c++) {
                        v += Math.sqrt(2) * rInv[r][c] * grid[g][c];
                    }
                    b[r] = v;
                }
                logWeight[i][g] = gridLogW[g] + logDetRInv;
                zb[i][g] = new double[ni];
                for (int j = 0; j < ni; j++) {
                    zb[i][g][j] = SmallMatrices.dot(data.z[i][j], b);
                }
                zTb[i][g] = SmallMatrices.dot(zT[i], b);
                zSb[i][g] = new double[gi];
                for (int h = 0; h < gi; h++) {
                    zSb[i][g][h] = SmallMatrices.dot(surv[i].z()[h], b);
                }
            }
        }
    }

    /** Names of the parameters in the order of the vector. */
    java.util.List<String> parameterNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        data.fixedNames.forEach(s -> names.add("Y." + s));
        names.add("Y.log(sigma)");
        if (data.baseline == Baseline.WEIBULL) {
            names.add("T.(Intercept)");
        }
        data.wNames.forEach(s -> names.add("T." + s));
        names.add("T.Assoct");
        if (data.baseline == Baseline.WEIBULL) {
            names.add("T.log(shape)");
        } else {
            for (int j = 1; j <= nb; j++) {
                names.add("T.log(xi." + j + ")");
            }
        }
        for (int c = 0; c < q; c++) {
            for (int r = c; r < q; r++) {
                names.add(r == c ? "B.log(L" + (r + 1) + (c + 1) + ")" : "B.L" + (r + 1) + (c + 1));
            }
        }
        return names;
    }

    /** The lower Cholesky factor L of D from the parameter vector. */
    double[][] cholFactor(double[] theta) {
        double[][] l = new double[q][q];
        int t = oD;
        for (int c = 0; c < q; c++) {
            for (int r = c; r < q; r++) {
                l[r][c] = r == c ? Math.exp(theta[t++]) : theta[t++];
            }
        }
        return l;
    }

    /** The parameter entries of D (lower Cholesky factor by column, log diagonal). */
    double[] cholParameters(double[][] d) {
        double[][] l = SmallMatrices.cholesky(d);
        if (l == null) {
            throw new IllegalArgumentException("D is not positive definite");
        }
        double[] out = new double[nd];
        int t = 0;
        for (int c = 0; c < q; c++) {
            for (int r = c; r < q; r++) {
                out[t++] = r == c ? Math.log(l[r][c]) : l[r][c];
            }
        }
        return out;
    }

    double[][] covariance(double[] theta) {
        double[][] l = cholFactor(theta);
        return SmallMatrices.multiplyTransposed(l, l);
    }

    /** log h0(s) for the baseline parameters (without the Weibull intercept, which is in gamma). */
    double logBaseline(double[] theta, double logTime, int interval) {
        if (data.baseline == Baseline.WEIBULL) {
            double lrho = theta[oBase];
            return lrho + (Math.exp(lrho) - 1) * logTime;
        }
        return theta[oBase + interval];
    }

    /**
     * The log-likelihood; when {@code grad} is not null it receives the gradient, and when {@code postMean} is not
     * null it receives each subject's posterior mean of b_i under the quadrature (JM's {@code ranef}).
     */
    double logLik(double[] theta, double[] grad, double[][] postMean) {
        double value = logLikValue(theta, grad, postMean);
        // the monitor may stop the fit (a user's cancel) by throwing; -2 logLik, as the LMM's monitor sees deviances
        monitor.objectiveEvaluated(++evaluations, -2 * value);
        return value;
    }

    /** Watches every evaluation (progress, cancel). */
    void monitor(org.mixedmodels.engine.fit.FitMonitor m) {
        this.monitor = m;
    }

    private org.mixedmodels.engine.fit.FitMonitor monitor = org.mixedmodels.engine.fit.FitMonitor.NONE;
    private int evaluations;

    private double logLikValue(double[] theta, double[] grad, double[][] postMean) {
        int n = data.n;
        double sigma = Math.exp(theta[oSigma]);
        double s2 = sigma * sigma;
        double alpha = theta[oAlpha];
        boolean weibull = data.baseline == Baseline.WEIBULL;
        double rho = weibull ? Math.exp(theta[oBase]) : 0;
        double[][] l = cholFactor(theta);
        double[][] lInv = SmallMatrices.lowerInverse(l);
        double logDetD = 0;
        for (int r = 0; r < q; r++) {
            logDetD += 2 * Math.log(l[r][r]);
        }
        double constB = -0.5 * q * LOG_2PI - 0.5 * logDetD;
        if (grad != null) {
            java.util.Arrays.fill(grad, 0);
        }
        double[][] sbb = new double[q][q];
        double total = 0;
        double[] a = new double[k];
        double[] u = new double[q];
        for (int i = 0; i < n; i++) {
            double[] yi = data.y[i];
            double[][] xi = data.x[i];
            int ni = yi.length;
            SurvivalNodes sv = surv[i];
            int gi = sv.size();
            double[] resid0 = new double[ni];
            for (int j = 0; j < ni; j++) {
                resid0[j] = yi[j] - dot(xi[j], theta, 0, p);
            }
            double mT0 = dot(xT[i], theta, 0, p);
            double[] ms0 = new double[gi];
            double[] h0c = new double[gi];
            for (int g = 0; g < gi; g++) {
                ms0[g] = dot(sv.x()[g], theta, 0, p);
                h0c[g] = sv.c()[g] * Math.exp(logBaseline(theta, logS[i][g], sv.interval()[g]));
            }
            double ww = dot(wFull[i], theta, oGamma, ng);
            double eww = Math.exp(ww);
            int d = data.event[i];
            double logHazT = d == 1 ? logBaseline(theta, logT[i], intervalT[i]) + ww : 0;
            double constY = -ni * (0.5 * LOG_2PI + theta[oSigma]);
            double[][] e = new double[k][gi];
            double[] ss = new double[k];
            double amax = Double.NEGATIVE_INFINITY;
            for (int g = 0; g < k; g++) {
                double[] zbg = zb[i][g];
                double s = 0;
                for (int j = 0; j < ni; j++) {
                    double r = resid0[j] - zbg[j];
                    s += r * r;
                }
                ss[g] = s;
                double[] zs = zSb[i][g];
                double[] eg = e[g];
                double h = 0;
                for (int m = 0; m < gi; m++) {
                    eg[m] = Math.exp(alpha * (ms0[m] + zs[m]));
                    h += h0c[m] * eg[m];
                }
                double lpt = -eww * h;
                if (d == 1) {
                    lpt += logHazT + alpha * (mT0 + zTb[i][g]);
                }
                double[] b = nodes[i][g];
                for (int r = 0; r < q; r++) {
                    double v = 0;
                    for (int c = 0; c <= r; c++) {
                        v += lInv[r][c] * b[c];
                    }
                    u[r] = v;
                }
                double lpb = constB - 0.5 * SmallMatrices.dot(u, u);
                a[g] = logWeight[i][g] + constY - 0.5 * s / s2 + lpt + lpb;
                amax = Math.max(amax, a[g]);
            }
            double sum = 0;
            for (int g = 0; g < k; g++) {
                sum += Math.exp(a[g] - amax);
            }
            double li = amax + Math.log(sum);
            total += li;
            if (grad == null && postMean == null) {
                continue;
            }
            double[] pi = new double[k];
            for (int g = 0; g < k; g++) {
                pi[g] = Math.exp(a[g] - li);
            }
            if (postMean != null) {
                double[] pm = new double[q];
                for (int g = 0; g < k; g++) {
                    for (int r = 0; r < q; r++) {
                        pm[r] += pi[g] * nodes[i][g][r];
                    }
                }
                postMean[i] = pm;
            }
            if (grad == null) {
                continue;
            }
            // posterior expectations
            double[] rbar = resid0.clone();
            double ssBar = 0;
            double zTbar = 0;
            double[] eBar = new double[gi];
            double[] fBar = new double[gi];
            for (int g = 0; g < k; g++) {
                double w = pi[g];
                if (w == 0) {
                    continue;
                }
                double[] zbg = zb[i][g];
                for (int j = 0; j < ni; j++) {
                    rbar[j] -= w * zbg[j];
                }
                ssBar += w * ss[g];
                zTbar += w * zTb[i][g];
                double[] eg = e[g];
                double[] zs = zSb[i][g];
                for (int m = 0; m < gi; m++) {
                    double we = w * eg[m];
                    eBar[m] += we;
                    fBar[m] += we * (ms0[m] + zs[m]);
                }
                double[] b = nodes[i][g];
                for (int r = 0; r < q; r++) {
                    for (int c = 0; c <= r; c++) {
                        sbb[r][c] += w * b[r] * b[c];
                    }
                }
            }
            // beta
            double hBar = 0;
            for (int m = 0; m < gi; m++) {
                hBar += h0c[m] * eBar[m];
            }
            for (int c = 0; c < p; c++) {
                double gY = 0;
                for (int j = 0; j < ni; j++) {
                    gY += rbar[j] * xi[j][c];
                }
                double gS = 0;
                for (int m = 0; m < gi; m++) {
                    gS += h0c[m] * eBar[m] * sv.x()[m][c];
                }
                grad[c] += gY / s2 + d * alpha * xT[i][c] - eww * alpha * gS;
            }
            grad[oSigma] += ssBar / s2 - ni;
            double gW = d - eww * hBar;
            for (int c = 0; c < ng; c++) {
                grad[oGamma + c] += gW * wFull[i][c];
            }
            double gA = d * (mT0 + zTbar);
            for (int m = 0; m < gi; m++) {
                gA -= eww * h0c[m] * fBar[m];
            }
            grad[oAlpha] += gA;
            if (weibull) {
                double gB = d * (1 + rho * logT[i]);
                for (int m = 0; m < gi; m++) {
                    gB -= eww * h0c[m] * eBar[m] * (1 + rho * logS[i][m]);
                }
                grad[oBase] += gB;
            } else {
                if (d == 1) {
                    grad[oBase + intervalT[i]] += 1;
                }
                for (int m = 0; m < gi; m++) {
                    grad[oBase + sv.interval()[m]] -= eww * h0c[m] * eBar[m];
                }
            }
        }
        if (grad != null) {
            for (int r = 0; r < q; r++) {
                for (int c = r + 1; c < q; c++) {
                    sbb[r][c] = sbb[c][r];
                }
            }
            double[][] dInv = SmallMatrices.multiplyTransposed(SmallMatrices.transpose(lInv), SmallMatrices.transpose(lInv));
            // G = -n/2 D^-1 + 1/2 D^-1 S D^-1; d/dL = 2 G L
            double[][] dsd = SmallMatrices.multiply(SmallMatrices.multiply(dInv, sbb), dInv);
            double[][] gD = new double[q][q];
            for (int r = 0; r < q; r++) {
                for (int c = 0; c < q; c++) {
                    gD[r][c] = -0.5 * n * dInv[r][c] + 0.5 * dsd[r][c];
                }
            }
            double[][] gl = SmallMatrices.multiply(gD, l);
            int t = oD;
            for (int c = 0; c < q; c++) {
                for (int r = c; r < q; r++) {
                    double v = 2 * gl[r][c];
                    grad[t++] = r == c ? v * l[r][r] : v;
                }
            }
        }
        return total;
    }

    private static double dot(double[] row, double[] theta, int offset, int len) {
        double s = 0;
        for (int c = 0; c < len; c++) {
            s += row[c] * theta[offset + c];
        }
        return s;
    }
}
