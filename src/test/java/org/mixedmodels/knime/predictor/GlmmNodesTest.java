package org.mixedmodels.knime.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.knime.core.data.DataRow;
import org.knime.core.data.MissingCell;
import org.knime.core.data.container.CloseableRowIterator;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectRoundTrip;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.diagnostics.MixedModelDiagnosticsNodeFactory;
import org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory;
import org.mixedmodels.knime.port.MixedModelPortObject;

/**
 * GLMMs through the KNIME nodes as KNIME runs them (settings through KNIME's XML, the model port saved and loaded):
 * the Learner with family, link, trials/offset and nAGQ against glmer (lme4 1.1-31; generate-glmm-scenarios.R and
 * the shared cbpp case), and the Predictor's probabilities and rates, on the response and the link scale,
 * conditional and population-level, against lme4's {@code predict}. Tolerances: the engine's (see GlmmCommandTest):
 * AGQ logLik 1e-6 relative, estimates 1e-4, SEs 1e-3; Laplace with one scalar term (lme4's PIRLS stops short)
 * 1e-5, 1e-3 and 2e-2.
 */
class GlmmNodesTest {

    /** The Learner's settings as its dialog saves them, with a typed formula and the GLMM keys. */
    static NodeSettings learnerSettings(final String formula, final String family, final String link,
        final String trials, final String offset, final int nAGQ, final String... references) {
        NodeSettings s = new NodeSettings("model");
        s.addString("formula", formula);
        s.addBoolean("use_typed_formula", true);
        s.addString("response", "");
        s.addStringArray("fixed_columns");
        s.addString("interactions", "");
        s.addStringArray("grouping_columns");
        s.addBoolean("nested", false);
        s.addStringArray("random_slopes");
        s.addBoolean("correlated_slopes", true);
        s.addString("method", "REML");
        s.addString("df_method", "satterthwaite");
        s.addDouble("confidence_level", 0.95);
        s.addStringArray("reference_levels", references);
        s.addString("residual_structure", "none");
        s.addString("residual_time", "");
        s.addString("residual_subject", "");
        s.addStringArray("level_orders");
        s.addBoolean("fail_on_missing", false);
        s.addString("family", family);
        s.addString("link", link);
        s.addString("trials_column", trials);
        s.addString("offset_column", offset);
        s.addInt("nagq", nAGQ);
        return s;
    }

    static PortObject[] learn(final NodeSettings settings, final BufferedDataTable data) throws Exception {
        NodeHarness<?> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        h.configure(data.getDataTableSpec());
        return h.execute(data);
    }

    private static BufferedDataTable predict(final MixedModelPredictorSettings s, final PortObject model,
        final BufferedDataTable data) throws Exception {
        return (BufferedDataTable)MixedModelPredictorNodeTest.predictor(s).execute(model, data)[0];
    }

