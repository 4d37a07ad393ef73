package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.formula.FormulaSyntaxException;

/**
 * A catalogue of bad inputs (issue 9): one test per way a user's table or formula can be unusable, each asserting
 * that the engine answers with our {@link MixedModelException} and a message that names the problem (the key words
 * checked are the ones a user needs: the column, the row, what to do), or, where the input is usable with a
 * caveat (a constant or collinear predictor), that the fit goes through with the warning and the estimates of the
 * reduced model. A bad input must never surface as an arithmetic result (infinite or NaN estimates), an
 * out-of-memory error or an exception of another library.
 */
class BadInputCatalogueTest {

    private static DataFrame csv(String text) throws Exception {
        return CsvReader.read(new StringReader(text), "catalogue.csv");
    }

    private static DataFrame resource(String name) throws Exception {
        try (Reader in = new InputStreamReader(BadInputCatalogueTest.class.getResourceAsStream("/robustness/" + name),
                StandardCharsets.UTF_8)) {
            return CsvReader.read(in, name);
        }
    }

    private static FitResult fit(String formula, DataFrame data) {
        return LinearMixedModel.fit(formula, data, FitOptions.reml());
    }

    /** Our exception, with every key in its message. */
    private static MixedModelException assertRefused(Executable action, String... keys) {
        MixedModelException e = assertThrows(MixedModelException.class, action);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        for (String key : keys) {
            assertTrue(e.getMessage().contains(key), () -> "'" + key + "' not in the message: " + e.getMessage());
        }
        return e;
    }

    private static String rows(String header, String... rows) {
        return header + "\n" + String.join("\n", rows) + "\n";
    }

    /** Ten groups of five rows of y, x, g. */
    private static DataFrame base() {
        return SimulatedGroups.generate(10, 5, true, false, 11).frame();
    }

    private static DataFrame withColumn(DataFrame d, Column extra) {
        List<Column> columns = new java.util.ArrayList<>();
        for (String name : d.columnNames()) {
            columns.add(d.column(name));
        }
        columns.add(extra);
        return new DataFrame(columns);
    }

    @Test
    void emptyTable() throws Exception {
        assertRefused(() -> csv(""), "'catalogue.csv' is empty", "header row");
        assertRefused(() -> csv("\r\n\n"), "is empty");
        assertRefused(() -> csv("y,x,g\n"), "has a header but no data rows");
        DataFrame empty = new DataFrame(List.<Column>of(new NumericColumn("y", new double[0]),
                new NumericColumn("x", new double[0]), new CategoricalColumn("g", new String[0])));
        assertRefused(() -> fit("y ~ x + (1 | g)", empty), "The table is empty");
    }

