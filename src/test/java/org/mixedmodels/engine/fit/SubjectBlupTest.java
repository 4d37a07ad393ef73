package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The per-subject entry point of the BLUPs (what a fit from statistics calls with one subject's rows, e.g. on a
 * Spark executor) gives each subject the fit's own BLUP and conditional SD: the same computation, so 1e-12
 * relative (only the order of additions in V may differ).
 */
class SubjectBlupTest {

    @Test
    void oneSubjectsRowsGiveTheFitsBlup() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_ar1");
        FitResult fit = LinearMixedModel.fit(c.string("formula") + " + " + c.string("residual"), c.data(),
                FitOptions.reml());
        Design design = fit.design();
        ResidualDesign residual = design.residual();
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, true);
        double[][] x = design.fixed().columns();
        double[] y = design.response();
        int[][] bySubject = residual.rowsBySubject();
        List<RandomEffect> ranef = fit.randomEffects();
        assertEquals(bySubject.length, ranef.size());
        for (int s = 0; s < bySubject.length; s++) {
            int[] rows = bySubject[s];
            int m = rows.length;
            int[] position = new int[m];
            double[] time = new double[m];
            double[] r = new double[m];
            for (int j = 0; j < m; j++) {
                position[j] = residual.position()[rows[j]];
                time[j] = residual.time()[rows[j]];
                r[j] = y[rows[j]];
                for (int k = 0; k < x.length; k++) {
                    r[j] -= x[k][rows[j]] * fit.fixedEffects().get(k).estimate();
                }
            }
            double[][] bc = model.subjectBlup(fit.theta(), fit.residual().parameters(), fit.sigma(), position, time, null, 0, model.z(rows), r);
            RandomEffect expected = ranef.get(s);
            assertEquals(residual.subject().levels().get(s), expected.level());
            assertClose(expected.value(), bc[0][0], 1e-12, "BLUP of " + expected.level());
            assertClose(expected.condsd(), bc[1][0], 1e-12, "conditional SD of " + expected.level());
        }
    }
}
