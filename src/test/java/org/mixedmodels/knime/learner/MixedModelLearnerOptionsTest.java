package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataColumnSpecCreator;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.data.IntValue;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.StringCell;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.data.ColumnTyping;
import org.mixedmodels.knime.port.MixedModelPortObject;

/**
 * The Learner's "Treat as categorical", "Missing value tokens" and "Covariance of the fixed effects" settings run as
 * KNIME runs the node, against lme4 (cake with numeric temperature as a factor) and clubSandwich (sleepstudy CR0
 * and CR2) at the reference README's tolerances: estimates and logLik 1e-6 relative, SEs 1e-5, df 1e-3.
 */
class MixedModelLearnerOptionsTest {

    static NodeHarness<MixedModelLearnerNodeModel> learner(final MixedModelLearnerSettings s)
        throws InvalidSettingsException {
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        s.useTypedFormula = true;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        return h;
    }

    static MixedModelLearnerSettings settings(final String formula) {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = formula;
        return s;
    }

    /**
     * R's factor(temperature) in the formula, and the same model with temperature chosen in "Treat as categorical"
     * and the formula without factor(): both lme4's fit, the second with the coefficients named after the column.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(booleans = {false, true})
    void numericTemperatureAsAFactorMatchesLme4(final boolean chosenAsCategorical) throws Exception {
        ReferenceCase c = ReferenceCase.load("cake_factor_temperature");
        MixedModelLearnerSettings s = settings(chosenAsCategorical
            ? c.string("formula").replace("factor(temperature)", "temperature") : c.string("formula"));
        if (chosenAsCategorical) {
            s.categoricalColumns = new String[] {"temperature"};
        }
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        assertTrue(data.getDataTableSpec().getColumnSpec("temperature").getType().isCompatible(IntValue.class),
            "temperature is an integer column in KNIME");
        PortObject[] out = learner(s).execute(data);
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        List<JsonObject> expected = c.objects("fixed");
        assertEquals(expected.size(), fixed.size());
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        double[] se = KnimeTables.doubles(fixed, "Std. Error");
        double[] df = KnimeTables.doubles(fixed, "df");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            String term = e.get("term").getAsString();
            // levels keep their text: 185, not 185.0
            assertEquals(chosenAsCategorical ? term.replace("factor(temperature)", "temperature") : term, terms.get(i));
            assertClose(e.get("estimate").getAsDouble(), est[i], 1e-6, e.get("se").getAsDouble(), term + " estimate");
            assertClose(e.get("se").getAsDouble(), se[i], 1e-5, term + " se");
            assertClose(e.get("df_satterthwaite").getAsDouble(), df[i], 1e-3, term + " df");
        }
        assertEquals(List.of("model"), KnimeTables.strings(fixed, "Covariance").stream().distinct().toList());
        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], 1e-6, "logLik");
        assertEquals(c.number("nobs"), KnimeTables.doubles(stats, "Observations")[0]);

        // the choice travels with the model; the Predictor reads temperature as levels too
        MixedModelPortObject model = (MixedModelPortObject)out[0];
        assertEquals(chosenAsCategorical ? List.of("temperature") : List.of(), model.typing().categorical());
        BufferedDataTable predicted = (BufferedDataTable)org.mixedmodels.knime.predictor.PredictorAccess.predict(
            org.knime.core.node.port.PortObjectRoundTrip.saveAndLoad(model), data);
        double[] fitted = c.numbers("fitted_conditional_first");
        double[] p = KnimeTables.doubles(predicted, "Prediction (angle)");
        for (int i = 0; i < fitted.length; i++) {
            assertClose(fitted[i], p[i], 1e-6, "fitted " + i);
        }
    }

    /**
     * Sleepstudy with Days as a string column (optionally holding SAS's "." twice): KNIME's type is the user's
     * declaration, so Days is categorical, exactly as numeric Days chosen in "Treat as categorical", with a warning
     * that says how to use it as numeric; a declared token makes its cells missing (two rows left out), in the
     * Predictor too.
     */
    @ParameterizedTest(name = "dots={0}, dot a token={1}")
    @CsvSource({"false, false", "true, false", "true, true"})
    void aStringColumnOfNumbersIsCategoricalWithAWarning(final boolean dots, final boolean dotIsToken)
        throws Exception {
        BufferedDataTable full = KnimeTables.reference("data/sleepstudy.csv");
        DataTableSpec spec = full.getDataTableSpec();
        int days = spec.findColumnIndex("Days");
        DataColumnSpec[] columns = new DataColumnSpec[spec.getNumColumns()];
        for (int j = 0; j < columns.length; j++) {
            columns[j] = j == days ? new DataColumnSpecCreator("Days", StringCell.TYPE).createSpec()
                : spec.getColumnSpec(j);
        }
        List<DataRow> text = new ArrayList<>();
        List<DataRow> numbers = new ArrayList<>();
        int i = 0;
        for (DataRow r : full) {
            DataCell[] a = new DataCell[r.getNumCells()];
            DataCell[] b = new DataCell[r.getNumCells()];
            for (int j = 0; j < a.length; j++) {
                a[j] = r.getCell(j);
                b[j] = r.getCell(j);
            }
            boolean dot = dots && (i == 7 || i == 90);
            a[days] = new StringCell(dot ? "." : org.mixedmodels.engine.data.NumericColumn.format(
                ((org.knime.core.data.DoubleValue)r.getCell(days)).getDoubleValue()));
            if (dot && dotIsToken) {
                b[days] = DataType.getMissingCell();
            } else if (dot) {
                b[days] = new org.knime.core.data.def.IntCell(-1); // '.' sorts first, as -1 does
            }
            text.add(new DefaultRow(r.getKey(), a));
            numbers.add(new DefaultRow(r.getKey(), b));
            i++;
        }
        BufferedDataTable stringDays = NodeHarness.table(new DataTableSpec(columns), text);
        MixedModelLearnerSettings s = settings("Reaction ~ Days + (1 | Subject)");
        if (dotIsToken) {
            s.missingTokens = "NA, .";
        }
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        PortObject[] out = h.execute(stringDays);
        String warning = h.warning();
        assertTrue(warning.contains("Column 'Days' is a string column of numbers")
            && warning.contains("String to Number"), warning);
        assertEquals(dots && !dotIsToken, warning.contains("row 8 holds '.'"), warning);

        MixedModelLearnerSettings asCategorical = settings(s.formula);
        asCategorical.categoricalColumns = new String[] {"Days"};
        PortObject[] expected = learner(asCategorical).execute(NodeHarness.table(spec, numbers));
        assertEquals(dotIsToken ? 178.0 : 180.0, KnimeTables.doubles((BufferedDataTable)out[4], "Observations")[0]);
        double[] est = KnimeTables.doubles((BufferedDataTable)out[1], "Estimate");
        double[] want = KnimeTables.doubles((BufferedDataTable)expected[1], "Estimate");
        assertEquals(dots && !dotIsToken ? 11 : 10, want.length, "intercept and a coefficient per other level");
        assertEquals(want.length, est.length);
        for (int k = 0; k < want.length; k++) {
            assertClose(want[k], est[k], 1e-9, "estimate " + k);
        }
        if (dotIsToken) {
            assertEquals(new ColumnTyping(List.of(), List.of("NA", ".")), ((MixedModelPortObject)out[0]).typing());
            BufferedDataTable predicted = org.mixedmodels.knime.predictor.PredictorAccess.predict(
                org.knime.core.node.port.PortObjectRoundTrip.saveAndLoad(out[0]), stringDays);
            double[] p = KnimeTables.doubles(predicted, "Prediction (Reaction)");
            assertTrue(Double.isNaN(p[7]) && Double.isNaN(p[90]) && !Double.isNaN(p[8]), "no prediction where Days is '.'");
        }
    }

