package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger SEs, df and p-values of every coefficient (lmerTest's summary with
 * ddf = "Kenward-Roger", i.e. pbkrtest 0.5.2's vcovAdj and Lb_ddf) and the Kenward-Roger Type III
 * tables, for every REML reference case. pbkrtest's formulas are analytic; the 1e-4 on df and p
 * (README: 1e-3) allows for theta, which both optimizers only find to about 1e-6.
 */
class KenwardRogerReferenceTest {

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream()
                .filter(n -> "REML".equals(ReferenceCase.load(n).string("method")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void coefficients(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FixedEffectsInference kr = FixedEffectsInference.of(SatterthwaiteReferenceTest.fit(c), DfMethod.KENWARD_ROGER,
                0.95);
        List<JsonObject> expected = c.objects("fixed");
        assertEquals(expected.size(), kr.coefficients().size());
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            CoefficientTest t = kr.coefficients().get(i);
            assertEquals(e.get("term").getAsString(), t.term());
            assertClose(e.get("se_kr").getAsDouble(), t.se(), 1e-5, t.term() + " se");
            assertClose(e.get("df_kr").getAsDouble(), t.df(), 1e-4, t.term() + " df");
            assertPClose(e.get("p_kr").getAsDouble(), t.p(), 1e-4, t.term() + " p");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void typeIIITable(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FixedEffectsInference kr = FixedEffectsInference.of(SatterthwaiteReferenceTest.fit(c), DfMethod.KENWARD_ROGER,
                0.95);
        JsonElement table = c.json().get("anova_type3_kr");
        if (table == null || table.isJsonNull()) {
            assertEquals(0, kr.typeIII().size());
            return;
        }
        List<JsonObject> expected = c.objects("anova_type3_kr");
        assertEquals(expected.size(), kr.typeIII().size(), "terms");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            TermTest t = kr.typeIII().get(i);
            assertEquals(e.get("term").getAsString(), t.term());
            assertEquals(e.get("numdf").getAsDouble(), t.numDf(), 0.0, t.term() + " numdf");
            assertClose(e.get("dendf").getAsDouble(), t.denDf(), 1e-4, t.term() + " dendf");
            assertClose(e.get("F").getAsDouble(), t.f(), 1e-5, t.term() + " F");
            assertPClose(e.get("p").getAsDouble(), t.p(), 1e-4, t.term() + " p");
        }
    }

    /**
     * In balanced designs Kenward-Roger's df are whole numbers (Kenward and Roger 1997, section 4): 17
     * for the sleepstudy slope (18 subjects) and 98 for 100 simulated subjects with 10 visits each.
     */
    @Test
    void balancedDesignsGiveWholeNumberDf() {
        FitResult fit = ReferenceCase.load("sleepstudy_slopes").fit();
        FixedEffectsInference kr = FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95);
        assertEquals(17.0, kr.coefficients().get(0).df(), 1e-6);
        assertEquals(17.0, kr.coefficients().get(1).df(), 1e-6);
        FitResult sim = org.mixedmodels.engine.fit.LinearMixedModel.fit("y ~ time * arm + (time | subject)",
                org.mixedmodels.cli.SimulatedDataFixture.longitudinal(100, 10),
                org.mixedmodels.engine.fit.FitOptions.reml());
        FixedEffectsInference simKr = FixedEffectsInference.of(sim, DfMethod.KENWARD_ROGER, 0.95);
        assertEquals(98.0, simKr.coefficients().get(1).df(), 1e-6, "time");
    }

    /** The adjustment only inflates: Phi_A - Phi is positive semi-definite, so every SE grows or stays. */
    @Test
    void adjustedSeNeverSmaller() {
        FitResult fit = SatterthwaiteReferenceTest.fit(ReferenceCase.load("nf1_lesions"));
        double[][] adjusted = new KenwardRoger(fit).adjustedCovariance();
        for (int j = 0; j < adjusted.length; j++) {
            assertTrue(adjusted[j][j] >= fit.fixedCovariance()[j][j] * (1 - 1e-12), "coefficient " + j);
        }
    }

    @Test
    void refusedForMlFits() {
        FitResult ml = SatterthwaiteReferenceTest.fit(ReferenceCase.load("sleepstudy_slopes_ml"));
        MixedModelException e = assertThrows(MixedModelException.class, () -> new KenwardRoger(ml));
        assertTrue(e.getMessage().contains("REML fits only"), e.getMessage());
    }
}
