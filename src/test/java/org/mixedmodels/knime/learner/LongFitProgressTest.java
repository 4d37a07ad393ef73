package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.cli.BenchData;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;

/**
 * Long fits in the nodes report the optimizer's progress (evaluation, objective and its change, as the command line's
 * progress lines) and stop at the next evaluation after the user presses cancel: the Learner's unstructured MMRM over
 * 30 visits x 1,000 subjects (the bench case) and its binomial GLMM, and the refits of the Tests and Diagnostics
 * nodes. Cancel is pressed when a progress message shows a given evaluation, as a user watching it would; the hang
 * guard is generous (minutes) and nothing is timed.
 */
class LongFitProgressTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(10);
    private static final Pattern EVALUATION = Pattern.compile("\\(evaluation (\\d+), objective ([-0-9.eE+]+)"
        + "(, change ([-0-9.eE+]+))?\\)$");

    static NodeHarness<MixedModelLearnerNodeModel> learner(final MixedModelLearnerSettings s)
        throws InvalidSettingsException {
        s.useTypedFormula = true;
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        return h;
    }

    private static int evaluation(final String message) {
        Matcher m = EVALUATION.matcher(message == null ? "" : message);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Cancel at the message of evaluation {@code at} of the messages starting with {@code what}. */
    private static Predicate<String> at(final String what, final int at) {
        return m -> m.startsWith(what) && evaluation(m) == at;
    }

    /** After the cancel at evaluation {@code at}, no later evaluation was reported: the fit stopped at the next one. */
    private static void stoppedAt(final NodeHarness<?> h, final String what, final int at) {
        List<String> messages = h.messages();
        int last = messages.stream().filter(m -> m.startsWith(what)).mapToInt(LongFitProgressTest::evaluation).max()
            .orElse(-1);
        assertEquals(at, last, "the last evaluation reported: " + messages.get(messages.size() - 1));
    }

    @Test
    void theLearnersUnstructuredFitOver30VisitsStopsAtTheNextEvaluationAfterCancel() {
        BufferedDataTable data = KnimeTables.of(BenchData.mmrmTrial(1000, 30, 0.05, 20261202L));
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "y ~ arm * visit + us(visit | subject)";
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
            assertThrows(CanceledExecutionException.class,
                () -> h.executeCanceledWhen(at("Optimizing", 12), data));
            stoppedAt(h, "Optimizing", 12);
            assertEquals(0, NodeHarness.openIterators(data), "the input's row iterator is closed on cancel");
        });
    }

    @Test
    void theLearnersGlmmStopsAtTheNextEvaluationAfterCancel() {
        BufferedDataTable data = KnimeTables.of(BenchData.binaryLongitudinal(2000, 10, 20261203L));
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "response ~ time * arm + (time | subject)";
        s.family = "binomial";
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
            assertThrows(CanceledExecutionException.class,
                () -> h.executeCanceledWhen(at("Fitting the binomial GLMM", 8), data));
            stoppedAt(h, "Fitting the binomial GLMM", 8);
        });
    }

    /**
     * The messages of a whole MMRM fit (mmrm_us): one per evaluation, numbered 1, 2, ..., each after the first with
     * the change of the objective since the previous, ending at the fit's own evaluation count and objective (the fit
     * statistics table's), then the inference at 90% progress.
     */
    @Test
    void progressMessagesFollowTheOptimizer() throws Exception {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = c.string("formula") + " + " + c.string("residual");
        s.levelOrders = new String[] {"visit=WEEK2,WEEK4,WEEK8,WEEK12"};
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        PortObject[] out = h.execute(KnimeTables.reference(c.string("data")));
        List<String> optimizing = h.messages().stream().filter(m -> m.startsWith("Optimizing (")).toList();
        assertTrue(optimizing.size() > 5, h.messages().toString());
        double previous = Double.NaN;
        for (int i = 0; i < optimizing.size(); i++) {
            Matcher m = EVALUATION.matcher(optimizing.get(i));
            assertTrue(m.find(), optimizing.get(i));
            assertEquals(i + 1, Integer.parseInt(m.group(1)), optimizing.get(i));
            double objective = Double.parseDouble(m.group(2));
            if (i == 0) {
                assertEquals(null, m.group(3), "no change at the first evaluation");
            } else {
                double change = Double.parseDouble(m.group(4));
                assertEquals(objective - previous, change, 1e-2 * Math.abs(change) + 1e-9 * Math.abs(objective),
                    optimizing.get(i));
            }
            previous = objective;
        }
        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertEquals((int)KnimeTables.doubles(stats, "Optimizer evaluations")[0], optimizing.size());
        assertEquals(-2 * KnimeTables.doubles(stats, "Log-likelihood")[0], previous, 1e-9 * Math.abs(previous),
            "the last objective is the fit's -2 REML log-likelihood");
        assertTrue(h.messages().indexOf("Tests and intervals") > h.messages().indexOf(optimizing.get(0)));
        assertEquals(0.9, h.progress(), 1e-12, "the fit done, the inference under way");
    }

    /** The Tests and Diagnostics nodes refit the model: their refits report progress and stop on cancel. */
    @Test
    void refitsOfTheTestsAndDiagnosticsNodesStopAtTheNextEvaluationAfterCancel() {
        var frame = BenchData.mmrmTrial(1000, 10, 0.05, 20261201L);
        FitResult fit = LinearMixedModel.fit("y ~ arm * visit + us(visit | subject)", frame, FitOptions.reml());
        MixedModelPortObject model = new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
        BufferedDataTable data = KnimeTables.of(frame);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            NodeHarness<?> tests = NodeHarness.of(new org.mixedmodels.knime.tests.MixedModelTestsNodeFactory());
            NodeSettings ts = new NodeSettings("model");
            ts.addStringArray("lsmeans_factors", "arm");
            ts.addStringArray("by_factors", "visit");
            ts.addString("df_method", "satterthwaite");
            ts.addDouble("confidence_level", 0.95);
            tests.loadSettings(ts);
            assertThrows(CanceledExecutionException.class,
                () -> tests.executeCanceledWhen(at("Refitting the model", 6), model, data));
            stoppedAt(tests, "Refitting the model", 6);

            NodeHarness<?> diagnostics = NodeHarness.of(
                new org.mixedmodels.knime.diagnostics.MixedModelDiagnosticsNodeFactory());
            diagnostics.loadSettings(diagnostics.settings());
            assertThrows(CanceledExecutionException.class,
                () -> diagnostics.executeCanceledWhen(at("Refitting the model", 4), model, data));
            stoppedAt(diagnostics, "Refitting the model", 4);
        });
    }
}
