package org.mixedmodels.engine.fit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;

/**
 * The residual covariance within a subject, relative to sigma^2, as a function of unconstrained parameters
 * (names and meanings as R's mmrm). Transforms keep every parameter vector valid: correlations are
 * tanh(a) (AR(1), Toeplitz partial autocorrelations, compound symmetry), the continuous-time correlation is
 * logistic(a) in (0, 1), variance ratios are exp(a), and the unstructured matrix is L L' with L lower
 * triangular, L[0][0] = 1 and a positive diagonal exp(a). The first visit's variance is sigma^2 wherever
 * variances are heterogeneous, so sigma^2 stays profiled out of the likelihood.
 */
public final class ResidualStructure {
    private final String name;
    private final int visits;

    public ResidualStructure(String name, int visits) {
        this.name = name;
        this.visits = visits;
        if (name.equals("us") && visits < 2 || name.equals("toep") && visits < 2) {
            throw new MixedModelException(name + " needs at least two visits; the data have " + visits + ".");
        }
    }

    public String name() {
        return name;
    }

    public int parameterCount() {
        int t = visits;
        return switch (name) {
            case "ar1", "cs", "sp_exp" -> 1;
            case "ar1h", "csh" -> 1 + (t - 1);
            case "diag" -> t - 1;
            case "toep" -> t - 1;
            case "us" -> t * (t + 1) / 2 - 1;
            default -> throw new MixedModelException("Unknown residual structure '" + name + "'.");
        };
    }

    /** Independence and equal variances: the starting point. */
    public double[] initial() {
        return new double[parameterCount()];
    }

    /**
     * Writes the relative covariance of one subject's rows into {@code out} (m x m).
     *
     * @param position visit index of each row
     * @param time numeric time of each row (sp_exp only)
     */
    public void covariance(double[] a, int[] position, double[] time, double[][] out) {
        int m = position.length;
        switch (name) {
            case "ar1", "ar1h" -> {
                double phi = Math.tanh(a[0]);
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        out[j][k] = Math.pow(phi, Math.abs(position[j] - position[k]));
                    }
                }
                scaleByVariances(a, 1, position, out);
            }
            case "sp_exp" -> {
                double phi = 1 / (1 + Math.exp(-a[0]));
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        out[j][k] = Math.pow(phi, Math.abs(time[j] - time[k]));
                    }
                }
            }
            case "cs", "csh" -> {
                double rho = Math.tanh(a[0]);
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        out[j][k] = j == k ? 1 : rho;
                    }
                }
                scaleByVariances(a, 1, position, out);
            }
            case "diag" -> {
                for (int j = 0; j < m; j++) {
                    java.util.Arrays.fill(out[j], 0.0);
                    out[j][j] = 1;
                }
                scaleByVariances(a, 0, position, out);
            }
            case "toep" -> {
                double[] rho = toeplitzCorrelations(a);
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        out[j][k] = rho[Math.abs(position[j] - position[k])];
                    }
                }
            }
            case "us" -> {
                double[][] full = unstructured(a);
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < m; k++) {
                        out[j][k] = full[position[j]][position[k]];
                    }
                }
            }
            default -> throw new MixedModelException("Unknown residual structure '" + name + "'.");
        }
    }

    /** Multiplies by sqrt(v_j v_k), v_0 = 1 and v_j = exp(a[from + j - 1]). */
    private void scaleByVariances(double[] a, int from, int[] position, double[][] out) {
        if (a.length <= from || name.equals("ar1") || name.equals("cs")) {
            return;
        }
        int m = position.length;
        double[] sd = new double[m];
        for (int j = 0; j < m; j++) {
            sd[j] = position[j] == 0 ? 1 : Math.exp(a[from + position[j] - 1] / 2);
        }
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                out[j][k] *= sd[j] * sd[k];
            }
        }
    }

    /** Autocorrelations rho_0..rho_{T-1} from partial autocorrelations tanh(a) (Durbin-Levinson). */
    private double[] toeplitzCorrelations(double[] a) {
        int t = visits;
        double[] rho = new double[t];
        rho[0] = 1;
        double[] phi = new double[t];
        double[] prev = new double[t];
        for (int k = 1; k < t; k++) {
            double pk = Math.tanh(a[k - 1]);
            // rho_k = pk * prod(1 - pj^2) + sum_{j<k} phi_{k-1,j} rho_{k-j}
            double sum = 0;
            double variance = 1;
            for (int j = 1; j < k; j++) {
                sum += prev[j] * rho[k - j];
            }
            for (int j = 1; j < k; j++) {
                variance *= 1 - Math.pow(Math.tanh(a[j - 1]), 2);
            }
            rho[k] = sum + pk * variance;
            for (int j = 1; j < k; j++) {
                phi[j] = prev[j] - pk * prev[k - j];
            }
            phi[k] = pk;
            System.arraycopy(phi, 0, prev, 0, t);
        }
        return rho;
    }

    /** L L' with L[0][0] = 1, diagonal exp(a) and free off-diagonals, row by row. */
    private double[][] unstructured(double[] a) {
        int t = visits;
        double[][] l = new double[t][t];
        int at = 0;
        l[0][0] = 1;
        for (int r = 1; r < t; r++) {
            for (int c = 0; c < r; c++) {
                l[r][c] = a[at++];
            }
            l[r][r] = Math.exp(a[at++]);
        }
        double[][] s = new double[t][t];
        for (int r = 0; r < t; r++) {
            for (int c = 0; c <= r; c++) {
                double v = 0;
                for (int u = 0; u <= c; u++) {
                    v += l[r][u] * l[c][u];
                }
                s[r][c] = v;
                s[c][r] = v;
            }
        }
        return s;
    }

    /**
     * The structure's parameters on the scale users read (mmrm and nlme): {@code phi} for ar1/ar1h/sp_exp,
     * {@code rho} for cs/csh, {@code variances} per visit (absolute, sigma^2 times the ratio) where they
     * differ, and the full {@code covariance} over all visits (absolute).
     */
    public Map<String, Object> describe(double[] a, double sigma2) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", name);
        switch (name) {
            case "ar1", "ar1h" -> d.put("phi", Math.tanh(a[0]));
            case "sp_exp" -> d.put("phi", 1 / (1 + Math.exp(-a[0])));
            case "cs", "csh" -> d.put("rho", Math.tanh(a[0]));
            default -> { }
        }
        int[] all = new int[visits];
        double[] times = new double[visits];
        for (int v = 0; v < visits; v++) {
            all[v] = v;
            times[v] = v;
        }
        double[][] cov = new double[visits][visits];
        covariance(a, all, times, cov);
        double[] variances = new double[visits];
        for (int r = 0; r < visits; r++) {
            for (int c = 0; c < visits; c++) {
                cov[r][c] *= sigma2;
            }
            variances[r] = cov[r][r];
        }
        if (!name.equals("sp_exp")) {
            d.put("covariance", cov);
        }
        if (name.equals("ar1h") || name.equals("csh") || name.equals("diag") || name.equals("us")) {
            d.put("variances", variances);
        }
        return d;
    }
}
