package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.mixedmodels.engine.report.FitReport;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixedmodels.cli.MainTest.Run;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Issue 16's catalogue, one test per case a new user meets with the CSV files people really have and the output
 * an R or SAS user expects: each failed on the main branch before the issue (a stray '.' silently made Days a
 * factor, a semicolon export gave "Line 2 has 2 fields", ids lost their leading zeros, factor() was refused, the
 * text output had no intervals nor reference levels, z tests were labelled t, tiny p-values printed as 0.000,
 * {@code fit --help} was an error, ...).
 */
class DataInResultsOutCatalogueTest {
    @TempDir
    static Path dir;

    /** sleepstudy's lines: header and 180 rows, as in the reference data. */
    private static List<String> sleep;

    private static final String SLEEP_FORMULA = "Reaction ~ Days + (Days | Subject)";

    @BeforeAll
    static void load() throws IOException {
        sleep = Files.readAllLines(ReferenceCase.root().resolve("data").resolve("sleepstudy.csv"));
    }

    private static Run run(String... args) {
        return MainTest.run(args);
    }

    private static String write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p.toString();
    }

    private static String write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p.toString();
    }

    /** sleepstudy with cell (row, column) replaced (row 1 is the first data row). */
    private static String sleepWith(int row, int column, String cell) {
        List<String> lines = new ArrayList<>(sleep);
        String[] f = lines.get(row).split(",", -1);
        f[column] = cell;
        lines.set(row, String.join(",", f));
        return String.join("\n", lines) + "\n";
    }

    private static JsonObject json(Run r) {
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static double firstEstimate(JsonObject fit, int k) {
        return fit.getAsJsonArray("fixed").get(k).getAsJsonObject().get("estimate").getAsDouble();
    }

    private static JsonObject reference() {
        return json(run("fit", "--data", ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString(),
                "--formula", SLEEP_FORMULA, "--format", "json"));
    }

    // ---- 1. column typing ----

    @Test
    void aSasDotInANumericColumnIsRefusedNamingRowTokenAndTheOptions() throws IOException {
        String file = write("dot.csv", sleepWith(5, 1, "."));
        Run r = run("fit", "--data", file, "--formula", SLEEP_FORMULA);
        assertEquals(1, r.code(), r.out());
        String e = r.err();
        assertTrue(e.contains("Column 'Days'") && e.contains("data row 5 (line 6) holds '.'"), e);
        assertTrue(e.contains("--na \"NA,.\"") && e.contains("--categorical Days") && e.contains("factor(Days)"), e);
        // declared missing: the row is left out and counted, the covariate stays numeric (2 coefficients, not 11)
        JsonObject fit = json(run("fit", "--data", file, "--formula", SLEEP_FORMULA, "--na", "NA,.", "--format", "json"));
        assertEquals(179, fit.get("nobs").getAsInt());
        assertEquals(1, fit.get("rows_omitted").getAsInt());
        assertEquals(2, fit.getAsJsonArray("fixed").size());
        Run text = run("fit", "--data", file, "--formula", SLEEP_FORMULA, "--na", "NA,.");
        assertTrue(text.out().contains("(180 rows; 179 used, 1 left out for missing values (missing: Days 1))"), text.out());
    }

    @Test
    void theIccCommandRefusesAStrayTextInTheMeasurements() throws IOException {
        String file = write("icc.csv", "id,rater,score\n1,a,3\n1,b,4\n2,a,.\n2,b,5\n3,a,2\n3,b,2\n4,a,6\n4,b,5\n");
        Run r = run("icc", "--data", file, "--subject", "id", "--value", "score");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("data row 3 (line 4) holds '.'"), r.err());
    }

    @Test
    void nullInTheResponseNamesTheRowAndTheToken() throws IOException {
        String file = write("null.csv", sleepWith(3, 0, "NULL"));
        Run r = run("fit", "--data", file, "--formula", SLEEP_FORMULA);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("Column 'Reaction'") && r.err().contains("data row 3 (line 4) holds 'NULL'"), r.err());
        assertFalse(r.err().contains("249.56"), "no valid value quoted as the problem: " + r.err());
        assertEquals(179, json(run("fit", "--data", file, "--formula", SLEEP_FORMULA, "--na", "NA,NULL", "--format", "json"))
                .get("nobs").getAsInt());
    }

    @Test
    void aThousandsSeparatorIsNamed() throws IOException {
        Run r = run("fit", "--data", write("thousands.csv", sleepWith(2, 0, "\"1,500\"")), "--formula", SLEEP_FORMULA);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("'1,500'") && r.err().contains("thousands separator"), r.err());
    }

    @Test
    void leadingZeroIdsKeepTheirText() throws IOException {
        List<String> lines = new ArrayList<>(sleep);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            f[2] = "\"" + String.format("%03d", Integer.parseInt(f[2].replace("\"", "")) - 300) + "\"";
            lines.set(i, String.join(",", f));
        }
        JsonObject fit = json(run("fit", "--data", write("ids.csv", String.join("\n", lines)), "--formula", SLEEP_FORMULA,
                "--format", "json"));
        JsonArray ranef = fit.getAsJsonArray("ranef");
        assertEquals("008", ranef.get(0).getAsJsonObject().get("level").getAsString());
        assertClose(reference().get("logLik").getAsDouble(), fit.get("logLik").getAsDouble(), 1e-10, "same fit");
    }

    @Test
    void factorInTheFormulaMatchesLme4ThroughTheCommandLine() {
        ReferenceCase c = ReferenceCase.load("cake_factor_temperature");
        JsonObject fit = json(run("fit", "--data", ReferenceCase.root().resolve(c.string("data")).toString(), "--formula",
                c.string("formula"), "--format", "json"));
        assertEquals(c.json().get("nobs").getAsInt(), fit.get("nobs").getAsInt());
        assertClose(c.number("logLik"), fit.get("logLik").getAsDouble(), 1e-6, "logLik");
        assertClose(c.number("sigma"), fit.get("sigma").getAsDouble(), 1e-6, "sigma");
        List<JsonObject> expected = c.objects("fixed");
        JsonArray fixed = fit.getAsJsonArray("fixed");
        assertEquals(expected.size(), fixed.size());
        for (int k = 0; k < expected.size(); k++) {
            JsonObject e = expected.get(k);
            JsonObject a = fixed.get(k).getAsJsonObject();
            String term = e.get("term").getAsString();
            assertEquals(term, a.get("term").getAsString(), "R's coefficient name");
            assertClose(e.get("estimate").getAsDouble(), a.get("estimate").getAsDouble(), 1e-6, 1.0, term);
            assertClose(e.get("se").getAsDouble(), a.get("se").getAsDouble(), 1e-5, term + " se");
            assertClose(e.get("df_satterthwaite").getAsDouble(), a.get("df").getAsDouble(), 1e-3, term + " df");
            assertPClose(e.get("p_satterthwaite").getAsDouble(), a.get("p").getAsDouble(), 1e-3, term + " p");
        }
        List<JsonObject> anova = c.objects("anova_type3_satterthwaite");
        JsonArray typeIII = fit.getAsJsonArray("anova_type3");
        for (int k = 0; k < anova.size(); k++) {
            assertEquals(anova.get(k).get("term").getAsString(), typeIII.get(k).getAsJsonObject().get("term").getAsString());
            assertClose(anova.get(k).get("F").getAsDouble(), typeIII.get(k).getAsJsonObject().get("F").getAsDouble(), 1e-5,
                    "F");
        }
        // emmeans names the column as the formula does, or by itself
        JsonObject emm = json(run("emmeans", "--data", ReferenceCase.root().resolve(c.string("data")).toString(), "--formula",
                c.string("formula"), "--specs", "temperature", "--format", "json"));
        assertEquals("175", emm.getAsJsonArray("lsmeans").get(0).getAsJsonObject().get("level").getAsString());
        assertEquals(6, emm.getAsJsonArray("lsmeans").size());
        JsonObject temperature = fit.getAsJsonArray("factors").get(1).getAsJsonObject();
        assertEquals("factor(temperature)", temperature.get("variable").getAsString());
        assertEquals("175", temperature.get("reference").getAsString());
        assertEquals("numeric", temperature.get("order").getAsString());
    }

    @Test
    void categoricalOptionMakesANumericColumnAFactorWithTheSameFit() {
        ReferenceCase c = ReferenceCase.load("cake_factor_temperature");
        JsonObject fit = json(run("fit", "--data", ReferenceCase.root().resolve(c.string("data")).toString(), "--formula",
                "angle ~ recipe * temperature + (1 | recipe:replicate)", "--categorical", "temperature", "--format", "json"));
        assertEquals("temperature185", fit.getAsJsonArray("fixed").get(3).getAsJsonObject().get("term").getAsString());
        assertClose(c.number("logLik"), fit.get("logLik").getAsDouble(), 1e-6, "logLik");
        assertClose(c.objects("fixed").get(3).get("estimate").getAsDouble(), firstEstimate(fit, 3), 1e-6, 1.0, "estimate");
        Run unknown = run("fit", "--data", ReferenceCase.root().resolve(c.string("data")).toString(), "--formula",
                "angle ~ recipe + (1 | recipe:replicate)", "--categorical", "temp");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("'temp' declared categorical is not in the table"), unknown.err());
    }

    @Test
    void sameNumberWrittenTwoWaysIsNotTwoLevels() throws IOException {
        Run r = run("fit", "--data", write("twoways.csv", "y,d,g\n1,1,a\n2,1.0,a\n3,2,b\n4,2,b\n5,1,c\n6,2,c\n"), "--formula",
                "y ~ factor(d) + (1 | g)");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("'1' and '1.0', the same number written two ways"), r.err());
    }

    // ---- 2. CSV files as they come ----

    /** The European Excel export: ';', decimal comma, byte-order mark, CRLF. */
    @Test
    void semicolonExportWithDecimalCommaBomAndCrlf() throws IOException {
        StringBuilder s = new StringBuilder("\uFEFF");
        for (String line : sleep) {
            s.append(line.replace(',', ';').replace('.', ',')).append("\r\n");
        }
        String file = write("excel.csv", s.toString());
        JsonObject fit = json(run("fit", "--data", file, "--formula", SLEEP_FORMULA, "--decimal", ",", "--format", "json"));
        JsonObject ref = reference();
        assertEquals(180, fit.get("nobs").getAsInt());
        assertClose(firstEstimate(ref, 1), firstEstimate(fit, 1), 1e-10, "same Days slope");
        Run text = run("fit", "--data", file, "--formula", SLEEP_FORMULA, "--decimal", ",");
        assertTrue(text.out().contains("delimiter ';'"), text.out());
        // without --decimal: Reaction holds 249,56 and the message says what to do
        Run r = run("fit", "--data", file, "--formula", SLEEP_FORMULA);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--decimal ,"), r.err());
    }

    @Test
    void tabSeparatedIsDetected() throws IOException {
        StringBuilder s = new StringBuilder();
        sleep.forEach(l -> s.append(l.replace(',', '\t')).append('\n'));
        JsonObject fit = json(run("fit", "--data", write("tab.tsv", s.toString()), "--formula", SLEEP_FORMULA, "--format",
                "json"));
        assertClose(firstEstimate(reference(), 1), firstEstimate(fit, 1), 1e-10, "Days");
        JsonObject given = json(run("fit", "--data", write("pipe.csv", s.toString().replace('\t', '|')), "--formula",
                SLEEP_FORMULA, "--delimiter", "|", "--format", "json"));
        assertEquals(180, given.get("nobs").getAsInt());
    }

    @Test
    void carriageReturnLineEnds() throws IOException {
        JsonObject fit = json(run("fit", "--data", write("cr.csv", String.join("\r", sleep) + "\r"), "--formula",
                SLEEP_FORMULA, "--format", "json"));
        assertEquals(180, fit.get("nobs").getAsInt());
        assertClose(firstEstimate(reference(), 0), firstEstimate(fit, 0), 1e-10, "intercept");
    }

    @Test
    void latin1IsNamedWithLineAndByteOffsetAndTheFix() throws IOException {
        String text = "y,site,g\n1.5,Köln,a\n2.5,Zürich,a\n3.1,Köln,b\n2.2,Zürich,b\n4.0,Köln,c\n3.3,Zürich,c\n";
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        String file = write("latin1.csv", latin1);
        Run r = run("fit", "--data", file, "--formula", "y ~ site + (1 | g)");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not valid UTF-8 text: line 2, byte offset 14 (0xF6)"), r.err());
        assertTrue(r.err().contains("Save the file as UTF-8") && r.err().contains("--encoding latin1"), r.err());
        JsonObject fit = json(run("fit", "--data", file, "--formula", "y ~ site + (1 | g)", "--encoding", "latin1",
                "--format", "json"));
        assertEquals("siteZürich", fit.getAsJsonArray("fixed").get(1).getAsJsonObject().get("term").getAsString());
    }

    @Test
    void utf16WithByteOrderMarkIsReadAndWorkbooksAreNamed() throws IOException {
        byte[] utf16 = ("\uFEFF" + String.join("\n", sleep)).getBytes(StandardCharsets.UTF_16LE);
        assertEquals(180, json(run("fit", "--data", write("utf16.csv", utf16), "--formula", SLEEP_FORMULA, "--format", "json"))
                .get("nobs").getAsInt());
        Run xlsx = run("fit", "--data", write("book.xlsx", new byte[] {'P', 'K', 3, 4, 20, 0, 6, 0}), "--formula", SLEEP_FORMULA);
        assertEquals(1, xlsx.code());
        assertTrue(xlsx.err().contains("Excel .xlsx workbook") && xlsx.err().contains("save it as CSV"), xlsx.err());
    }

    // ---- 3. text output ----

    @Test
    void textOutputHasIntervalsAtTheConfidenceLevelAndTheReferenceLevels() {
        ReferenceCase c = ReferenceCase.load("cake_factor_temperature");
        String data = ReferenceCase.root().resolve(c.string("data")).toString();
        Run r = run("fit", "--data", data, "--formula", c.string("formula"), "--conf-level", "0.9");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("90% confidence intervals") && out.contains("5 %") && out.contains("95 %"), out);
        JsonObject fit = json(run("fit", "--data", data, "--formula", c.string("formula"), "--conf-level", "0.9", "--format",
                "json"));
        String lower = String.format(java.util.Locale.ROOT, "%.5f",
                fit.getAsJsonArray("fixed").get(0).getAsJsonObject().get("lower").getAsDouble());
        assertTrue(out.lines().anyMatch(l -> l.startsWith("(Intercept)") && l.contains(lower)), lower + " in " + out);
        assertTrue(out.lines().anyMatch(l -> l.matches(" factor\\(temperature\\) +6 175 +numeric order .*")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches(" recipe +3 A +text order \\(C locale\\) .*")), out);
        assertTrue(out.contains("Data: " + data + " (270 rows, all used)"), out);
    }

    @Test
    void zTestsAreLabelledZWithoutDf() {
        Run r = run("fit", "--data", ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString(), "--formula",
                SLEEP_FORMULA, "--ddf", "none");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("z value") && r.out().contains("Pr(>|z|)"), r.out());
        assertFalse(r.out().contains("t value") || r.out().contains("Infinity"), r.out());
    }

    @Test
    void tinyPValuesPrintAsR() {
        Run r = run("fit", "--data", ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString(), "--formula",
                SLEEP_FORMULA);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("(Intercept)") && l.contains("< 2.2e-16")), r.out());
        assertFalse(r.out().contains("0.000 "), r.out());
        assertEquals("< 2.2e-16", FitReport.pValue(1e-300));
        assertEquals("3.26e-06", FitReport.pValue(3.264e-6));
        assertEquals("0.0483", FitReport.pValue(0.04831));
    }

    @Test
    void smallVariancesKeepTheirDigitsAndColumnsAlign() {
        assertEquals("0.0001235", FitReport.sig(1.23456e-4, 4));
        assertEquals("1.235e-07", FitReport.sig(1.23456e-7, 4));
        String t = FitReport.table(List.of("", "Estimate"), List.of(List.of("a", "1.5"), List.of("b", "123456789.25")), true, 0);
        List<String> lines = t.lines().toList();
        assertEquals(lines.get(1).length(), lines.get(2).length(), t);
    }

    @Test
    void residualStructureShowsItsMatrixAndNoResidualRow() {
        Run r = run("fit", "--data", ReferenceCase.root().resolve("data").resolve("mmrm_trial.csv").toString(), "--formula",
                "change ~ baseline + arm * visit + us(visit | subject)", "--level-order", "visit=WEEK2,WEEK4,WEEK8,WEEK12");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Covariance over visit within subject:"), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith(" Residual")), r.out());
    }

    @Test
    void correlationOfFixedEffectsOnRequest() {
        String data = ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString();
        Run r = run("fit", "--data", data, "--formula", SLEEP_FORMULA, "--correlation");
        assertTrue(r.out().contains("Correlation of Fixed Effects:\n     (Intr)\nDays -0.138"), r.out());
        assertFalse(run("fit", "--data", data, "--formula", SLEEP_FORMULA).out().contains("Correlation of Fixed Effects"));
    }

    @Test
    void emmeansAndCompareCarryNobsWarningsAndOneShape() throws IOException {
        String mmrm = ReferenceCase.root().resolve("data").resolve("mmrm_trial.csv").toString();
        Run text = run("emmeans", "--data", mmrm, "--formula", "change ~ baseline + arm * visit + us(visit | subject)",
                "--specs", "arm", "--by", "visit");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("WEEK4 ") && l.contains("active - placebo")), text.out());
        assertTrue(text.err().contains("Warning:") && text.out().contains("--level-order"), "visit-order warning: " + text.err());
        JsonObject emm = json(run("emmeans", "--data", mmrm, "--formula", "change ~ baseline + arm * visit + us(visit | subject)",
                "--specs", "arm", "--by", "visit", "--format", "json"));
        assertTrue(emm.get("nobs").getAsInt() > 0 && emm.getAsJsonArray("warnings").size() > 0, emm.toString());
        String file = write("dotcmp.csv", sleepWith(5, 0, ""));
        JsonObject two = json(run("compare", "--data", file, "--formula", "Reaction ~ 1 + (1 | Subject)", "--formula",
                "Reaction ~ Days + (1 | Subject)", "--format", "json"));
        JsonObject three = json(run("compare", "--data", file, "--formula", "Reaction ~ 1 + (1 | Subject)", "--formula",
                "Reaction ~ Days + (1 | Subject)", "--formula", SLEEP_FORMULA, "--format", "json"));
        assertEquals(2, two.getAsJsonArray("table").size());
        assertEquals(3, three.getAsJsonArray("table").size());
        assertTrue(two.getAsJsonArray("table").get(0).getAsJsonObject().get("chisq").isJsonNull());
        assertClose(two.get("chisq").getAsDouble(),
                two.getAsJsonArray("table").get(1).getAsJsonObject().get("chisq").getAsDouble(), 1e-15, "published scalar kept");
        assertEquals(179, two.get("nobs").getAsInt());
        assertEquals(1, two.get("rows_omitted").getAsInt());
        assertTrue(two.getAsJsonArray("warnings").toString().contains("left out"), two.toString());
    }

    // ---- 4. help, version, usage ----

    @Test
    void helpForEveryCommand() {
        for (Commands.Command c : Commands.ALL) {
            Run r = run(c.name(), "--help");
            assertEquals(0, r.code(), c.name() + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: java -jar mixed-models-cli.jar " + c.name()), r.out());
            assertEquals(r.out(), run("help", c.name()).out());
            for (Commands.Option o : c.options()) {
                assertTrue(r.out().contains(o.flag()), o.flag() + " in " + r.out());
            }
        }
        assertTrue(run("fit", "--help").out().contains("--na TOKENS"));
        assertEquals(0, run("--help").code());
    }

    @Test
    void version() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().matches("mixed-models [0-9][^ ]* \\(Java .*\\)\\n"), r.out());
    }

    @Test
    void usageErrorsAreShortAndPointToHelp() {
        String data = ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString();
        Run r = run("fit", "--data", data, "--fromula", SLEEP_FORMULA);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option '--fromula' for fit; did you mean --formula?"), r.err());
        assertTrue(r.err().contains("'java -jar mixed-models-cli.jar fit --help'"), r.err());
        assertTrue(r.err().lines().count() <= 2, r.err());
        Run command = run("fti");
        assertEquals(2, command.code());
        assertTrue(command.err().lines().count() <= 2, command.err());
        Run encoding = run("fit", "--data", data, "--formula", SLEEP_FORMULA, "--encoding", "klingon");
        assertEquals(2, encoding.code());
        assertTrue(encoding.err().startsWith("Error: --encoding: unknown encoding 'klingon'"), encoding.err());
        Run both = run("fit", "--data", data, "--formula", SLEEP_FORMULA, "--decimal", ",", "--delimiter", ",");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--delimiter and --decimal are both ','"), both.err());
        assertEquals(2, run("help", "fti").code());
        assertEquals(2, run().code());
    }

    /** The README's "first fit in one minute" shows what the command prints (the example data, run from the project). */
    @Test
    void readmeFirstFitIsWhatTheCommandPrints() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```\nLinear mixed model fit by REML") + 4;
        String shown = readme.substring(start, readme.indexOf("```", start));
        Run r = run("fit", "--data", "examples/sleepstudy.csv", "--formula", SLEEP_FORMULA);
        assertEquals(0, r.code(), r.err());
        assertEquals(shown, r.out(), "update the README's first fit when the output changes");
    }

    @Test
    void methodNamesAreCaseInsensitive() {
        String data = ReferenceCase.root().resolve("data").resolve("sleepstudy.csv").toString();
        JsonObject fit = json(run("fit", "--data", data, "--formula", SLEEP_FORMULA, "--method", "REML", "--ddf", "KR",
                "--format", "JSON"));
        assertEquals("kenward-roger", fit.get("ddf").getAsString());
    }
}
