package org.mixedmodels.knime.dialog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;
import org.mixedmodels.knime.predictor.MixedModelPredictorNodeFactory;

/** The dialogs open on real input specs, save what they show, refuse bad input, and render headless. */
class NodeDialogsTest {

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static DataTableSpec orthodont() {
        return KnimeTables.reference("data/orthodont.csv").getDataTableSpec();
    }

    @Test
    void learnerDialogBuildsTheFormulaFromTheSavedChoicesAndRenders() throws Exception {
        NodeSettings s = new NodeSettings("model");
        s.addString("formula", "");
        s.addBoolean("use_typed_formula", false);
        s.addString("response", "distance");
        s.addStringArray("fixed_columns", "age", "Sex");
        s.addString("interactions", "age:Sex");
        s.addStringArray("grouping_columns", "Subject");
        s.addBoolean("nested", false);
        s.addStringArray("random_slopes", "age");
        s.addBoolean("correlated_slopes", true);
        s.addString("method", "REML");
        s.addString("df_method", "kenward-roger");
        s.addDouble("confidence_level", 0.9);
        s.addStringArray("reference_levels", "Sex=Male");
        var harness = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeDialogPane dialog = harness.dialog(s, orthodont());
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertEquals("distance ~ age + Sex + age:Sex + (1 + age | Subject)", saved.getString("formula"));
        assertEquals("kenward-roger", saved.getString("df_method"));
        assertEquals(0.9, saved.getDouble("confidence_level"), 1e-12);
        assertEquals("Sex=Male", saved.getStringArray("reference_levels")[0]);
        // what the dialog saves configures the node
        harness.loadSettings(saved);
        harness.configure(orthodont());
        assertEquals(4, DialogRendering.render(dialog, "learner"), "Model, Residual covariance, Options, Distribution");
        assertTrue(new File("target/dialogs/learner-model.png").length() > 1000);
    }

    @Test
    void learnerDialogOpensWithDefaultsAndRefusesAnInvalidTypedFormula() throws Exception {
        var harness = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeDialogPane dialog = harness.dialog(new NodeSettings("empty"), orthodont());
        assertTrue(NodeHarness.saveDialog(dialog).getString("formula").startsWith("distance ~ 1"));

        NodeSettings typed = harness.settings();
        typed.addString("formula", "distance ~ age + (age | Subject");
        typed.addBoolean("use_typed_formula", true);
        NodeDialogPane withTyped = harness.dialog(typed, orthodont());
        InvalidSettingsException e =
            assertThrows(InvalidSettingsException.class, () -> NodeHarness.saveDialog(withTyped));
        assertTrue(e.getMessage().contains("expected ')'"), e.getMessage());
    }

    @Test
    void learnerDialogNeedsANumericColumn() {
        var harness = NodeHarness.of(new MixedModelLearnerNodeFactory());
        DataTableSpec onlyText = new DataTableSpec(new String[] {"name"},
            new org.knime.core.data.DataType[] {org.knime.core.data.def.StringCell.TYPE});
        NotConfigurableException e = assertThrows(NotConfigurableException.class,
            () -> harness.dialog(new NodeSettings("empty"), onlyText));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void predictorDialogSavesItsOptionsAndRenders() throws Exception {
        var harness = NodeHarness.of(new MixedModelPredictorNodeFactory());
        PortObjectSpec model = new MixedModelPortObjectSpec("distance ~ age + (1 | Subject)", "distance",
            java.util.List.of("age"), java.util.List.of("Subject"));
        NodeSettings s = harness.settings();
        s.addBoolean("include_prediction_interval", true);
        s.addDouble("prediction_interval_level", 0.8);
        NodeDialogPane dialog = harness.dialog(s, model, orthodont());
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertTrue(saved.getBoolean("include_prediction_interval"));
        assertEquals(0.8, saved.getDouble("prediction_interval_level"), 1e-12);
        assertFalse(saved.getBoolean("has_custom_prediction_name"));
        harness.loadSettings(saved);
        assertEquals(1, DialogRendering.render(dialog, "predictor"));
    }
}