    /** A string response is refused at configure, however numeric its cells, with the String to Number advice. */
    @Test
    void aStringResponseIsRefusedWithTheAdvice() throws Exception {
        DataTableSpec spec = new DataTableSpec(new DataColumnSpecCreator("Reaction", StringCell.TYPE).createSpec(),
            new DataColumnSpecCreator("Days", org.knime.core.data.def.DoubleCell.TYPE).createSpec(),
            new DataColumnSpecCreator("Subject", StringCell.TYPE).createSpec());
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> learner(settings("Reaction ~ Days + (1 | Subject)")).configure(spec));
        assertTrue(e.getMessage().startsWith("The response column 'Reaction' is not numeric: it is a String column")
            && e.getMessage().contains("convert it with KNIME's \"String to Number\" node"), e.getMessage());
    }

    /** clubSandwich's CR0 and CR2 SEs with their Satterthwaite df, through the Learner's coefficient table. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"empirical, CR0", "empirical-cr2, CR2"})
    void sandwichStandardErrorsMatchClubSandwich(final String vcov, final String type) throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lme_robust");
        MixedModelLearnerSettings s = settings(c.string("formula"));
        s.vcov = vcov;
        PortObject[] out = learner(s).execute(KnimeTables.reference(c.string("data")));
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        JsonObject robust = c.objects("robust").stream().filter(r -> r.get("type").getAsString().equals(type))
            .findFirst().orElseThrow();
        double[] se = KnimeTables.doubles(fixed, "Std. Error");
        double[] df = KnimeTables.doubles(fixed, "df");
        int i = 0;
        for (var e : robust.getAsJsonArray("coef_test")) {
            JsonObject t = e.getAsJsonObject();
            assertEquals(t.get("term").getAsString(), KnimeTables.strings(fixed, "Term").get(i));
            assertClose(t.get("se").getAsDouble(), se[i], 1e-5, type + " se " + i);
            assertClose(t.get("df_satterthwaite").getAsDouble(), df[i], 1e-3, type + " df " + i);
            i++;
        }
        assertEquals(List.of(vcov), KnimeTables.strings(fixed, "Covariance").stream().distinct().toList());
    }

    /**
     * The HTZ test (clubSandwich's Wald_test(test = "HTZ")) for the Learner's Type III tests, shown in the model port's
     * view: the same text as the command line's {@code fit --vcov empirical-cr2 --robust-test htz}, naming the HTZ
     * tests; its RACE F and df at 1e-3 of clubSandwich's (fev_gls_us_robust). The default robust test is the
     * eigen-contrast one, and HTZ without a sandwich is refused when the settings are applied.
     */
    @Test
    void htzTypeIIITestsInThePortView() throws Exception {
        ReferenceCase c = ReferenceCase.load("fev_gls_us_robust");
        String formula = c.string("formula") + " + " + c.string("residual");
        MixedModelLearnerSettings s = settings(formula);
        s.referenceLevels = new String[] {"SEX=Male"};
        s.vcov = "empirical-cr2";
        s.robustTest = "htz";
        PortObject[] out = learner(s).execute(KnimeTables.reference(c.string("data")));
        String view = ((MixedModelPortObject)out[0]).viewText();
        org.mixedmodels.engine.fit.FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit(formula, c.data(),
            new org.mixedmodels.engine.fit.FitOptions(org.mixedmodels.engine.fit.FitOptions.Method.REML,
                java.util.Map.of("SEX", "Male")));
        var inference = org.mixedmodels.engine.inference.FixedEffectsInference.of(fit,
            org.mixedmodels.engine.inference.DfMethod.SATTERTHWAITE, 0.95,
            org.mixedmodels.engine.inference.CovarianceType.EMPIRICAL_CR2, true);
        assertEquals(org.mixedmodels.engine.report.FitReport.text(fit, inference, formula,
            new org.mixedmodels.engine.report.FitReport.Source("input table", null), null, List.of(), true), view);
        assertTrue(view.contains("HTZ tests, clubSandwich"), view);
        var race = inference.typeIII().stream().filter(t -> t.term().equals("RACE")).findFirst().orElseThrow();
        JsonObject htz = c.objects("robust_wald_tests_cr2").stream().filter(e -> e.get("term").getAsString()
            .equals("RACE")).findFirst().orElseThrow().getAsJsonObject("htz");
        assertClose(htz.get("F").getAsDouble(), race.f(), 1e-3, "HTZ F");
        assertClose(htz.get("dendf").getAsDouble(), race.denDf(), 1e-3, "HTZ den df");

        MixedModelLearnerSettings eigen = settings(formula);
        eigen.referenceLevels = new String[] {"SEX=Male"};
        eigen.vcov = "empirical-cr2";
        String eigenView = ((MixedModelPortObject)learner(eigen).execute(KnimeTables.reference(c.string("data")))[0])
            .viewText();
        assertTrue(!eigenView.contains("HTZ"), eigenView);
        MixedModelLearnerSettings model = settings(formula);
        model.robustTest = "htz";
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> learner(model));
        assertTrue(e.getMessage().contains("HTZ test is a test with a sandwich"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kenward-roger", "kenward-roger-linear"})
    void kenwardRogerWithASandwichIsRefusedAtConfigure(final String df) throws Exception {
        MixedModelLearnerSettings s = settings("Reaction ~ Days + (Days | Subject)");
        s.vcov = "empirical-cr2";
        s.dfMethod = df;
        NodeSettings saved = new NodeSettings("model");
        s.saveTo(saved);
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> h.loadSettings(saved));
        assertTrue(e.getMessage().contains("Kenward-Roger adjusts the model-based covariance"), e.getMessage());
    }

    /** A sandwich on random effects of several grouping factors is refused when the settings are applied. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"diameter ~ 1 + (1 | plate) + (1 | sample)", "strength ~ 1 + (1 | batch/cask)"})
    void sandwichOnSeveralGroupingFactorsIsRefusedAtConfigure(final String formula) throws Exception {
        MixedModelLearnerSettings s = settings(formula);
        s.useTypedFormula = true;
        s.vcov = "empirical";
        NodeSettings saved = new NodeSettings("model");
        s.saveTo(saved);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> NodeHarness.of(new MixedModelLearnerNodeFactory()).loadSettings(saved));
        assertTrue(e.getMessage().contains("clusters by one grouping factor"), e.getMessage());
        MixedModelLearnerSettings one = settings("Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)");
        one.vcov = "empirical";
        learner(one);
    }

    @Test
    void unknownCovarianceAndCategoricalColumnsAreRefusedWithTheirNames() throws Exception {
        MixedModelLearnerSettings s = settings("Reaction ~ Days + (Days | Subject)");
        s.vcov = "sandwich";
        NodeSettings saved = new NodeSettings("model");
        s.saveTo(saved);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> NodeHarness.of(new MixedModelLearnerNodeFactory()).loadSettings(saved));
        assertTrue(e.getMessage().contains("sandwich"), e.getMessage());

        BufferedDataTable data = KnimeTables.reference("data/sleepstudy.csv");
        MixedModelLearnerSettings unknown = settings("Reaction ~ Days + (Days | Subject)");
        unknown.categoricalColumns = new String[] {"Dose"};
        InvalidSettingsException e2 = assertThrows(InvalidSettingsException.class,
            () -> learner(unknown).configure(data.getDataTableSpec()));
        assertTrue(e2.getMessage().contains("'Dose'") && e2.getMessage().contains("Reaction"), e2.getMessage());
        MixedModelLearnerSettings response = settings("Reaction ~ Days + (Days | Subject)");
        response.categoricalColumns = new String[] {"Reaction"};
        InvalidSettingsException e3 = assertThrows(InvalidSettingsException.class,
            () -> learner(response).configure(data.getDataTableSpec()));
        assertTrue(e3.getMessage().contains("response column 'Reaction' is chosen as categorical"), e3.getMessage());
    }
}
