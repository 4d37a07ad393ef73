package org.mixedmodels.engine.fit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;

/**
 * The residual covariance within a subject, relative to sigma^2, as a function of unconstrained parameters
 * (names as R's mmrm where mmrm has the structure). Transforms keep every parameter vector valid: correlations
 * are tanh(a) (AR(1), Toeplitz partial autocorrelations, compound symmetry, ante-dependence, the ARMA(1,1)
 * coefficients), continuous-time correlations and the nugget are logistic(a) in (0, 1), variance ratios are
 * exp(a), and the unstructured matrix is L L' with L lower triangular, L[0][0] = 1 and a positive diagonal
 * exp(a). The first visit's variance is sigma^2 wherever variances are heterogeneous, so sigma^2 stays profiled
 * out of the likelihood.
 *
 * <p>Every structure but {@code us} is S = D R D with D the diagonal of relative SDs (1 where variances are
 * equal) and R a correlation matrix; its correlation parameters come first, then the T - 1 log variance ratios of
 * visits 2..T. {@link #gradient} gives sum_jk G_jk dS_jk / da for a symmetric G analytically (the Toeplitz
 * autocorrelations' dependence on their partial autocorrelations, a Durbin-Levinson recursion, and the ARMA(1,1)
 * autocorrelations are differentiated by central differences of those T numbers; everything else in closed form).
 */
public final class ResidualStructure {
    private final String name;
    private final int visits;

    public ResidualStructure(String name, int visits) {
        this.name = name;
        this.visits = visits;
        if (visits < 2 && Set.of("us", "toep", "toeph", "adh", "arma11").contains(name)) {
            throw new MixedModelException(name + " needs at least two visits; the data have " + visits + ".");
        }
        parameterCount();
    }

    public static boolean isContinuousTime(String structure) {
        return org.mixedmodels.engine.formula.ResidualTerm.isContinuousTime(structure);
    }

    public String name() {
        return name;
    }

    public int parameterCount() {
        return correlationCount() + (heterogeneous() ? visits - 1 : 0) + (name.equals("us") ? visits * (visits + 1) / 2 - 1
                : 0);
    }

    /** Parameters of R (0 for us, which is parametrised as a whole). */
    int correlationCount() {
        int t = visits;
        return switch (name) {
            case "ar1", "ar1h", "cs", "csh", "sp_exp", "sp_gau" -> 1;
            case "sp_exp_nugget", "sp_gau_nugget", "arma11" -> 2;
            case "diag", "us", "id" -> 0;
            case "toep", "toeph", "adh" -> t - 1;
            default -> throw new MixedModelException("Unknown residual structure '" + name + "'.");
        };
    }

    boolean heterogeneous() {
        return switch (name) {
            case "ar1h", "csh", "diag", "toeph", "adh" -> true;
            default -> false;
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
     * @param time numeric time of each row (continuous-time structures only)
     */
    public void covariance(double[] a, int[] position, double[] time, double[][] out) {
        int m = position.length;
        if (name.equals("us")) {
            double[][] full = unstructured(a);
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    out[j][k] = full[position[j]][position[k]];
                }
            }
            return;
        }
        double[] lag = lagCorrelations(a);
        double[] sd = standardDeviations(a, position);
        for (int j = 0; j < m; j++) {
            out[j][j] = sd[j] * sd[j];
            for (int k = 0; k < j; k++) {
                double r = correlation(a, lag, position[j], position[k], time == null ? 0 : time[j] - time[k]);
                out[j][k] = r * sd[j] * sd[k];
                out[k][j] = out[j][k];
            }
        }
    }

    /** Relative SDs of the rows: 1 at the first visit and wherever variances are equal, else exp(a / 2). */
    private double[] standardDeviations(double[] a, int[] position) {
        int m = position.length;
        double[] sd = new double[m];
        int from = correlationCount();
        for (int j = 0; j < m; j++) {
            sd[j] = !heterogeneous() || position[j] == 0 ? 1 : Math.exp(a[from + position[j] - 1] / 2);
        }
        return sd;
    }

    /** Correlation by lag 0..T-1 for the lag-based structures (toep, toeph, arma11), else null. */
    private double[] lagCorrelations(double[] a) {
        return switch (name) {
            case "toep", "toeph" -> toeplitzCorrelations(a);
            case "arma11" -> armaCorrelations(Math.tanh(a[0]), Math.tanh(a[1]));
            default -> null;
        };
    }

