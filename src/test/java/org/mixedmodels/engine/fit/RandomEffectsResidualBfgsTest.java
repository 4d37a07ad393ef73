package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Random effects next to a residual term are fitted by BFGS on the analytic gradient (as fits without random
 * effects): nlme's REML log-likelihood to 1e-9 relative, converged by BFGS itself, and the random effects' thetas
 * in lme4's layout (diagonal &gt;= 0; BFGS leaves them unconstrained, and a column's sign does not change V).
 */
class RandomEffectsResidualBfgsTest {

    @ParameterizedTest
    @ValueSource(strings = {"qtcf_ri_ar1", "qtcf_ri_car1", "orthodont_varident"})
    void matchesNlmeByBfgs(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        String residual = c.json().get("residual").isJsonNull() ? "varident(Sex | Subject)" : c.string("residual");
        FitResult fit = LinearMixedModel.fit(c.string("formula") + " + " + residual, c.data(), FitOptions.reml());
        assertEquals("BFGS", fit.optimizer().optimizer(), fit.optimizer().message());
        assertTrue(fit.optimizer().converged(), fit.optimizer().message());
        assertClose(c.number("logLik"), fit.logLik(), 1e-9, name + " REML log-likelihood");
        assertTrue(fit.theta()[0] >= 0, "diagonal theta " + fit.theta()[0]);
    }

    /** A correlated intercept and slope: both diagonal thetas come out &gt;= 0 whatever signs BFGS reached. */
    @org.junit.jupiter.api.Test
    void correlatedRandomEffectsKeepLme4sLayout() {
        org.mixedmodels.engine.data.DataFrame fev = org.mixedmodels.engine.data.CsvReader.read(
                ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        FitResult fit = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + (1 + VISITN | USUBJID) + varident(SEX | USUBJID)",
                fev, FitOptions.reml());
        assertEquals("BFGS", fit.optimizer().optimizer(), fit.optimizer().message());
        assertTrue(fit.optimizer().converged(), fit.optimizer().message());
        assertTrue(fit.theta()[0] >= 0 && fit.theta()[2] >= 0, java.util.Arrays.toString(fit.theta()));
    }
}
