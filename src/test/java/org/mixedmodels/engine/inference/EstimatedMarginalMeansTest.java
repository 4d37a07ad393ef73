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
