package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.testing.ReferenceCase;

/** Likelihood-ratio tests against lme4's {@code anova(m1, m2)} (case sleepstudy_lrt). */
class ModelComparisonTest {

    @Test
    void matchesLme4Anova() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lrt");
        List<String> models = List.of("Reaction ~ Days + (Days | Subject)", "Reaction ~ Days + (1 | Subject)");
        ModelComparison cmp = ModelComparison.of(models, c.data(), FitOptions.ml());
        assertEquals(List.of("Reaction ~ Days + (1 | Subject)", "Reaction ~ Days + (Days | Subject)"), cmp.formulas(),
                "ordered by parameters");
        double[] npar = c.numbers("npar");
        for (int k = 0; k < 2; k++) {
            assertEquals((int) npar[k], cmp.npar()[k]);
            assertClose(c.numbers("AIC")[k], cmp.aic()[k], 1e-6, "AIC");
            assertClose(c.numbers("BIC")[k], cmp.bic()[k], 1e-6, "BIC");
            assertClose(c.numbers("logLik")[k], cmp.logLik()[k], 1e-6, "logLik");
            assertClose(c.numbers("deviance")[k], cmp.deviance()[k], 1e-6, "deviance");
        }
        // chi-square is a difference of log-likelihoods of size ~900: 1e-6 relative of those is 1e-3 absolute.
        assertClose(c.number("chisq"), cmp.chisq()[1], 1e-4, "chisq");
        assertEquals(2, cmp.df()[1]);
        assertClose(c.number("p"), cmp.p()[1], 1e-3, "p");
        assertFalse(cmp.refitted());
    }

    @Test
    void remlFitsWithDifferentFixedEffectsAreRefittedByMl() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lrt");
        ModelComparison cmp = ModelComparison.of(List.of("Reaction ~ 1 + (1 | Subject)", "Reaction ~ Days + (1 | Subject)"),
                c.data(), FitOptions.reml());
        assertTrue(cmp.refitted());
        assertEquals(FitOptions.Method.ML, cmp.method());
        ModelComparison sameFixed = ModelComparison.of(List.of("Reaction ~ Days + (1 | Subject)",
                "Reaction ~ Days + (Days | Subject)"), c.data(), FitOptions.reml());
        assertFalse(sameFixed.refitted(), "REML likelihoods compare models with the same fixed effects");
        assertEquals(FitOptions.Method.REML, sameFixed.method());
    }

    @Test
    void modelsOnDifferentRowsOrResponsesAreRefused() throws Exception {
        var data = org.mixedmodels.engine.data.CsvReader.read(new java.io.StringReader(
                "y,z,x,w,g\n1,2,1,1,a\n2,3,2,,a\n3,1,3,3,b\n5,4,4,4,b\n4,4,5,5,c\n6,7,6,6,c\n"), "t.csv");
        assertTrue(assertThrows(MixedModelException.class, () -> ModelComparison.of(
                List.of("y ~ x + (1 | g)", "y ~ x + w + (1 | g)"), data, FitOptions.ml())).getMessage().contains("different rows"));
        assertTrue(assertThrows(MixedModelException.class, () -> ModelComparison.of(
                List.of("y ~ x + (1 | g)", "z ~ x + (1 | g)"), data, FitOptions.ml())).getMessage().contains("different responses"));
        assertThrows(MixedModelException.class, () -> ModelComparison.of(List.of("y ~ x + (1 | g)"), data, FitOptions.ml()));
    }
}
