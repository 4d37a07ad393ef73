package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.Link;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;

/** The Learner's family, link, trials, offset and nAGQ: saved, loaded (older settings as gaussian), checked, shown. */
class GlmmLearnerSettingsTest {
    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static NodeSettings saved(final MixedModelLearnerSettings s) {
        NodeSettings n = new NodeSettings("model");
        s.saveTo(n);
        return n;
    }

    @Test
    void settingsSavedBeforeTheGlmmKeysLoadAsTheLinearModel() throws Exception {
        // the keys a Learner saved before the GLMM options existed (as the scenario workflows of that time hold them)
        NodeSettings old = new NodeSettings("model");
        old.addString("formula", "Reaction ~ Days + (Days | Subject)");
        old.addBoolean("use_typed_formula", true);
        old.addString("response", "");
        old.addStringArray("fixed_columns");
        old.addString("interactions", "");
        old.addStringArray("grouping_columns");
        old.addBoolean("nested", false);
        old.addStringArray("random_slopes");
        old.addBoolean("correlated_slopes", true);
        old.addString("method", "REML");
        old.addString("df_method", "satterthwaite");
        old.addDouble("confidence_level", 0.95);
        old.addStringArray("reference_levels");
        old.addString("residual_structure", "none");
        old.addString("residual_time", "");
        old.addString("residual_subject", "");
        old.addStringArray("level_orders");
        old.addBoolean("fail_on_missing", false);
        assertFalse(old.containsKey(MixedModelLearnerSettings.FAMILY));
        MixedModelLearnerSettings loaded = MixedModelLearnerSettings.loadFrom(NodeHarness.xmlRoundTrip(old));
        assertEquals("gaussian", loaded.family);
        assertEquals("", loaded.link);
        assertEquals("", loaded.trialsColumn);
        assertEquals("", loaded.offsetColumn);
        assertEquals(1, loaded.nAGQ);
        assertFalse(loaded.isGeneralized());
        assertNull(loaded.glmmOptions());
        loaded.validate();
    }

    @Test
    void glmmSettingsRoundTripAndBecomeTheEnginesOptions() throws Exception {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "incidence ~ period + (1 | herd)";
        s.family = "binomial";
        s.link = "probit";
        s.trialsColumn = "size";
        s.nAGQ = 25;
        s.referenceLevels = new String[] {"period=P1"};
        MixedModelLearnerSettings loaded = MixedModelLearnerSettings.loadFrom(NodeHarness.xmlRoundTrip(saved(s)));
        loaded.validate();
        GlmmOptions o = loaded.glmmOptions();
        assertEquals(Family.BINOMIAL, o.family());
        assertEquals(Link.PROBIT, o.link());
        assertEquals("size", o.trials());
        assertNull(o.offset());
        assertEquals(25, o.nAGQ());
        assertEquals("P1", o.referenceLevels().get("period"));
    }

    @Test
    void choicesThatDoNotGoTogetherAreRefusedWithWhatToChange() {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "y ~ x + (1 | g)";
        s.family = "poisson";
        s.link = "logit";
        assertTrue(message(s).contains("poisson family does not take the logit link; choose log"), message(s));
        s.link = "";
        s.trialsColumn = "n";
        assertTrue(message(s).contains("trials column goes with the binomial family only"), message(s));
        s.trialsColumn = "";
        s.nAGQ = 0;
        assertTrue(message(s).contains("nAGQ") && message(s).contains("it is 0"), message(s));
        s.nAGQ = 1;
        s.family = "gamma";
        assertTrue(message(s).contains("Unknown family 'gamma'"), message(s));
        s.family = "binomial";
        s.residualStructure = "ar1";
        s.residualTime = "visit";
        s.residualSubject = "g";
        assertTrue(message(s).contains("applies to linear mixed models only"), message(s));
        s.residualStructure = "none";
        s.residualVarianceBy = "arm";
        assertTrue(message(s).contains("applies to linear mixed models only"), message(s));
    }

    private static String message(final MixedModelLearnerSettings s) {
        return assertThrows(InvalidSettingsException.class, s::validate).getMessage();
    }

    @Test
    void theDistributionTabShowsAndSavesTheChoices() throws Exception {
        DataTableSpec spec = KnimeTables.reference("data/cbpp.csv").getDataTableSpec();
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.useTypedFormula = true;
        s.formula = "incidence ~ period + (1 | herd)";
        s.family = "binomial";
        s.link = "cloglog";
        s.trialsColumn = "size";
        s.nAGQ = 5;
        var h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        var dialog = (MixedModelLearnerNodeDialog)h.dialog(saved(s), spec);
        GlmmPanel p = dialog.distribution;
        assertEquals("binomial", p.family.getSelectedItem());
        assertEquals("cloglog", p.selectedLink());
        assertTrue(p.useTrials.isSelected() && p.trials.isEnabled());
        assertEquals("size", p.trials.getSelectedColumn());
        assertEquals(5, p.nAGQ.getValue());
        // the binomial's links only
        assertEquals(4, p.link.getItemCount());
        NodeSettings out = NodeHarness.saveDialog(dialog);
        assertEquals("binomial", out.getString(MixedModelLearnerSettings.FAMILY));
        assertEquals("cloglog", out.getString(MixedModelLearnerSettings.LINK));
        assertEquals("size", out.getString(MixedModelLearnerSettings.TRIALS_COLUMN));
        assertEquals(5, out.getInt(MixedModelLearnerSettings.NAGQ));
        assertEquals(4, DialogRendering.render(dialog, "learner-glmm"));
        assertTrue(new File("target/dialogs/learner-glmm-distribution.png").length() > 1000);

        // Poisson: log only; the trials box is off and not saved
        p.family.setSelectedItem("poisson");
        assertEquals(2, p.link.getItemCount());
        assertEquals("", p.selectedLink(), "cloglog does not go with poisson: the default link");
        assertFalse(p.useTrials.isEnabled());
        p.useOffset.setSelected(true);
        p.offset.setSelectedColumn("size");
        NodeSettings poisson = NodeHarness.saveDialog(dialog);
        assertEquals("poisson", poisson.getString(MixedModelLearnerSettings.FAMILY));
        assertEquals("", poisson.getString(MixedModelLearnerSettings.TRIALS_COLUMN));
        assertEquals("size", poisson.getString(MixedModelLearnerSettings.OFFSET_COLUMN));

        // gaussian: nothing of the GLMM is saved, so the linear model is fitted as before
        p.family.setSelectedItem("gaussian");
        assertFalse(p.link.isEnabled() || p.nAGQ.isEnabled() || p.useOffset.isEnabled());
        NodeSettings gaussian = NodeHarness.saveDialog(dialog);
        assertEquals("gaussian", gaussian.getString(MixedModelLearnerSettings.FAMILY));
        assertEquals("", gaussian.getString(MixedModelLearnerSettings.OFFSET_COLUMN));
    }
}
