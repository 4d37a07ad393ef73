package org.mixedmodels.knime.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonObject;
import java.io.File;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;

/** The Mixed Model Tests node against lmerTest (Type III) and emmeans (LS means, pairs). */
class MixedModelTestsNodeTest {

    static NodeHarness<MixedModelTestsNodeModel> node(final String df, final String... specs)
        throws InvalidSettingsException {
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.specs = specs;
        s.dfMethod = df;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        return h;
    }

    static MixedModelPortObject model(final ReferenceCase c, final FitOptions options) {
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), options);
        return new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"satterthwaite, anova_type3_satterthwaite", "kenward-roger, anova_type3_kr"})
    void typeIIIMatchesLmerTest(final String df, final String key) throws Exception {
        ReferenceCase c = ReferenceCase.load("crossover_ab_ba");
        PortObject[] out = node(df).execute(model(c, FitOptions.reml()), KnimeTables.reference(c.string("data")));
        BufferedDataTable anova = (BufferedDataTable)out[0];
        List<String> terms = KnimeTables.strings(anova, "Term");
        for (JsonObject e : c.objects(key)) {
            int i = terms.indexOf(e.get("term").getAsString());
            assertClose(e.get("dendf").getAsDouble(), KnimeTables.doubles(anova, "DenDF")[i], 1e-3, "den df");
            assertClose(e.get("F").getAsDouble(), KnimeTables.doubles(anova, "F")[i], 1e-5, "F");
            assertPClose(e.get("p").getAsDouble(), KnimeTables.doubles(anova, "Pr(>F)")[i], 1e-3, "p");
        }
        assertEquals(0, ((BufferedDataTable)out[1]).size(), "no LS means asked for");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"crossover_lsmeans, kenward-roger, kenward_roger", "nf1_lsmeans, satterthwaite, satterthwaite"})
    void lsMeansAndPairsMatchEmmeans(final String name, final String df, final String key) throws Exception {
        ReferenceCase c = ReferenceCase.load(name);
        PortObject[] out = node(df, c.string("specs")).execute(model(c, FitOptions.reml()),
            KnimeTables.reference(c.string("data")));
        BufferedDataTable means = (BufferedDataTable)out[1];
        List<JsonObject> expected = c.objects("lsmeans_" + key);
        assertEquals(expected.size(), means.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            double se = e.get("se").getAsDouble();
            assertEquals(e.get("level").getAsString(), KnimeTables.strings(means, "Level").get(i));
            assertClose(e.get("estimate").getAsDouble(), KnimeTables.doubles(means, "Estimate")[i], 1e-6, se, "mean");
            assertClose(se, KnimeTables.doubles(means, "SE")[i], 1e-5, "se");
            assertClose(e.get("df").getAsDouble(), KnimeTables.doubles(means, "df")[i], 1e-3, "df");
        }
        BufferedDataTable pairs = (BufferedDataTable)out[2];
        List<JsonObject> expectedPairs = c.objects("pairs_" + key);
        assertEquals(expectedPairs.size(), pairs.size());
        for (int i = 0; i < expectedPairs.size(); i++) {
            JsonObject e = expectedPairs.get(i);
            assertEquals(e.get("contrast").getAsString(), KnimeTables.strings(pairs, "Contrast").get(i));
            assertClose(e.get("t").getAsDouble(), KnimeTables.doubles(pairs, "t")[i], 1e-5, "t");
            assertPClose(e.get("p").getAsDouble(), KnimeTables.doubles(pairs, "p")[i], 1e-3, "p");
        }
    }

    /**
     * Treatment versus control through the node (emmeans' contrast(emm, "trt.vs.ctrl"), case trt_vs_ctrl_emmeans):
     * each subtype minus the first, with emmeans' dunnettx p in "p (Dunnett)" and the unadjusted p in "p"; no
     * Tukey p. Old settings (no contrasts key) give pairwise contrasts.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"satterthwaite, 0", "kenward-roger, 1"})
    void treatmentVersusControlMatchesEmmeans(final String df, final int index) throws Exception {
        JsonObject c = ReferenceCase.load("trt_vs_ctrl_emmeans").objects("cases").get(index);
        assertEquals(df, c.get("ddf").getAsString());
        BufferedDataTable data = KnimeTables.reference(c.get("data").getAsString());
        FitResult fit = LinearMixedModel.fit(c.get("formula").getAsString(),
            ReferenceCase.data(c.get("data").getAsString()), FitOptions.reml());
        MixedModelPortObject model = new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.specs = new String[] {c.get("specs").getAsString()};
        s.dfMethod = df;
        s.contrasts = "trt.vs.ctrl";
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        BufferedDataTable pairs = (BufferedDataTable)h.execute(model, data)[2];
        assertEquals(MixedModelTestsNodeModel.pairsSpec(), pairs.getDataTableSpec());
        com.google.gson.JsonArray dunnett = c.getAsJsonArray("dunnettx");
        com.google.gson.JsonArray none = c.getAsJsonArray("none");
        assertEquals(dunnett.size(), pairs.size());
        for (int i = 0; i < dunnett.size(); i++) {
            JsonObject e = dunnett.get(i).getAsJsonObject();
            String what = e.get("contrast").getAsString();
            assertEquals(what, KnimeTables.strings(pairs, "Contrast").get(i));
            assertClose(e.get("estimate").getAsDouble(), KnimeTables.doubles(pairs, "Estimate")[i], 1e-6,
                e.get("se").getAsDouble(), what + " estimate");
            assertClose(e.get("t").getAsDouble(), KnimeTables.doubles(pairs, "t")[i], 1e-5, what + " t");
            assertPClose(e.get("p").getAsDouble(), KnimeTables.doubles(pairs, "p (Dunnett)")[i], 1e-3, what + " Dunnett");
            assertPClose(none.get(i).getAsJsonObject().get("p").getAsDouble(), KnimeTables.doubles(pairs, "p")[i], 1e-3,
                what + " unadjusted");
            assertTrue(Double.isNaN(KnimeTables.doubles(pairs, "p (Tukey)")[i]), "no Tukey p for trt.vs.ctrl");
        }
        // settings saved before the choice existed compare all pairs, as before
        NodeSettings old = new NodeSettings("model");
        old.addStringArray(MixedModelTestsSettings.SPECS, s.specs);
        old.addStringArray(MixedModelTestsSettings.BY);
        old.addString(MixedModelTestsSettings.DF_METHOD, df);
        old.addDouble(MixedModelTestsSettings.CONFIDENCE_LEVEL, 0.95);
        NodeHarness<MixedModelTestsNodeModel> before = NodeHarness.of(new MixedModelTestsNodeFactory());
        before.loadSettings(old);
        BufferedDataTable allPairs = (BufferedDataTable)before.execute(model, data)[2];
        assertEquals(3, allPairs.size(), "three subtypes: three pairs");
        assertTrue(Double.isNaN(KnimeTables.doubles(allPairs, "p (Dunnett)")[0]));
    }

    @Test
    void errorsSayWhatToDo() throws Exception {
        ReferenceCase c = ReferenceCase.load("crossover_lsmeans");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        InvalidSettingsException unknown = assertThrows(InvalidSettingsException.class,
            () -> node("satterthwaite", "dose").execute(model(c, FitOptions.reml()), data));
        assertTrue(unknown.getMessage().contains("'dose' is not a predictor"), unknown.getMessage());
        InvalidSettingsException kr = assertThrows(InvalidSettingsException.class,
            () -> node("kenward-roger", "treatment").execute(model(c, FitOptions.ml()), data));
        assertTrue(kr.getMessage().contains("REML fits only"), kr.getMessage());
        InvalidSettingsException other = assertThrows(InvalidSettingsException.class,
            () -> node("satterthwaite", "treatment").execute(model(c, FitOptions.reml()),
                KnimeTables.reference("data/sleepstudy.csv")));
        assertTrue(other.getMessage().contains("treatment"), other.getMessage());
    }

    @Test
    void dialogSavesWhatItShowsAndRenders() throws Exception {
        ReferenceCase c = ReferenceCase.load("crossover_lsmeans");
        NodeHarness<MixedModelTestsNodeModel> h = node("kenward-roger", "treatment");
        NodeDialogPane dialog = h.dialog(h.settings(), model(c, FitOptions.reml()).getSpec(),
            KnimeTables.reference(c.string("data")).getDataTableSpec());
        assertEquals(h.settings(), NodeHarness.saveDialog(dialog));
        ((MixedModelTestsNodeDialog)dialog).vcov.setSelectedItem("empirical");
        ((MixedModelTestsNodeDialog)dialog).dfMethod.setSelectedItem("satterthwaite");
        assertEquals("empirical", NodeHarness.saveDialog(dialog).getString(MixedModelTestsSettings.VCOV));
        assertEquals("pairwise", NodeHarness.saveDialog(dialog).getString(MixedModelTestsSettings.CONTRASTS));
        ((MixedModelTestsNodeDialog)dialog).contrasts.setSelectedItem("trt.vs.ctrl");
        assertEquals("trt.vs.ctrl", NodeHarness.saveDialog(dialog).getString(MixedModelTestsSettings.CONTRASTS));
        ((MixedModelTestsNodeDialog)dialog).robustTest.setSelectedItem("htz");
        assertEquals("htz", NodeHarness.saveDialog(dialog).getString(MixedModelTestsSettings.ROBUST_TEST));
        // Kenward-Roger-Linear is offered wherever Kenward-Roger is
        List<String> offered = new java.util.ArrayList<>();
        for (int i = 0; i < ((MixedModelTestsNodeDialog)dialog).dfMethod.getItemCount(); i++) {
            offered.add(((MixedModelTestsNodeDialog)dialog).dfMethod.getItemAt(i));
        }
        assertTrue(offered.containsAll(List.of("kenward-roger", "kenward-roger-linear")), offered.toString());
        ((MixedModelTestsNodeDialog)dialog).robustTest.setSelectedItem("eigen");
        assertEquals(1, DialogRendering.render(dialog, "tests"));
        assertTrue(new File("target/dialogs/tests-options.png").length() > 500);
    }

    static NodeHarness<MixedModelTestsNodeModel> robust(final String vcov, final String robustTest)
        throws InvalidSettingsException {
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.vcov = vcov;
        s.robustTest = robustTest;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        return h;
    }

    /**
     * clubSandwich's HTZ test (Wald_test(..., test = "HTZ") with CR2) of RACE in the MMRM fev_gls_us_robust through the
     * Type III table: F and denominator df at 1e-3 (the CLI's tolerance); the "Robust test" column says htz, eigen
     * for the default test, and is missing with the model-based covariance; HTZ without a sandwich is refused.
     */
    @Test
    void htzTestMatchesClubSandwich() throws Exception {
        ReferenceCase c = ReferenceCase.load("fev_gls_us_robust");
        FitResult fit = LinearMixedModel.fit(c.string("formula") + " + " + c.string("residual"), c.data(),
            new FitOptions(FitOptions.Method.REML, java.util.Map.of("SEX", "Male")));
        MixedModelPortObject model = new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        BufferedDataTable htz = (BufferedDataTable)robust("empirical-cr2", "htz").execute(model, data)[0];
        int race = KnimeTables.strings(htz, "Term").indexOf("RACE");
        JsonObject expected = c.objects("robust_wald_tests_cr2").stream()
            .filter(e -> e.get("term").getAsString().equals("RACE")).findFirst().orElseThrow().getAsJsonObject("htz");
        assertClose(expected.get("F").getAsDouble(), KnimeTables.doubles(htz, "F")[race], 1e-3, "HTZ F");
        assertClose(expected.get("dendf").getAsDouble(), KnimeTables.doubles(htz, "DenDF")[race], 1e-3, "HTZ den df");
        assertEquals(expected.get("numdf").getAsDouble(), KnimeTables.doubles(htz, "NumDF")[race]);
        assertEquals(List.of("htz"), KnimeTables.strings(htz, "Robust test").stream().distinct().toList());

        BufferedDataTable eigen = (BufferedDataTable)robust("empirical-cr2", "eigen").execute(model, data)[0];
        assertEquals(List.of("eigen"), KnimeTables.strings(eigen, "Robust test").stream().distinct().toList());
        double eigenDf = KnimeTables.doubles(eigen, "DenDF")[race];
        assertTrue(Math.abs(eigenDf - KnimeTables.doubles(htz, "DenDF")[race]) > 1e-3 * eigenDf,
            "the eigen-contrast test is another test: den df " + eigenDf);
        BufferedDataTable plain = (BufferedDataTable)node("satterthwaite").execute(model, data)[0];
        assertTrue(KnimeTables.strings(plain, "Robust test").stream().allMatch(java.util.Objects::isNull));

        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> robust("model", "htz"));
        assertTrue(e.getMessage().contains("HTZ test is a test with a sandwich"), e.getMessage());
        InvalidSettingsException bad = assertThrows(InvalidSettingsException.class, () -> robust("empirical", "hzt"));
        assertTrue(bad.getMessage().contains("'hzt'"), bad.getMessage());
    }

    /** Kenward-Roger-Linear on an ML model is refused at execute with what to do, as Kenward-Roger is. */
    @Test
    void kenwardRogerLinearNeedsAnRemlModel() throws Exception {
        ReferenceCase c = ReferenceCase.load("crossover_ab_ba");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> node("kenward-roger-linear")
            .execute(model(c, FitOptions.ml()), KnimeTables.reference(c.string("data"))));
        assertTrue(e.getMessage().contains("REML fits only"), e.getMessage());
    }

    /** clubSandwich's CR0 and CR2 through the Type III table: for Days (1 df) F is t squared and DenDF the df. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"empirical, CR0", "empirical-cr2, CR2"})
    void sandwichTypeIIITestsMatchClubSandwich(final String vcov, final String type) throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lme_robust");
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.vcov = vcov;
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        PortObject[] out = h.execute(model(c, FitOptions.reml()), KnimeTables.reference(c.string("data")));
        BufferedDataTable anova = (BufferedDataTable)out[0];
        int days = KnimeTables.strings(anova, "Term").indexOf("Days");
        JsonObject robust = c.objects("robust").stream().filter(r -> r.get("type").getAsString().equals(type))
            .findFirst().orElseThrow();
        JsonObject t = robust.getAsJsonArray("coef_test").get(1).getAsJsonObject();
        assertEquals("Days", t.get("term").getAsString());
        double tValue = t.get("t").getAsDouble();
        // F = t^2: twice t's relative error, and t carries the SE's 1e-5
        assertClose(tValue * tValue, KnimeTables.doubles(anova, "F")[days], 2e-5, type + " F");
        assertClose(t.get("df_satterthwaite").getAsDouble(), KnimeTables.doubles(anova, "DenDF")[days], 1e-3,
            type + " den df");
        assertEquals(List.of(vcov), KnimeTables.strings(anova, "Covariance").stream().distinct().toList());
    }

    @Test
    void kenwardRogerWithASandwichIsRefusedAndOldSettingsLoadWithTheModelCovariance() throws Exception {
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.vcov = "empirical";
        s.dfMethod = "kenward-roger";
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> NodeHarness.of(new MixedModelTestsNodeFactory()).loadSettings(settings));
        assertTrue(e.getMessage().contains("Kenward-Roger adjusts the model-based covariance"), e.getMessage());

        // a workflow saved before the covariance setting existed
        NodeSettings old = new NodeSettings("model");
        old.addStringArray(MixedModelTestsSettings.SPECS);
        old.addStringArray(MixedModelTestsSettings.BY);
        old.addString(MixedModelTestsSettings.DF_METHOD, "kenward-roger");
        old.addDouble(MixedModelTestsSettings.CONFIDENCE_LEVEL, 0.95);
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        h.loadSettings(NodeHarness.xmlRoundTrip(old));
        assertEquals("model", MixedModelTestsSettings.loadFrom(h.settings()).vcov);
    }

    /** A sandwich on a model of crossed grouping factors is refused at configure time, before any refit. */
    @Test
    void sandwichOnSeveralGroupingFactorsIsRefusedAtConfigure() throws Exception {
        ReferenceCase c = ReferenceCase.load("penicillin_crossed");
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.vcov = "empirical-cr2";
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        NodeHarness<MixedModelTestsNodeModel> h = NodeHarness.of(new MixedModelTestsNodeFactory());
        h.loadSettings(settings);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> h.configure(
            model(c, FitOptions.reml()).getSpec(), KnimeTables.reference(c.string("data")).getDataTableSpec()));
        assertTrue(e.getMessage().contains("clusters by one grouping factor") && e.getMessage().contains("'plate'"),
            e.getMessage());
    }

    /** A Learner model with temperature chosen as categorical: the refit reads the table the Learner's way. */
    @Test
    void refitUsesTheLearnersCategoricalColumns() throws Exception {
        ReferenceCase c = ReferenceCase.load("cake_factor_temperature");
        var learner = NodeHarness.of(new org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory());
        NodeSettings ls = learner.settings();
        ls.addString("formula", c.string("formula").replace("factor(temperature)", "temperature"));
        ls.addBoolean("use_typed_formula", true);
        ls.addStringArray("categorical_columns", "temperature");
        learner.loadSettings(ls);
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject model = org.knime.core.node.port.PortObjectRoundTrip.saveAndLoad(learner.execute(data)[0]);
        BufferedDataTable anova = (BufferedDataTable)node("satterthwaite").execute(model, data)[0];
        List<String> terms = KnimeTables.strings(anova, "Term");
        for (JsonObject e : c.objects("anova_type3_satterthwaite")) {
            int i = terms.indexOf(e.get("term").getAsString().replace("factor(temperature)", "temperature"));
            assertTrue(i >= 0, terms + " lacks " + e);
            assertEquals(e.get("numdf").getAsDouble(), KnimeTables.doubles(anova, "NumDF")[i]);
            assertClose(e.get("dendf").getAsDouble(), KnimeTables.doubles(anova, "DenDF")[i], 1e-3, "den df");
            assertClose(e.get("F").getAsDouble(), KnimeTables.doubles(anova, "F")[i], 1e-5, "F");
        }
    }
}