    @Test
    void oneRow() throws Exception {
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1.5,2,a"))), "Only 1 row is used",
                "several rows");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1.5,2,a", "NA,3,a", "2,,b"))),
                "Only 1 row is used", "2 were left out because of missing values");
    }

    @Test
    void responseAllMissing() throws Exception {
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "NA,1,a", ",2,a", "NA,3,b", "NA,4,b"))),
                "The response 'y' has no values", "missing", "all 4 rows");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,NA,a", "2,,a", "3,NA,b", "4,NA,b"))),
                "Column 'x' has no values");
        // rows missing in different columns: no complete row, and the message lists the columns
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,NA,a", "NA,2,a", "3,NA,b", "NA,4,b"))),
                "No row is complete", "y, x, g");
    }

    @Test
    void responseConstant() throws Exception {
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "3,1,a", "3,2,a", "3,3,b", "3,4,b", "3,5,c"))),
                "The response 'y' is constant", "no variation");
    }

    @Test
    void responseNotNumeric() throws Exception {
        assertRefused(() -> fit("g ~ x + (1 | y)", csv(rows("y,x,g", "1,1,a", "2,2,a", "3,3,b", "4,4,b"))),
                "The response column 'g' is not numeric", "'a'");
    }

    @Test
    void predictorConstantIsDroppedWithAWarning() {
        DataFrame d = withColumn(base(), new NumericColumn("c", filled(50, 7.0)));
        FitResult with = fit("y ~ x + c + (1 | g)", d);
        FitResult without = fit("y ~ x + (1 | g)", d);
        assertTrue(with.warnings().stream().anyMatch(w -> w.contains("dropping 1 column / coefficient: c")
                && w.contains("constant in the rows used: c")), with.warnings().toString());
        assertEquals(List.of("(Intercept)", "x"), FitAssertions.names(with));
        FitAssertions.assertSameEstimates(without, with, 1e-12, "constant predictor dropped");
    }

    @Test
    void perfectlyCollinearPredictorsDropOneColumnWithAWarning() {
        DataFrame b = base();
        double[] x = numbers(b.column("x"));
        double[] z = new double[x.length];
        double[] w = new double[x.length];
        String[] arm = new String[x.length];
        String[] copy = new String[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = 2 * x[i] - 1;
            w[i] = (i % 3) * 0.5;
            arm[i] = i % 2 == 0 ? "control" : "treated";
            copy[i] = i % 2 == 0 ? "A" : "B";
        }
        DataFrame d = withColumn(withColumn(b, new NumericColumn("z", z)), new NumericColumn("w", w));
        FitResult with = fit("y ~ x + w + z + (1 | g)", d);
        assertTrue(with.warnings().stream().anyMatch(m -> m.contains("rank deficient so dropping 1 column / coefficient: z")),
                with.warnings().toString());
        assertEquals(List.of("(Intercept)", "x", "w"), FitAssertions.names(with));
        FitAssertions.assertSameEstimates(fit("y ~ x + w + (1 | g)", d), with, 1e-10, "collinear z dropped");
        // a factor that repeats another under other labels: its indicator column is aliased
        DataFrame factors = withColumn(withColumn(d, new CategoricalColumn("arm", arm)),
                new CategoricalColumn("copy", copy));
        FitResult twice = fit("y ~ x + arm + copy + (1 | g)", factors);
        assertTrue(twice.warnings().stream().anyMatch(m -> m.contains("dropping 1 column / coefficient: copyB")),
                twice.warnings().toString());
        assertEquals(List.of("(Intercept)", "x", "armtreated"), FitAssertions.names(twice));
    }

    private static double[] numbers(Column c) {
        double[] out = new double[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((NumericColumn) c).value(i);
        }
        return out;
    }

    private static String[] labels(Column c) {
        String[] out = new String[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.label(i);
        }
        return out;
    }

    @Test
    void groupingFactorWithOneLevel() throws Exception {
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,1,a", "2,3,a", "3,2,a", "5,4,a"))),
                "The grouping factor 'g' has only one level ('a')", "at least two groups");
        // only one level left once incomplete rows are left out
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,1,a", "2,3,a", "3,2,a", "NA,4,b"))),
                "only one level");
    }

    @Test
    void oneObservationPerLevel() throws Exception {
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,1,a", "2,3,b", "3,2,c", "5,4,d"))),
                "'g' has 4 levels for 4 rows (one row per group)", "more than one row");
    }

    @Test
    void moreRandomEffectsThanTheDataSupport() {
        DataFrame d = SimulatedGroups.generate(10, 3, true, true, 5).frame();
        FitResult ok = fit("y ~ x + (x | g)", d); // 20 random effects for 30 rows: allowed
        assertTrue(Double.isFinite(ok.logLik()));
        String[] pairs = new String[30];
        for (int i = 0; i < 30; i++) {
            pairs[i] = "p" + (i / 2);
        }
        DataFrame paired = withColumn(d, new CategoricalColumn("pair", pairs));
        assertRefused(() -> fit("y ~ x + (x | pair)", paired), "has 30 random effects for 30 rows",
                "unidentifiable", "Use fewer random slopes");
        // a categorical slope with many levels: refused before its (rows x columns) matrix is built
        DataFrame big = SimulatedGroups.generate(30, 10, true, false, 5).frame();
        String[] f = new String[300];
        for (int i = 0; i < 300; i++) {
            f[i] = "f" + (i % 150);
        }
        DataFrame wide = withColumn(big, new CategoricalColumn("f", f));
        assertRefused(() -> fit("y ~ x + (f | g)", wide), "would have 150 columns per group",
                "more than the 100 this engine fits", "11325 parameters");
    }

    @Test
    void infinityAndNaNInAUsedColumn() throws Exception {
        String ok = "1,1,a\n2,3,a\n3,2,b\n5,4,b\n4,4,c\n6,1,c\n";
        assertRefused(() -> fit("y ~ x + (1 | g)", csv("y,x,g\n" + ok + "2,Inf,c\n")),
                "Column 'x' holds Inf in data row 7", "only finite numbers");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv("y,x,g\n" + ok + "-Inf,2,c\n")),
                "Column 'y' holds -Inf in data row 7");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv("y,x,g\nNaN,1,a\n" + ok)), "Column 'y' holds NaN in data row 1");
        // an unused column may hold anything
        FitResult fit = fit("y ~ x + (1 | g)", csv("y,x,g,unused\n" + ok.replace("\n", ",Inf\n")));
        assertTrue(Double.isFinite(fit.logLik()));
        // values whose squares overflow: refused instead of infinite estimates
        assertRefused(() -> fit("y ~ x + (1 | g)", csv("y,x,g\n" + ok + "4.5e307,2,c\n")),
                "The response 'y' has values as large as 4.50e+307", "Rescale");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv("y,x,g\n" + ok + "4,1e200,c\n")),
                "The fixed-effect column 'x' has values as large as 1.00e+200");
        assertRefused(() -> fit("y ~ x + (1 | g)", csv(rows("y,x,g", "1,1e-150,a", "2,3e-150,a", "3,2e-150,b",
                "5,4e-150,b", "4,4e-150,c", "6,1e-150,c"))), "The fixed-effect column 'x' has values as small as 4.00e-150");
    }

    @Test
    void aFactorWithHundredThousandLevelsAsFixedEffectIsRefusedQuickly() {
        int n = 200_000;
        double[] y = new double[n];
        double[] x = new double[n];
        String[] id = new String[n];
        String[] site = new String[n];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < n; i++) {
            y[i] = random.nextGaussian();
            x[i] = random.nextGaussian();
            id[i] = "id" + (i % 100_000);
            site[i] = "s" + (i % 20);
        }
        DataFrame d = new DataFrame(List.<Column>of(new NumericColumn("y", y), new NumericColumn("x", x),
                new CategoricalColumn("id", id), new CategoricalColumn("site", site)));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertRefused(() -> fit("y ~ x + id + (1 | site)", d),
                "100001 coefficients", "'id' has 100000 levels", "grouping factor", "(1 | id)"));
        // the same factor as a grouping factor is what the message advises, and it fits
        FitResult asGroups = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> fit("y ~ x + (1 | id)", d));
        assertEquals(100_000, asGroups.ngroups().get("id"));
    }

    @Test
    void asManyFixedEffectsAsRowsIsRefused() throws Exception {
        StringBuilder sb = new StringBuilder("y,f,g\n");
        for (int i = 0; i < 12; i++) {
            sb.append(Math.sin(i)).append(",f").append(i).append(",g").append(i % 3).append('\n');
        }
        assertRefused(() -> fit("y ~ f + (1 | g)", csv(sb.toString())), "12 coefficients for 12 rows",
                "'f' has 12 levels", "grouping factor, e.g. (1 | f)");
    }

    @Test
    void columnNamesWithSpacesQuotesColonsAndNonAsciiInBackticks() throws Exception {
        DataFrame d = resource("awkward-names.csv");
        assertTrue(d.hasColumn("dose \"mg\""), d.columnNames().toString());
        FitResult fit = fit("`reaction time (ms)` ~ `dose \"mg\"` + `site:arm` + `größe` + `O'Brien score`"
                + " + (1 | `患者 id`)", d);
        assertEquals(List.of("(Intercept)", "dose \"mg\"", "site:armB:y", "größe", "O'Brien score"),
                FitAssertions.names(fit));
        assertEquals(12, fit.ngroups().get("患者 id"));
        assertTrue(fit.randomEffects().stream().anyMatch(r -> r.level().equals("Patient 甲")));
        assertTrue(fit.converged());
        // the names are data: the same fit with plain names gives the same estimates
        DataFrame plain = renamed(d, List.of("rt", "dose", "arm", "size", "patient", "score"));
        FitResult same = fit("rt ~ dose + arm + size + score + (1 | patient)", plain);
        assertEquals(Arrays.toString(same.beta()), Arrays.toString(fit.beta()));
        assertEquals(Arrays.toString(same.theta()), Arrays.toString(fit.theta()));
        assertEquals(same.logLik(), fit.logLik(), 0.0);
        // without backticks the parser says how to quote
        assertRefused(() -> fit("reaction time (ms) ~ dose + (1 | patient)", d), "Formula syntax error", "backticks",
                "`reaction time`");
        assertRefused(() -> fit("y ~ body weight + (1 | patient)", d), "backticks", "`body weight`");
        assertRefused(() -> fit("y ~ x + (1 | patient id)", d), "backticks", "`patient id`");
        assertThrows(FormulaSyntaxException.class, () -> fit("`reaction time (ms) ~ x + (1 | g)", d));
        assertRefused(() -> fit("`reaction time` ~ `dose \"mg\"` + (1 | `患者 id`)", d),
                "Unknown column 'reaction time'", "reaction time (ms)");
    }

    private static DataFrame renamed(DataFrame d, List<String> names) {
        List<Column> columns = new java.util.ArrayList<>();
        List<String> old = d.columnNames();
        for (int j = 0; j < old.size(); j++) {
            Column c = d.column(old.get(j));
            columns.add(c instanceof NumericColumn ? new NumericColumn(names.get(j), numbers(c))
                    : new CategoricalColumn(names.get(j), labels(c)));
        }
        return new DataFrame(columns);
    }

    @Test
    void duplicatedColumnNamesInTheHeader() {
        assertRefused(() -> csv(rows("y,x,y", "1,2,3")), "The column name 'y' occurs twice", "'catalogue.csv'",
                "columns 1 and 3", "unique name");
        assertRefused(() -> csv(rows("\"y\", y ,x", "1,2,3")), "The column name 'y' occurs twice", "columns 1 and 2");
        assertRefused(() -> csv(rows("y,,x", "1,2,3")), "Column 2 of the header", "has no name");
        assertRefused(() -> new DataFrame(List.<Column>of(new NumericColumn("a", new double[1]),
                new NumericColumn("a", new double[1]))), "The column name 'a' occurs twice");
    }

    @Test
    void raggedRowsAndUnclosedQuotes() {
        assertRefused(() -> csv(rows("y,x,g", "1,2,a", "2,3")), "Line 3 of 'catalogue.csv' has 2 fields",
                "header has 3");
        assertRefused(() -> csv(rows("y,x,g", "1,2,\"a", "2,3,b")), "quoted field opened on line 2", "never closed");
    }

    @Test
    void formulaProblemsNameTheColumn() {
        DataFrame d = base();
        assertRefused(() -> fit("y ~ q + (1 | g)", d), "Unknown column 'q'", "y, x, g");
        assertRefused(() -> fit("y ~ x", d), "has no random-effects term", "(1 | subject)");
        assertRefused(() -> fit("y ~ x + (1 | g", d), "Formula syntax error", "')'");
    }

    /**
     * A grouping factor that is the interaction of five factors with 10,007 to 10,039 levels each: the product of
     * their level counts (about 1e20) overflows a long, which the interaction's coding once used as its key.
     */
    @Test
    void interactionOfManyLargeFactorsKeepsEveryCombination() {
        int distinct = 12_000;
        int n = 2 * distinct;
        int[] sizes = {10_007, 10_009, 10_037, 10_039, 10_013};
        String[][] parts = new String[5][n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int row = i % distinct;
            for (int f = 0; f < 5; f++) {
                parts[f][i] = String.format("%c%05d", (char) ('a' + f), (row * (f + 1) * 7919L) % sizes[f]);
            }
            y[i] = Math.sin(i);
        }
        List<Column> columns = new java.util.ArrayList<>();
        columns.add(new NumericColumn("y", y));
        for (int f = 0; f < 5; f++) {
            columns.add(new CategoricalColumn(String.valueOf((char) ('a' + f)), parts[f]));
        }
        org.mixedmodels.engine.design.Design design = org.mixedmodels.engine.design.Design.build(
                org.mixedmodels.engine.formula.FormulaParser.parse("y ~ 1 + (1 | a:b:c:d:e)"), new DataFrame(columns),
                java.util.Map.of());
        org.mixedmodels.engine.design.Factor g = design.randomTerms().get(0).grouping();
        assertEquals(distinct, g.levelCount());
        for (int i = 0; i < n; i++) {
            String expected = parts[0][i] + ":" + parts[1][i] + ":" + parts[2][i] + ":" + parts[3][i] + ":" + parts[4][i];
            assertEquals(expected, g.levels().get(g.code(i)), "row " + i);
        }
        List<String> sorted = new java.util.ArrayList<>(g.levels());
        java.util.Collections.sort(sorted);
        assertEquals(sorted, g.levels(), "levels in order, the first factor varying slowest");
    }

    /**
     * On this data set (a crossed factor h whose variance is 0) BOBYQA breaks down ("trust region step has failed
     * to reduce Q"; found by FitInvariancePropertiesTest, about 1 in 1,500 generated crossed designs). ThetaOptimizer
     * restarts it from the best point with a smaller trust region; the fit must reach the model without h.
     */
    @Test
    void optimizerBreakdownIsRecoveredFrom() throws Exception {
        DataFrame d = resource("bobyqa-trust-region-failure.csv");
        FitResult fit = fit("y ~ x + (1 | g) + (1 | h)", d);
        FitResult without = fit("y ~ x + (1 | g)", d);
        assertTrue(Double.isFinite(fit.logLik()));
        assertTrue(fit.logLik() >= without.logLik() - 1e-6, fit.logLik() + " < " + without.logLik());
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }
}
