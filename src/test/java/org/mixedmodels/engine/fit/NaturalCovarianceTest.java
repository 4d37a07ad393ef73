package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The covariance on SAS's parameter scale (what Kenward-Roger differentiates) equals the fitted covariance
 * sigma^2 S_i at the estimates, subject by subject, for every structure (to 1e-10 of the variances).
 */
class NaturalCovarianceTest {

    @ParameterizedTest
    @ValueSource(strings = {"us", "toep", "toeph", "adh", "arma11", "ar1", "ar1h", "cs", "csh", "diag", "sp_exp",
        "sp_gau", "sp_exp_nugget", "sp_gau_nugget"})
    void equalsTheFittedCovariance(String structure) {
        boolean continuous = structure.startsWith("sp_");
        DataFrame data = continuous ? CsvReader.read(ReferenceCase.root().resolve("data").resolve("ctime.csv"))
                : CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        String formula = continuous ? "y_exp_nugget ~ group * time + " + structure + "(time | subject)"
                : "FEV1 ~ ARMCD * AVISIT + " + structure + "(AVISIT | USUBJID)";
        FitResult fit = LinearMixedModel.fit(formula, data, new FitOptions(FitOptions.Method.REML, Map.of()));
        NaturalCovariance natural = new NaturalCovariance(fit);
        double[] psi = natural.estimates();
        ResidualDesign residual = fit.design().residual();
        for (int s = 0; s < natural.subjects(); s += 7) {
            int[] rows = natural.rows(s);
            int[] position = new int[rows.length];
            double[] time = new double[rows.length];
            for (int j = 0; j < rows.length; j++) {
                position[j] = residual.position()[rows[j]];
                time[j] = residual.time()[rows[j]];
            }
            double[][] expected = fit.residual().covariance(position, time, fit.sigma());
            double[][] ours = natural.covariance(s, psi);
            for (int j = 0; j < rows.length; j++) {
                for (int k = 0; k < rows.length; k++) {
                    assertEquals(expected[j][k], ours[j][k], 1e-10 * Math.sqrt(expected[j][j] * expected[k][k]),
                            structure + " subject " + s + " [" + j + "][" + k + "]");
                }
            }
        }
    }

    /**
     * Group-specific parameters and varident: the covariance on SAS's scale still equals the fitted one, and its
     * analytic first and second derivatives (what Kenward-Roger uses) equal central differences of it (to 1e-6 of
     * the size of the second differences' rounding: steps 1e-4 relative, so truncation about 1e-8 relative), for
     * structures with closed forms of every kind (powers of phi, Gaussian ranges, products of Rho(j), square roots of
     * variances, variance ratios).
     */
    @ParameterizedTest
    @ValueSource(strings = {"FEV1 ~ ARMCD * AVISIT + ar1h(AVISIT | ARMCD / USUBJID) + varident(SEX | USUBJID)",
        "FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) + varident(RACE | USUBJID)", "FEV1 ~ ARMCD * AVISIT + adh(AVISIT | USUBJID)",
        "FEV1 ~ ARMCD * AVISIT + arma11(AVISIT | USUBJID)", "FEV1 ~ ARMCD * AVISIT + toeph(AVISIT | USUBJID)",
        "y_exp_nugget ~ group * time + sp_gau_nugget(time | subject)", "y_exp_nugget ~ group * time + sp_exp(time | subject)"})
    void derivativesAreAnalyticAndGroupsAndStrataAreRead(String formula) {
        DataFrame data = formula.startsWith("y_") ? CsvReader.read(ReferenceCase.root().resolve("data").resolve("ctime.csv"))
                : CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        FitResult fit = LinearMixedModel.fit(formula, data, new FitOptions(FitOptions.Method.REML, Map.of()));
        NaturalCovariance natural = new NaturalCovariance(fit);
        double[] psi = natural.estimates();
        ResidualDesign residual = fit.design().residual();
        boolean randomEffects = !fit.design().randomTerms().isEmpty();
        for (int s = 0; s < natural.subjects(); s += 23) {
            int[] rows = natural.rows(s);
            int m = rows.length;
            double[][] ours = natural.covariance(s, psi);
            double[][] expected = fit.residual().covariance(residual, rows, fit.sigma());
            for (int j = 0; j < m && !randomEffects; j++) {
                for (int k = 0; k < m; k++) {
                    assertEquals(expected[j][k], ours[j][k], 1e-10 * Math.sqrt(expected[j][j] * expected[k][k]),
                            "covariance [" + j + "][" + k + "]");
                }
            }
            double scale = Math.sqrt(ours[0][0] * ours[m - 1][m - 1]);
            for (int r = 0; r < psi.length; r++) {
                for (int t = r; t < psi.length; t++) {
                    double[][][] d = natural.derivatives(s, psi, r, t);
                    double hr = 1e-4 * Math.max(Math.abs(psi[r]), 1e-2);
                    double ht = 1e-4 * Math.max(Math.abs(psi[t]), 1e-2);
                    double[][] first = difference(natural, s, psi, r, hr);
                    double[][] second = new double[m][m];
                    for (int sr = -1; sr <= 1; sr += 2) {
                        for (int st = -1; st <= 1; st += 2) {
                            double[] at = psi.clone();
                            at[r] += sr * hr;
                            at[t] += st * ht;
                            double[][] v = natural.covariance(s, at);
                            for (int j = 0; j < m; j++) {
                                for (int k = 0; k < m; k++) {
                                    second[j][k] += sr * st * v[j][k] / (4 * hr * ht);
                                }
                            }
                        }
                    }
                    assertEquals(natural.affects(s, r) || allZero(d[0]), true, "affects " + r);
                    for (int j = 0; j < m; j++) {
                        for (int k = 0; k < m; k++) {
                            assertEquals(first[j][k], d[0][j][k], 1e-6 * scale / Math.max(Math.abs(psi[r]), 1e-2),
                                    "dV/dpsi_" + r + " [" + j + "][" + k + "]");
                            assertEquals(second[j][k], d[2][j][k], 1e-5 * scale
                                    / (Math.max(Math.abs(psi[r]), 1e-2) * Math.max(Math.abs(psi[t]), 1e-2)),
                                    "d2V/dpsi_" + r + " dpsi_" + t + " [" + j + "][" + k + "]");
                        }
                    }
                }
            }
        }
    }

    private static boolean allZero(double[][] m) {
        for (double[] row : m) {
            for (double v : row) {
                if (v != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double[][] difference(NaturalCovariance natural, int s, double[] psi, int r, double h) {
        double[] up = psi.clone();
        double[] down = psi.clone();
        up[r] += h;
        down[r] -= h;
        double[][] a = natural.covariance(s, up);
        double[][] b = natural.covariance(s, down);
        double[][] d = new double[a.length][a.length];
        for (int j = 0; j < a.length; j++) {
            for (int k = 0; k < a.length; k++) {
                d[j][k] = (a[j][k] - b[j][k]) / (2 * h);
            }
        }
        return d;
    }
}
