package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
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

    /**
     * The Residual covariance tab offers every structure the README documents (each saved under its formula name), a
     * group column for group-specific parameters and a column for a residual variance by a factor, both with
     * <none>; the Options tab offers Kenward-Roger-Linear next to Kenward-Roger and the robust multi-df test.
     */
    @Test
    void everyResidualTermAndTheInferenceChoicesAreOfferedAndSaved() throws Exception {
        DataTableSpec spec = KnimeTables.reference("sas-fev/fev_data.csv").getDataTableSpec();
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "FEV1";
        s.fixedColumns = new String[] {"ARMCD", "AVISIT"};
        s.interactions = "ARMCD:AVISIT";
        s.residualStructure = "toeph";
        s.residualSubject = "USUBJID";
        s.residualTime = "AVISIT";
        NodeSettings n = new NodeSettings("model");
        s.saveTo(n);
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(n, spec);
        List<String> codes = new java.util.ArrayList<>();
        for (int i = 0; i < dialog.residualStructure.getItemCount(); i++) {
            String item = dialog.residualStructure.getItemAt(i);
            codes.add(item.substring(0, item.indexOf(':')));
        }
        List<String> expected = new java.util.ArrayList<>(MixedModelLearnerSettings.builderStructures());
        expected.add("none");
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(codes));
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertEquals("toeph", saved.getString("residual_structure"));
        assertEquals("", saved.getString("residual_group"), "<none> by default");
        assertEquals("", saved.getString("residual_variance_by"));
        assertEquals("FEV1 ~ AVISIT + ARMCD + ARMCD:AVISIT + toeph(AVISIT | USUBJID)", saved.getString("formula"));

        dialog.residualStructure.setSelectedIndex(codes.indexOf("us"));
        dialog.residualGroup.setSelectedColumn("ARMCD");
        dialog.residualVarianceBy.setSelectedColumn("SEX");
        dialog.dfMethod.setSelectedItem("kenward-roger-linear");
        NodeSettings grouped = NodeHarness.saveDialog(dialog);
        assertEquals("ARMCD", grouped.getString("residual_group"));
        assertEquals("SEX", grouped.getString("residual_variance_by"));
        assertEquals("kenward-roger-linear", grouped.getString("df_method"));
        assertEquals("FEV1 ~ AVISIT + ARMCD + ARMCD:AVISIT + us(AVISIT | ARMCD / USUBJID) + varident(SEX | USUBJID)",
            grouped.getString("formula"));
        h.loadSettings(grouped);
        h.configure(spec);
        // the dialog reopens as it was closed
        var reopened = (MixedModelLearnerNodeDialog)h.dialog(grouped, spec);
        assertEquals(grouped, NodeHarness.saveDialog(reopened));

        dialog.dfMethod.setSelectedItem("satterthwaite");
        dialog.vcov.setSelectedItem("empirical-cr2");
        dialog.robustTest.setSelectedItem("htz");
        dialog.residualGroup.setSelectedColumn(null);
        dialog.residualVarianceBy.setSelectedColumn(null);
        NodeSettings robust = NodeHarness.saveDialog(dialog);
        assertEquals("htz", robust.getString("robust_test"));
        assertEquals("FEV1 ~ AVISIT + ARMCD + ARMCD:AVISIT + us(AVISIT | USUBJID)", robust.getString("formula"));
        dialog.dfMethod.setSelectedItem("kenward-roger");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> NodeHarness.saveDialog(dialog));
        assertTrue(e.getMessage().contains("Kenward-Roger adjusts the model-based covariance"), e.getMessage());
        // screenshots of the tabs with the new choices (docs/dialogs/learner-mmrm-*.png)
        dialog.dfMethod.setSelectedItem("satterthwaite");
        dialog.residualGroup.setSelectedColumn("ARMCD");
        assertEquals(4, DialogRendering.render(dialog, "learner-mmrm-group"));
    }

    /**
     * A numeric column ticked "Treat as categorical" gets a row in the reference-level table, its levels as the engine
     * prints them (185, not 185.0) in numeric order when KNIME recorded domain values, typed otherwise; unticked, the
     * row and its reference go.
     */
    @Test
    void numericColumnsTreatedAsCategoricalGetAReferenceLevel() throws Exception {
        org.knime.core.node.BufferedDataTable data = KnimeTables.reference("data/cake_numeric_temperature.csv");
        DataTableSpec plain = data.getDataTableSpec();
        java.util.Set<org.knime.core.data.DataCell> values = new java.util.LinkedHashSet<>();
        for (double t : new double[] {205, 175, 225, 185, 195, 215}) {
            values.add(new org.knime.core.data.def.DoubleCell(t));
        }
        org.knime.core.data.DataColumnSpec[] columns = new org.knime.core.data.DataColumnSpec[plain.getNumColumns()];
        for (int j = 0; j < columns.length; j++) {
            org.knime.core.data.DataColumnSpecCreator c = new org.knime.core.data.DataColumnSpecCreator(
                plain.getColumnSpec(j));
            if (plain.getColumnSpec(j).getName().equals("temperature")) {
                c.setType(org.knime.core.data.def.DoubleCell.TYPE);
                c.setDomain(new org.knime.core.data.DataColumnDomainCreator(values).createDomain());
            }
            columns[j] = c.createSpec();
        }
        DataTableSpec withDomain = new DataTableSpec(columns);
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "angle";
        s.fixedColumns = new String[] {"recipe", "temperature"};
        s.groupingColumns = new String[] {"replicate"};
        s.categoricalColumns = new String[] {"temperature"};
        NodeSettings n = new NodeSettings("model");
        s.saveTo(n);
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(n, withDomain);
        assertTrue(dialog.levels.columns().contains("temperature"), dialog.levels.columns().toString());
        assertEquals(List.of("175", "185", "195", "205", "215", "225"), dialog.levels.levels("temperature"));
        dialog.levels.chooseReference("temperature", "185");
        assertArrayEquals(new String[] {"temperature=185"}, NodeHarness.saveDialog(dialog).getStringArray(
            "reference_levels"));
        click(dialog.categorical, "<<");
        assertFalse(dialog.levels.columns().contains("temperature"), "unticked: no longer categorical");
        assertArrayEquals(new String[0], NodeHarness.saveDialog(dialog).getStringArray("reference_levels"));
        click(dialog.categorical, ">>");
        assertTrue(dialog.levels.columns().contains("temperature"), "ticked again");

        // without domain values (KNIME records none for numeric columns by default) the level is typed
        var typed = (MixedModelLearnerNodeDialog)h.dialog(n, plain);
        assertEquals(List.of(), typed.levels.levels("temperature"));
        typed.levels.chooseReference("temperature", "185.0");
        NodeSettings saved = NodeHarness.saveDialog(typed);
        assertArrayEquals(new String[] {"temperature=185"}, saved.getStringArray("reference_levels"));
        h.loadSettings(saved);
        org.knime.core.node.BufferedDataTable fixed = (org.knime.core.node.BufferedDataTable)h.execute(data)[1];
        List<String> terms = KnimeTables.strings(fixed, "Term");
        assertTrue(terms.contains("temperature175") && !terms.contains("temperature185"), terms.toString());
    }

    private static void click(final java.awt.Container panel, final String text) {
        for (java.awt.Component c : panel.getComponents()) {
            if (c instanceof javax.swing.JButton b && b.getText().equals(text)) {
                b.doClick();
                return;
            } else if (c instanceof java.awt.Container inner && inner.getComponentCount() > 0) {
                click(inner, text);
            }
        }
    }
}
