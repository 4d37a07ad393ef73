package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectRoundTrip;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.predictor.PredictorAccess;

/**
 * Every kind of residual term the README documents, chosen on the Learner's Residual covariance tab (the builder's
 * settings, not a typed formula), run Learner -> saved model port -> Predictor and Tests nodes as KNIME runs them,
 * against the references of the engine's tests at their tolerances: nlme gls (arma11, sp_gau, sp_gau_nugget,
 * sp_exp_nugget; log-likelihood 1e-7, coefficients 1e-6 of their SE, population predictions 1e-6 of the residual SD),
 * nlme's fit of glmmTMB's toeph (log-likelihood 1e-8, coefficients 1e-4 of their SE), SAS ANTE(1) (-2 REML
 * log-likelihood 1e-6), group-specific {@code us(AVISIT | ARMCD / USUBJID)} (the arms' separate REML log-likelihoods
 * add, 1e-8; Kenward-Roger-Linear SE 1e-4 and df 1e-3 of pbkrtest's per arm) and varident (nlme's lme 1e-7,
 * Kenward-Roger-Linear SEs 1e-4 and df 1e-3 of pbkrtest's).
 */
class ResidualStructuresNodeTest {

    /** The Learner with the dialog builder's settings: response, fixed columns, interactions, the residual tab. */
    static NodeHarness<MixedModelLearnerNodeModel> learner(final MixedModelLearnerSettings s)
        throws InvalidSettingsException {
        s.useTypedFormula = false;
        s.formula = MixedModelLearnerSettings.buildFormula(s.response, List.of(s.fixedColumns), s.interactions,
            List.of(s.groupingColumns), s.nested, List.of(s.randomSlopes), s.correlatedSlopes, s.residualStructure,
            s.residualTime, s.residualSubject, s.residualGroup, s.residualVarianceBy);
        NodeHarness<MixedModelLearnerNodeModel> h = NodeHarness.of(new MixedModelLearnerNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        return h;
    }

    static MixedModelLearnerSettings fev(final String structure) {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "FEV1";
        s.fixedColumns = new String[] {"ARMCD", "AVISIT", "RACE", "SEX"};
        s.interactions = "ARMCD:AVISIT";
        s.referenceLevels = new String[] {"SEX=Male"};
        s.residualStructure = structure;
        s.residualTime = "AVISIT";
        s.residualSubject = "USUBJID";
        return s;
    }

    static MixedModelLearnerSettings ctime(final String response, final String structure) {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = response;
        s.fixedColumns = new String[] {"group", "time"};
        s.interactions = "group:time";
        s.residualStructure = structure;
        s.residualTime = "time";
        s.residualSubject = "subject";
        return s;
    }

    /** Runs the Tests node (Type III, LS means of {@code specs} by {@code by}) on a model port and its table. */
    static PortObject[] tests(final PortObject model, final BufferedDataTable data, final String df, final String vcov,
        final String robustTest, final String[] specs, final String... by) throws Exception {
        NodeHarness<?> h = NodeHarness.of(new org.mixedmodels.knime.tests.MixedModelTestsNodeFactory());
        NodeSettings s = new NodeSettings("model");
        s.addStringArray("lsmeans_factors", specs);
        s.addStringArray("by_factors", by);
        s.addString("df_method", df);
        s.addDouble("confidence_level", 0.95);
        s.addString("fixed_effects_covariance", vcov);
        s.addString("contrasts", "pairwise");
        s.addString("robust_test", robustTest);
        h.loadSettings(s);
        return h.execute(model, data);
    }

    private static double statistic(final PortObject[] out, final String column) {
        return KnimeTables.doubles((BufferedDataTable)out[4], column)[0];
    }

    /** Rows whose response is present, in table order (the rows the fit used). */
    private static List<Integer> rowsWith(final BufferedDataTable data, final String response) {
        double[] y = KnimeTables.doubles(data, response);
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            if (!Double.isNaN(y[i])) {
                rows.add(i);
            }
        }
        return rows;
    }

