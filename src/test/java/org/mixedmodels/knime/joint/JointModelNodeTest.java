package org.mixedmodels.knime.joint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataRow;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.data.ColumnTyping;

/** The Joint Model Learner against JM (aids_joint_weibull), its errors, cancel and dialog. */
class JointModelNodeTest {
    static final String FORMULA = "CD4 ~ obstime + obstime:drug + (obstime | patient)";

    static NodeHarness<JointModelNodeModel> node(final String baseline, final double... horizons)
        throws InvalidSettingsException {
        NodeHarness<JointModelNodeModel> h = NodeHarness.of(new JointModelNodeFactory());
        JointModelSettings s = new JointModelSettings();
        s.longitudinalFormula = FORMULA;
        s.timeColumn = "obstime";
        s.survivalTimeColumn = "Time";
        s.eventColumn = "death";
        s.survivalFormula = "~ drug";
        s.baseline = baseline;
        s.horizons = horizons;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        return h;
    }

    @Test
    void weibullJointModelMatchesJm() throws Exception {
        ReferenceCase c = ReferenceCase.load("aids_joint_weibull");
        PortObject[] out = node("weibull", 12).execute(KnimeTables.reference("data/aids_long.csv"),
            KnimeTables.reference("data/aids_survival.csv"));
        BufferedDataTable event = (BufferedDataTable)out[1];
        List<String> terms = KnimeTables.strings(event, "Term");
        for (JsonObject e : c.objects("event")) {
            int i = terms.indexOf(e.get("term").getAsString());
            double se = e.get("se").getAsDouble();
            // JM stops short of its own maximum (AidsJointModelTest): 1e-3 relative or 0.1 SE, SEs 2e-2
            assertClose(e.get("estimate").getAsDouble(), KnimeTables.doubles(event, "Estimate")[i], 1e-3, 100 * se,
                terms.get(i));
            assertClose(se, KnimeTables.doubles(event, "Std. Error")[i], 2e-2, terms.get(i) + " se");
        }
        BufferedDataTable stats = (BufferedDataTable)out[2];
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Value")[0], 1e-4, "logLik");
        assertEquals("Log-likelihood", KnimeTables.strings(stats, "Statistic").get(0));
        BufferedDataTable predictions = (BufferedDataTable)out[4];
        assertTrue(predictions.size() > 0, "survival at 12 months for subjects still at risk");
        for (double p : KnimeTables.doubles(predictions, "Survival probability")) {
            assertTrue(p > 0 && p <= 1, "a probability");
        }
        assertEquals(467 * 2, ((BufferedDataTable)out[3]).size(), "two random effects per patient");
    }

    @Test
    void errorsNameTheProblem() throws Exception {
        BufferedDataTable longitudinal = KnimeTables.reference("data/aids_long.csv");
        BufferedDataTable survival = KnimeTables.reference("data/aids_survival.csv");
        List<DataRow> fewer = new ArrayList<>();
        try (var it = survival.iterator()) {
            for (int i = 0; it.hasNext(); i++) {
                DataRow r = it.next();
                if (i > 0) {
                    fewer.add(r);
                }
            }
        }
        BufferedDataTable missingSubject = NodeHarness.table(survival.getDataTableSpec(), fewer);
        InvalidSettingsException one = assertThrows(InvalidSettingsException.class,
            () -> node("weibull").execute(longitudinal, missingSubject));
        assertTrue(one.getMessage().contains("patient"), one.getMessage());
        InvalidSettingsException baseline = assertThrows(InvalidSettingsException.class, () -> node("cox"));
        assertTrue(baseline.getMessage().contains("weibull or piecewise"), baseline.getMessage());
        InvalidSettingsException swapped = assertThrows(InvalidSettingsException.class,
            () -> node("weibull").configure(survival.getDataTableSpec(), longitudinal.getDataTableSpec()));
        assertTrue(swapped.getMessage().contains("CD4") || swapped.getMessage().contains("Time"), swapped.getMessage());
    }