    @Test
    void responderAnalysisMatchesGlmerAndPredictsProbabilities() throws Exception {
        ReferenceCase c = ReferenceCase.load("responder_visits_agq9");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = learn(learnerSettings(c.string("formula"), "binomial", "", "", "", 9, "arm=placebo"), data);
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        assertTrue(fixed.getDataTableSpec().containsName("z value") && fixed.getDataTableSpec().containsName("Pr(>|z|)"));
        List<JsonObject> ref = c.objects("fixed");
        assertEquals(ref.size(), fixed.size());
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        double[] se = KnimeTables.doubles(fixed, "Std. Error");
        double[] lower = KnimeTables.doubles(fixed, "Lower CI");
        for (int k = 0; k < ref.size(); k++) {
            assertEquals(ref.get(k).get("term").getAsString(), KnimeTables.strings(fixed, "Term").get(k));
            assertClose(ref.get(k).get("estimate").getAsDouble(), est[k], 1e-4, se[k], "estimate " + k);
            assertClose(ref.get(k).get("se").getAsDouble(), se[k], 1e-3, "se " + k);
            assertClose(est[k] - 1.959963984540054 * se[k], lower[k], 1e-12, "Wald lower limit " + k);
        }
        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], 1e-6, "logLik");
        assertClose(c.number("AIC"), KnimeTables.doubles(stats, "AIC")[0], 1e-6, "AIC");
        assertEquals("AGQ", KnimeTables.strings(stats, "Method").get(0));
        assertEquals("binomial", KnimeTables.strings(stats, "Family").get(0));
        BufferedDataTable variance = (BufferedDataTable)out[2];
        assertClose(c.objects("varcorr").get(0).get("vcov").getAsDouble(), KnimeTables.doubles(variance, "Variance")[0],
            2e-4, "variance");
        BufferedDataTable modes = (BufferedDataTable)out[3];
        assertEquals(c.objects("ranef").size(), modes.size());
        double[] blup = KnimeTables.doubles(modes, "(Intercept)");
        for (int j = 0; j < blup.length; j++) {
            assertClose(c.objects("ranef").get(j).get("value").getAsDouble(), blup[j], 1e-3, c.number("theta"), "mode " + j);
        }

        // the model as saved in a workflow, then the Predictor: probabilities and log odds as lme4's predict()
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertTrue(model.isGeneralized());
        assertEquals("binomial", model.glmm().family());
        assertEquals("logit", model.glmm().link());
        assertEquals(9, model.glmm().nAGQ());
        assertTrue(model.viewText().contains("Family: binomial  ( logit )"), model.viewText());
        assertTrue(model.getSummary().startsWith("Generalized linear mixed model"), model.getSummary());
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.includePopulation = true;
        s.includeStandardError = true;
        s.includeInterval = true;
        BufferedDataTable predicted = predict(s, model, data);
        double[] p = KnimeTables.doubles(predicted, "Prediction (responder)");
        double[] pop = KnimeTables.doubles(predicted, "Population prediction (responder)");
        double[] lo = KnimeTables.doubles(predicted, "Lower 95% confidence limit of population prediction (responder)");
        double[] hi = KnimeTables.doubles(predicted, "Upper 95% confidence limit of population prediction (responder)");
        double[] fitted = c.numbers("fitted_response");
        double[] fittedPop = c.numbers("fitted_population_response");
        assertEquals(fitted.length, p.length);
        for (int i = 0; i < p.length; i++) {
            assertClose(fitted[i], p[i], 1e-3, "probability " + i);
            assertClose(fittedPop[i], pop[i], 1e-3, "population probability " + i);
            assertTrue(lo[i] > 0 && lo[i] < pop[i] && pop[i] < hi[i] && hi[i] < 1, "interval " + i);
        }
        assertNull(MixedModelPredictorNodeTest.predictor(s).warning());

        s.linkScale = true;
        BufferedDataTable link = predict(s, model, data);
        double[] eta = KnimeTables.doubles(link, "Linear predictor (responder)");
        double[] etaPop = KnimeTables.doubles(link, "Population linear predictor (responder)");
        double[] seEta = KnimeTables.doubles(link, "SE of population linear predictor (responder)");
        double[] loLink = KnimeTables.doubles(link,
            "Lower 95% confidence limit of population linear predictor (responder)");
        double[] refEta = c.numbers("fitted_link");
        double[] refEtaPop = c.numbers("fitted_population_link");
        for (int i = 0; i < eta.length; i++) {
            assertClose(refEta[i], eta[i], 1e-4, 3, "log odds " + i);
            assertClose(refEtaPop[i], etaPop[i], 1e-4, 3, "population log odds " + i);
            assertClose(etaPop[i] - 1.959963984540054 * seEta[i], loLink[i], 1e-12, 1, "link-scale lower limit " + i);
            // the response-scale interval is the link-scale one transformed
            assertClose(1 / (1 + Math.exp(-loLink[i])), lo[i], 1e-12, "limits transform " + i);
        }
        // the Wald SE of the population log odds in row 1 (placebo, W04) is the intercept's
        assertClose(c.objects("fixed").get(0).get("se").getAsDouble(), seEta[0], 1e-3, "SE of the intercept row");
    }

    @Test
    void countsWithAnOffsetPredictRatesAndNeedTheOffsetColumn() throws Exception {
        ReferenceCase c = ReferenceCase.load("seizure_counts_laplace");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = learn(learnerSettings(c.string("formula"), "poisson", "log", "", "log_days", 1,
            "treatment=placebo"), data);
        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], 1e-5, "logLik (Laplace)");
        assertTrue(KnimeTables.doubles(stats, "Overdispersion ratio")[0] > 0);
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("log_days", model.glmm().offset());
        assertEquals("log_days", model.getSpec().offset());
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.includePopulation = true;
        BufferedDataTable predicted = predict(s, model, data);
        double[] mu = KnimeTables.doubles(predicted, "Prediction (seizures)");
        double[] pop = KnimeTables.doubles(predicted, "Population prediction (seizures)");
        double[] fitted = c.numbers("fitted_response");
        double[] fittedPop = c.numbers("fitted_population_response");
        for (int i = 0; i < mu.length; i++) {
            assertClose(fitted[i], mu[i], 1e-3, "expected count " + i);
            assertClose(fittedPop[i], pop[i], 1e-3, "population expected count " + i);
        }

        // without the offset column the Predictor stops at configure, naming it
        BufferedDataTable without = KnimeTables.of(edited(c.string("data"), 5, -1));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> MixedModelPredictorNodeTest.predictor(s).configure(model.getSpec(), without.getDataTableSpec()));
        assertTrue(e.getMessage().contains("log_days"), e.getMessage());

        // estimating new groups is a linear-model option: refused by name for a GLMM
        s.estimateNewGroups = true;
        InvalidSettingsException g = assertThrows(InvalidSettingsException.class,
            () -> MixedModelPredictorNodeTest.predictor(s).configure(model.getSpec(), data.getDataTableSpec()));
        assertTrue(g.getMessage().contains("linear mixed models only"), g.getMessage());
    }

    @Test
    void successesOutOfTrialsAndTheLinkFromTheSettings() throws Exception {
        ReferenceCase c = ReferenceCase.load("cbpp_probit_agq25");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = learn(learnerSettings("incidence ~ period + (1 | herd)", "binomial", "probit", "size", "", 25),
            data);
        BufferedDataTable stats = (BufferedDataTable)out[4];
        assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], 1e-6, "logLik");
        assertEquals("probit", KnimeTables.strings(stats, "Link").get(0));
        BufferedDataTable predicted = PredictorAccess.predict(out[0], data);
        double[] p = KnimeTables.doubles(predicted, "Prediction (incidence)");
        double[] ref = c.numbers("fitted_response_first");
        for (int i = 0; i < ref.length; i++) {
            assertClose(ref[i], p[i], 1e-3, "probability " + i);
        }
    }

    @Test
    void badInputIsRefusedWithItsColumn() throws Exception {
        BufferedDataTable cbpp = KnimeTables.reference("data/cbpp.csv");
        NodeHarness<?> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        h.loadSettings(learnerSettings("incidence ~ period + (1 | herd)", "binomial", "", "trials", "", 1));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> h.configure(cbpp.getDataTableSpec()));
        assertTrue(e.getMessage().contains("trials column 'trials' is not in the input table"), e.getMessage());
        // a 0/1 response that is a count: glmer's message with the row
        NodeHarness<?> binary = NodeHarness.of(new MixedModelLearnerNodeFactory());
        binary.loadSettings(learnerSettings("incidence ~ period + (1 | herd)", "binomial", "", "", "", 1));
        InvalidSettingsException b = assertThrows(InvalidSettingsException.class, () -> binary.execute(cbpp));
        assertTrue(b.getMessage().contains("must be 0 or 1") && b.getMessage().contains("row 1"), b.getMessage());
    }

    @Test
    void nodesThatRefitLinearModelsRefuseAGlmmPort() throws Exception {
        BufferedDataTable cbpp = KnimeTables.reference("data/cbpp.csv");
        PortObject[] out = learn(learnerSettings("incidence ~ period + (1 | herd)", "binomial", "", "size", "", 1), cbpp);
        NodeHarness<?> d = NodeHarness.of(new MixedModelDiagnosticsNodeFactory());
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> d.execute(out[0], cbpp));
        assertTrue(e.getMessage().contains("takes linear mixed models") && e.getMessage().contains("binomial GLMM"),
            e.getMessage());
    }

    /** The reason a Predictor gives a row without a prediction: the missing offset of that row. */
    @Test
    void aMissingOffsetGivesAMissingPredictionWithItsReason() throws Exception {
        ReferenceCase c = ReferenceCase.load("seizure_counts_laplace");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = learn(learnerSettings(c.string("formula"), "poisson", "", "", "log_days", 1,
            "treatment=placebo"), data);
        BufferedDataTable table = KnimeTables.of(edited(c.string("data"), 5, 3));
        BufferedDataTable predicted = PredictorAccess.predict(out[0], table);
        try (CloseableRowIterator rows = predicted.iterator()) {
            rows.next();
            rows.next();
            DataRow third = rows.next();
            var cell = third.getCell(predicted.getDataTableSpec().findColumnIndex("Prediction (seizures)"));
            assertTrue(cell instanceof MissingCell m && m.getError().contains("log_days"), String.valueOf(cell));
        }
    }

    /**
     * The reference data with column {@code column} (0-based) removed ({@code row} -1) or emptied in data row
     * {@code row} (1-based).
     */
    static DataFrame edited(final String file, final int column, final int row) throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(ReferenceCase.root().resolve(file));
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            List<String> f = new java.util.ArrayList<>(List.of(lines.get(i).split(",", -1)));
            if (row < 0) {
                f.remove(column);
            } else if (i == row) {
                f.set(column, "");
            }
            csv.append(String.join(",", f)).append('\n');
        }
        return org.mixedmodels.engine.data.CsvReader.read(new java.io.StringReader(csv.toString()), file);
    }
}