    /**
     * The saved model (port round trip) predicts the reference's population fitted values (no random effects: the
     * Predictor's prediction is the population one), and the Tests node refits it and tests every fixed term.
     */
    private static void predictorAndTests(final PortObject[] out, final BufferedDataTable data, final ReferenceCase c,
        final String response, final String structure) throws Exception {
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals(structure, model.model().residual().structure());
        BufferedDataTable predicted = PredictorAccess.predict(model, data);
        double[] prediction = KnimeTables.doubles(predicted, "Prediction (" + response + ")");
        double[] expected = c.numbers("fitted_population_first");
        List<Integer> used = rowsWith(data, response);
        double sigma = statistic(out, "Residual SD");
        for (int k = 0; k < expected.length; k++) {
            assertClose(expected[k], prediction[used.get(k)], 1e-6, sigma, "prediction " + k);
        }
        BufferedDataTable anova = (BufferedDataTable)tests(model, data, "satterthwaite", "model", "eigen",
            new String[0])[0];
        assertTrue(anova.size() >= 3, "Type III rows of " + c.name());
        for (double f : KnimeTables.doubles(anova, "F")) {
            assertTrue(f > 0 && Double.isFinite(f), "F " + f);
        }
        for (double df : KnimeTables.doubles(anova, "DenDF")) {
            assertTrue(df > 1 && Double.isFinite(df), "den df " + df);
        }
    }

