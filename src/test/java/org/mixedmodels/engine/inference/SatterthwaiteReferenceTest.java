package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Satterthwaite df and p-values of every coefficient and the Type III tables of lmerTest 3.1-3, for
 * every lme4 reference case. Tolerances from the references' README: df and p 1e-3 relative (lmerTest
 * differentiates numerically, and so do we), F 1e-5 (it depends on estimates and covariances only).
 */
class SatterthwaiteReferenceTest {
    private static final Map<String, FixedEffectsInference> CACHE = new ConcurrentHashMap<>();

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream();
    }

    static FitResult fit(ReferenceCase c) {
        return c.fit();
    }

    static FixedEffectsInference inference(String name) {
        return CACHE.computeIfAbsent(name, n -> FixedEffectsInference.of(fit(ReferenceCase.load(n))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void coefficientDfAndP(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        List<CoefficientTest> tests = inference(name).coefficients();
        List<JsonObject> expected = c.objects("fixed");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            CoefficientTest t = tests.get(i);
            assertEquals(e.get("term").getAsString(), t.term());
            assertClose(e.get("df_satterthwaite").getAsDouble(), t.df(), 1e-3, t.term() + " df");
            assertPClose(e.get("p_satterthwaite").getAsDouble(), t.p(), 1e-3, t.term() + " p");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void typeIIITable(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        JsonElement table = c.json().get("anova_type3_satterthwaite");
        List<TermTest> tests = inference(name).typeIII();
        if (table == null || table.isJsonNull()) {
            assertEquals(0, tests.size(), "an intercept-only model has no terms to test");
            return;
        }
        List<JsonObject> expected = c.objects("anova_type3_satterthwaite");
        assertEquals(expected.size(), tests.size(), "terms");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            TermTest t = tests.get(i);
            assertEquals(e.get("term").getAsString(), t.term());
            assertEquals(e.get("numdf").getAsDouble(), t.numDf(), 0.0, t.term() + " numdf");
            assertClose(e.get("dendf").getAsDouble(), t.denDf(), 1e-3, t.term() + " dendf");
            assertClose(e.get("F").getAsDouble(), t.f(), 1e-5, t.term() + " F");
            assertPClose(e.get("p").getAsDouble(), t.p(), 1e-3, t.term() + " p");
        }
    }

    /** nlme's between/within df for lme(QTcF ~ dose * time_h, random = ~1 | animal), case qtcf_ri_only_nlme. */
    @Test
    void betweenWithinMatchesNlme() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_only_nlme");
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        FixedEffectsInference bw = FixedEffectsInference.of(fit, DfMethod.BETWEEN_WITHIN, 0.95);
        List<JsonObject> expected = c.objects("fixed");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            CoefficientTest t = bw.coefficients().get(i);
            assertEquals(e.get("term").getAsString(), t.term());
            assertEquals(e.get("df_nlme").getAsDouble(), t.df(), 0.0, t.term() + " df");
            assertClose(e.get("estimate").getAsDouble(), t.estimate(), 1e-6, e.get("se").getAsDouble(), t.term() + " estimate");
            assertClose(e.get("se").getAsDouble(), t.se(), 1e-5, t.term() + " se");
            assertPClose(e.get("p_nlme").getAsDouble(), t.p(), 1e-4, t.term() + " p");
        }
    }

    @Test
    void residualAndNoneAndIntervals() {
        FitResult fit = fit(ReferenceCase.load("sleepstudy_slopes"));
        FixedEffectsInference residual = FixedEffectsInference.of(fit, DfMethod.RESIDUAL, 0.95);
        assertEquals(178, residual.coefficients().get(1).df(), 0.0);
        FixedEffectsInference none = FixedEffectsInference.of(fit, DfMethod.NONE, 0.90);
        CoefficientTest days = none.coefficients().get(1);
        assertEquals(Double.POSITIVE_INFINITY, days.df());
        // Wald interval: estimate +- z(0.95) se.
        assertClose(days.estimate() - 1.6448536269514722 * days.se(), days.lower(), 1e-12, "lower");
        assertClose(days.estimate() + 1.6448536269514722 * days.se(), days.upper(), 1e-12, "upper");
        CoefficientTest sat = inference("sleepstudy_slopes").coefficients().get(1);
        double q = new org.apache.commons.math3.distribution.TDistribution(sat.df()).inverseCumulativeProbability(0.975);
        assertClose(sat.estimate() + q * sat.se(), sat.upper(), 1e-12, "t interval");
    }

    @Test
    void badRequests() {
        FitResult ml = fit(ReferenceCase.load("sleepstudy_slopes_ml"));
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                org.mixedmodels.engine.MixedModelException.class, () -> FixedEffectsInference.of(ml, DfMethod.KENWARD_ROGER, 0.95))
                .getMessage().contains("REML fits only"));
        org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> FixedEffectsInference.of(ml, DfMethod.RESIDUAL, 1.5));
        org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> DfMethod.parse("containment"));
        FitResult crossed = fit(ReferenceCase.load("penicillin_crossed"));
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                org.mixedmodels.engine.MixedModelException.class, () -> FixedEffectsInference.of(crossed, DfMethod.BETWEEN_WITHIN, 0.95))
                .getMessage().contains("nested"));
    }
}
