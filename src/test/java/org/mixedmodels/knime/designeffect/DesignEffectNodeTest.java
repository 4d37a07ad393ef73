package org.mixedmodels.knime.designeffect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.data.ColumnTyping;

/** The Design Effect node: the textbook example exactly, and the mice-in-cages case against lme4. */
class DesignEffectNodeTest {

    static NodeHarness<DesignEffectNodeModel> node(final DesignEffectSettings s) throws InvalidSettingsException {
        NodeHarness<DesignEffectNodeModel> h = NodeHarness.of(new DesignEffectNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        return h;
    }

    @Test
    void planningWithoutATableGivesTheTextbookExample() throws Exception {
        DesignEffectSettings s = new DesignEffectSettings();
        s.fromData = false;
        s.icc = 0.15;
        s.clusterSize = 5;
        s.sampleSize = 40;
        BufferedDataTable out = (BufferedDataTable)node(s).execute(new PortObject[] {null})[0];
        assertEquals(1.6, KnimeTables.doubles(out, "Design effect")[0], 1e-12);
        assertEquals(25, KnimeTables.doubles(out, "Effective n")[0], 1e-12);
        assertEquals(1.6, KnimeTables.doubles(out, "Design effect (unequal sizes)")[0], 1e-12, "equal clusters");
    }

    @Test
    void miceInCagesMatchTheReference() throws Exception {
        JsonObject mice = ReferenceCase.load("design_effect").json().getAsJsonObject("mice");
        DesignEffectSettings s = new DesignEffectSettings();
        s.clusterColumn = "cage";
        s.valueColumn = "weight_g";
        s.fixedColumns = new String[] {"treatment"};
        BufferedDataTable data = KnimeTables.reference(mice.get("data").getAsString());
        BufferedDataTable out = (BufferedDataTable)node(s).execute(data)[0];
        assertClose(mice.get("icc").getAsDouble(), KnimeTables.doubles(out, "ICC")[0], 1e-6, "icc");
        assertClose(mice.get("design_effect").getAsDouble(), KnimeTables.doubles(out, "Design effect")[0], 1e-6, "DE");
        assertClose(mice.get("effective_n").getAsDouble(), KnimeTables.doubles(out, "Effective n")[0], 1e-6, "n eff");
        assertEquals(5, KnimeTables.doubles(out, "Mean cluster size")[0], 1e-12);
        assertEquals(40, KnimeTables.doubles(out, "n")[0], 1e-12);
        assertTrue(KnimeTables.strings(out, "Source").get(0).contains("adjusted for treatment"));
    }

    @Test
    void errorsSayWhatToDo() throws Exception {
        DesignEffectSettings s = new DesignEffectSettings();
        s.clusterColumn = "cage";
        s.valueColumn = "weight_g";
        InvalidSettingsException noTable = assertThrows(InvalidSettingsException.class,
            () -> node(s).configure(new PortObjectSpec[] {null}));
        assertTrue(noTable.getMessage().contains("Connect a table"), noTable.getMessage());
        s.valueColumn = "treatment";
        BufferedDataTable data = KnimeTables.reference("data/mice_cages.csv");
        InvalidSettingsException text = assertThrows(InvalidSettingsException.class,
            () -> node(s).configure(data.getDataTableSpec()));
        assertTrue(text.getMessage().contains("'treatment' is not numeric"), text.getMessage());
        DesignEffectSettings plan = new DesignEffectSettings();
        plan.fromData = false;
        plan.icc = 1.5;
        InvalidSettingsException icc = assertThrows(InvalidSettingsException.class, () -> node(plan));
        assertTrue(icc.getMessage().contains("between 0 and 1"), icc.getMessage());
    }

    /**
     * Treatment coded 0/1 in a string column adjusts as the text column does (KNIME's type says categorical) and the
     * node warns how to use it as numeric; settings saved before the reading settings load with their defaults; the
     * outcome chosen as categorical is refused naming it.
     */
    @Test
    void readingSettingsAsTheLearnerReads() throws Exception {
        JsonObject mice = ReferenceCase.load("design_effect").json().getAsJsonObject("mice");
        BufferedDataTable data = KnimeTables.reference(mice.get("data").getAsString());
        BufferedDataTable coded = KnimeTables.withStringColumn(data, "treatment", (i, l) -> l.equals("vehicle") ? "0"
            : "1");
        DesignEffectSettings s = new DesignEffectSettings();
        s.clusterColumn = "cage";
        s.valueColumn = "weight_g";
        s.fixedColumns = new String[] {"treatment"};
        NodeSettings withoutTyping = new NodeSettings("model"); // as saved before the reading settings existed
        withoutTyping.addBoolean(DesignEffectSettings.FROM_DATA, true);
        withoutTyping.addString(DesignEffectSettings.CLUSTER_COLUMN, "cage");
        withoutTyping.addString(DesignEffectSettings.VALUE_COLUMN, "weight_g");
        withoutTyping.addStringArray(DesignEffectSettings.FIXED_COLUMNS, "treatment");
        for (String key : new String[] {DesignEffectSettings.ICC, DesignEffectSettings.CLUSTER_SIZE,
            DesignEffectSettings.SAMPLE_SIZE, DesignEffectSettings.CLUSTER_SIZE_CV}) {
            withoutTyping.addDouble(key, 1);
        }
        assertEquals(ColumnTyping.DEFAULT, DesignEffectSettings.loadFrom(withoutTyping).typing);
        NodeHarness<DesignEffectNodeModel> h = NodeHarness.of(new DesignEffectNodeFactory());
        h.loadSettings(withoutTyping);
        BufferedDataTable out = (BufferedDataTable)h.execute(coded)[0];
        assertClose(mice.get("icc").getAsDouble(), KnimeTables.doubles(out, "ICC")[0], 1e-6, "icc");
        assertTrue(h.warning().contains("Column 'treatment' is a string column of numbers")
            && h.warning().contains("String to Number"), h.warning());

        s.typing = new ColumnTyping(List.of("weight_g"), List.of("NA"));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> node(s).configure(data.getDataTableSpec()));
        assertTrue(e.getMessage().startsWith("The outcome column 'weight_g' is chosen as categorical"), e.getMessage());
    }

