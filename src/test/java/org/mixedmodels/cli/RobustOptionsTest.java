package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The CLI's --vcov and --ddf kenward-roger-linear options and the progress lines of long fits: the JSON names the
 * covariance used, its SEs are clubSandwich's (sleepstudy_lme_robust, 1e-4), the text output says which sandwich.
 */
class RobustOptionsTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String sleepstudy() {
        return ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString();
    }

    @Test
    void vcovEmpiricalCr2() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lme_robust");
        Run r = run("fit", "--data", sleepstudy(), "--formula", c.string("formula"), "--vcov", "empirical-cr2",
                "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("empirical-cr2", json.get("vcov").getAsString());
        JsonObject days = json.getAsJsonArray("fixed").get(1).getAsJsonObject();
        JsonObject expected = c.objects("robust").get(1).getAsJsonArray("coef_test").get(1).getAsJsonObject();
        assertClose(expected.get("se").getAsDouble(), days.get("se").getAsDouble(), 1e-4, "CR2 se");
        assertClose(expected.get("df_satterthwaite").getAsDouble(), days.get("df").getAsDouble(), 1e-3, "CR2 df");
        Run text = run("fit", "--data", sleepstudy(), "--formula", c.string("formula"), "--vcov", "empirical");
        assertTrue(text.out().contains("covariance: empirical (CR0"), text.out());
        Run model = run("fit", "--data", sleepstudy(), "--formula", c.string("formula"), "--format", "json");
        assertEquals("model", JsonParser.parseString(model.out()).getAsJsonObject().get("vcov").getAsString());
        Run bad = run("fit", "--data", sleepstudy(), "--formula", c.string("formula"), "--vcov", "sandwich");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("choose model, empirical or empirical-cr2"), bad.err());
        Run kr = run("fit", "--data", sleepstudy(), "--formula", c.string("formula"), "--vcov", "empirical",
                "--ddf", "kenward-roger");
        assertEquals(1, kr.code());
        assertTrue(kr.err().contains("Kenward-Roger adjusts the model-based covariance"), kr.err());
    }

    /**
     * A sandwich on random effects of several grouping factors (crossed or nested) is refused before the data are
     * read: the message names both factors even when the data file does not exist; one factor is accepted.
     */
    @Test
    void severalGroupingFactorsAreRefusedUpFront() {
        String missing = ReferenceCase.root().resolve("data").resolve("no-such-file.csv").toString();
        for (String command : new String[] {"fit", "emmeans"}) {
            for (String formula : new String[] {"y ~ x + (1 | a) + (1 | b)", "y ~ x + (1 | a/b)"}) {
                Run r = command.equals("fit") ? run("fit", "--data", missing, "--formula", formula, "--vcov", "empirical")
                        : run("emmeans", "--data", missing, "--formula", formula, "--specs", "x", "--vcov",
                                "empirical-cr2");
                assertEquals(1, r.code(), r.err());
                assertTrue(r.err().contains("clusters by one grouping factor") && r.err().contains("'a'"), r.err());
            }
        }
        Run kr = run("fit", "--data", missing, "--formula", "y ~ x + (1 | a)", "--vcov", "empirical", "--ddf", "kr");
        assertEquals(1, kr.code());
        assertTrue(kr.err().contains("Kenward-Roger adjusts the model-based covariance"), kr.err());
        Run one = run("fit", "--data", missing, "--formula", "y ~ x + (1 | a)", "--vcov", "empirical");
        assertTrue(!one.err().contains("grouping factor"), "one factor passes the check and reaches the data: "
                + one.err());
    }

    /**
     * --robust-test htz: the Type III test of RACE (no interaction, so its two coefficients = 0) is clubSandwich's HTZ
     * test (fev_gls_us_robust, F and df 1e-3); the JSON says which test; HTZ without a sandwich is refused up front.
     */
    @Test
    void htzTypeIIITests() {
        ReferenceCase c = ReferenceCase.load("fev_gls_us_robust");
        String fev = ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv").toString();
        String formula = c.string("formula") + " + " + c.string("residual");
        Run r = run("fit", "--data", fev, "--formula", formula, "--reference", "SEX=Male", "--vcov", "empirical-cr2",
                "--robust-test", "htz", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("htz", json.get("robust_test").getAsString());
        JsonObject race = json.getAsJsonArray("anova_type3").asList().stream().map(e -> e.getAsJsonObject())
                .filter(e -> e.get("term").getAsString().equals("RACE")).findFirst().orElseThrow();
        JsonObject expected = c.objects("robust_wald_tests_cr2").stream()
                .filter(e -> e.get("term").getAsString().equals("RACE")).findFirst().orElseThrow().getAsJsonObject("htz");
        assertClose(expected.get("F").getAsDouble(), race.get("F").getAsDouble(), 1e-3, "HTZ F");
        assertClose(expected.get("dendf").getAsDouble(), race.get("dendf").getAsDouble(), 1e-3, "HTZ den df");
        Run text = run("fit", "--data", fev, "--formula", formula, "--vcov", "empirical-cr2", "--robust-test", "htz");
        assertTrue(text.out().contains("HTZ tests, clubSandwich"), text.out());
        Run eigen = run("fit", "--data", fev, "--formula", formula, "--vcov", "empirical", "--format", "json");
        assertEquals("eigen", JsonParser.parseString(eigen.out()).getAsJsonObject().get("robust_test").getAsString());
        Run model = run("fit", "--data", "no-such-file.csv", "--formula", formula, "--robust-test", "htz");
        assertEquals(1, model.code());
        assertTrue(model.err().contains("HTZ test is a test with a sandwich"), model.err());
        Run bad = run("fit", "--data", fev, "--formula", formula, "--robust-test", "hta");
        assertEquals(2, bad.code());
    }

    @Test
    void kenwardRogerLinearIsAccepted() {
        Run r = run("fit", "--data", sleepstudy(), "--formula", "Reaction ~ Days + (Days | Subject)", "--ddf",
                "kenward-roger-linear", "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertEquals("kenward-roger-linear", JsonParser.parseString(r.out()).getAsJsonObject().get("ddf").getAsString());
    }

    @Test
    void progressLinesAfterTheQuietPeriod() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FitProgress quiet = new FitProgress(new PrintStream(err, true, StandardCharsets.UTF_8));
        for (int i = 1; i <= 120; i++) {
            quiet.objectiveEvaluated(i, 100.0 / i);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8), "nothing within the first seconds");
        FitProgress now = new FitProgress(new PrintStream(err, true, StandardCharsets.UTF_8), 0);
        for (int i = 1; i <= 120; i++) {
            now.objectiveEvaluated(i, 100.0 / i);
        }
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, err.toString(StandardCharsets.UTF_8));
        assertTrue(lines[0].contains("evaluation 50, criterion 2.000000"), lines[0]);
        assertTrue(lines[1].contains("evaluation 100, criterion 1.000000, change -1.00"), lines[1]);
    }

    /** A line-search trial outside the parameter space (criterion +Inf) is named, and the change skips it. */
    @Test
    void progressLinesSkipANonFiniteCriterion() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FitProgress progress = new FitProgress(new PrintStream(err, true, StandardCharsets.UTF_8), 0);
        for (int i = 1; i <= 150; i++) {
            progress.objectiveEvaluated(i, i == 100 ? Double.POSITIVE_INFINITY : 100.0 / i);
        }
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length, err.toString(StandardCharsets.UTF_8));
        assertTrue(lines[1].endsWith("evaluation 100, trial step outside the parameter space"), lines[1]);
        // against evaluation 50's 2.0, not against the infinite trial
        assertTrue(lines[2].contains("evaluation 150, criterion 0.666667, change -1.33"), lines[2]);
    }

    /**
     * A Newton fit (fev_data's ar1: few evaluations, each with the exact Hessian) under a clock that advances 4 s per
     * evaluation: a line comes every 10 s although far fewer than 50 evaluations pass, each with the criterion the optimizer saw at that evaluation.
     */
    @Test
    void progressLinesOfANewtonFitWithSlowEvaluations() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long[] now = {0};
        java.util.List<Double> seen = new java.util.ArrayList<>();
        FitProgress progress = new FitProgress(new PrintStream(err, true, StandardCharsets.UTF_8), 3, () -> now[0]);
        org.mixedmodels.engine.fit.FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit(
                org.mixedmodels.engine.design.Design.build(org.mixedmodels.engine.formula.FormulaParser.parse(
                        "FEV1 ~ ARMCD * AVISIT + toeph(AVISIT | USUBJID)"),
                        org.mixedmodels.engine.data.CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv")), java.util.Map.of()),
                org.mixedmodels.engine.fit.FitOptions.reml(), (evaluation, objective) -> {
                    now[0] += 4_000_000_000L;
                    seen.add(objective);
                    progress.objectiveEvaluated(evaluation, objective);
                });
        assertEquals("Newton", fit.optimizer().optimizer(), fit.optimizer().message());
        assertEquals(fit.optimizer().evaluations(), seen.size());
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        // evaluations at 4, 8, 12, ... s: a line once 10 s have passed since the last: evaluations 3 (12 s), 6, 9, ...
        assertTrue(seen.size() >= 6, "evaluations " + seen.size());
        assertEquals(seen.size() / 3, lines.length, err.toString(StandardCharsets.UTF_8));
        for (int l = 0; l < lines.length; l++) {
            int evaluation = 3 * (l + 1);
            assertTrue(lines[l].startsWith(String.format(java.util.Locale.ROOT, "fit: %.1f s, evaluation %d, criterion %.6f",
                    4.0 * evaluation, evaluation, seen.get(evaluation - 1))), lines[l]);
        }
    }
}
