package org.mixedmodels.knime.icc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonObject;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.data.ColumnTyping;

/** The Intraclass Correlation node against psych::ICC (ratings_icc_forms) and lme4 (radiomics_icc). */
class IccNodeTest {

    static NodeHarness<IccNodeModel> icc(final String subject, final String value, final String rater,
        final int replicates) throws InvalidSettingsException {
        NodeHarness<IccNodeModel> h = NodeHarness.of(new IccNodeFactory());
        IccSettings s = new IccSettings();
        s.subjectColumn = subject;
        s.valueColumn = value;
        s.raterColumn = rater;
        s.bootstrapReplicates = replicates;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        return h;
    }

    @Test
    void sixFormsAndTheMixedModelMatchPsych() throws Exception {
        ReferenceCase c = ReferenceCase.load("ratings_icc_forms");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        NodeHarness<IccNodeModel> h = icc("subject", "rating", "rater", 200);
        assertEquals(IccNodeModel.outputSpec(), h.configure(data.getDataTableSpec())[0]);
        BufferedDataTable out = (BufferedDataTable)h.execute(data)[0];
        assertEquals(7, out.size());
        List<String> forms = KnimeTables.strings(out, "Form");
        double[] icc = KnimeTables.doubles(out, "ICC");
        double[] f = KnimeTables.doubles(out, "F");
        double[] p = KnimeTables.doubles(out, "p");
        double[] lower = KnimeTables.doubles(out, "Lower");
        double[] upper = KnimeTables.doubles(out, "Upper");
        double[] df2 = KnimeTables.doubles(out, "df2");
        for (JsonObject e : c.objects("forms")) {
            int i = forms.indexOf(e.get("type").getAsString());
            assertTrue(i >= 0, e.get("type") + " in " + forms);
            assertClose(e.get("icc").getAsDouble(), icc[i], 1e-6, forms.get(i) + " icc");
            assertClose(e.get("F").getAsDouble(), f[i], 1e-6, forms.get(i) + " F");
            assertEquals(e.get("df2").getAsDouble(), df2[i], 1e-9, forms.get(i) + " df2");
            assertPClose(e.get("p").getAsDouble(), p[i], 1e-6, forms.get(i) + " p");
            assertClose(e.get("lower").getAsDouble(), lower[i], 1e-6, forms.get(i) + " lower");
            assertClose(e.get("upper").getAsDouble(), upper[i], 1e-6, forms.get(i) + " upper");
        }
        // ICC1 from its own variance components: between / (between + within)
        double between = KnimeTables.doubles(out, "Var. between")[0];
        double within = KnimeTables.doubles(out, "Var. within")[0];
        assertClose(icc[0], between / (between + within), 1e-12, "ICC1 from its components");
        // ICC2 likewise, with the raters' variance in the within part
        assertClose(icc[1], KnimeTables.doubles(out, "Var. between")[1] / (KnimeTables.doubles(out, "Var. between")[1]
            + KnimeTables.doubles(out, "Var. within")[1]), 1e-12, "ICC2 from its components");
        assertEquals("Mixed model", forms.get(6));
        assertTrue(lower[6] < icc[6] && icc[6] < upper[6], "bootstrap interval around the estimate");
        assertEquals("good", KnimeTables.strings(out, "Interpretation").get(0));
    }

