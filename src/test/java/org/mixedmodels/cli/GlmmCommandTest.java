package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * {@code fit --family binomial|poisson} through the command line against glmer (lme4 1.1-31) and its bad-input
 * messages. Tolerances are the engine's (GlmmReferenceTest, which gives the reasons): AGQ fits the (logLik
 * 1e-6 relative, estimates 1e-4, SEs and modes 1e-3); Laplace fits 1e-5, 1e-3 and 2e-2, because lme4's Laplace
 * deviance stops its PIRLS early (3e-6 relative above the converged Laplace approximation on cbpp).
 */
class GlmmCommandTest {

    private static String data(String name) {
        return ReferenceCase.root().resolve("data").resolve(name).toString();
    }

    /** The command line's arguments for a reference case (successes/trials or a plain response; offset; nAGQ). */
    static List<String> args(ReferenceCase c) {
        String rhs = c.string("formula").substring(c.string("formula").indexOf('~'));
        List<String> a = new ArrayList<>(List.of("fit", "--data", ReferenceCase.root().resolve(c.string("data")).toString(),
                "--family", c.string("family"), "--link", c.string("link"), "--nagq",
                Integer.toString((int) c.number("nAGQ")), "--format", "json"));
        String response;
        if (c.json().get("response").isJsonObject()) {
            response = c.json().getAsJsonObject("response").get("successes").getAsString();
            a.addAll(List.of("--trials", c.json().getAsJsonObject("response").get("trials").getAsString()));
        } else {
            response = c.string("response");
        }
        if (c.json().has("offset") && c.json().get("offset").isJsonPrimitive()) {
            a.addAll(List.of("--offset", c.string("offset")));
        }
        if (c.json().has("reference_levels")) {
            c.json().getAsJsonObject("reference_levels").entrySet()
                .forEach(e -> a.addAll(List.of("--reference", e.getKey() + "=" + e.getValue().getAsString())));
        }
        a.addAll(List.of("--formula", response + " " + rhs));
        return a;
    }

