package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.cli.BenchData;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;

import com.google.gson.JsonObject;

/**
 * After the fit, the Satterthwaite and Kenward-Roger df (seconds on large data) report their steps ("Kenward-Roger
 * df (subject 11 of 2000)", "Satterthwaite df (Hessian evaluation 3 of 5)") and stop at the next step after the user
 * presses cancel, in the Learner and the Tests node. Cancel is pressed on a progress message, as a user watching it
 * would; the hang guard is generous and nothing is timed.
 */
class InferenceProgressTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(10);

    /** 2,000 subjects x 10 visits with a random intercept: Kenward-Roger sums over 2,000 clusters. */
    private static org.mixedmodels.engine.data.DataFrame trial() {
        return BenchData.mmrmTrial(2000, 10, 0.05, 20261204L);
    }

    private static final String TRIAL_FORMULA = "y ~ arm * visit + (1 | subject)";

    private static List<String> startingWith(final NodeHarness<?> h, final String prefix) {
        return h.messages().stream().filter(m -> m != null && m.startsWith(prefix)).toList();
    }

    private static MixedModelLearnerSettings settings(final String formula, final DfMethod df) {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = formula;
        s.dfMethod = df.label();
        return s;
    }

    @Test
    void theLearnersKenwardRogerStopsAtTheNextStepAfterCancel() {
        BufferedDataTable data = KnimeTables.of(trial());
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<MixedModelLearnerNodeModel> h =
                LongFitProgressTest.learner(settings(TRIAL_FORMULA, DfMethod.KENWARD_ROGER));
            assertThrows(CanceledExecutionException.class,
                () -> h.executeCanceledWhen(m -> m.startsWith("Kenward-Roger df"), data));
            assertEquals(List.of("Kenward-Roger df (subject 1 of 2000)"), startingWith(h, "Kenward-Roger df"),
                "cancelled at the first step, stopped before the second");
        });
    }

    @Test
    void theLearnersSatterthwaiteStopsAtTheNextStepAfterCancel() {
        BufferedDataTable data = KnimeTables.of(trial());
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<MixedModelLearnerNodeModel> h =
                LongFitProgressTest.learner(settings(TRIAL_FORMULA, DfMethod.SATTERTHWAITE));
            assertThrows(CanceledExecutionException.class,
                () -> h.executeCanceledWhen(m -> m.startsWith("Satterthwaite df (Hessian evaluation 2 of"), data));
            // one theta: the centre and 2 x 2 points per Richardson level, 2 levels
            assertEquals(List.of("Satterthwaite df (Hessian evaluation 1 of 5)",
                "Satterthwaite df (Hessian evaluation 2 of 5)"), startingWith(h, "Satterthwaite df"));
        });
    }

    @Test
    void theTestsNodesKenwardRogerStopsAtTheNextStepAfterCancel() {
        var frame = trial();
        FitResult fit = LinearMixedModel.fit(TRIAL_FORMULA, frame, FitOptions.reml());
        MixedModelPortObject model = new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
        BufferedDataTable data = KnimeTables.of(frame);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<?> tests = NodeHarness.of(new org.mixedmodels.knime.tests.MixedModelTestsNodeFactory());
            NodeSettings ts = new NodeSettings("model");
            ts.addStringArray("lsmeans_factors", "arm");
            ts.addStringArray("by_factors", "visit");
            ts.addString("df_method", DfMethod.KENWARD_ROGER.label());
            ts.addDouble("confidence_level", 0.95);
            tests.loadSettings(ts);
            assertThrows(CanceledExecutionException.class,
                () -> tests.executeCanceledWhen(m -> m.startsWith("Kenward-Roger df (subject 21 of"), model, data));
            List<String> kr = startingWith(tests, "Kenward-Roger df");
            // about a hundred batches of 20 subjects: 1, 21
            assertEquals(List.of("Kenward-Roger df (subject 1 of 2000)", "Kenward-Roger df (subject 21 of 2000)"), kr);
        });
    }

    /**
     * A whole sleepstudy fit (random slopes, three thetas): every Hessian evaluation of Satterthwaite's df is shown in
     * turn (1 + 2 x 3 x 4 of them), every subject of Kenward-Roger's sums (18, one a batch), and the df in the
     * fixed-effects table are still lmerTest's and pbkrtest's (1e-4 relative).
     */
    @Test
    void theInferenceStepsAreShownInTurn() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        List<JsonObject> fixed = c.objects("fixed");

        NodeHarness<MixedModelLearnerNodeModel> s =
            LongFitProgressTest.learner(settings(c.string("formula"), DfMethod.SATTERTHWAITE));
        PortObject[] out = s.execute(data);
        assertEquals(IntStream.rangeClosed(1, 25).mapToObj(i -> "Satterthwaite df (Hessian evaluation " + i + " of 25)")
            .toList(), startingWith(s, "Satterthwaite df"));
        double[] df = KnimeTables.doubles((BufferedDataTable)out[1], "df");
        for (int j = 0; j < fixed.size(); j++) {
            double expected = fixed.get(j).get("df_satterthwaite").getAsDouble();
            assertEquals(expected, df[j], 1e-4 * expected, fixed.get(j).get("term").getAsString());
        }

        NodeHarness<MixedModelLearnerNodeModel> kr =
            LongFitProgressTest.learner(settings(c.string("formula"), DfMethod.KENWARD_ROGER));
        out = kr.execute(data);
        assertEquals(IntStream.rangeClosed(1, 18).mapToObj(i -> "Kenward-Roger df (subject " + i + " of 18)").toList(),
            startingWith(kr, "Kenward-Roger df"));
        df = KnimeTables.doubles((BufferedDataTable)out[1], "df");
        for (int j = 0; j < fixed.size(); j++) {
            double expected = fixed.get(j).get("df_kr").getAsDouble();
            assertEquals(expected, df[j], 1e-4 * expected, fixed.get(j).get("term").getAsString());
        }
    }
}
