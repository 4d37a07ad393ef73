package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Group-specific covariance parameters ({@code us(visit | arm / subject)}, SAS GROUP=): with the fixed effects
 * fully interacted with the group, the model is the separate fits of each group side by side, so its
 * log-likelihood (REML or ML) is the sum of theirs and each group's covariance is that group's own fit's (to 1e-7
 * relative for the log-likelihood, 1e-4 of the scale for covariances: each fit is optimised on its own).
 */
class GroupSpecificStructureTest {
    private static DataFrame fev() {
        return CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
    }

    /** The rows of one arm. */
    private static DataFrame arm(DataFrame d, String level) {
        CategoricalColumn arm = (CategoricalColumn) d.column("ARMCD");
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < d.rowCount(); i++) {
            if (level.equals(arm.label(i))) {
                keep.add(i);
            }
        }
        List<Column> cols = new ArrayList<>();
        for (String name : d.columnNames()) {
            Column c = d.column(name);
            if (c instanceof NumericColumn num) {
                double[] v = new double[keep.size()];
                java.util.BitSet missing = new java.util.BitSet();
                for (int i = 0; i < v.length; i++) {
                    v[i] = num.value(keep.get(i));
                    if (num.isMissing(keep.get(i))) {
                        missing.set(i);
                    }
                }
                cols.add(new NumericColumn(name, v, missing));
            } else {
                String[] v = new String[keep.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = c.isMissing(keep.get(i)) ? null : c.label(keep.get(i));
                }
                cols.add(new CategoricalColumn(name, v));
            }
        }
        return new DataFrame(cols);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"us, REML", "us, ML", "ar1h, REML", "toeph, ML"})
    void fullInteractionByGroupDecouples(String structure, String method) {
        DataFrame d = fev();
        FitOptions options = new FitOptions(FitOptions.Method.valueOf(method), Map.of());
        FitResult joint = LinearMixedModel.fit("FEV1 ~ 0 + ARMCD + ARMCD:AVISIT + " + structure
                + "(AVISIT | ARMCD / USUBJID)", d, options);
        double sum = 0;
        Map<?, ?> groups = (Map<?, ?>) joint.residual().description().get("groups");
        assertEquals(2, groups.size());
        for (String level : List.of("PBO", "TRT")) {
            FitResult alone = LinearMixedModel.fit("FEV1 ~ AVISIT + " + structure + "(AVISIT | USUBJID)", arm(d, level),
                    options);
            sum += alone.logLik();
            double[][] ours = (double[][]) ((Map<?, ?>) groups.get(level)).get("covariance");
            double[][] own = alone.residual().covariance(alone.sigma());
            for (int i = 0; i < own.length; i++) {
                for (int j = 0; j < own.length; j++) {
                    assertClose(own[i][j], ours[i][j], 1e-4, Math.sqrt(own[i][i] * own[j][j]), level + " cov " + i + j);
                }
            }
        }
        assertClose(sum, joint.logLik(), 1e-7, "log-likelihoods add");
        assertTrue(joint.optimizer().converged());
    }

    @Test
    void aSubjectInTwoGroupsIsRefused() {
        MixedModelException e = assertThrows(MixedModelException.class, () -> LinearMixedModel.fit(
                "FEV1 ~ AVISIT + us(AVISIT | AVISIT / USUBJID)", fev(), FitOptions.reml()));
        assertTrue(e.getMessage().contains("more than one level of 'AVISIT'"), e.getMessage());
    }
}