    private static JsonObject json(MainTest.Run r) {
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    /**
     * The Laplace fits of one scalar term, where lme4's PIRLS stops short (GlmmReferenceTest); lme4's multi-term
     * Laplace fits (grouseticks, the random slope) meet the tolerances.
     */
    private static final java.util.Set<String> LAPLACE_PIRLS_SHORT = java.util.Set.of("cbpp_binomial_laplace",
        "counts_offset_laplace", "seizure_counts_laplace");

    @ParameterizedTest
    @ValueSource(strings = {"grouseticks_poisson_laplace", "binary_random_slope_laplace", "cbpp_binomial_laplace", "cbpp_binomial_agq5", "cbpp_binomial_agq25", "counts_offset_laplace",
        "counts_offset_agq9", "cbpp_probit_agq25", "cbpp_cloglog_agq25", "responder_visits_agq9",
        "seizure_counts_laplace"})
    void matchesGlmerThroughTheCommandLine(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        JsonObject j = json(MainTest.run(args(c).toArray(String[]::new)));
        boolean laplace = LAPLACE_PIRLS_SHORT.contains(name);
        double tl = laplace ? 1e-5 : 1e-6;
        double te = laplace ? 1e-3 : 1e-4;
        double ts = laplace ? 2e-2 : 1e-3;
        assertEquals(c.string("family"), j.get("family").getAsString());
        assertEquals(c.string("link"), j.get("link").getAsString());
        assertEquals(c.number("nAGQ") == 1 ? "Laplace" : "AGQ", j.get("method").getAsString());
        assertEquals((int) c.number("nAGQ"), j.get("nAGQ").getAsInt());
        assertEquals((int) c.number("nobs"), j.get("nobs").getAsInt());
        assertEquals(0, j.get("rows_omitted").getAsInt());
        if (c.json().has("df_resid")) {
            assertEquals((int) c.number("df_resid"), j.get("df_resid").getAsInt());
        }
        // the slice's own cases (generate-glmm-slice.R) have fewer fields than the shared ones
        for (String field : new String[] {"logLik", "deviance", "AIC", "BIC", "logLik_absolute", "AIC_absolute",
            "BIC_absolute"}) {
            if (c.json().has(field)) {
                assertClose(c.number(field), j.get(field).getAsDouble(), tl, field);
            }
        }
        if (c.json().has("saturated_logLik")) {
            assertClose(c.number("saturated_logLik"), j.get("saturated_logLik").getAsDouble(), 1e-9, "saturated_logLik");
        }
        assertClose(c.number("deviance_conditional_relative"), j.get("deviance_conditional_relative").getAsDouble(),
            laplace ? 1e-3 : 1e-4, "deviance_conditional_relative");
        double[] theta = c.numbers("theta");
        JsonArray ourTheta = j.getAsJsonArray("theta");
        assertEquals(theta.length, ourTheta.size());
        double thetaSize = java.util.Arrays.stream(theta).map(Math::abs).max().orElse(1);
        for (int i = 0; i < theta.length; i++) {
            // an off-diagonal theta near 0 gets an absolute tolerance on the scale of the largest
            assertClose(theta[i], ourTheta.get(i).getAsDouble(), te, thetaSize, "theta " + i);
        }
        JsonArray fixed = j.getAsJsonArray("fixed");
        List<JsonObject> ref = c.objects("fixed");
        assertEquals(ref.size(), fixed.size());
        for (int k = 0; k < ref.size(); k++) {
            JsonObject f = fixed.get(k).getAsJsonObject();
            String term = ref.get(k).get("term").getAsString();
            assertEquals(term, f.get("term").getAsString());
            double scale = ref.get(k).get("se").getAsDouble();
            assertClose(ref.get(k).get("estimate").getAsDouble(), f.get("estimate").getAsDouble(), te, scale, term);
            assertClose(ref.get(k).get("se").getAsDouble(), f.get("se").getAsDouble(), ts, term + " se");
            if (ref.get(k).has("z")) {
                assertClose(ref.get(k).get("z").getAsDouble(), f.get("z").getAsDouble(), ts, 1, term + " z");
            }
            if (ref.get(k).has("p")) {
                // d log p / d z is about z for a normal tail: p's relative error is z^2 times z's
                double z = ref.get(k).get("z").getAsDouble();
                assertPClose(ref.get(k).get("p").getAsDouble(), f.get("p").getAsDouble(), 2 * ts * Math.max(1, z * z),
                    term + " p");
            }
        }
        JsonArray vc = j.getAsJsonArray("varcorr");
        if (c.json().has("varcorr")) {
            List<JsonObject> refVc = c.objects("varcorr");
            assertEquals(refVc.size(), vc.size());
            for (int i = 0; i < refVc.size(); i++) {
                JsonObject e = refVc.get(i);
                JsonObject got = vc.get(i).getAsJsonObject();
                assertEquals(e.get("group").getAsString(), got.get("group").getAsString());
                assertEquals(e.get("var1").getAsString(), got.get("var1").getAsString());
                assertEquals(e.get("var2").isJsonNull(), got.get("var2").isJsonNull());
                boolean variance = e.get("var2").isJsonNull();
                // variances twice theta's error; correlations absolutely (they live in [-1, 1])
                assertClose(e.get("vcov").getAsDouble(), got.get("vcov").getAsDouble(), 2 * te, thetaSize * thetaSize,
                    "vcov " + i);
                assertClose(e.get("sdcor").getAsDouble(), got.get("sdcor").getAsDouble(), 2 * te,
                    variance ? thetaSize : 1, "sdcor " + i);
            }
        }
        // conditional modes by group, term and level (the slice's own cases name only the level of their one term)
        java.util.Map<String, JsonObject> ours = new java.util.HashMap<>();
        for (var e : j.getAsJsonArray("ranef")) {
            JsonObject m = e.getAsJsonObject();
            ours.put(m.get("group").getAsString() + "|" + m.get("term").getAsString() + "|" + m.get("level").getAsString(), m);
        }
        List<JsonObject> refRanef = c.objects("ranef");
        assertEquals(refRanef.size(), ours.size());
        String onlyGroup = vc.get(0).getAsJsonObject().get("group").getAsString();
        for (JsonObject e : refRanef) {
            String key = (e.has("group") ? e.get("group").getAsString() : onlyGroup) + "|"
                + (e.has("term") ? e.get("term").getAsString() : "(Intercept)") + "|" + e.get("level").getAsString();
            JsonObject m = ours.get(key);
            assertTrue(m != null, key);
            assertClose(e.get("value").getAsDouble(), m.get("value").getAsDouble(), laplace ? 1e-2 : 1e-3, thetaSize,
                "mode " + key);
            assertClose(e.get("condsd").getAsDouble(), m.get("condsd").getAsDouble(), laplace ? 1e-2 : 1e-3,
                "condsd " + key);
        }
        JsonArray link = j.getAsJsonArray("fitted_link");
        JsonArray response = j.getAsJsonArray("fitted_response");
        JsonArray population = j.getAsJsonArray("fitted_population_response");
        assertEquals(c.number("nobs"), link.size());
        // the scenario cases (generate-glmm-scenarios.R) have every row, the others the first 25
        double[] refLink = c.numbers(c.json().has("fitted_link") ? "fitted_link" : "fitted_link_first");
        double[] refResponse = c.numbers(c.json().has("fitted_response") ? "fitted_response" : "fitted_response_first");
        double[] refPopulation = c.json().has("fitted_population_response")
            ? c.numbers("fitted_population_response") : c.json().has("fitted_population_response_first")
                ? c.numbers("fitted_population_response_first") : new double[0];
        double etaScale = 1;
        for (JsonObject f : ref) {
            etaScale = Math.max(etaScale, Math.abs(f.get("estimate").getAsDouble()));
        }
        for (int i = 0; i < refLink.length; i++) {
            assertClose(refLink[i], link.get(i).getAsDouble(), te, etaScale, "fitted_link " + i);
            assertClose(refResponse[i], response.get(i).getAsDouble(), 10 * te, "fitted_response " + i);
            if (i < refPopulation.length) {
                assertClose(refPopulation[i], population.get(i).getAsDouble(), 10 * te, "fitted_population " + i);
            }
        }
    }

    @Test
    void textIsLaidOutAsGlmersSummary() {
        MainTest.Run r = MainTest.run("fit", "--data", data("cbpp.csv"), "--formula", "incidence ~ period + (1 | herd)",
            "--family", "binomial", "--trials", "size", "--nagq", "25");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("Generalized linear mixed model fit by maximum likelihood (Adaptive Gauss-Hermite "
            + "Quadrature, nAGQ = 25)"), out);
        assertTrue(out.contains(" Family: binomial  ( logit )"), out);
        assertTrue(out.contains("AIC") && out.contains("df.resid"), out);
        assertTrue(out.contains("Number of obs: 56, groups:  herd, 15"), out);
        assertTrue(out.contains("Estimate Std. Error z value Pr(>|z|)"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("periodP4") && l.endsWith("***")), out);
        assertTrue(out.contains("marginal logLik -91.98"), out);
        // the variance to four significant digits, as lme4 prints it (0.4123 for nAGQ = 25's theta 0.6421)
        ReferenceCase c = ReferenceCase.load("cbpp_binomial_agq25");
        String variance = new java.math.BigDecimal(c.number("theta") * c.number("theta"))
            .round(new java.math.MathContext(4)).toPlainString();
        assertTrue(out.lines().anyMatch(l -> l.contains("herd") && l.contains(variance)), variance + "\n" + out);
        assertTrue(r.err().isEmpty(), r.err());
    }