    @Test
    void unbalancedTestRetestGivesTheMixedModelIcc() throws Exception {
        ReferenceCase c = ReferenceCase.load("radiomics_icc");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        BufferedDataTable out = (BufferedDataTable)icc("patient", "feature", "", 0).execute(data)[0];
        assertEquals(1, out.size());
        assertClose(c.number("icc"), KnimeTables.doubles(out, "ICC")[0], 1e-6, "icc");
        assertClose(c.number("var_between"), KnimeTables.doubles(out, "Var. between")[0], 1e-6, "between");
        assertClose(c.number("var_within"), KnimeTables.doubles(out, "Var. within")[0], 1e-6, "within");
        assertTrue(Double.isNaN(KnimeTables.doubles(out, "Lower")[0]), "no interval without replicates");

        // the same unbalanced scans as raters: the ANOVA forms are refused with advice
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> icc("patient", "feature", "scan", 0).execute(data));
        assertTrue(e.getMessage().contains("mixed-model ICC"), e.getMessage());
    }

    @Test
    void badSettingsFailAtConfigure() throws Exception {
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        InvalidSettingsException text = assertThrows(InvalidSettingsException.class,
            () -> icc("rating", "rater", "", 0).configure(data.getDataTableSpec()));
        assertTrue(text.getMessage().contains("'rater' is not numeric"), text.getMessage());
        InvalidSettingsException missing = assertThrows(InvalidSettingsException.class,
            () -> icc("patient", "rating", "", 0).configure(data.getDataTableSpec()));
        assertTrue(missing.getMessage().contains("patient"), missing.getMessage());
        InvalidSettingsException same = assertThrows(InvalidSettingsException.class,
            () -> icc("subject", "rating", "rating", 0));
        assertTrue(same.getMessage().contains("different columns"), same.getMessage());
    }

    @Test
    void dialogSavesWhatItShowsAndRenders() throws Exception {
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        NodeHarness<IccNodeModel> h = icc("subject", "rating", "rater", 500);
        NodeDialogPane dialog = h.dialog(h.settings(), data.getDataTableSpec());
        NodeSettings saved = NodeHarness.saveDialog(dialog);
        assertEquals(h.settings(), saved);
        assertEquals(2, DialogRendering.render(dialog, "icc"));
        assertTrue(new File("target/dialogs/icc-options.png").length() > 500);
        assertTrue(new File("target/dialogs/icc-reading.png").length() > 500);

        IccSettings typed = IccSettings.loadFrom(h.settings());
        typed.typing = new ColumnTyping(List.of(), List.of("NA", "."));
        NodeSettings withTokens = new NodeSettings("model");
        typed.saveTo(withTokens);
        assertEquals(withTokens, NodeHarness.saveDialog(h.dialog(withTokens, data.getDataTableSpec())));
        assertEquals("NA, .", withTokens.getString(ColumnTyping.MISSING_TOKENS));
    }

    /** The rater column is KNIME's column chooser with a "<none>" entry: none saves an empty rater, as before. */
    @Test
    void theRaterIsChosenWithANoneOption() throws Exception {
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        NodeHarness<IccNodeModel> h = icc("subject", "rating", "", 0);
        IccNodeDialog dialog = (IccNodeDialog)h.dialog(h.settings(), data.getDataTableSpec());
        assertEquals(null, dialog.rater.getSelectedColumn(), "no rater: <none> selected");
        assertEquals(4, dialog.rater.getNrItemsInList(), "<none> and the three columns");
        assertEquals("", NodeHarness.saveDialog(dialog).getString(IccSettings.RATER_COLUMN));
        dialog.rater.setSelectedColumn("rater");
        assertEquals("rater", NodeHarness.saveDialog(dialog).getString(IccSettings.RATER_COLUMN));
        dialog.rater.setSelectedColumn(null);
        assertEquals("", NodeHarness.saveDialog(dialog).getString(IccSettings.RATER_COLUMN));
        // a saved rater the table lacks falls back to <none>, not to some other column
        NodeHarness<IccNodeModel> gone = icc("subject", "rating", "session", 0);
        IccNodeDialog reopened = (IccNodeDialog)gone.dialog(gone.settings(), data.getDataTableSpec());
        assertEquals(null, reopened.rater.getSelectedColumn());
    }

    /** Settings saved before the reading settings existed load with none categorical and NA missing. */
    @Test
    void oldSettingsReadTheTableAsBefore() throws Exception {
        NodeSettings old = new NodeSettings("model");
        old.addString(IccSettings.SUBJECT_COLUMN, "subject");
        old.addString(IccSettings.VALUE_COLUMN, "rating");
        old.addString(IccSettings.RATER_COLUMN, "rater");
        old.addInt(IccSettings.BOOTSTRAP_REPLICATES, 0);
        old.addLong(IccSettings.SEED, 1);
        old.addDouble(IccSettings.CONFIDENCE_LEVEL, 0.95);
        assertEquals(ColumnTyping.DEFAULT, IccSettings.loadFrom(old).typing);
        NodeHarness<IccNodeModel> h = NodeHarness.of(new IccNodeFactory());
        h.loadSettings(old);
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        assertEquals(7, ((BufferedDataTable)h.execute(data)[0]).size());
    }

    /** The reading settings are checked at configure, each message naming the column and what to change. */
    @Test
    void readingSettingsAreCheckedAtConfigure() throws Exception {
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        for (String[] c : new String[][] {{"rating", "The value column 'rating' is chosen as categorical"},
            {"rater", "Column 'rater' is chosen as categorical but is not numeric"},
            {"dose", "Column 'dose' chosen as categorical is not in the input table"}}) {
            IccSettings s = IccSettings.loadFrom(icc("subject", "rating", "rater", 0).settings());
            s.typing = new ColumnTyping(List.of(c[0]), List.of("NA"));
            NodeSettings settings = new NodeSettings("model");
            s.saveTo(settings);
            NodeHarness<IccNodeModel> h = NodeHarness.of(new IccNodeFactory());
            h.loadSettings(settings);
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> h.configure(data.getDataTableSpec()));
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
        BufferedDataTable textRatings = KnimeTables.withStringColumn(data, "rating", (i, l) -> null);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> icc("subject", "rating", "rater", 0).configure(textRatings.getDataTableSpec()));
        assertTrue(e.getMessage().startsWith("The value column 'rating' is not numeric: it is a String column")
            && e.getMessage().contains("\"String to Number\""), e.getMessage());
    }

    /** A missing-value token in the subject column leaves that row out, exactly as a missing cell does. */
    @Test
    void aMissingTokenInTheSubjectColumnLeavesTheRowOut() throws Exception {
        BufferedDataTable data = KnimeTables.reference("data/ratings_long.csv");
        BufferedDataTable dot = KnimeTables.withStringColumn(data, "subject", (i, l) -> i == 0 ? "." : null);
        BufferedDataTable missing = KnimeTables.withStringColumn(data, "subject", (i, l) -> i == 0 ? "" : null);
        IccSettings s = IccSettings.loadFrom(icc("subject", "rating", "", 0).settings());
        s.typing = new ColumnTyping(List.of(), List.of("NA", "."));
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        NodeHarness<IccNodeModel> h = NodeHarness.of(new IccNodeFactory());
        h.loadSettings(settings);
        double withToken = KnimeTables.doubles((BufferedDataTable)h.execute(dot)[0], "ICC")[0];
        double withEmpty = KnimeTables.doubles((BufferedDataTable)icc("subject", "rating", "", 0).execute(missing)[0],
            "ICC")[0];
        double asASubject = KnimeTables.doubles((BufferedDataTable)icc("subject", "rating", "", 0).execute(dot)[0],
            "ICC")[0];
        assertClose(withEmpty, withToken, 1e-12, "'.' declared missing is an empty cell");
        assertTrue(Math.abs(asASubject - withToken) > 1e-6, "undeclared, '.' is a subject of its own");
    }
}
