package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;

/**
 * The Learner's dialog as KNIME users expect it: the response is offered nowhere else, the visit column defaults
 * to a categorical or integer column, reference levels and orders come from the columns' domain values, and the
 * missing-value choice is saved.
 */
class MixedModelLearnerNodeDialogTest {
    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static NodeSettings mmrmSettings() {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "change";
        // a response saved among the effects (e.g. by an older dialog) is dropped from them
        s.fixedColumns = new String[] {"change", "baseline", "arm", "visit"};
        s.interactions = "arm:visit";
        s.residualStructure = "us";
        s.residualSubject = "subject";
        s.residualTime = "";
        NodeSettings n = new NodeSettings("model");
        s.saveTo(n);
        return n;
    }

    @Test
    void theResponseIsOfferedNowhereElseAndTheVisitDefaultsToACategoricalColumn() throws Exception {
        DataTableSpec spec = KnimeTables.reference("data/mmrm_trial.csv").getDataTableSpec();
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(mmrmSettings(), spec);
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertArrayEquals(new String[] {"arm", "visit", "baseline"}, sorted(saved.getStringArray("fixed_columns"),
            spec), "the response is not a fixed effect");
        // a categorical or integer column named like a visit, never the response or the subject
        assertEquals("visit", saved.getString("residual_time"));
        assertEquals("change ~ arm + visit + baseline + arm:visit + us(visit | subject)", saved.getString("formula"));
        // interactions are chosen from two columns, not typed
        dialog.interactions.addTerm("baseline", "visit");
        dialog.interactions.addTerm("visit", "baseline"); // the same term again: not added
        NodeSettings withInteraction = NodeHarness.saveDialog(dialog);
        assertEquals("arm:visit, baseline:visit", withInteraction.getString("interactions"));
        assertEquals("change ~ arm + visit + baseline + arm:visit + baseline:visit + us(visit | subject)",
            withInteraction.getString("formula"));
    }

    /** In the table's column order, as the dialog lists them. */
    private static String[] sorted(final String[] names, final DataTableSpec spec) {
        return java.util.Arrays.stream(names).sorted(java.util.Comparator.comparingInt(spec::findColumnIndex))
            .toArray(String[]::new);
    }

    @Test
    void referenceLevelsAndTheMissingValueChoiceAreChosenInTheDialog() throws Exception {
        DataTableSpec spec = KnimeTables.reference("data/mmrm_trial.csv").getDataTableSpec();
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings settings = mmrmSettings();
        settings.addStringArray("level_orders", "visit=WEEK2,WEEK4,WEEK8,WEEK12");
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(settings, spec);
        // one row per categorical column with domain values
        assertEquals(List.of("subject", "arm", "visit"), dialog.levels.columns());
        dialog.levels.chooseReference("arm", "placebo");
        dialog.failOnMissing.setSelected(true);
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertArrayEquals(new String[] {"arm=placebo"}, saved.getStringArray("reference_levels"));
        assertArrayEquals(new String[] {"visit=WEEK2,WEEK4,WEEK8,WEEK12"}, saved.getStringArray("level_orders"),
            "the saved custom order is kept");
        assertTrue(saved.getBoolean("fail_on_missing"));
        h.loadSettings(saved);
        h.configure(spec);
        assertEquals(4, DialogRendering.render(dialog, "learner-mmrm"), "Model, Residual covariance, Options, Distribution");
        assertTrue(new File("target/dialogs/learner-mmrm-options.png").length() > 1000);
    }

    /** Treat as categorical (numeric columns only), the missing tokens and the covariance are saved as shown. */
    @Test
    void categoricalColumnsMissingTokensAndCovarianceAreChosenInTheDialog() throws Exception {
        DataTableSpec spec = KnimeTables.reference("data/cake_numeric_temperature.csv").getDataTableSpec();
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "angle";
        s.fixedColumns = new String[] {"recipe", "temperature"};
        s.groupingColumns = new String[] {"replicate"};
        // a string column saved among them (e.g. by hand) is not kept: string columns are categorical already
        s.categoricalColumns = new String[] {"temperature", "recipe"};
        s.missingTokens = "NA, ., NULL";
        s.vcov = "empirical-cr2";
        NodeSettings n = new NodeSettings("model");
        s.saveTo(n);
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(n, spec);
        assertEquals("NA, ., NULL", dialog.missingTokens.getText());
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertArrayEquals(new String[] {"temperature"}, saved.getStringArray("categorical_columns"));
        assertEquals("NA, ., NULL", saved.getString("missing_tokens"));
        assertEquals("empirical-cr2", saved.getString("fixed_effects_covariance"));
        dialog.vcov.setSelectedItem("empirical");
        dialog.missingTokens.setText(".");
        NodeSettings changed = NodeHarness.saveDialog(dialog);
        assertEquals("empirical", changed.getString("fixed_effects_covariance"));
        assertEquals(".", changed.getString("missing_tokens"));
        h.loadSettings(changed);
        h.configure(spec);
    }
}
