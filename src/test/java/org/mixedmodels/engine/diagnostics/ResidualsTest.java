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
}