    @Test
    void gaussianIsTheLinearModelUnchanged() {
        String[] base = {"fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)"};
        MainTest.Run linear = MainTest.run(base);
        String[] gaussian = java.util.stream.Stream.concat(java.util.Arrays.stream(base),
            java.util.stream.Stream.of("--family", "gaussian")).toArray(String[]::new);
        MainTest.Run same = MainTest.run(gaussian);
        assertEquals(0, linear.code(), linear.err());
        assertEquals(linear.out(), same.out());
        assertTrue(linear.out().contains("REML") && !linear.out().contains("Family:"), linear.out());
    }

    @Test
    void helpListsTheGlmmOptions() {
        MainTest.Run r = MainTest.run("fit", "--help");
        for (String flag : new String[] {"--family gaussian|binomial|poisson", "--link logit|probit|cloglog|log",
            "--trials COL", "--offset COL", "--nagq K", "--method", "--ddf"}) {
            assertTrue(r.out().contains(flag), flag + "\n" + r.out());
        }
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefusedByName() {
        String[] cbpp = {"fit", "--data", data("cbpp.csv"), "--formula", "incidence ~ period + (1 | herd)"};
        assertUsage(concat(cbpp, "--link", "logit"), "--link applies to a generalized linear mixed model");
        assertUsage(concat(cbpp, "--family", "gamma"), "--family must be gaussian, binomial or poisson");
        assertUsage(concat(cbpp, "--family", "binomial", "--trials", "size", "--link", "log"),
            "--link log does not go with --family binomial; use logit, probit, cloglog");
        assertUsage(concat(cbpp, "--family", "binomial", "--link", "identity"), "--link must be logit, probit");
        assertUsage(concat(cbpp, "--family", "poisson", "--trials", "size"), "--trials goes with --family binomial only");
        assertUsage(concat(cbpp, "--family", "binomial", "--trials", "size", "--nagq", "0"), "--nagq takes a whole number");
        assertUsage(concat(cbpp, "--family", "binomial", "--trials", "size", "--nagq", "five"), "not 'five'");
        assertUsage(concat(cbpp, "--family", "binomial", "--trials", "size", "--ddf", "kr"),
            "--ddf applies to linear mixed models only");
        assertUsage(concat(cbpp, "--family", "binomial", "--trials", "size", "--method", "reml"),
            "--method applies to linear mixed models only");
    }

    private static void assertUsage(String[] args, String message) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
        assertTrue(r.err().contains("fit --help"), r.err());
    }

