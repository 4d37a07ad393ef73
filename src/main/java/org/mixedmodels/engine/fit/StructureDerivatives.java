package org.mixedmodels.engine.fit;

import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.linalg.HyperDual;

/**
 * Exact first and second derivatives of a residual structure's relative covariance S(a) in its own unconstrained
 * parameters a ({@link ResidualStructure}): what the criterion's Hessian and information need. The unstructured
 * matrix S = L L' is differentiated in closed form (dS = dL L' + L dL', d2S = dL dL'' + dL' dL''', the diagonal of L
 * being exp(a)); every other structure is S evaluated in hyper-dual arithmetic ({@link HyperDual}: Fike and Alonso
 * 2011), seeded in one parameter for the first derivatives and in two for the second, exact to rounding with no step
 * size (the Toeplitz correlations' Durbin-Levinson recursion and the ARMA(1,1) autocorrelations included, which
 * {@link ResidualStructure#gradient} differentiates numerically).
 */
final class StructureDerivatives {
    private final ResidualStructure structure;
    private final String name;
    private final int visits;

    StructureDerivatives(ResidualStructure structure, int visits) {
        this.structure = structure;
        this.name = structure.name();
        this.visits = visits;
    }

    int parameterCount() {
        return structure.parameterCount();
    }

    /**
     * dS / da_l (l = 0..k-1) of rows at these visit positions and times (times read by the continuous-time structures
     * only, may be null otherwise), each m x m.
     */
    double[][][] first(double[] a, int[] position, double[] time) {
        int k = parameterCount();
        int m = position.length;
        double[][][] out = new double[k][m][m];
        if (name.equals("us")) {
            double[][] l = unstructuredFactor(a);
            int at = 0;
            for (int r = 1; r < visits; r++) {
                for (int c = 0; c <= r; c++) {
                    // dL = f E_rc with f = 1 off the diagonal, L_rr on it: dS_jk = f ([p_j = r] L_{p_k c} + L_{p_j c} [p_k = r])
                    double f = c == r ? l[r][r] : 1;
                    double[][] d = out[at++];
                    for (int j = 0; j < m; j++) {
                        for (int u = 0; u < m; u++) {
                            double v = 0;
                            if (position[j] == r) {
                                v += l[position[u]][c];
                            }
                            if (position[u] == r) {
                                v += l[position[j]][c];
                            }
                            d[j][u] = f * v;
                        }
                    }
                }
            }
            return out;
        }
        for (int i = 0; i < k; i++) {
            HyperDual[][] s = covariance(seeded(a, i, -1), position, time);
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    out[i][j][u] = s[j][u].d1();
                }
            }
        }
        return out;
    }

    /**
     * sum_jk G_jk d2 S_jk / da_l da_l' for a symmetric G over rows at these positions and times: the part of the
     * criterion's Hessian that the second derivatives of S contribute (k x k).
     */
    double[][] secondContraction(double[] a, int[] position, double[] time, double[][] g) {
        int k = parameterCount();
        int m = position.length;
        double[][] h = new double[k][k];
        if (name.equals("us")) {
            // f = tr(G~ L L'), G~ the T x T embedding of G: df/dL_rc = 2 (G~ L)_rc, d2f/dL_rc dL_r'c' = 2 G~_rr' [c = c']
            double[][] l = unstructuredFactor(a);
            double[][] gf = new double[visits][visits];
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < m; u++) {
                    gf[position[j]][position[u]] += g[j][u];
                }
            }
            int nk = 0;
            int[] row = new int[k];
            int[] col = new int[k];
            double[] f = new double[k];
            for (int r = 1; r < visits; r++) {
                for (int c = 0; c <= r; c++) {
                    row[nk] = r;
                    col[nk] = c;
                    f[nk++] = c == r ? l[r][r] : 1;
                }
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = col[i] == col[j] ? 2 * gf[row[i]][row[j]] * f[i] * f[j] : 0;
                    if (i == j && row[i] == col[i]) {
                        // d2 L_rr / da^2 = L_rr: the first derivative's term
                        double s = 0;
                        for (int u = col[i]; u < visits; u++) {
                            s += gf[row[i]][u] * l[u][col[i]];
                        }
                        v += 2 * s * l[row[i]][row[i]];
                    }
                    h[i][j] = v;
                    h[j][i] = v;
                }
            }
            return h;
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= i; j++) {
                HyperDual[][] s = covariance(seeded(a, i, j), position, time);
                double v = 0;
                for (int r = 0; r < m; r++) {
                    for (int c = 0; c < m; c++) {
                        v += g[r][c] * s[r][c].d12();
                    }
                }
                h[i][j] = v;
                h[j][i] = v;
            }
        }
        return h;
    }

    private static HyperDual[] seeded(double[] a, int first, int second) {
        HyperDual[] x = new HyperDual[a.length];
        for (int i = 0; i < a.length; i++) {
            x[i] = HyperDual.variable(a[i], i == first, i == second);
        }
        return x;
    }

    /** S in hyper-dual arithmetic, as {@link ResidualStructure#covariance} computes it in doubles (not for us). */
    HyperDual[][] covariance(HyperDual[] a, int[] position, double[] time) {
        int m = position.length;
        int nc = structure.correlationCount();
        boolean heterogeneous = structure.heterogeneous();
        HyperDual[] sd = new HyperDual[m];
        for (int j = 0; j < m; j++) {
            sd[j] = !heterogeneous || position[j] == 0 ? HyperDual.ONE : a[nc + position[j] - 1].times(0.5).exp();
        }
        HyperDual[] lag = switch (name) {
            case "toep", "toeph" -> toeplitzCorrelations(a);
            case "arma11" -> armaCorrelations(a[0].tanh(), a[1].tanh());
            default -> null;
        };
        HyperDual[][] out = new HyperDual[m][m];
        for (int j = 0; j < m; j++) {
            out[j][j] = sd[j].times(sd[j]);
            for (int u = 0; u < j; u++) {
                double dt = time == null ? 0 : Math.abs(time[j] - time[u]);
                HyperDual r = correlation(a, lag, position[j], position[u], dt);
                out[j][u] = r.times(sd[j]).times(sd[u]);
                out[u][j] = out[j][u];
            }
        }
        return out;
    }

    private HyperDual correlation(HyperDual[] a, HyperDual[] lag, int pj, int pk, double dist) {
        int d = Math.abs(pj - pk);
        return switch (name) {
            case "ar1", "ar1h" -> a[0].tanh().pow(d);
            case "cs", "csh" -> a[0].tanh();
            case "diag", "id" -> HyperDual.ZERO;
            case "toep", "toeph", "arma11" -> lag[d];
            case "adh" -> {
                HyperDual r = HyperDual.ONE;
                for (int l = Math.min(pj, pk); l < Math.max(pj, pk); l++) {
                    r = r.times(a[l].tanh());
                }
                yield r;
            }
            case "sp_exp" -> a[0].logistic().pow(dist);
            case "sp_gau" -> a[0].logistic().pow(dist * dist);
            case "sp_exp_nugget" -> HyperDual.ONE.minus(a[1].logistic()).times(a[0].logistic().pow(dist));
            case "sp_gau_nugget" -> HyperDual.ONE.minus(a[1].logistic()).times(a[0].logistic().pow(dist * dist));
            default -> throw new MixedModelException("Unknown residual structure '" + name + "'.");
        };
    }

    /** Autocorrelations by lag from partial autocorrelations tanh(a) (Durbin-Levinson, as ResidualStructure). */
    private HyperDual[] toeplitzCorrelations(HyperDual[] a) {
        int t = visits;
        HyperDual[] rho = new HyperDual[t];
        rho[0] = HyperDual.ONE;
        HyperDual[] prev = new HyperDual[t];
        HyperDual[] phi = new HyperDual[t];
        java.util.Arrays.fill(prev, HyperDual.ZERO);
        java.util.Arrays.fill(phi, HyperDual.ZERO);
        HyperDual variance = HyperDual.ONE;
        for (int k = 1; k < t; k++) {
            HyperDual pk = a[k - 1].tanh();
            HyperDual sum = HyperDual.ZERO;
            for (int j = 1; j < k; j++) {
                sum = sum.plus(prev[j].times(rho[k - j]));
            }
            if (k > 1) {
                HyperDual p = a[k - 2].tanh();
                variance = variance.times(HyperDual.ONE.minus(p.times(p)));
            }
            rho[k] = sum.plus(pk.times(variance));
            for (int j = 1; j < k; j++) {
                phi[j] = prev[j].minus(pk.times(prev[k - j]));
            }
            phi[k] = pk;
            System.arraycopy(phi, 0, prev, 0, t);
        }
        return rho;
    }

    /** ARMA(1,1): lag k >= 1 is gamma phi^(k - 1), gamma = (1 + phi theta)(phi + theta) / (1 + 2 phi theta + theta^2). */
    private HyperDual[] armaCorrelations(HyperDual phi, HyperDual theta) {
        HyperDual[] rho = new HyperDual[visits];
        rho[0] = HyperDual.ONE;
        HyperDual pt = phi.times(theta);
        HyperDual gamma = HyperDual.ONE.plus(pt).times(phi.plus(theta))
                .divide(HyperDual.ONE.plus(pt.times(2)).plus(theta.times(theta)));
        for (int k = 1; k < visits; k++) {
            rho[k] = gamma.times(phi.pow(k - 1));
        }
        return rho;
    }

    /** L with L[0][0] = 1, diagonal exp(a) and free off-diagonals, row by row (as ResidualStructure). */
    private double[][] unstructuredFactor(double[] a) {
        double[][] l = new double[visits][visits];
        int at = 0;
        l[0][0] = 1;
        for (int r = 1; r < visits; r++) {
            for (int c = 0; c < r; c++) {
                l[r][c] = a[at++];
            }
            l[r][r] = Math.exp(a[at++]);
        }
        return l;
    }
}
