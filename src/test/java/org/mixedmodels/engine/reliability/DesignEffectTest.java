package org.mixedmodels.engine.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Design effect and effective sample size against case {@code design_effect}: the worked example (exact, as the
 * brief and the README require: ICC 0.15, 5 per cluster, n = 40 gives 1.6 and 25) and the mice cages, whose ICC
 * comes from the lme4 REML fit {@code weight_g ~ treatment + (1 | cage)} and is held to the README's 1e-6 relative,
 * as are the design effect and effective n computed from it (they are smooth, well-conditioned functions of it).
 */
class DesignEffectTest {

    private static final double REL = 1e-6;

    private static JsonObject part(String name) {
        return ReferenceCase.load("design_effect").json().getAsJsonObject(name);
    }

    @Test
    void textbookExampleIsExact() {
        DesignEffect.Result r = DesignEffect.plan(0.15, 5, 40);
        assertEquals(1.6, r.designEffect(), 0.0);
        assertEquals(25.0, r.effectiveN(), 0.0);
        assertEquals(1.6, r.designEffectUnequal(), 0.0);
        assertEquals(25.0, r.effectiveNUnequal(), 0.0);
        assertEquals(0.0, r.cvClusterSize(), 0.0);
        assertEquals(8.0, r.clusters(), 0.0);
        assertNull(r.iccEstimate());
        assertEquals(1.6, DesignEffect.kish(0.15, 5), 0.0);
    }

    @Test
    void matchesTheWorkedExampleOfTheReference() {
        JsonObject w = part("worked_example");
        DesignEffect.Result r = DesignEffect.plan(w.get("icc").getAsDouble(), w.get("mean_cluster_size").getAsDouble(),
                w.get("n").getAsDouble());
        assertEquals(w.get("design_effect").getAsDouble(), r.designEffect(), 0.0);
        assertEquals(w.get("effective_n").getAsDouble(), r.effectiveN(), 0.0);
    }

    @Test
    void matchesTheMiceCagesReference() {
        JsonObject mice = part("mice");
        DataFrame d = ReferenceCase.data(mice.get("data").getAsString());
        DesignEffect.Result r = DesignEffect.fromData(d, mice.get("cluster").getAsString(), "weight_g",
                List.of("treatment"));
        assertClose(mice.get("icc").getAsDouble(), r.icc(), REL, "icc");
        assertEquals(mice.get("mean_cluster_size").getAsDouble(), r.meanClusterSize(), 0.0);
        assertEquals(mice.get("n").getAsDouble(), r.n(), 0.0);
        assertClose(mice.get("design_effect").getAsDouble(), r.designEffect(), REL, "design effect");
        assertClose(mice.get("effective_n").getAsDouble(), r.effectiveN(), REL, "effective n");
        // equal cages of 5: no variation in size, so both forms agree
        assertEquals(0.0, r.cvClusterSize(), 0.0);
        assertEquals(r.designEffect(), r.designEffectUnequal(), 0.0);
        assertEquals(8.0, r.clusters(), 0.0);
        assertNotNull(r.iccEstimate());
        // the planning formula with the data's ICC gives the same numbers
        DesignEffect.Result planned = DesignEffect.plan(r.icc(), 5, 40);
        assertEquals(r.designEffect(), planned.designEffect(), 0.0);
        assertEquals(r.effectiveN(), planned.effectiveN(), 0.0);
    }

    /**
     * Unequal clusters: sizes 2, 4 and 6 (mean 4, population SD sqrt(8/3), cv^2 = 1/6) give (cv^2 + 1) m = 14/3 =
     * sum(m^2) / sum(m) = 56 / 12, the exact variance inflation of the overall mean; Kish's form with m = 4 is lower.
     */
    @Test
    void unequalClustersFollowEldridgeAshbyKerry() {
        double cv = DesignEffect.coefficientOfVariation(List.of(2, 4, 6));
        assertEquals(Math.sqrt(8.0 / 3) / 4, cv, 1e-15);
        double icc = 0.1;
        double exact = 1 + (56.0 / 12 - 1) * icc;
        assertEquals(exact, DesignEffect.unequalClusters(icc, 4, cv), 1e-14);
        assertTrue(DesignEffect.kish(icc, 4) < exact);
        DesignEffect.Result r = DesignEffect.plan(icc, 4, 12, cv);
        assertEquals(12 / exact, r.effectiveNUnequal(), 1e-12);
        assertEquals(12 / 1.3, r.effectiveN(), 1e-12);
    }

    @Test
    void unequalClustersFromData() {
        // clusters of 2, 3 and 5 rows
        String[] cluster = {"a", "a", "b", "b", "b", "c", "c", "c", "c", "c"};
        double[] y = {1.0, 1.4, 3.1, 2.7, 3.3, 5.2, 4.6, 5.0, 4.9, 5.5};
        DataFrame d = new DataFrame(List.of(new CategoricalColumn("clinic", cluster), new NumericColumn("y", y)));
        DesignEffect.Result r = DesignEffect.fromData(d, "clinic", "y");
        assertEquals(10.0 / 3, r.meanClusterSize(), 1e-15);
        assertEquals(3.0, r.clusters(), 0.0);
        assertEquals(10.0, r.n(), 0.0);
        assertClose(1 + ((4.0 + 9 + 25) / 10 - 1) * r.icc(), r.designEffectUnequal(), 1e-12, "DE unequal");
        assertClose(1 + (10.0 / 3 - 1) * r.icc(), r.designEffect(), 1e-12, "DE Kish");
        assertEquals(MixedModelIcc.estimate(d, "clinic", "y").icc(), r.icc(), 0.0);
    }

    @Test
    void noClusteringOrNoCorrelationMeansNoDesignEffect() {
        assertEquals(1.0, DesignEffect.kish(0.3, 1), 0.0);
        assertEquals(1.0, DesignEffect.kish(0.0, 20), 0.0);
        DesignEffect.Result full = DesignEffect.plan(1.0, 10, 200);
        assertEquals(10.0, full.designEffect(), 0.0);
        assertEquals(20.0, full.effectiveN(), 0.0); // perfectly correlated clusters: one observation each
    }

    @Test
    void planningInputsAreChecked() {
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(1.5, 5, 40)), "ICC", "1.5");
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(-0.1, 5, 40)), "ICC");
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(0.1, 0.5, 40)), "cluster size");
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(0.1, 5, 0)), "sample size n");
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(0.1, 5, 40, -1)),
                "coefficient of variation");
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.plan(Double.NaN, 5, 40)), "ICC");
    }

    @Test
    void dataErrorsComeFromTheIccEstimate() {
        List<String> ids = new ArrayList<>(List.of("a", "b", "c"));
        DataFrame d = new DataFrame(List.of(new CategoricalColumn("cage", ids.toArray(String[]::new)),
                new NumericColumn("w", new double[] {1, 2, 3})));
        assertMessage(assertThrows(MixedModelException.class, () -> DesignEffect.fromData(d, "cage", "w")),
                "No subject has 2 or more measurements", "column 'cage'");
    }

    private static void assertMessage(MixedModelException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }
}