    private static String[] concat(String[] a, String... b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    /** 4 groups x 3 rows; columns g, x, y, n (trials), off (offset). */
    private static String csv(Path dir, String y, String n, String off) throws IOException {
        String[] ys = y.split(",");
        String[] ns = n.split(",");
        String[] offs = off.split(",", -1);
        StringBuilder csv = new StringBuilder("g,x,y,n,off\n");
        for (int i = 0; i < 12; i++) {
            csv.append("G").append(i / 3).append(',').append(i % 3 - 1).append(',').append(ys[i]).append(',')
                .append(ns[i]).append(',').append(offs[i]).append('\n');
        }
        Path f = dir.resolve("glmm-" + Integer.toHexString(csv.toString().hashCode()) + ".csv");
        Files.writeString(f, csv);
        return f.toString();
    }

    private static final String N = "5,5,5,5,5,5,5,5,5,5,5,5";
    private static final String OFF = "0,0,0,0,0,0,0,0,0,0,0,0";

    private static String dataError(String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().isEmpty(), r.out());
        return r.err();
    }

    @Test
    void badInputGetsSpecificMessages(@TempDir Path dir) throws IOException {
        String binary = csv(dir, "0,1,1,0,2,1,0,0,1,1,0,1", N, OFF);
        String m = dataError("fit", "--data", binary, "--formula", "y ~ x + (1 | g)", "--family", "binomial");
        assertTrue(m.contains("must be 0 or 1") && m.contains("row 5") && m.contains("--trials"), m);

        String above = csv(dir, "0,1,1,0,2,1,0,6,1,1,0,1", N, OFF);
        m = dataError("fit", "--data", above, "--formula", "y ~ x + (1 | g)", "--family", "binomial", "--trials", "n");
        assertTrue(m.contains("Row 8") && m.contains("more successes") && m.contains("'n' = 5"), m);

        String negative = csv(dir, "0,1,3,0,2,-1,0,6,1,1,0,1", N, OFF);
        m = dataError("fit", "--data", negative, "--formula", "y ~ x + (1 | g)", "--family", "poisson");
        assertTrue(m.contains("must not be negative") && m.contains("row 6"), m);

        String offsetMissing = csv(dir, "0,1,3,0,2,1,0,6,1,1,0,1", N, "0,0,0.5,,0,0,0,,0,0,0,0");
        m = dataError("fit", "--data", offsetMissing, "--formula", "y ~ x + (1 | g)", "--family", "poisson", "--offset",
            "off");
        assertTrue(m.contains("offset column 'off' has 2 missing values") && m.contains("row 4")
            && m.contains("nothing is dropped silently"), m);

        m = dataError("fit", "--data", offsetMissing, "--formula", "y ~ x + (1 | g)", "--family", "poisson", "--offset",
            "exposure");
        assertTrue(m.contains("offset column 'exposure' is not in the data"), m);
    }