    /** The correlation of two distinct rows at visit positions pj, pk and time difference dt. */
    private double correlation(double[] a, double[] lag, int pj, int pk, double dt) {
        int d = Math.abs(pj - pk);
        double dist = Math.abs(dt);
        return switch (name) {
            case "ar1", "ar1h" -> Math.pow(Math.tanh(a[0]), d);
            case "cs", "csh" -> Math.tanh(a[0]);
            case "diag", "id" -> 0;
            case "toep", "toeph", "arma11" -> lag[d];
            case "adh" -> {
                double r = 1;
                for (int l = Math.min(pj, pk); l < Math.max(pj, pk); l++) {
                    r *= Math.tanh(a[l]);
                }
                yield r;
            }
            case "sp_exp" -> Math.pow(logistic(a[0]), dist);
            case "sp_gau" -> Math.pow(logistic(a[0]), dist * dist);
            case "sp_exp_nugget" -> (1 - logistic(a[1])) * Math.pow(logistic(a[0]), dist);
            case "sp_gau_nugget" -> (1 - logistic(a[1])) * Math.pow(logistic(a[0]), dist * dist);
            default -> throw new MixedModelException("Unknown residual structure '" + name + "'.");
        };
    }

    private static double logistic(double a) {
        return 1 / (1 + Math.exp(-a));
    }

