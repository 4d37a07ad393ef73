package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.IntCell;
import org.knime.core.data.def.StringCell;
import org.knime.core.data.DataType;
import org.knime.core.data.DataCell;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;

/**
 * The Learner run as KNIME runs it, on reference data: its output tables carry lme4's and lmerTest's
 * numbers at the tolerances of the reference README (estimates 1e-6, SEs 1e-5, df 1e-3, BLUPs 1e-5 of the
 * term's SD).
 */
class MixedModelLearnerNodeTest {

    static NodeHarness<MixedModelLearnerNodeModel> learner(final String formula, final String method,
        final String dfMethod, final String... references) throws InvalidSettingsException {
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings s = h.settings();
        MixedModelLearnerSettings settings = new MixedModelLearnerSettings();
        settings.formula = formula;
        settings.useTypedFormula = true;
        settings.method = method;
        settings.dfMethod = dfMethod;
        settings.referenceLevels = references;
        settings.saveTo(s);
        h.loadSettings(s);
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_slopes", "orthodont_crosslevel_male_reference", "nf1_lesions",
        "pastes_nested", "penicillin_crossed", "sleepstudy_uncorrelated"})
    void outputTablesCarryTheReferenceNumbers(final String name) throws Exception {
        ReferenceCase c = ReferenceCase.load(name);
        List<String> refs = new ArrayList<>();
        JsonElement rl = c.json().get("reference_levels");
        if (rl != null && rl.isJsonObject()) {
            rl.getAsJsonObject().entrySet().forEach(e -> refs.add(e.getKey() + "=" + e.getValue().getAsString()));
        }
        NodeHarness<MixedModelLearnerNodeModel> h =
            learner(c.string("formula"), c.string("method"), "satterthwaite", refs.toArray(String[]::new));
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = h.execute(data);

        BufferedDataTable fixed = (BufferedDataTable)out[1];
        List<JsonObject> expected = c.objects("fixed");
        assertEquals(expected.size(), fixed.size());
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        double[] se = KnimeTables.doubles(fixed, "Std. Error");
        double[] df = KnimeTables.doubles(fixed, "df");
        double[] p = KnimeTables.doubles(fixed, "Pr(>|t|)");
        double[] lower = KnimeTables.doubles(fixed, "Lower CI");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            assertEquals(e.get("term").getAsString(), terms.get(i));
            double s = e.get("se").getAsDouble();
            assertClose(e.get("estimate").getAsDouble(), est[i], 1e-6, s, terms.get(i) + " estimate");
            assertClose(s, se[i], 1e-5, terms.get(i) + " se");
            assertClose(e.get("df_satterthwaite").getAsDouble(), df[i], 1e-3, terms.get(i) + " df");
            assertPClose(e.get("p_satterthwaite").getAsDouble(), p[i], 1e-3, terms.get(i) + " p");
            assertTrue(lower[i] < est[i], "CI below the estimate");
        }

        BufferedDataTable varcorr = (BufferedDataTable)out[2];
        List<JsonObject> vc = c.objects("varcorr");
        assertEquals(vc.size(), varcorr.size());
        double[] vcov = KnimeTables.doubles(varcorr, "Variance");
        double[] sd = KnimeTables.doubles(varcorr, "Std. Dev.");
        double[] cor = KnimeTables.doubles(varcorr, "Correlation");
        for (int i = 0; i < vc.size(); i++) {
            JsonObject e = vc.get(i);
            assertClose(e.get("vcov").getAsDouble(), vcov[i], 1e-4, 1e-3, "vcov " + i);
            double sdcor = e.get("sdcor").getAsDouble();
            assertClose(sdcor, e.get("var2").isJsonNull() ? sd[i] : cor[i], 1e-4, 1e-3, "sdcor " + i);
        }

        BufferedDataTable ranef = (BufferedDataTable)out[3];
        List<String> groups = KnimeTables.strings(ranef, "Group");
        List<String> levels = KnimeTables.strings(ranef, "Level");
        for (JsonObject e : c.objects("ranef")) {
            int row = -1;
            for (int i = 0; i < groups.size(); i++) {
                if (groups.get(i).equals(e.get("group").getAsString()) && levels.get(i).equals(e.get("level")
                    .getAsString())) {
                    row = i;
                }
            }
            assertTrue(row >= 0, "no row for " + e);
            String term = e.get("term").getAsString();
            double scale = e.get("condsd").getAsDouble();
            assertClose(e.get("value").getAsDouble(), KnimeTables.doubles(ranef, term)[row], 1e-5, scale * 10,
                "BLUP " + e);
            assertClose(scale, KnimeTables.doubles(ranef, "Cond. SD " + term)[row], 1e-4, "cond. SD " + e);
        }

        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertEquals(c.number("nobs"), KnimeTables.doubles(stats, "Observations")[0]);
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], 1e-6, "logLik");
        assertClose(c.number("AIC"), KnimeTables.doubles(stats, "AIC")[0], 1e-6, "AIC");
        assertClose(c.number("BIC"), KnimeTables.doubles(stats, "BIC")[0], 1e-6, "BIC");
        assertClose(c.number("objective"), KnimeTables.doubles(stats, "REML criterion or deviance")[0], 1e-6,
            "objective");
        for (Map.Entry<String, JsonElement> g : c.json().getAsJsonObject("ngroups").entrySet()) {
            assertEquals(g.getValue().getAsDouble(), KnimeTables.doubles(stats, "Groups: " + g.getKey())[0],
                g.getKey());
        }
        assertEquals(c.json().get("singular").getAsBoolean(),
            "true".equals(KnimeTables.strings(stats, "Singular").get(0)));

        MixedModelPortObject model = (MixedModelPortObject)out[0];
        assertEquals(c.string("formula"), model.getSpec().formula());
        assertTrue(model.summaryText().contains("Random effects:"));
    }

    /**
     * The model port's view shows the command line's summary (issue 19): random effects with their correlation,
     * fixed effects with df, p and intervals, Type III tests and the correlation of the fixed effects; it survives
     * the port's save and load (the harness round-trips every output port).
     */
    @Test
    void portViewShowsTheCommandLinesSummary() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        PortObject[] out = learner(c.string("formula"), "REML", "satterthwaite").execute(
            KnimeTables.reference(c.string("data")));
        String view = ((MixedModelPortObject)out[0]).viewText();
        org.mixedmodels.engine.fit.FitResult fit = c.fit();
        String cli = org.mixedmodels.engine.report.FitReport.text(fit,
            org.mixedmodels.engine.inference.FixedEffectsInference.of(fit), c.string("formula"),
            new org.mixedmodels.engine.report.FitReport.Source("input table", null), null, List.of(), true);
        assertEquals(cli, view);
        assertTrue(view.contains("Corr") && view.contains("Pr(>|t|)") && view.contains("17.00")
            && view.contains("Type III Analysis of Variance Table"), view);
    }

    @Test
    void kenwardRogerDfAndAdjustedStandardErrors() throws Exception {
        ReferenceCase c = ReferenceCase.load("nf1_lesions");
        PortObject[] out = learner(c.string("formula"), "REML", "kenward-roger")
            .execute(KnimeTables.reference(c.string("data")));
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        List<JsonObject> expected = c.objects("fixed");
        for (int i = 0; i < expected.size(); i++) {
            assertClose(expected.get(i).get("se_kr").getAsDouble(), KnimeTables.doubles(fixed, "Std. Error")[i], 1e-5,
                "KR se " + i);
            assertClose(expected.get(i).get("df_kr").getAsDouble(), KnimeTables.doubles(fixed, "df")[i], 1e-3,
                "KR df " + i);
        }
    }

    @Test
    void outputSpecsAreKnownAtConfigureAndMatchExecution() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Reaction ~ Days + (Days | Subject)", "REML",
            "satterthwaite");
        BufferedDataTable data = KnimeTables.reference("data/sleepstudy.csv");
        PortObjectSpec[] specs = h.configure(data.getDataTableSpec());
        MixedModelPortObjectSpec model = (MixedModelPortObjectSpec)specs[0];
        assertEquals("Reaction", model.response());
        assertEquals(List.of("Days"), model.predictors());
        assertEquals(List.of("Subject"), model.groupingColumns());
        for (PortObjectSpec s : specs) {
            assertNotNull(s);
        }
        assertEquals(List.of("Group", "Level", "(Intercept)", "Days", "Cond. SD (Intercept)", "Cond. SD Days"),
            List.of(((DataTableSpec)specs[3]).getColumnNames()));
        h.execute(data); // the harness fails if an executed table's spec differs from the configured one
    }

    @Test
    void randomEffectsSpecIsUnknownForCategoricalSlopesAndFilledAfterExecution() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = learner("distance ~ age + (0 + Sex | Subject)", "REML",
            "satterthwaite");
        BufferedDataTable data = KnimeTables.reference("data/orthodont.csv");
        assertNull(h.configure(data.getDataTableSpec())[3]);
        BufferedDataTable ranef = (BufferedDataTable)h.execute(data)[3];
        assertTrue(ranef.getDataTableSpec().containsName("SexFemale"), ranef.getDataTableSpec().toString());
    }

    @Test
    void settingsRoundTripThroughKnimeXml() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "distance ~ age * Sex + (age | Subject)";
        s.response = "distance";
        s.fixedColumns = new String[] {"age", "Sex"};
        s.interactions = "age:Sex";
        s.groupingColumns = new String[] {"Subject"};
        s.randomSlopes = new String[] {"age"};
        s.method = "ML";
        s.dfMethod = "between-within";
        s.confidenceLevel = 0.9;
        s.referenceLevels = new String[] {"Sex=Male"};
        s.residualStructure = "ar1";
        s.residualTime = "age";
        s.residualSubject = "Subject";
        s.levelOrders = new String[] {"Sex=Male,Female"};
        NodeSettings written = new NodeSettings("model");
        s.saveTo(written);
        h.loadSettings(written);
        assertEquals(written, h.settings());
    }

    /** Each invalid setting fails at configure with a message that names the problem. */
    @ParameterizedTest
    @ValueSource(strings = {
        "formula= => No model formula",
        "formula=Reaction ~ Days + (Days | Subjct) => 'Subjct'",
        "formula=Reaction ~ Days + => position",
        "formula=Reaction ~ Days => no random effects",
        "formula=Reaction ~ Days + (1 | Subject) + ar1(Days | Days) => grouped by its subject column",
        "levelorder=Subject => column=level1,level2",
        "levelorder=Sex=a,b => does not use",
        "residual=ar9;time=Days;subject=Subject => Unknown residual covariance structure",
        "residual=ar1 => needs a visit (or time) column",
        "method=REMLX => REML or ML",
        "df=kenward-roger;method=ML => REML fits only",
        "df=satterwaite => Unknown df method",
        "level=1.5 => between 0 and 1",
        "reference=Days => column=level",
        "reference=Sex=Male => does not use",
        "reference=Days=1 => numeric column"})
    void invalidSettingsFailAtConfigureWithAClearMessage(final String testCase) throws Exception {
        String[] parts = testCase.split(" => ");
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "Reaction ~ Days + (Days | Subject)";
        for (String assignment : parts[0].split(";")) {
            String key = assignment.substring(0, assignment.indexOf('='));
            String value = assignment.substring(assignment.indexOf('=') + 1);
            switch (key) {
                case "formula" -> s.formula = value;
                case "method" -> s.method = value;
                case "df" -> s.dfMethod = value;
                case "level" -> s.confidenceLevel = Double.parseDouble(value);
                case "reference" -> s.referenceLevels = new String[] {value};
                case "levelorder" -> s.levelOrders = new String[] {value};
                case "residual" -> s.residualStructure = value;
                case "time" -> s.residualTime = value;
                case "subject" -> s.residualSubject = value;
                default -> throw new AssertionError(key);
            }
        }
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        // KNIME validates on apply; settings that pass validation must still fail at configure
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> {
            h.loadSettings(settings);
            h.configure(KnimeTables.reference("data/sleepstudy.csv").getDataTableSpec());
        });
        assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
    }

    @Test
    void nonNumericResponseFailsAtConfigure() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Sex ~ age + (1 | Subject)", "REML", "satterthwaite");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> h.configure(KnimeTables.reference("data/orthodont.csv").getDataTableSpec()));
        assertTrue(e.getMessage().contains("response column 'Sex' is not numeric"), e.getMessage());
    }

    @Test
    void nullArraysInSavedSettingsReadAsEmpty() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Reaction ~ Days + (1 | Subject)", "REML",
            "satterthwaite");
        NodeSettings s = h.settings();
        s.addStringArray("reference_levels", (String[])null);
        s.addStringArray("fixed_columns", (String[])null);
        h.loadSettings(s);
        h.configure(KnimeTables.reference("data/sleepstudy.csv").getDataTableSpec());
        assertEquals(0, h.settings().getStringArray("reference_levels").length);
    }

    /** Workflows saved before the residual-structure keys existed still load: no residual term, sorted levels. */
    @Test
    void settingsWithoutTheResidualKeysLoad() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = "Reaction ~ Days + (1 | Subject)";
        s.useTypedFormula = true;
        NodeSettings full = new NodeSettings("model");
        s.saveTo(full);
        NodeSettings without = new NodeSettings("model");
        without.addString("formula", s.formula);
        without.addBoolean("use_typed_formula", true);
        without.addString("response", "");
        without.addStringArray("fixed_columns");
        without.addString("interactions", "");
        without.addStringArray("grouping_columns");
        without.addBoolean("nested", false);
        without.addStringArray("random_slopes");
        without.addBoolean("correlated_slopes", true);
        without.addString("method", "REML");
        without.addString("df_method", "satterthwaite");
        without.addDouble("confidence_level", 0.95);
        without.addStringArray("reference_levels");
        h.loadSettings(without);
        assertEquals(full, h.settings());
    }

    /**
     * MMRM through the node: us(visit | subject) typed in the formula with the visit order set, the fixed
     * effects of nlme's gls (mmrm_us), the covariance matrix in the variance components, and a model port that
     * survives saving and gives the Predictor the visit's residual variance.
     */
    @Test
    void unstructuredResidualCovarianceThroughTheNodes() throws Exception {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = c.string("formula") + " + " + c.string("residual");
        s.useTypedFormula = true;
        s.levelOrders = new String[] {"visit=WEEK2,WEEK4,WEEK8,WEEK12"};
        s.dfMethod = "kenward-roger";
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        h.configure(data.getDataTableSpec());
        PortObject[] out = h.execute(data);

        BufferedDataTable fixed = (BufferedDataTable)out[1];
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        for (JsonObject e : c.objects("fixed")) {
            int i = terms.indexOf(e.get("term").getAsString());
            assertTrue(i >= 0, e.get("term") + " in " + terms);
            // 1e-4 of the SE: mmrm_us's flat likelihood (ResidualCovarianceReferenceTest)
            assertClose(e.get("estimate").getAsDouble(), est[i], 1e-4, e.get("se").getAsDouble(), "estimate " + i);
        }
        BufferedDataTable varcorr = (BufferedDataTable)out[2];
        List<String> groups = KnimeTables.strings(varcorr, "Group");
        List<String> term1 = KnimeTables.strings(varcorr, "Term");
        List<String> term2 = KnimeTables.strings(varcorr, "Term 2");
        double[] variance = KnimeTables.doubles(varcorr, "Variance");
        JsonArray full = c.json().getAsJsonArray("covariance_matrix_full_subject");
        int found = 0;
        for (int r = 0; r < groups.size(); r++) {
            if (groups.get(r).equals("Residual: us(visit | subject)")) {
                int i = List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12").indexOf(term1.get(r));
                int j = term2.get(r) == null ? i : List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12").indexOf(term2.get(r));
                assertClose(full.get(i).getAsJsonArray().get(j).getAsDouble(), variance[r], 1e-4, 1.0, "covariance");
                found++;
            }
        }
        assertEquals(10, found, "the 4 x 4 matrix's upper triangle");

        MixedModelPortObject model = org.knime.core.node.port.PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("us", model.model().residual().structure());
        NodeSettings psSettings = new NodeSettings("model");
        psSettings.addBoolean("has_custom_prediction_name", false);
        psSettings.addString("custom_prediction_name", "");
        psSettings.addBoolean("include_population_prediction", false);
        psSettings.addBoolean("include_standard_error", true);
        psSettings.addBoolean("include_prediction_interval", true);
        psSettings.addDouble("prediction_interval_level", 0.95);
        psSettings.addBoolean("estimate_new_groups", false);
        NodeHarness<?> predictor = NodeHarness.of(new org.mixedmodels.knime.predictor.MixedModelPredictorNodeFactory());
        predictor.loadSettings(psSettings);
        BufferedDataTable predicted = (BufferedDataTable)predictor.execute(model, data)[0];
        double[] prediction = KnimeTables.doubles(predicted, "Prediction (change)");
        double[] upper = KnimeTables.doubles(predicted, "Upper 95% prediction limit (change)");
        double[] se = KnimeTables.doubles(predicted, "SE of population prediction (change)");
        List<String> visits = KnimeTables.strings(predicted, "visit");
        for (int r = 0; r < 5; r++) {
            int v = List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12").indexOf(visits.get(r));
            double visitVariance = full.get(v).getAsJsonArray().get(v).getAsDouble();
            double half = upper[r] - prediction[r];
            // no random effects: the conditional prediction is the population one
            assertClose(1.959963984540054 * Math.sqrt(se[r] * se[r] + visitVariance), half, 1e-4, "interval " + r);
            assertClose(c.numbers("fitted_population_first")[r], prediction[r], 1e-5, 3.0, "fitted " + r);
        }
    }

    @Test
    void missingSettingKeyIsReported() {
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings s = new NodeSettings("model");
        s.addString("formula", "Reaction ~ Days + (1 | Subject)");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> h.loadSettings(s));
        assertTrue(e.getMessage().contains("use_typed_formula"), e.getMessage());
    }

    @Test
    void rowsWithMissingValuesAreLeftOutWithAWarningGivingTheirCount() throws Exception {
        BufferedDataTable full = KnimeTables.reference("data/sleepstudy.csv");
        List<DataRow> rows = new ArrayList<>();
        int i = 0;
        for (DataRow r : full) {
            DataCell[] cells = new DataCell[r.getNumCells()];
            for (int j = 0; j < cells.length; j++) {
                cells[j] = r.getCell(j);
            }
            if (i == 3 || i == 50) {
                cells[0] = DataType.getMissingCell();
            }
            rows.add(new DefaultRow(r.getKey(), cells));
            i++;
        }
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Reaction ~ Days + (Days | Subject)", "REML",
            "satterthwaite");
        PortObject[] out = h.execute(NodeHarness.table(full.getDataTableSpec(), rows));
        assertEquals(178.0, KnimeTables.doubles((BufferedDataTable)out[4], "Observations")[0]);
        assertNotNull(h.warning());
        assertTrue(h.warning().contains("2"), h.warning());
        // "Fail on missing values": the first missing value is an error naming its row and column
        NodeSettings s = h.settings();
        MixedModelLearnerSettings fail = MixedModelLearnerSettings.loadFrom(s);
        fail.failOnMissing = true;
        NodeSettings failing = new NodeSettings("model");
        fail.saveTo(failing);
        h.loadSettings(NodeHarness.xmlRoundTrip(failing));
        BufferedDataTable withMissing = NodeHarness.table(full.getDataTableSpec(), rows);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> h.execute(withMissing));
        assertTrue(e.getMessage().contains("Row 4 ('" + rows.get(3).getKey().getString() + "') has a missing value "
            + "in column 'Reaction'"), e.getMessage());
        assertEquals(0, NodeHarness.openIterators(withMissing), "iterators closed after the failure");
    }

    @Test
    void emptyTableFailsWithAClearMessage() throws Exception {
        BufferedDataTable full = KnimeTables.reference("data/sleepstudy.csv");
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Reaction ~ Days + (1 | Subject)", "REML",
            "satterthwaite");
        Exception e = assertThrows(Exception.class,
            () -> h.execute(NodeHarness.table(full.getDataTableSpec(), List.of())));
        assertFalse(e.getMessage() == null || e.getMessage().isBlank());
    }

    @Test
    void cancelStopsTheFit() throws Exception {
        NodeHarness<MixedModelLearnerNodeModel> h = learner("Reaction ~ Days + (Days | Subject)", "REML",
            "satterthwaite");
        BufferedDataTable data = KnimeTables.reference("data/sleepstudy.csv");
        assertThrows(CanceledExecutionException.class, () -> h.executeCanceled(data));
        assertEquals(0, NodeHarness.openIterators(data), "the input's row iterator is closed on cancel");
        // reading the 180 rows checks the cancel button once; the next checks are the optimizer's
        assertThrows(CanceledExecutionException.class, () -> h.executeCanceledAfter(20, data));
        assertTrue(h.progress() > 0.1, "the fit had started: progress " + h.progress());
    }

    @Test
    void integerAndStringGroupingColumnsGiveTheSameFit() throws Exception {
        BufferedDataTable ints = KnimeTables.reference("data/sleepstudy.csv");
        int s = ints.getDataTableSpec().findColumnIndex("Subject");
        assertTrue(ints.getDataTableSpec().getColumnSpec(s).getType().equals(IntCell.TYPE));
        List<DataRow> rows = new ArrayList<>();
        for (DataRow r : ints) {
            DataCell[] cells = new DataCell[r.getNumCells()];
            for (int j = 0; j < cells.length; j++) {
                cells[j] = j == s ? new StringCell(r.getCell(j).toString()) : r.getCell(j);
            }
            rows.add(new DefaultRow(new RowKey(r.getKey().getString()), cells));
        }
        DataTableSpec spec = new DataTableSpec(new String[] {"Reaction", "Days", "Subject"},
            new DataType[] {ints.getDataTableSpec().getColumnSpec(0).getType(),
                ints.getDataTableSpec().getColumnSpec(1).getType(), StringCell.TYPE});
        String f = "Reaction ~ Days + (Days | Subject)";
        double[] a = KnimeTables.doubles((BufferedDataTable)learner(f, "REML", "satterthwaite").execute(ints)[1],
            "Estimate");
        double[] b = KnimeTables.doubles((BufferedDataTable)learner(f, "REML", "satterthwaite")
            .execute(NodeHarness.table(spec, rows))[1], "Estimate");
        assertEquals(a[1], b[1], 1e-12);
        List<String> levels = KnimeTables.strings((BufferedDataTable)learner(f, "REML", "satterthwaite")
            .execute(ints)[3], "Level");
        assertEquals("308", levels.get(0));
    }

    @Test
    void builderFormulas() {
        assertEquals("change ~ arm + visit + arm:visit + us(visit | subject)", MixedModelLearnerSettings.buildFormula(
            "change", List.of("arm", "visit"), "arm:visit", List.of(), false, List.of(), true, "us", "visit", "subject"));
        assertEquals("QTcF ~ dose + (1 | animal) + ar1(visit | animal)", MixedModelLearnerSettings.buildFormula("QTcF",
            List.of("dose"), "", List.of("animal"), false, List.of(), true, "ar1", "visit", "animal"));
        assertEquals("y ~ x + (1 | g)", MixedModelLearnerSettings.buildFormula("y", List.of("x"), "", List.of("g"),
            false, List.of(), true, "none", "visit", "g"));
        assertEquals("Reaction ~ Days + (1 + Days | Subject)", MixedModelLearnerSettings.buildFormula("Reaction",
            List.of("Days"), "", List.of("Subject"), false, List.of("Days"), true));
        assertEquals("y ~ x + (x || g)", MixedModelLearnerSettings.buildFormula("y", List.of("x"), "",
            List.of("g"), false, List.of("x"), false));
        assertEquals("y ~ time + arm + time:arm + (1 | site/subject)", MixedModelLearnerSettings.buildFormula("y",
            List.of("time", "arm"), "time:arm", List.of("site", "subject"), true, List.of(), true));
        assertEquals("y ~ 1 + (1 | plate) + (1 | sample)", MixedModelLearnerSettings.buildFormula("y", List.of(),
            "", List.of("plate", "sample"), false, List.of(), true));
        assertEquals("`log volume` ~ `body weight` + (1 | patient)", MixedModelLearnerSettings.buildFormula(
            "log volume", List.of("body weight"), " ", List.of("patient"), false, List.of(), true));
    }
}
