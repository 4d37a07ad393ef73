package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The {@code icc} and {@code design-effect} commands on the bundled reference data, their JSON checked field by field
 * against the reference cases ({@code ratings_icc_forms}: psych 2.2.9; {@code radiomics_icc}: lme4 REML;
 * {@code design_effect}). Tolerances are the reference README's 1e-6 relative for estimates (p-values on the log
 * scale below 1e-10, see {@link org.mixedmodels.engine.testing.Tolerance#assertPClose}); the JSON writer prints
 * doubles that read back exactly, so the engine's tolerances carry over unchanged.
 */
class IccCommandTest {

    private static final double REL = 1e-6;
    private static final List<String> FORM_FIELDS = List.of("type", "icc", "F", "df1", "df2", "p", "lower", "upper",
            "interpretation");
    private static final List<String> MIXED_FIELDS = List.of("var_between", "var_within", "icc", "lower", "upper");
    private static final List<String> DE_FIELDS = List.of("icc", "mean_cluster_size", "cv_cluster_size",
            "design_effect", "design_effect_unequal", "n", "effective_n");

    private static String data(String name) {
        return ReferenceCase.root().resolve("data").resolve(name).toString();
    }

    private static String icc(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, IccCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String designEffect(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, IccCommand.runDesignEffect(args, new PrintStream(out, true, StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    @Test
    void iccWithRaterGivesThePsychFormsAndTheMixedModel() {
        ReferenceCase c = ReferenceCase.load("ratings_icc_forms");
        JsonObject j = json(icc("icc", "--data", data("ratings_long.csv"), "--subject", "subject", "--value", "rating",
                "--rater", "rater", "--bootstrap", "200", "--seed", "5", "--format", "json"));
        JsonArray forms = j.getAsJsonArray("forms");
        List<JsonObject> expected = c.objects("forms");
        assertEquals(6, forms.size());
        for (int i = 0; i < 6; i++) {
            JsonObject f = forms.get(i).getAsJsonObject();
            JsonObject e = expected.get(i);
            assertEquals(FORM_FIELDS, List.copyOf(f.keySet()));
            String type = e.get("type").getAsString();
            assertEquals(type, f.get("type").getAsString());
            for (String field : List.of("icc", "F", "lower", "upper")) {
                assertClose(e.get(field).getAsDouble(), f.get(field).getAsDouble(), REL, type + " " + field);
            }
            assertEquals(e.get("df1").getAsDouble(), f.get("df1").getAsDouble(), 0.0, type + " df1");
            assertEquals(e.get("df2").getAsDouble(), f.get("df2").getAsDouble(), 0.0, type + " df2");
            assertPClose(e.get("p").getAsDouble(), f.get("p").getAsDouble(), REL, type + " p");
            assertEquals(e.get("icc").getAsDouble() > 0.9 ? "excellent" : "good", f.get("interpretation").getAsString());
        }
        List<String> types = forms.asList().stream().map(f -> f.getAsJsonObject().get("type").getAsString()).toList();
        assertEquals(List.of("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"), types);
        JsonObject mm = j.getAsJsonObject("mixed_model");
        assertTrue(mm.keySet().containsAll(MIXED_FIELDS), mm.keySet().toString());
        // balanced data: the REML ICC is ICC1
        assertClose(expected.get(0).get("icc").getAsDouble(), mm.get("icc").getAsDouble(), REL, "mixed-model ICC");
        assertEquals(200, mm.get("bootstrap_replicates").getAsInt());
        assertEquals(5, mm.get("seed").getAsLong());
        assertEquals(4, j.get("raters").getAsInt());
        assertEquals(20, j.get("subjects").getAsInt());
    }

    @Test
    void iccWithoutRaterGivesTheLme4VarianceComponents() {
        ReferenceCase c = ReferenceCase.load("radiomics_icc");
        String[] args = {"--data", data("radiomics_retest.csv"), "--subject", c.string("subject"), "--value",
            c.string("value"), "--seed", "11", "--bootstrap", "300", "--format", "json"};
        JsonObject j = json(icc(args));
        assertFalse(j.has("forms"));
        JsonObject mm = j.getAsJsonObject("mixed_model");
        assertClose(c.number("var_between"), mm.get("var_between").getAsDouble(), REL, "var_between");
        assertClose(c.number("var_within"), mm.get("var_within").getAsDouble(), REL, "var_within");
        assertClose(c.number("icc"), mm.get("icc").getAsDouble(), REL, "icc");
        double lower = mm.get("lower").getAsDouble();
        double upper = mm.get("upper").getAsDouble();
        assertTrue(0 <= lower && lower < mm.get("icc").getAsDouble() && mm.get("icc").getAsDouble() < upper && upper <= 1);
        assertEquals(136, j.get("nobs").getAsInt());
        assertEquals(45, j.get("subjects").getAsInt());
        // deterministic for a seed
        JsonObject again = json(icc(args)).getAsJsonObject("mixed_model");
        assertEquals(lower, again.get("lower").getAsDouble(), 0.0);
        assertEquals(upper, again.get("upper").getAsDouble(), 0.0);
    }

    @Test
    void bootstrapZeroLeavesTheIntervalOut() {
        JsonObject mm = json(icc("--data", data("radiomics_retest.csv"), "--subject", "patient", "--value", "feature",
                "--bootstrap", "0", "--format", "json")).getAsJsonObject("mixed_model");
        assertTrue(mm.get("lower").isJsonNull());
        assertTrue(mm.get("upper").isJsonNull());
        assertEquals(0, mm.get("bootstrap_replicates").getAsInt());
    }

    @Test
    void iccTextNamesTheFormsAndTheInterval() {
        String text = icc("icc", "--data", data("ratings_long.csv"), "--subject", "subject", "--value", "rating",
                "--rater", "rater", "--bootstrap", "50");
        for (String part : new String[] {"ICC1", "ICC3k", "excellent", "Mixed model (REML)", "rating ~ 1 + (1 | subject)",
            "95% interval", "parametric bootstrap percentile", "seed " + org.mixedmodels.engine.reliability.MixedModelIcc.DEFAULT_SEED}) {
            assertTrue(text.contains(part), "text lacks '" + part + "':\n" + text);
        }
    }

    @Test
    void designEffectOfTheMiceCages() {
        JsonObject mice = ReferenceCase.load("design_effect").json().getAsJsonObject("mice");
        JsonObject j = json(designEffect("design-effect", "--data", data("mice_cages.csv"), "--cluster", "cage",
                "--value", "weight_g", "--fixed", "treatment", "--format", "json"));
        assertTrue(j.keySet().containsAll(DE_FIELDS), j.keySet().toString());
        for (String field : List.of("icc", "mean_cluster_size", "n", "design_effect", "effective_n")) {
            assertClose(mice.get(field).getAsDouble(), j.get(field).getAsDouble(), REL, field);
        }
        assertEquals(0.0, j.get("cv_cluster_size").getAsDouble(), 0.0);
        assertEquals(j.get("design_effect").getAsDouble(), j.get("design_effect_unequal").getAsDouble(), 0.0);
    }

    @Test
    void designEffectPlanningIsTheWorkedExample() {
        JsonObject w = ReferenceCase.load("design_effect").json().getAsJsonObject("worked_example");
        JsonObject j = json(designEffect("--icc", "0.15", "--cluster-size", "5", "--n", "40", "--format", "json"));
        assertTrue(j.keySet().containsAll(DE_FIELDS), j.keySet().toString());
        assertEquals(1.6, j.get("design_effect").getAsDouble(), 0.0);
        assertEquals(25.0, j.get("effective_n").getAsDouble(), 0.0);
        for (String field : List.of("icc", "mean_cluster_size", "n", "design_effect", "effective_n")) {
            assertEquals(w.get(field).getAsDouble(), j.get(field).getAsDouble(), 0.0, field);
        }
        JsonObject unequal = json(designEffect("--icc", "0.15", "--cluster-size", "5", "--n", "40", "--cv", "0.5",
                "--format", "json"));
        assertEquals(1 + (1.25 * 5 - 1) * 0.15, unequal.get("design_effect_unequal").getAsDouble(), 1e-15);
        String text = designEffect("--icc=0.15", "--cluster-size=5", "--n=40");
        assertTrue(text.contains("design effect (Kish)        1.6, effective n 25"), text);
    }

    @Test
    void badOptionsNameTheOption() {
        String d = data("radiomics_retest.csv");
        assertOption(() -> icc("--data", d, "--value", "feature"), "--subject");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value", "feature", "--seed", "x"), "--seed");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value", "feature", "--bootstrap", "-5"),
                "--bootstrap");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value", "feature", "--format", "xml"), "--format");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value", "feature", "--conf-level", "95"),
                "--conf-level");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value", "feature", "--cluster", "x"), "--cluster");
        assertOption(() -> icc("--data", d, "--subject", "patient", "--value"), "--value");
        assertOption(() -> designEffect("--icc", "1.5", "--cluster-size", "5", "--n", "40"), "--icc");
        assertOption(() -> designEffect("--icc", "0.1", "--cluster-size", "0", "--n", "40"), "--cluster-size");
        assertOption(() -> designEffect("--icc", "0.1", "--cluster-size", "5"), "--n");
        assertOption(() -> designEffect("--icc", "0.1", "--cluster-size", "5", "--n", "40", "--data", d), "--data");
        assertOption(() -> designEffect("--format", "json"), "--data");
    }

    @Test
    void dataProblemsAreEngineErrors() {
        MixedModelException e = assertThrows(MixedModelException.class, () -> icc("--data", data("ratings_long.csv"),
                "--subject", "subject", "--value", "rater"));
        assertTrue(e.getMessage().contains("not numeric"), e.getMessage());
        e = assertThrows(MixedModelException.class, () -> icc("--data", data("no_such_file.csv"), "--subject", "s",
                "--value", "v"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private static void assertOption(org.junit.jupiter.api.function.Executable run, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().contains(option), "message lacks '" + option + "': " + e.getMessage());
    }
}