    private static void assertFixed(final List<JsonObject> expected, final BufferedDataTable fixed,
        final double tolerance) {
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        for (JsonObject e : expected) {
            int i = terms.indexOf(e.get("term").getAsString());
            assertTrue(i >= 0, e.get("term") + " in " + terms);
            assertClose(e.get("estimate").getAsDouble(), est[i], tolerance, e.get("se").getAsDouble(),
                "estimate " + e.get("term"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fev_gls_arma11", "ctime_gls_gaus", "ctime_gls_gaus_nugget", "ctime_gls_exp_nugget"})
    void glsStructuresFromTheDialogMatchNlme(final String name) throws Exception {
        ReferenceCase c = ReferenceCase.load(name);
        String structure = c.json().getAsJsonObject("residual_structure").get("type").getAsString()
            + (name.contains("nugget") ? "_nugget" : "");
        MixedModelLearnerSettings s = name.startsWith("fev") ? fev(structure)
            : ctime(c.string("formula").substring(0, c.string("formula").indexOf(' ')), structure);
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        assertTrue(s.formula.endsWith(" + " + structure + "(" + s.residualTime + " | " + s.residualSubject + ")"),
            s.formula);
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = h.execute(data);
        assertClose(c.number("logLik"), statistic(out, "Log-likelihood"), 1e-7, "logLik");
        assertFixed(c.objects("fixed"), (BufferedDataTable)out[1], 1e-6);
        predictorAndTests(out, data, c, s.response, structure);
    }

    @Test
    void heterogeneousToeplitzFromTheDialogMatchesNlme() throws Exception {
        ReferenceCase c = ReferenceCase.load("fev_toeph_glmmtmb");
        MixedModelLearnerSettings s = fev("toeph");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = learner(s).execute(data);
        JsonObject nlme = c.json().getAsJsonObject("nlme_cross_check");
        assertClose(nlme.get("logLik").getAsDouble(), statistic(out, "Log-likelihood"), 1e-8, "logLik (nlme)");
        List<JsonObject> fixed = new ArrayList<>();
        nlme.getAsJsonArray("fixed").forEach(e -> fixed.add(e.getAsJsonObject()));
        assertFixed(fixed, (BufferedDataTable)out[1], 1e-4);
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("toeph", model.model().residual().structure());
        BufferedDataTable anova = (BufferedDataTable)tests(model, data, "kenward-roger-linear", "model", "eigen",
            new String[0])[0];
        assertEquals(List.of("ARMCD", "AVISIT", "RACE", "SEX", "ARMCD:AVISIT"), KnimeTables.strings(anova, "Term"));
    }

    /** SAS PROC MIXED TYPE=ANTE(1) (sas_adh_reml.txt): -2 REML log-likelihood 3713.49317786 of the iteration history. */
    @Test
    void anteDependenceFromTheDialogMatchesSas() throws Exception {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "FEV1";
        s.residualStructure = "adh";
        s.residualTime = "AVISIT";
        s.residualSubject = "USUBJID";
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        assertEquals("FEV1 ~ 1 + adh(AVISIT | USUBJID)", s.formula);
        BufferedDataTable data = KnimeTables.reference("sas-fev/fev_data.csv");
        PortObject[] out = h.execute(data);
        assertClose(3713.49317786, -2 * statistic(out, "Log-likelihood"), 1e-6, "-2 REML log-likelihood");
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("adh", model.model().residual().structure());
        double[] prediction = KnimeTables.doubles(PredictorAccess.predict(model, data), "Prediction (FEV1)");
        double intercept = KnimeTables.doubles((BufferedDataTable)out[1], "Estimate")[0];
        assertEquals(intercept, prediction[0], 1e-12 * Math.abs(intercept), "an intercept-only model predicts it");
    }

    private static JsonObject groupVarident() throws Exception {
        return JsonParser.parseString(Files.readString(ReferenceCase.root().resolve("mmrm-extra")
            .resolve("group_varident_kr_robust.json"))).getAsJsonObject();
    }

    /**
     * {@code us(AVISIT | ARMCD / USUBJID)} with the fixed effects fully interacted with the arm (the builder's
     * intercept + ARMCD + ARMCD:AVISIT spans the reference's 0 + ARMCD + ARMCD:AVISIT): the arms' separate gls fits'
     * REML log-likelihoods add; through the Tests node, each arm's LS mean at the first visit is that arm's gls
     * intercept, with pbkrtest's Kenward-Roger SE and df (us is linear in its parameters, so KR-linear equals KR);
     * the saved model (format 4) predicts each arm's mean.
     */
    @Test
    void groupSpecificUnstructuredFromTheDialogMatchesTheArmsSeparateFits() throws Exception {
        JsonObject ref = groupVarident().getAsJsonObject("group_specific");
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "FEV1";
        s.fixedColumns = new String[] {"ARMCD"};
        s.interactions = "ARMCD:AVISIT";
        s.residualStructure = "us";
        s.residualTime = "AVISIT";
        s.residualSubject = "USUBJID";
        s.residualGroup = "ARMCD";
        s.dfMethod = "kenward-roger-linear";
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        assertEquals("FEV1 ~ ARMCD + ARMCD:AVISIT + us(AVISIT | ARMCD / USUBJID)", s.formula);
        BufferedDataTable data = KnimeTables.reference("sas-fev/fev_data.csv");
        PortObject[] out = h.execute(data);
        double logLik = 0;
        for (var a : ref.getAsJsonArray("arms")) {
            logLik += a.getAsJsonObject().get("logLik").getAsDouble();
        }
        assertClose(logLik, statistic(out, "Log-likelihood"), 1e-8, "sum of the arms' REML log-likelihoods");
        // the intercept is the reference arm's (PBO) first-visit mean: pbkrtest's KR SE and df of that arm's fit
        JsonObject pbo = ref.getAsJsonArray("arms").get(0).getAsJsonObject();
        assertEquals("PBO", pbo.get("arm").getAsString());
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        assertEquals("(Intercept)", KnimeTables.strings(fixed, "Term").get(0));
        assertClose(pbo.getAsJsonArray("se_kr").get(0).getAsDouble(), KnimeTables.doubles(fixed, "Std. Error")[0],
            1e-4, "KR-linear se");
        assertClose(pbo.getAsJsonArray("df_kr").get(0).getAsDouble(), KnimeTables.doubles(fixed, "df")[0], 1e-3,
            "KR-linear df");

        // the variance components: one covariance matrix per arm, each the engine's fit's for that arm
        org.mixedmodels.engine.fit.FitResult engine = org.mixedmodels.engine.fit.LinearMixedModel.fit(s.formula,
            org.mixedmodels.engine.data.CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv")),
            org.mixedmodels.engine.fit.FitOptions.reml());
        BufferedDataTable varcorr = (BufferedDataTable)out[2];
        List<String> blocks = KnimeTables.strings(varcorr, "Group");
        List<String> term1 = KnimeTables.strings(varcorr, "Term");
        List<String> term2 = KnimeTables.strings(varcorr, "Term 2");
        double[] variance = KnimeTables.doubles(varcorr, "Variance");
        List<String> visitOrder = List.of("VIS1", "VIS2", "VIS3", "VIS4");
        for (int g = 0; g < 2; g++) {
            String block = "Residual: us(AVISIT | ARMCD / USUBJID), ARMCD = " + engine.residual().groups().get(g);
            double[][] cov = engine.residual().covariance(g, new int[] {0, 1, 2, 3}, new double[] {0, 1, 2, 3}, null,
                engine.sigma());
            int found = 0;
            for (int r = 0; r < blocks.size(); r++) {
                if (block.equals(blocks.get(r))) {
                    int i = visitOrder.indexOf(term1.get(r));
                    int j = term2.get(r) == null ? i : visitOrder.indexOf(term2.get(r));
                    assertClose(cov[i][j], variance[r], 1e-8, Math.sqrt(cov[i][i] * cov[j][j]), block);
                    found++;
                }
            }
            assertEquals(10, found, block + " in " + blocks);
        }

        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("ARMCD", model.model().residual().groupFactor());
        PortObject[] tested = tests(model, data, "kenward-roger-linear", "model", "eigen", new String[] {"ARMCD"},
            "AVISIT");
        BufferedDataTable means = (BufferedDataTable)tested[1];
        List<String> levels = KnimeTables.strings(means, "Level");
        for (var a : ref.getAsJsonArray("arms")) {
            JsonObject arm = a.getAsJsonObject();
            String level = arm.get("arm").getAsString();
            int i = -1;
            for (int k = 0; k < levels.size(); k++) {
                if (levels.get(k).contains(level) && levels.get(k).contains("VIS1")) {
                    i = k;
                }
            }
            assertTrue(i >= 0, level + " at VIS1 in " + levels);
            double se = arm.getAsJsonArray("se_kr").get(0).getAsDouble();
            assertClose(arm.getAsJsonArray("estimates").get(0).getAsDouble(),
                KnimeTables.doubles(means, "Estimate")[i], 1e-4, se, level + " LS mean");
            assertClose(se, KnimeTables.doubles(means, "SE")[i], 1e-4, level + " LS mean KR-linear SE");
            assertClose(arm.getAsJsonArray("df_kr").get(0).getAsDouble(), KnimeTables.doubles(means, "df")[i], 1e-3,
                level + " LS mean KR-linear df");
        }
        // the Predictor gives each row its arm's visit mean (no random effects)
        double[] prediction = KnimeTables.doubles(PredictorAccess.predict(model, data), "Prediction (FEV1)");
        List<String> arms = KnimeTables.strings(data, "ARMCD");
        List<String> visits = KnimeTables.strings(data, "AVISIT");
        for (int r = 0; r < 8; r++) {
            if (visits.get(r).equals("VIS1")) {
                JsonObject arm = ref.getAsJsonArray("arms").get(arms.get(r).equals("PBO") ? 0 : 1).getAsJsonObject();
                double se = arm.getAsJsonArray("se_kr").get(0).getAsDouble();
                assertClose(arm.getAsJsonArray("estimates").get(0).getAsDouble(), prediction[r], 1e-4, se,
                    "prediction row " + r);
            }
        }
    }

    /**
     * nlme's {@code lme(distance ~ age * Sex, random = ~ 1 | Subject, weights = varIdent(form = ~ 1 | Sex))} from the
     * builder's "Residual variance by" Sex with no structure: log-likelihood 1e-7, the coefficients' KR-linear SEs
     * (1e-4) and df (1e-3) as pbkrtest's; the saved model (format 4) keeps the strata for the Predictor.
     */
    @Test
    void varIdentFromTheDialogMatchesNlmeAndPbkrtest() throws Exception {
        JsonObject ref = groupVarident().getAsJsonObject("varident");
        ReferenceCase c = ReferenceCase.load("orthodont_varident");
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.response = "distance";
        s.fixedColumns = new String[] {"age", "Sex"};
        s.interactions = "age:Sex";
        s.groupingColumns = new String[] {"Subject"};
        s.residualSubject = "Subject";
        s.residualVarianceBy = "Sex";
        s.dfMethod = "kenward-roger-linear";
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        assertEquals("distance ~ age + Sex + age:Sex + (1 | Subject) + varident(Sex | Subject)", s.formula);
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject[] out = h.execute(data);
        assertClose(c.number("logLik"), statistic(out, "Log-likelihood"), 1e-7, "logLik");
        BufferedDataTable fixed = (BufferedDataTable)out[1];
        List<String> terms = KnimeTables.strings(fixed, "Term");
        JsonArray refTerms = ref.getAsJsonArray("terms");
        for (int i = 0; i < refTerms.size(); i++) {
            int k = terms.indexOf(refTerms.get(i).getAsString());
            assertTrue(k >= 0, refTerms.get(i) + " in " + terms);
            assertClose(ref.getAsJsonArray("se_kr").get(i).getAsDouble(), KnimeTables.doubles(fixed, "Std. Error")[k],
                1e-4, "KR-linear se " + terms.get(k));
            assertClose(ref.getAsJsonArray("df_kr").get(i).getAsDouble(), KnimeTables.doubles(fixed, "df")[k], 1e-3,
                "KR-linear df " + terms.get(k));
        }
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("Sex", model.model().residual().varianceFactor());
        double[] prediction = KnimeTables.doubles(PredictorAccess.predict(model, data), "Prediction (distance)");
        double[] expected = c.numbers("fitted_conditional_first");
        for (int k = 0; k < expected.length; k++) {
            assertClose(expected[k], prediction[k], 1e-5, c.number("sigma"), "conditional prediction " + k);
        }
        BufferedDataTable anova = (BufferedDataTable)tests(model, data, "kenward-roger-linear", "model", "eigen",
            new String[0])[0];
        assertEquals(List.of("age", "Sex", "age:Sex"), KnimeTables.strings(anova, "Term"));
    }

    /** varident next to a structure of the same subject, and the builder's refusals naming what to change. */
    @Test
    void structureWithVarIdentAndTheBuildersRefusals() throws Exception {
        MixedModelLearnerSettings s = fev("ar1");
        s.residualVarianceBy = "ARMCD";
        NodeHarness<MixedModelLearnerNodeModel> h = learner(s);
        assertTrue(s.formula.endsWith(" + ar1(AVISIT | USUBJID) + varident(ARMCD | USUBJID)"), s.formula);
        PortObject[] out = h.execute(KnimeTables.reference("sas-fev/fev_data.csv"));
        MixedModelPortObject model = PortObjectRoundTrip.saveAndLoad((MixedModelPortObject)out[0]);
        assertEquals("ar1", model.model().residual().structure());
        assertEquals("ARMCD", model.model().residual().varianceFactor());

        MixedModelLearnerSettings group = fev("none");
        group.residualGroup = "ARMCD";
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> learner(group));
        assertTrue(e.getMessage().contains("need a residual structure"), e.getMessage());
        MixedModelLearnerSettings self = fev("us");
        self.residualGroup = "USUBJID";
        e = assertThrows(InvalidSettingsException.class, () -> learner(self));
        assertTrue(e.getMessage().contains("it is the subject column"), e.getMessage());
        MixedModelLearnerSettings unknown = fev("varident");
        e = assertThrows(InvalidSettingsException.class, () -> learner(unknown));
        assertTrue(e.getMessage().contains("Residual variance by"), e.getMessage());
        MixedModelLearnerSettings ml = fev("us");
        ml.method = "ML";
        ml.dfMethod = "kenward-roger-linear";
        e = assertThrows(InvalidSettingsException.class, () -> learner(ml));
        assertTrue(e.getMessage().contains("REML fits only"), e.getMessage());
    }
}
