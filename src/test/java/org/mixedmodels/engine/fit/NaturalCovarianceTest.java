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
}
