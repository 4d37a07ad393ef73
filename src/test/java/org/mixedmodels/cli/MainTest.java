package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The command line, run in-process: exit codes, the JSON contract, the text summary and error messages. */
class MainTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String data(String name) {
        return ReferenceCase.root().resolve("data").resolve(name).toString();
    }

    @Test
    void jsonHasTheReferenceFieldsAndValues() {
        ReferenceCase c = ReferenceCase.load("orthodont_crosslevel_male_reference");
        Run r = run("fit", "--data", data("orthodont.csv"), "--formula", c.string("formula"), "--reference", "Sex=Male",
                "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        for (String field : new String[] {"nobs", "ngroups", "theta", "sigma", "logLik", "objective", "AIC", "BIC", "singular",
                "fixed", "varcorr", "ranef", "fitted_conditional", "fitted_population", "warnings"}) {
            assertTrue(json.has(field), "field " + field);
        }
        assertEquals(108, json.get("nobs").getAsInt());
        assertEquals(27, json.getAsJsonObject("ngroups").get("Subject").getAsInt());
        assertClose(c.number("logLik"), json.get("logLik").getAsDouble(), 1e-6, "logLik");
        JsonArray fixed = json.getAsJsonArray("fixed");
        assertEquals("age:SexFemale", fixed.get(3).getAsJsonObject().get("term").getAsString());
        assertClose(-0.304829545454467, fixed.get(3).getAsJsonObject().get("estimate").getAsDouble(), 1e-6, "estimate");
        JsonObject residual = json.getAsJsonArray("varcorr").get(3).getAsJsonObject();
        assertEquals("Residual", residual.get("group").getAsString());
        assertTrue(residual.get("var1").isJsonNull());
        assertEquals(108, json.getAsJsonArray("fitted_conditional").size());
        JsonObject ranef = json.getAsJsonArray("ranef").get(0).getAsJsonObject();
        assertEquals("Subject", ranef.get("group").getAsString());
        assertTrue(ranef.has("condsd"));
    }

    @Test
    void residualStructureInJsonFollowsTheGivenVisitOrder() {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        String formula = c.string("formula") + " + " + c.string("residual");
        Run r = run("fit", "--data", data("mmrm_trial.csv"), "--formula", formula, "--level-order",
                "visit=WEEK2,WEEK4,WEEK8,WEEK12", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertClose(c.number("logLik"), json.get("logLik").getAsDouble(), 1e-7, "logLik");
        assertClose(c.number("BIC"), json.get("BIC").getAsDouble(), 1e-7, "BIC");
        JsonObject structure = json.getAsJsonObject("residual_structure");
        assertEquals("us", structure.get("type").getAsString());
        assertEquals(c.json().getAsJsonArray("visit_order"), structure.getAsJsonArray("visits"));
        JsonArray expected = c.json().getAsJsonArray("covariance_matrix_full_subject");
        JsonArray ours = structure.getAsJsonArray("covariance");
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertClose(expected.get(i).getAsJsonArray().get(j).getAsDouble(),
                        ours.get(i).getAsJsonArray().get(j).getAsDouble(), 1e-4, 1.0, "covariance " + i + "," + j);
            }
            assertClose(expected.get(i).getAsJsonArray().get(i).getAsDouble(),
                    structure.getAsJsonArray("variances").get(i).getAsDouble(), 1e-4, "variance " + i);
        }
        assertEquals("visitWEEK4", json.getAsJsonArray("fixed").get(3).getAsJsonObject().get("term").getAsString());
        assertEquals(0, json.getAsJsonArray("warnings").size(), json.getAsJsonArray("warnings").toString());

        Run sorted = run("fit", "--data", data("mmrm_trial.csv"), "--formula", formula, "--format", "json");
        JsonObject unordered = JsonParser.parseString(sorted.out()).getAsJsonObject();
        assertEquals("WEEK12", unordered.getAsJsonObject("residual_structure").getAsJsonArray("visits").get(0).getAsString());
        assertTrue(unordered.getAsJsonArray("warnings").toString().contains("--level-order visit=WEEK2,WEEK4,WEEK8,WEEK12"),
                unordered.getAsJsonArray("warnings").toString());

        Run ar1 = run("fit", "--data", data("qtcf.csv"), "--formula", "QTcF ~ dose * time_h + (1 | animal) + ar1(visit | animal)",
                "--ddf", "kenward-roger", "--confint", "wald");
        assertEquals(0, ar1.code(), ar1.err());
        Run profile = run("fit", "--data", data("qtcf.csv"), "--formula", "QTcF ~ dose * time_h + ar1(visit | animal)",
                "--confint", "profile");
        assertEquals(1, profile.code());
        assertTrue(profile.err().contains("use Wald intervals"), profile.err());
        assertTrue(ar1.out().contains("Residual covariance: ar1(visit | animal)") && ar1.out().contains("phi = 0.5891"), ar1.out());
    }

    @Test
    void emmeansByVisitGivesTheArmDifferenceAtEachVisit() {
        Run r = run("emmeans", "--data", data("mmrm_trial.csv"), "--formula",
                "change ~ baseline + arm * visit + us(visit | subject)", "--level-order", "visit=WEEK2,WEEK4,WEEK8,WEEK12",
                "--specs", "arm", "--by", "visit", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonArray pairs = json.getAsJsonArray("pairs");
        assertEquals(4, pairs.size(), r.out());
        JsonObject week4 = pairs.get(1).getAsJsonObject();
        assertEquals("active - placebo", week4.get("contrast").getAsString());
        assertEquals("WEEK4", week4.get("by").getAsString());
        // active - placebo at WEEK4 = -(armplacebo + armplacebo:visitWEEK4) of mmrm_us (nlme)
        assertClose(-(0.0625074670809456 + 1.75326964595715), week4.get("estimate").getAsDouble(), 1e-4, 1.0, "difference");
        Run both = run("emmeans", "--data", data("mmrm_trial.csv"), "--formula", "change ~ arm * visit + us(visit | subject)",
                "--specs", "arm", "--by", "arm");
        assertEquals(1, both.code());
        assertTrue(both.err().contains("both a factor to compare and a by factor"), both.err());
    }

    @Test
    void reliabilityCommandsRunThroughMain() {
        Run icc = run("icc", "--data", data("ratings_long.csv"), "--subject", "subject", "--value", "rating", "--rater",
                "rater", "--bootstrap", "50", "--format", "json");
        assertEquals(0, icc.code(), icc.err());
        JsonObject json = JsonParser.parseString(icc.out()).getAsJsonObject();
        assertEquals(6, json.getAsJsonArray("forms").size());
        assertTrue(json.getAsJsonObject("mixed_model").has("var_between"));
        Run de = run("design-effect", "--icc", "0.15", "--cluster-size", "5", "--n", "40", "--format", "json");
        assertEquals(0, de.code(), de.err());
        assertEquals(1.6, JsonParser.parseString(de.out()).getAsJsonObject().get("design_effect").getAsDouble(), 1e-12);
        Run bad = run("design-effect", "--icc", "1.5", "--cluster-size", "5", "--n", "40");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--icc"), bad.err());
    }

    @Test
    void jointCommandRunsThroughMain() {
        Run r = run("joint", "--long", data("aids_long.csv"), "--surv", data("aids_survival.csv"), "--long-formula",
                "CD4 ~ obstime + obstime:drug + (obstime | patient)", "--time-var", "obstime", "--surv-time", "Time",
                "--event", "death", "--surv-formula", "~ drug", "--baseline", "weibull", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertClose(ReferenceCase.load("aids_joint_weibull").number("logLik"), json.get("logLik").getAsDouble(), 1e-4,
                "logLik");
        Run bad = run("joint", "--long", data("aids_long.csv"));
        assertEquals(2, bad.code());
    }

    @Test
    void levelOrderErrorsNameTheProblem() {
        String formula = "change ~ arm * visit + us(visit | subject)";
        Run missing = run("fit", "--data", data("mmrm_trial.csv"), "--formula", formula, "--level-order",
                "visit=WEEK2,WEEK4,WEEK8");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("Level 'WEEK12' of column 'visit' is not in the level order given"), missing.err());
        Run malformed = run("fit", "--data", data("mmrm_trial.csv"), "--formula", formula, "--level-order", "visit");
        assertEquals(2, malformed.code());
        assertTrue(malformed.err().contains("--level-order takes COLUMN=LEVEL1,LEVEL2"), malformed.err());
        Run numeric = run("fit", "--data", data("mmrm_trial.csv"), "--formula", formula, "--level-order", "baseline=1,2");
        assertEquals(1, numeric.code());
        assertTrue(numeric.err().contains("level orders apply to categorical columns"), numeric.err());
    }

    @Test
    void inferenceFieldsFollowTheDfMethod() {
        ReferenceCase c = ReferenceCase.load("nf1_lesions");
        Run r = run("fit", "--data", data("nf1_lesions.csv"), "--formula", c.string("formula"), "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("satterthwaite", json.get("ddf").getAsString());
        JsonObject age = json.getAsJsonArray("fixed").get(1).getAsJsonObject();
        assertClose(56.5768472347764, age.get("df").getAsDouble(), 1e-3, "df");
        assertClose(0.00139840498800933, age.get("p").getAsDouble(), 1e-3, "p");
        assertTrue(age.get("lower").getAsDouble() < age.get("estimate").getAsDouble());
        JsonObject subtype = json.getAsJsonArray("anova_type3").get(1).getAsJsonObject();
        assertEquals("subtype", subtype.get("term").getAsString());
        assertEquals(2, subtype.get("numdf").getAsInt());
        assertClose(4.12632359495033, subtype.get("F").getAsDouble(), 1e-5, "F");

        Run z = run("fit", "--data", data("nf1_lesions.csv"), "--formula", c.string("formula"), "--format", "json",
                "--ddf", "none", "--conf-level", "0.9");
        JsonObject zAge = JsonParser.parseString(z.out()).getAsJsonObject().getAsJsonArray("fixed").get(1).getAsJsonObject();
        assertTrue(zAge.get("df").isJsonNull(), "infinite df is written as null");
        assertEquals(2, run("fit", "--data", data("nf1_lesions.csv"), "--formula", c.string("formula"), "--ddf", "bogus").code());
        assertEquals(2, run("fit", "--data", data("nf1_lesions.csv"), "--formula", c.string("formula"), "--conf-level", "95").code());
        Run kr = run("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--method", "ml",
                "--ddf", "kenward-roger");
        assertEquals(1, kr.code());
        assertTrue(kr.err().contains("REML fits only"), kr.err());
    }

    @Test
    void confintAddsIntervalsForAllParameters() {
        ReferenceCase c = ReferenceCase.load("dyestuff_confint");
        Run r = run("fit", "--data", data("dyestuff.csv"), "--formula", c.string("formula"), "--format", "json",
                "--confint", "profile");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("profile", json.get("confint_method").getAsString());
        var rows = json.getAsJsonArray("confint");
        assertEquals(3, rows.size());
        JsonObject sigma = rows.get(1).getAsJsonObject();
        assertEquals("sigma", sigma.get("parameter").getAsString());
        assertClose(c.objects("profile").get(1).get("lower").getAsDouble(), sigma.get("lower").getAsDouble(), 1e-3,
                "sigma lower");
        Run wald = run("fit", "--data", data("dyestuff.csv"), "--formula", c.string("formula"), "--format", "json",
                "--confint", "wald");
        JsonObject sd = JsonParser.parseString(wald.out()).getAsJsonObject().getAsJsonArray("confint").get(0)
                .getAsJsonObject();
        assertTrue(sd.get("lower").isJsonNull(), "no Wald interval for a standard deviation, as lme4");
        Run text = run("fit", "--data", data("dyestuff.csv"), "--formula", c.string("formula"), "--confint", "profile");
        assertTrue(text.out().contains("Confidence intervals (profile, 95%):"), text.out());
        assertEquals(2, run("fit", "--data", data("dyestuff.csv"), "--formula", c.string("formula"), "--confint",
                "bootstrap").code());
    }

    @Test
    void compareGivesTheLikelihoodRatioTable() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lrt");
        Run r = run("compare", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)",
                "--formula", "Reaction ~ Days + (Days | Subject)", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(2, json.get("df").getAsInt());
        assertClose(c.number("chisq"), json.get("chisq").getAsDouble(), 1e-4, "chisq");
        assertClose(c.numbers("AIC")[1], json.getAsJsonArray("AIC").get(1).getAsDouble(), 1e-6, "AIC");
        Run text = run("compare", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ 1 + (1 | Subject)",
                "--formula", "Reaction ~ Days + (1 | Subject)", "--method", "reml");
        assertTrue(text.out().startsWith("refitting model(s) with ML (instead of REML)"), text.out());
        assertEquals(2, run("compare", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)").code());
    }

    @Test
    void textSummaryLooksLikeLme4() {
        Run r = run("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Linear mixed model fit by REML\nFormula: Reaction ~ Days + (Days | Subject)"), r.out());
        assertTrue(r.out().contains("REML criterion at convergence: 1743.6283"), r.out());
        assertTrue(r.out().contains("Number of obs: 180, groups:  Subject, 18"), r.out());
        assertTrue(r.out().contains("Residual"), r.out());
        assertTrue(r.out().contains("0.066"), "correlation shown: " + r.out());
    }

    @Test
    void mlAndSingularWarning() {
        Run r = run("fit", "--data", data("dyestuff2.csv"), "--formula", "Yield ~ 1 + (1 | Batch)", "--method", "ml",
                "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("ML", json.get("method").getAsString());
        assertTrue(json.get("singular").getAsBoolean());
        assertTrue(json.getAsJsonArray("warnings").get(0).getAsString().startsWith("boundary (singular) fit"));
    }

    @Test
    void errorsAreMessagesWithExitCodes(@TempDir Path dir) throws Exception {
        Run unknown = run("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Dayz + (1 | Subject)");
        assertEquals(1, unknown.code());
        assertEquals("Error: Unknown column 'Dayz' in the formula. The table's columns are: Reaction, Days, Subject.\n",
                unknown.err());
        assertFalse(unknown.err().contains("Exception"), "no stack trace");

        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        Run emptyRun = run("fit", "--data", empty.toString(), "--formula", "y ~ 1 + (1 | g)");
        assertEquals(1, emptyRun.code());
        assertTrue(emptyRun.err().contains("is empty"), emptyRun.err());

        Run syntax = run("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject");
        assertEquals(1, syntax.code());
        assertTrue(syntax.err().startsWith("Error: Formula syntax error at position"), syntax.err());

        assertEquals(2, run("fit", "--data", data("sleepstudy.csv")).code());
        assertTrue(run("fit", "--data", data("sleepstudy.csv")).err().contains("Missing --formula."));
        assertEquals(2, run("fit", "--bogus", "1").code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("fit", "--data", "x.csv", "--formula", "y~1", "--method", "bayes").code());
        assertEquals(2, run("fit", "--data", "x.csv", "--formula", "y~1", "--reference", "Sex").code());
        assertEquals(2, run().code());
        assertEquals(0, run("--help").code());
    }

    @Test
    void benchPrintsOneLinePerCase() {
        Run r = run("bench", "--subjects", "200", "--visits", "5", "--repeat", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[1].startsWith("longitudinal (time | subject)"), lines[1]);
        assertTrue(lines[1].contains(" 1000 ") && lines[1].contains(" 200 "), lines[1]);
        assertTrue(lines[2].startsWith("mmrm us(visit | subject)"), lines[2]);
        assertTrue(lines[2].contains(" 1000 ") && lines[2].contains(" 200 "), lines[2]);
        assertEquals(2, run("bench", "--subjects", "0").code());
    }

    /**
     * whole_process.sh gives a crossed case a second line timing ours with Satterthwaite's df against lmerTest's
     * lmer + summary + anova, and a nested case none: the script is run with a stand-in launcher and Rscript that
     * record their arguments (TIME=env: no GNU time), so what each whole command would run is checked, not timed.
     */
    @Test
    void wholeProcessScriptTimesSatterthwaiteAgainstLmerTestOnCrossedCases(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Run r = run("bench", "--suite", "--scale", "0.01", "--repeat", "1", "--case",
            "insteval-crossed,nested-1k-schools", "--write-data", dir.toString());
        assertEquals(0, r.code(), r.err());
        java.nio.file.Path calls = dir.resolve("calls.txt");
        java.nio.file.Path bin = java.nio.file.Files.createDirectories(dir.resolve("stand-in"));
        for (String tool : new String[] {"launcher", "Rscript"}) {
            java.nio.file.Path p = bin.resolve(tool);
            java.nio.file.Files.writeString(p, "#!/bin/sh\necho \"" + tool + " $*\" >> '" + calls + "'\n");
            assertTrue(p.toFile().setExecutable(true));
        }
        ProcessBuilder pb = new ProcessBuilder("sh", dir.resolve("whole_process.sh").toString());
        pb.environment().put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        pb.environment().put("LAUNCHER", bin.resolve("launcher").toString());
        pb.environment().put("TIME", "env");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        // the existing header and lines, then the crossed case's Satterthwaite line (numbers: wall seconds)
        String[] lines = out.split("\n");
        assertEquals(List.of("case", "ours_s", "lme4_s", "ratio"), List.of(lines[0].trim().split("\\s+")), out);
        List<String> names = new java.util.ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            assertEquals(4, f.length, lines[i]);
            assertTrue(f[1].matches("[0-9.]+") && f[2].matches("[0-9.]+"), lines[i]);
            names.add(f[0]);
        }
        assertEquals(List.of("insteval-crossed", "insteval-crossed/satt", "nested-1k-schools"), names, out);
        List<String> called = java.nio.file.Files.readAllLines(calls);
        assertEquals(6, called.size(), String.join("\n", called));
        String formula = "--formula y ~ service * dept + (1 | s) + (1 | d)";
        assertEquals("launcher fit --data insteval-crossed.csv " + formula + " --ddf none --format json",
            called.get(0));
        assertTrue(called.get(1).startsWith("Rscript -e suppressMessages(library(lme4));"), called.get(1));
        assertEquals("launcher fit --data insteval-crossed.csv " + formula + " --ddf satterthwaite --format json",
            called.get(2));
        assertEquals("Rscript -e suppressMessages(library(lmerTest)); d <- read.csv('insteval-crossed.csv',"
            + " stringsAsFactors = TRUE); m <- lmerTest::lmer(y ~ service * dept + (1 | s) + (1 | d), data = d);"
            + " s <- summary(m); a <- anova(m)", called.get(3));
        assertTrue(called.get(4).contains("nested-1k-schools.csv") && called.get(4).endsWith("--ddf none --format json"),
            called.get(4));
        assertTrue(called.get(5).startsWith("Rscript -e suppressMessages(library(lme4));"), called.get(5));
        // nested (one bar term) is not crossed; two bar terms are
        assertTrue(BenchSuite.cases().stream().filter(BenchSuite::crossed).map(BenchSuite.Case::name).toList()
            .containsAll(List.of("insteval-crossed", "crossed-6000x2500", "crossed-kr-100k")));
        assertTrue(BenchSuite.cases().stream().filter(BenchSuite::crossed)
            .noneMatch(c -> c.formula().contains("/") || c.glmm() != null));
    }

    /** The performance suite at 1% of its sizes (a smoke run): one line per case, and the lme4 script. */
    @Test
    void benchSuiteSmokeRunsEveryCase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Run r = run("bench", "--suite", "--scale", "0.01", "--repeat", "1", "--write-data", dir.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(18, lines.length, r.out());
        // the per-evaluation cost, then peak heap, the Satterthwaite df time, the optimizer's iterations and the
        // Kenward-Roger df time, the heap the data and fit hold after a collection
        assertTrue(lines[0].trim().endsWith("eval_ms   peak_MB      df_s  iters      kr_s   live_MB"), lines[0]);
        assertEquals(12, lines[1].trim().split("\\s+").length, lines[1]);
        for (String name : new String[] {"insteval-crossed", "nested-1k-schools", "nested-2k-schools",
            "nested-10k-schools", "nested-100k-schools",
            "crossed-6000x2500", "longitudinal-200k", "longitudinal-1m", "nested-500k", "ar1-ri-200k",
            "us-10-visits-50k", "us-10x1000-dropout", "us-30x100-dropout", "us-30x1000-dropout",
            "random-intercept-100k", "glmm-binary-20000x10", "crossed-kr-100k"}) {
            assertTrue(r.out().contains(name), name + " in " + r.out());
            assertTrue(java.nio.file.Files.exists(dir.resolve(name + ".csv")), name + ".csv");
        }
        assertTrue(java.nio.file.Files.readString(dir.resolve("lme4_bench.R")).contains("lmer(y ~ service * dept"));
        assertTrue(java.nio.file.Files.readString(dir.resolve("lme4_bench.R")).contains("lmerTest::lmer("));
        // the GLMM case (issue 21): glmer in the R script, CPU seconds too, fit --family in the whole-process script
        String rScript = java.nio.file.Files.readString(dir.resolve("lme4_bench.R"));
        assertTrue(rScript.contains("glmer(response ~ time * arm + (time | subject), family = binomial, data = d)")
            && rScript.contains("cpu_s"), rScript);
        assertTrue(java.nio.file.Files.readString(dir.resolve("whole_process.sh")).contains("fit --data"
            + " glmm-binary-20000x10.csv --formula 'response ~ time * arm + (time | subject)' --family binomial"));
        for (String line : lines) {
            if (line.startsWith("glmm-binary-20000x10")) {
                String[] f = line.trim().split("\\s+");
                assertEquals("2000", f[1], line); // 1% of 200,000 rows
                assertTrue(f[6].matches("[0-9.]+") && f[8].equals("-"), line);
            }
        }
        String wholeProcess = java.nio.file.Files.readString(dir.resolve("whole_process.sh"));
        assertTrue(wholeProcess.contains("\"$@\" fit --data nested-100k-schools.csv --formula 'y ~ x + (1 | school/student)' --ddf none"));
        assertTrue(wholeProcess.contains("fit --data nested-1k-schools.csv"), wholeProcess);
        // ours runs through the launcher next to the jar unless CLI=jar asks for java -jar
        assertTrue(wholeProcess.contains("set -- java -jar \"$JAR\"")
            && wholeProcess.contains("LAUNCHER=${LAUNCHER:-$(dirname \"$JAR\")/bin/mixed-models}"), wholeProcess);
        for (String line : lines) {
            if (line.startsWith("nested-1k-schools")) {
                assertEquals("80", line.trim().split("\\s+")[1], line); // 1% of 8,000 rows: 10 schools x 4 x 2
            }
        }
        // the header names the per-evaluation cost; random-effects cases print a number there, residual ones "-"
        assertTrue(lines[0].contains("eval_ms"), lines[0]);
        for (String line : lines) {
            if (line.startsWith("nested-10k-schools") || line.startsWith("random-intercept-100k")
                    || line.startsWith("crossed-kr-100k")) {
                assertTrue(line.trim().split("\\s+")[6].matches("[0-9.]+"), line);
                assertTrue(line.trim().split("\\s+")[10].matches("[0-9.]+"), "kr_s in " + line);
            }
        }
        assertEquals(2, run("bench", "--suite", "--case", "nope").code());
        assertEquals(2, run("bench", "--suite", "--scale", "0").code());
    }

    /** A model without fixed effects (lme4 fits it) prints under every df method and says there are no t tests. */
    @Test
    void modelWithoutFixedEffectsSaysThereAreNoTTests() {
        for (String ddf : new String[] {"satterthwaite", "kenward-roger", "none"}) {
            Run r = run("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ 0 + (1 | Subject)", "--ddf", ddf);
            assertEquals(0, r.code(), ddf + ": " + r.err());
            assertTrue(r.out().contains("no t tests"), r.out());
            assertFalse((r.out() + r.err()).contains("Rows of src"), ddf);
        }
    }
}
