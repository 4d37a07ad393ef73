package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * LS means and pairwise differences against emmeans 1.8.4-1 (cases crossover_lsmeans and nf1_lsmeans,
 * Kenward-Roger and Satterthwaite). Estimates 1e-6 relative to the SE (emmeans' fit differs from
 * lme4's in the ninth digit), SEs 1e-5, df and p 1e-3 (numerical in R), intervals 1e-5 of the SE.
 */
class EstimatedMarginalMeansTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"crossover_lsmeans, satterthwaite", "crossover_lsmeans, kenward_roger", "nf1_lsmeans, satterthwaite",
            "nf1_lsmeans, kenward_roger"})
    void matchesEmmeans(String name, String method) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        DfMethod ddf = method.equals("satterthwaite") ? DfMethod.SATTERTHWAITE : DfMethod.KENWARD_ROGER;
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of(c.string("specs")), ddf, 0.95);
        List<JsonObject> means = c.objects("lsmeans_" + method);
        assertEquals(means.size(), emm.means().size());
        for (int i = 0; i < means.size(); i++) {
            JsonObject e = means.get(i);
            EstimatedMarginalMeans.Mean m = emm.means().get(i);
            double se = e.get("se").getAsDouble();
            assertEquals(e.get("level").getAsString(), m.level());
            assertClose(e.get("estimate").getAsDouble(), m.estimate(), 1e-6, se, m.level() + " estimate");
            assertClose(se, m.se(), 1e-5, m.level() + " se");
            assertClose(e.get("df").getAsDouble(), m.df(), 1e-3, m.level() + " df");
            assertClose(e.get("lower").getAsDouble(), m.lower(), 1e-5, se, m.level() + " lower");
            assertClose(e.get("upper").getAsDouble(), m.upper(), 1e-5, se, m.level() + " upper");
        }
        List<JsonObject> pairs = c.objects("pairs_" + method);
        assertEquals(pairs.size(), emm.differences().size());
        for (int i = 0; i < pairs.size(); i++) {
            JsonObject e = pairs.get(i);
            EstimatedMarginalMeans.Difference d = emm.differences().get(i);
            double se = e.get("se").getAsDouble();
            assertEquals(e.get("contrast").getAsString(), d.contrast());
            assertClose(e.get("estimate").getAsDouble(), d.estimate(), 1e-6, se, d.contrast() + " estimate");
            assertClose(se, d.se(), 1e-5, d.contrast() + " se");
            assertClose(e.get("df").getAsDouble(), d.df(), 1e-3, d.contrast() + " df");
            assertClose(e.get("t").getAsDouble(), d.t(), 1e-5, d.contrast() + " t");
            assertPClose(e.get("p").getAsDouble(), d.p(), 1e-3, d.contrast() + " p");
            assertClose(e.get("lower").getAsDouble(), d.lower(), 1e-5, se, d.contrast() + " lower");
            assertClose(e.get("upper").getAsDouble(), d.upper(), 1e-5, se, d.contrast() + " upper");
            assertTrue(d.pBonferroni() >= d.p() && d.pHolm() >= d.p() && d.pTukey() >= d.p(), "adjusted p are larger");
        }
    }

    /**
     * Treatment versus control (emmeans' contrast(emm, "trt.vs.ctrl")): each level minus the first, against emmeans
     * 1.8.4-1 with its default dunnettx adjustment and unadjusted (case trt_vs_ctrl_emmeans: nf1 subtype with
     * Satterthwaite and Kenward-Roger df, two comparisons; cake temperature by recipe, five comparisons per recipe).
     * Tolerances as above; the Dunnett p 1e-3 as the other p (ptukey is numerical in R and here).
     */
    @Test
    void treatmentVersusControlMatchesEmmeans() {
        ReferenceCase ref = ReferenceCase.load("trt_vs_ctrl_emmeans");
        for (JsonObject c : ref.objects("cases")) {
            String ddfName = c.get("ddf").getAsString();
            List<String> by = c.get("by").isJsonNull() ? List.of() : List.of(c.get("by").getAsString());
            FitResult fit = LinearMixedModel.fit(c.get("formula").getAsString(),
                    ReferenceCase.data(c.get("data").getAsString()), FitOptions.reml());
            DfMethod ddf = ddfName.equals("satterthwaite") ? DfMethod.SATTERTHWAITE : DfMethod.KENWARD_ROGER;
            EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of(c.get("specs").getAsString()), by, ddf,
                    0.95, CovarianceType.MODEL, EstimatedMarginalMeans.Contrasts.TRT_VS_CTRL);
            com.google.gson.JsonArray dunnett = c.getAsJsonArray("dunnettx");
            com.google.gson.JsonArray none = c.getAsJsonArray("none");
            assertEquals(dunnett.size(), emm.differences().size(), c.get("formula").getAsString());
            for (int i = 0; i < dunnett.size(); i++) {
                JsonObject e = dunnett.get(i).getAsJsonObject();
                EstimatedMarginalMeans.Difference d = emm.differences().get(i);
                String what = ddfName + " " + e.get("contrast").getAsString() + (by.isEmpty() ? "" : " | " + d.by());
                if (by.isEmpty()) {
                    assertEquals(e.get("contrast").getAsString(), d.contrast());
                } else {
                    // emmeans prefixes numeric levels with the variable (temperature185); the engine prints 185
                    assertEquals(e.get("contrast").getAsString().replace("temperature", ""), d.contrast());
                    assertEquals(e.get("by").getAsString(), d.by());
                }
                double se = e.get("se").getAsDouble();
                assertClose(e.get("estimate").getAsDouble(), d.estimate(), 1e-6, se, what + " estimate");
                assertClose(se, d.se(), 1e-5, what + " se");
                assertClose(e.get("df").getAsDouble(), d.df(), 1e-3, what + " df");
                assertClose(e.get("t").getAsDouble(), d.t(), 1e-5, what + " t");
                assertPClose(e.get("p").getAsDouble(), d.pDunnett(), 1e-3, what + " p (dunnettx)");
                assertPClose(none.get(i).getAsJsonObject().get("p").getAsDouble(), d.p(), 1e-3, what + " p (none)");
                assertTrue(Double.isNaN(d.pTukey()), "Tukey's adjustment is for all pairs");
            }
        }
    }

    /** The Dunnett approximation leaves a single comparison alone and is bounded by Bonferroni. */
    @Test
    void dunnettApproximationBounds() {
        assertEquals(0.2, DunnettApproximation.adjustedP(1.3, 1, 20, 0.2));
        for (double t : new double[] {0.5, 1.5, 2.5, 4}) {
            double p = Satterthwaite.twoSidedP(t, 30);
            double d = DunnettApproximation.adjustedP(t, 4, 30, p);
            assertTrue(d > p && d <= Math.min(1, 4 * p) + 1e-12, t + ": " + p + " < " + d + " <= Bonferroni");
        }
        double z = DunnettApproximation.adjustedP(2.5, 3, Double.POSITIVE_INFINITY,
                2 * new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1).cumulativeProbability(-2.5));
        assertTrue(z > 0.0124 && z < 3 * 0.0125, "z: " + z);
    }

    @Test
    void badSpecsAreRefused() {
        ReferenceCase c = ReferenceCase.load("nf1_lsmeans");
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        assertTrue(assertThrows(MixedModelException.class,
                () -> EstimatedMarginalMeans.of(fit, List.of("age"), DfMethod.SATTERTHWAITE, 0.95)).getMessage().contains("numeric"));
        assertTrue(assertThrows(MixedModelException.class,
                () -> EstimatedMarginalMeans.of(fit, List.of("colour"), DfMethod.SATTERTHWAITE, 0.95)).getMessage()
                .contains("not a fixed-effect variable"));
        assertTrue(assertThrows(MixedModelException.class,
                () -> EstimatedMarginalMeans.of(fit, List.of("patient"), DfMethod.SATTERTHWAITE, 0.95)).getMessage()
                .contains("not among the fixed effects"));
    }

    @Test
    void holmAdjustment() {
        // p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03, 0.06, 0.06
        double[] h = PValueAdjustment.holm(new double[] {0.01, 0.04, 0.03});
        assertClose(0.03, h[0], 1e-12, "holm");
        assertClose(0.06, h[1], 1e-12, "holm");
        assertClose(0.06, h[2], 1e-12, "holm");
    }
}