    @Test
    void dialogSavesWhatItShowsAndRenders() throws Exception {
        DesignEffectSettings s = new DesignEffectSettings();
        s.clusterColumn = "cage";
        s.valueColumn = "weight_g";
        s.fixedColumns = new String[] {"treatment"};
        NodeHarness<DesignEffectNodeModel> h = node(s);
        BufferedDataTable data = KnimeTables.reference("data/mice_cages.csv");
        NodeDialogPane dialog = h.dialog(h.settings(), data.getDataTableSpec());
        assertEquals(h.settings(), NodeHarness.saveDialog(dialog));
        assertEquals(2, DialogRendering.render(dialog, "designeffect"));
        assertTrue(new File("target/dialogs/designeffect-options.png").length() > 500);
        assertTrue(new File("target/dialogs/designeffect-reading.png").length() > 500);
        DesignEffectSettings typed = DesignEffectSettings.loadFrom(h.settings());
        typed.typing = new ColumnTyping(List.of("mouse"), List.of("NA", "NULL"));
        NodeSettings withTyping = new NodeSettings("model");
        typed.saveTo(withTyping);
        assertEquals(withTyping, NodeHarness.saveDialog(h.dialog(withTyping, data.getDataTableSpec())));
        // without a table the dialog offers planning only
        NodeDialogPane planning = h.dialog(h.settings(), new PortObjectSpec[] {null});
        assertEquals(false, NodeHarness.saveDialog(planning).getBoolean("from_data"));
    }
}