    @Test
    void nonIntegerCountsWarnAsGlmerAndAreKept(@TempDir Path dir) throws IOException {
        String counts = csv(dir, "0,1.5,3,0,2,1,0,6,1,1,0,4", N, OFF);
        MainTest.Run r = MainTest.run("fit", "--data", counts, "--formula", "y ~ x + (1 | g)", "--family", "poisson",
            "--format", "json");
        JsonObject j = json(r);
        assertEquals(12, j.get("nobs").getAsInt());
        assertEquals(0, j.get("rows_omitted").getAsInt());
        assertTrue(j.getAsJsonArray("warnings").toString().contains("non-integer"), j.toString());
        assertTrue(r.err().contains("Warning: non-integer"), r.err());
        MainTest.Run text = MainTest.run("fit", "--data", counts, "--formula", "y ~ x + (1 | g)", "--family", "poisson");
        assertTrue(text.out().contains("Warnings:") && text.out().contains("non-integer"), text.out());
    }

    @Test
    void rowsWithMissingValuesAreCounted(@TempDir Path dir) throws IOException {
        String counts = csv(dir, "0,1,3,,2,1,0,6,1,1,,4", N, OFF);
        MainTest.Run r = MainTest.run("fit", "--data", counts, "--formula", "y ~ x + (1 | g)", "--family", "poisson",
            "--format", "json");
        JsonObject j = json(r);
        assertEquals(10, j.get("nobs").getAsInt());
        assertEquals(12, j.get("rows_read").getAsInt());
        assertEquals(2, j.get("rows_omitted").getAsInt());
        assertTrue(j.getAsJsonArray("warnings").toString().contains("2 of 12"), j.toString());
        MainTest.Run text = MainTest.run("fit", "--data", counts, "--formula", "y ~ x + (1 | g)", "--family", "poisson");
        assertTrue(text.out().contains("(12 rows; 10 used, 2 left out for missing values)"), text.out());
        assertFalse(text.out().contains("all used"), text.out());
    }

