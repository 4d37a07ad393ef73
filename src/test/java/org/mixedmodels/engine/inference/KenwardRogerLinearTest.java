package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger-Linear (mmrm's name): KR without the second derivatives of V. Where V is linear in SAS's
 * parameters (unstructured) it is KR itself; where it is not (AR(1): sigma^2 rho^|i-j|) only the adjusted
 * covariance's R term changes, so the SEs differ, but little.
 */
class KenwardRogerLinearTest {
    private static final Map<String, String> REFERENCES = Map.of("SEX", "Male");

    private static DataFrame fev() {
        return CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
    }

    @Test
    void equalsKenwardRogerWhereTheCovarianceIsLinear() {
        FitResult fit = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + us(AVISIT | USUBJID)", fev(),
                new FitOptions(FitOptions.Method.REML, REFERENCES));
        double[][] kr = new KenwardRoger(fit).adjustedCovariance();
        double[][] linear = new KenwardRoger(fit, true).adjustedCovariance();
        for (int i = 0; i < kr.length; i++) {
            for (int j = 0; j < kr.length; j++) {
                assertEquals(kr[i][j], linear[i][j], 1e-12 * Math.sqrt(kr[i][i] * kr[j][j]));
            }
        }
    }

    @Test
    void dropsTheSecondDerivativeTermForAr1() {
        FitResult fit = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + ar1(AVISIT | USUBJID)", fev(),
                new FitOptions(FitOptions.Method.REML, REFERENCES));
        FixedEffectsInference kr = FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95);
        FixedEffectsInference linear = FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER_LINEAR, 0.95);
        double largest = 0;
        for (int i = 0; i < kr.coefficients().size(); i++) {
            double a = kr.coefficients().get(i).se();
            double b = linear.coefficients().get(i).se();
            largest = Math.max(largest, Math.abs(a - b) / a);
        }
        assertTrue(largest > 1e-8 && largest < 1e-2, "relative SE difference " + largest);
        assertEquals(DfMethod.KENWARD_ROGER_LINEAR, DfMethod.parse("kenward-roger-linear"));
    }
}