    /**
     * The Learner's reading settings: absent in old settings (none categorical, NA missing), saved by the dialog, and
     * checked at configure against both tables with the column named.
     */
    @Test
    void readingSettingsLoadCheckAndRoundTrip() throws Exception {
        NodeHarness<JointModelNodeModel> h = node("weibull", 12);
        JointModelSettings s = JointModelSettings.loadFrom(h.settings());
        NodeSettings old = new NodeSettings("model"); // as saved before the reading settings existed
        old.addString(JointModelSettings.LONGITUDINAL_FORMULA, s.longitudinalFormula);
        old.addString(JointModelSettings.TIME_COLUMN, s.timeColumn);
        old.addString(JointModelSettings.SURVIVAL_TIME_COLUMN, s.survivalTimeColumn);
        old.addString(JointModelSettings.EVENT_COLUMN, s.eventColumn);
        old.addString(JointModelSettings.SURVIVAL_FORMULA, s.survivalFormula);
        old.addString(JointModelSettings.BASELINE, s.baseline);
        old.addStringArray(JointModelSettings.REFERENCE_LEVELS);
        old.addDoubleArray(JointModelSettings.HORIZONS, 12);
        assertEquals(ColumnTyping.DEFAULT, JointModelSettings.loadFrom(old).typing);

        BufferedDataTable longitudinal = KnimeTables.reference("data/aids_long.csv");
        BufferedDataTable survival = KnimeTables.reference("data/aids_survival.csv");
        for (String[] c : new String[][] {{"death", "The event indicator column 'death' is chosen as categorical"},
            {"CD4", "The longitudinal response column 'CD4' is chosen as categorical"},
            {"drug", "Column 'drug' is chosen as categorical but is not numeric"},
            {"dose", "Column 'dose' chosen as categorical is not in the input table"}}) {
            s.typing = new ColumnTyping(List.of(c[0]), List.of("NA"));
            NodeSettings settings = new NodeSettings("model");
            s.saveTo(settings);
            NodeHarness<JointModelNodeModel> typed = NodeHarness.of(new JointModelNodeFactory());
            typed.loadSettings(settings);
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> typed.configure(longitudinal.getDataTableSpec(), survival.getDataTableSpec()));
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
        BufferedDataTable textEvent = KnimeTables.withStringColumn(survival, "death", (i, l) -> null);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> h.configure(longitudinal.getDataTableSpec(), textEvent.getDataTableSpec()));
        assertTrue(e.getMessage().startsWith("The event indicator (1 event, 0 censored) column 'death' is not numeric: "
            + "it is a String column") && e.getMessage().contains("String to Number"), e.getMessage());

        s.typing = new ColumnTyping(List.of("Time"), List.of("NA", "."));
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        assertEquals(settings, NodeHarness.saveDialog(h.dialog(settings, longitudinal.getDataTableSpec(),
            survival.getDataTableSpec())));
    }

    @Test
    void cancelStopsTheFit() throws Exception {
        assertThrows(CanceledExecutionException.class, () -> node("weibull").executeCanceledAfter(20,
            KnimeTables.reference("data/aids_long.csv"), KnimeTables.reference("data/aids_survival.csv")));
    }

    @Test
    void dialogSavesWhatItShowsAndRenders() throws Exception {
        NodeHarness<JointModelNodeModel> h = node("piecewise", 6, 12);
        NodeDialogPane dialog = h.dialog(h.settings(), KnimeTables.reference("data/aids_long.csv").getDataTableSpec(),
            KnimeTables.reference("data/aids_survival.csv").getDataTableSpec());
        assertEquals(h.settings(), NodeHarness.saveDialog(dialog));
        assertEquals(2, DialogRendering.render(dialog, "joint"));
        assertTrue(new File("target/dialogs/joint-reading.png").length() > 500);
        // reference levels are chosen from the domain values of the categorical columns of both tables
        JointModelNodeDialog joint = (JointModelNodeDialog)dialog;
        assertTrue(joint.references.columns().contains("drug"), joint.references.columns().toString());
        joint.references.chooseReference("drug", "ddI");
        assertArrayEquals(new String[] {"drug=ddI"}, NodeHarness.saveDialog(dialog).getStringArray("reference_levels"));
        assertTrue(new File("target/dialogs/joint-options.png").length() > 500);
    }

    @Test
    void dialogNeedsBothTablesConnected() throws Exception {
        NodeHarness<JointModelNodeModel> h = node("piecewise", 6, 12);
        // KNIME gives an unconnected table port to the dialog as an empty spec, not null
        org.knime.core.node.NotConfigurableException e = assertThrows(
            org.knime.core.node.NotConfigurableException.class, () -> h.dialog(h.settings(),
                KnimeTables.reference("data/aids_long.csv").getDataTableSpec(), null));
        assertTrue(e.getMessage().contains("survival table (input 2)"), e.getMessage());
    }
}
