package org.mixedmodels.engine.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/** The residuals' guards: crossed factors that join too many rows, and a fit without random effects. */
class ResidualsTest {

    @Test
    void crossedFactorsJoiningMoreRowsThanTheLimitGetNoScaledResidualsAndAWarning() {
        int n = Residuals.MAX_SCALED_BLOCK + 100;
        Random rng = new Random(20);
        double[] y = new double[n];
        String[] a = new String[n];
        String[] b = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = "a" + (i % 10);
            b[i] = "b" + ((i / 10) % 11);
            y[i] = (i % 10) * 0.5 + ((i / 10) % 11) * 0.3 + rng.nextGaussian();
        }
        DataFrame data = new DataFrame(List.of(new NumericColumn("y", y), new CategoricalColumn("a", a),
                new CategoricalColumn("b", b)));
        FitResult fit = LinearMixedModel.fit("y ~ 1 + (1 | a) + (1 | b)", data, FitOptions.reml());
        Residuals r = Residuals.of(fit);
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("join " + n + " rows into one correlated block"), r.warnings().get(0));
        for (int i = 0; i < n; i++) {
            assertTrue(Double.isNaN(r.scaled()[i]));
            assertFalse(Double.isNaN(r.marginalPearson()[i]), "V_ii needs no factorization");
        }
    }

    /**
     * With a varident term and group-specific parameters, a row's residual variance is its stratum's (nlme's Pearson
     * residuals divide by sigma times the stratum's SD ratio) and its group's at its visit.
     */
    @Test
    void pearsonResidualsUseTheRowsStratumAndGroup() {
        DataFrame fev = org.mixedmodels.engine.data.CsvReader.read(
                org.mixedmodels.engine.testing.ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        FitResult fit = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + ar1h(AVISIT | ARMCD / USUBJID) + varident(SEX | "
                + "USUBJID)", fev, FitOptions.reml());
        Residuals r = Residuals.of(fit);
        java.util.Map<?, ?> ratios = (java.util.Map<?, ?>) fit.residual().description().get("sd_ratios");
        java.util.Map<?, ?> groups = (java.util.Map<?, ?>) fit.residual().description().get("groups");
        org.mixedmodels.engine.design.ResidualDesign design = fit.design().residual();
        for (int i = 0; i < r.size(); i++) {
            int row = r.dataRows()[i];
            double[][] cov = (double[][]) ((java.util.Map<?, ?>) groups.get(fev.column("ARMCD").label(row)))
                    .get("covariance");
            double ratio = (Double) ratios.get(fev.column("SEX").label(row));
            int visit = design.position()[i];
            org.mixedmodels.engine.testing.Tolerance.assertClose(r.raw()[i] / (ratio * Math.sqrt(cov[visit][visit])),
                    r.pearson()[i], 1e-12, "Pearson residual of row " + row);
        }
    }
}