    /**
     * sum_jk G_jk dS_jk / da_l for each parameter l, with S the relative covariance of rows at these positions and
     * times and G symmetric (m x m): the derivative of a likelihood whose dependence on S is tr(G dS).
     */
    public double[] gradient(double[] a, int[] position, double[] time, double[][] g) {
        int m = position.length;
        double[] grad = new double[parameterCount()];
        if (name.equals("us")) {
            unstructuredGradient(a, position, g, grad);
            return grad;
        }
        double[] lag = lagCorrelations(a);
        double[] sd = standardDeviations(a, position);
        int nc = correlationCount();
        double[][] lagJacobian = lag == null ? null : lagJacobian(a);
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < j; k++) {
                // both (j, k) and (k, j)
                double h = 2 * g[j][k] * sd[j] * sd[k];
                if (h == 0) {
                    continue;
                }
                int pj = position[j];
                int pk = position[k];
                double dt = time == null ? 0 : Math.abs(time[j] - time[k]);
                int d = Math.abs(pj - pk);
                switch (name) {
                    case "ar1", "ar1h" -> {
                        double phi = Math.tanh(a[0]);
                        grad[0] += h * d * Math.pow(phi, d - 1) * (1 - phi * phi);
                    }
                    case "cs", "csh" -> {
                        double rho = Math.tanh(a[0]);
                        grad[0] += h * (1 - rho * rho);
                    }
                    case "toep", "toeph", "arma11" -> {
                        for (int l = 0; l < nc; l++) {
                            grad[l] += h * lagJacobian[l][d];
                        }
                    }
                    case "adh" -> {
                        int lo = Math.min(pj, pk);
                        int hi = Math.max(pj, pk);
                        for (int l = lo; l < hi; l++) {
                            double r = 1;
                            for (int u = lo; u < hi; u++) {
                                double t = Math.tanh(a[u]);
                                r *= u == l ? 1 - t * t : t;
                            }
                            grad[l] += h * r;
                        }
                    }
                    case "sp_exp", "sp_gau", "sp_exp_nugget", "sp_gau_nugget" -> {
                        double phi = logistic(a[0]);
                        double power = name.startsWith("sp_gau") ? dt * dt : dt;
                        double spatial = Math.pow(phi, power);
                        double keep = name.endsWith("nugget") ? 1 - logistic(a[1]) : 1;
                        // d phi^power / da = power phi^power (1 - phi), since d phi / da = phi (1 - phi)
                        grad[0] += h * keep * power * spatial * (1 - phi);
                        if (name.endsWith("nugget")) {
                            double c = logistic(a[1]);
                            grad[1] -= h * spatial * c * (1 - c);
                        }
                    }
                    default -> { }
                }
            }
        }
        if (heterogeneous()) {
            // dS_jk / da_v = S_jk ([p_j = v] + [p_k = v]) / 2, so the sum is sum over rows j at visit v of (G S)_jj
            double[][] s = new double[m][m];
            covariance(a, position, time, s);
            for (int j = 0; j < m; j++) {
                if (position[j] == 0) {
                    continue;
                }
                double sum = 0;
                for (int k = 0; k < m; k++) {
                    sum += g[j][k] * s[j][k];
                }
                grad[nc + position[j] - 1] += sum;
            }
        }
        return grad;
    }

    /** d lag[d] / d a_l by central differences (rows l, columns lags d). */
    private double[][] lagJacobian(double[] a) {
        int nc = correlationCount();
        double[][] jac = new double[nc][];
        double[] x = a.clone();
        for (int l = 0; l < nc; l++) {
            double h = 1e-5 * Math.max(1, Math.abs(a[l]));
            x[l] = a[l] + h;
            double[] up = lagCorrelations(x);
            x[l] = a[l] - h;
            double[] down = lagCorrelations(x);
            x[l] = a[l];
            jac[l] = new double[up.length];
            for (int d = 0; d < up.length; d++) {
                jac[l][d] = (up[d] - down[d]) / (2 * h);
            }
        }
        return jac;
    }

    /** S = L L' over all visits; with G embedded at the rows' positions, dF/dL = 2 G L (G symmetric). */
    private void unstructuredGradient(double[] a, int[] position, double[][] g, double[] grad) {
        int t = visits;
        double[][] l = unstructuredFactor(a);
        double[][] gf = new double[t][t];
        for (int j = 0; j < position.length; j++) {
            for (int k = 0; k < position.length; k++) {
                gf[position[j]][position[k]] += g[j][k];
            }
        }
        int at = 0;
        for (int r = 1; r < t; r++) {
            for (int c = 0; c <= r; c++) {
                double s = 0;
                for (int u = c; u < t; u++) {
                    s += gf[r][u] * l[u][c];
                }
                grad[at++] = c == r ? 2 * s * l[r][r] : 2 * s;
            }
        }
    }

    /** ARMA(1,1) autocorrelations: lag k >= 1 is gamma phi^(k - 1) (Box and Jenkins; nlme corARMA, SAS ARMA(1,1)). */
    private double[] armaCorrelations(double phi, double theta) {
        double[] rho = new double[visits];
        rho[0] = 1;
        double gamma = armaGamma(phi, theta);
        for (int k = 1; k < visits; k++) {
            rho[k] = gamma * Math.pow(phi, k - 1);
        }
        return rho;
    }

    private static double armaGamma(double phi, double theta) {
        return (1 + phi * theta) * (phi + theta) / (1 + 2 * phi * theta + theta * theta);
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

    /** L with L[0][0] = 1, diagonal exp(a) and free off-diagonals, row by row. */
    private double[][] unstructuredFactor(double[] a) {
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
        return l;
    }

    private double[][] unstructured(double[] a) {
        int t = visits;
        double[][] l = unstructuredFactor(a);
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
     * The structure's parameters on the scale users read (mmrm, nlme and SAS): {@code phi} for ar1/ar1h and the
     * continuous-time structures (the correlation at distance 1), {@code rho} for cs/csh, {@code rho} per lag
     * for adh (SAS Rho(j)), {@code phi}, {@code theta} (nlme Phi1, Theta1) and {@code gamma} (SAS) for arma11,
     * {@code nugget} (nlme's: the share of the variance that is not correlated), {@code variances} per visit
     * (absolute, sigma^2 times the ratio) where they differ, and the full {@code covariance} over all visits
     * (absolute) for structures indexed by visit.
     */
    public Map<String, Object> describe(double[] a, double sigma2) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", name);
        switch (name) {
            case "ar1", "ar1h" -> d.put("phi", Math.tanh(a[0]));
            case "sp_exp", "sp_gau" -> d.put("phi", logistic(a[0]));
            case "sp_exp_nugget", "sp_gau_nugget" -> {
                d.put("phi", logistic(a[0]));
                d.put("nugget", logistic(a[1]));
            }
            case "cs", "csh" -> d.put("rho", Math.tanh(a[0]));
            case "arma11" -> {
                d.put("phi", Math.tanh(a[0]));
                d.put("theta", Math.tanh(a[1]));
                d.put("gamma", armaGamma(Math.tanh(a[0]), Math.tanh(a[1])));
            }
            case "adh" -> {
                double[] rho = new double[visits - 1];
                for (int l = 0; l < rho.length; l++) {
                    rho[l] = Math.tanh(a[l]);
                }
                d.put("rho", rho);
            }
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
        if (!isContinuousTime(name)) {
            d.put("covariance", cov);
        }
        if (heterogeneous() || name.equals("us")) {
            d.put("variances", variances);
        }
        return d;
    }
}