    /**
     * compare --family: lme4's anova of glmer fits (glmm_inference.json). logLik and AIC 1e-5 relative: the binary
     * random-intercept model is a scalar-term Laplace fit, where lme4's PIRLS stops short (measured 5.6e-6); the
     * chi-square, a difference of two logLiks, 2e-4 relative (measured 7e-5).
     */
    @ParameterizedTest
    @ValueSource(strings = {"lrt_binary_slope:binary_slopes.csv:binomial", "lrt_grouseticks_location:grouseticks.csv:poisson"})
    void compareTestsNestedGlmmsAsAnova(String spec) {
        String[] p = spec.split(":");
        JsonObject ref = ReferenceCase.load("glmm_inference").json().getAsJsonObject(p[0]);
        JsonArray formulas = ref.getAsJsonArray("formulas");
        MainTest.Run r = MainTest.run("compare", "--data", data(p[1]), "--formula", formulas.get(0).getAsString(),
            "--formula", formulas.get(1).getAsString(), "--family", p[2], "--format", "json");
        JsonObject j = json(r);
        assertEquals(p[2], j.get("family").getAsString());
        for (int k = 0; k < 2; k++) {
            assertEquals(ref.getAsJsonArray("npar").get(k).getAsInt(), j.getAsJsonArray("npar").get(k).getAsInt());
            assertClose(ref.getAsJsonArray("logLik").get(k).getAsDouble(), j.getAsJsonArray("logLik").get(k).getAsDouble(),
                1e-5, "logLik " + k);
            assertClose(ref.getAsJsonArray("AIC").get(k).getAsDouble(), j.getAsJsonArray("AIC").get(k).getAsDouble(), 1e-5,
                "AIC " + k);
        }
        assertClose(ref.getAsJsonArray("Chisq").get(1).getAsDouble(), j.get("chisq").getAsDouble(), 2e-4, "chisq");
        assertEquals(ref.getAsJsonArray("Df").get(1).getAsInt(), j.get("df").getAsInt());
        // the chi-square tail: d log p / d chisq is about -1/2, so p's relative error is chisq / 2 times chisq's
        double chisq = ref.getAsJsonArray("Chisq").get(1).getAsDouble();
        assertPClose(ref.getAsJsonArray("p").get(1).getAsDouble(), j.get("p").getAsDouble(), Math.max(1, chisq / 2) * 2e-4,
            "p");
        assertEquals(2, j.getAsJsonArray("table").size());
        MainTest.Run text = MainTest.run("compare", "--data", data(p[1]), "--formula", formulas.get(0).getAsString(),
            "--formula", formulas.get(1).getAsString(), "--family", p[2]);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("Pr(>Chisq)") && text.out().contains("Model 2: " + formulas.get(1).getAsString()),
            text.out());
    }

    /**
     * fit --confint on cbpp (Laplace) against lme4's confint (glmm_inference.json): profile ends to 1e-3 of the
     * interval's width (measured 3.6e-5, GlmmInferenceTest), Wald ends to 2e-2 of the half-width (the Laplace SEs,
     * see the class comment); the SD has no Wald interval (null, as lme4's NA).
     */
    @ParameterizedTest
    @ValueSource(strings = {"profile", "wald"})
    void confidenceIntervalsAsConfint(String method) {
        MainTest.Run r = MainTest.run("fit", "--data", data("cbpp.csv"), "--formula", "incidence ~ period + (1 | herd)",
            "--family", "binomial", "--trials", "size", "--confint", method, "--format", "json");
        JsonObject j = json(r);
        assertEquals(method, j.get("confint_method").getAsString());
        JsonArray ci = j.getAsJsonArray("confint");
        List<JsonObject> ref = ReferenceCase.load("glmm_inference").objects("cbpp_confint_" + method);
        assertEquals(ref.size(), ci.size());
        for (int i = 0; i < ref.size(); i++) {
            JsonObject e = ref.get(i);
            JsonObject got = ci.get(i).getAsJsonObject();
            assertEquals(e.get("parameter").getAsString(), got.get("parameter").getAsString());
            if (e.get("lower").getAsJsonPrimitive().isString()) {
                assertTrue(got.get("lower").isJsonNull() && got.get("upper").isJsonNull(), "NA as lme4: " + got);
                continue;
            }
            double width = e.get("upper").getAsDouble() - e.get("lower").getAsDouble();
            double tol = method.equals("profile") ? 1e-3 * width : 2e-2 * width / 2;
            assertEquals(e.get("lower").getAsDouble(), got.get("lower").getAsDouble(), tol, "lower " + i);
            assertEquals(e.get("upper").getAsDouble(), got.get("upper").getAsDouble(), tol, "upper " + i);
        }
        MainTest.Run text = MainTest.run("fit", "--data", data("cbpp.csv"), "--formula", "incidence ~ period + (1 | herd)",
            "--family", "binomial", "--trials", "size", "--confint", method, "--conf-level", "0.9");
        assertTrue(text.out().contains((method.equals("profile") ? "Profile" : "Wald") + " confidence intervals (90%)")
            && text.out().contains("5 %") && text.out().contains("95 %"), text.out());
    }
}
