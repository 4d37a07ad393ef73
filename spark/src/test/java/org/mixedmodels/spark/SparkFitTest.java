package org.mixedmodels.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.CrossProducts;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.VisitPatterns;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.FixedEffect;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;

/**
 * The distributed fit on {@code local[2]} Spark against the engine's in-memory "statistics, then fit" on the reference
 * cases that fit the design: the same estimates, SEs, Satterthwaite df, logLik and BLUPs within 1e-10 relative (the
 * statistics are compensated sums, so the same doubles whatever the partitions), the same rows left out.
 */
class SparkFitTest {
    /** The same statistics give the same fit: only rounding far below the optimizer's tolerance may differ. */
    static final double SAME = 1e-10;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("mixed-models-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "3").config("spark.default.parallelism", "3").getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path data(String file) {
        return Path.of("src/test/resources/reference/data").resolve(file).toAbsolutePath();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "sleepstudy.csv; Reaction ~ Days + (Days | Subject); REML; ",
            "sleepstudy.csv; Reaction ~ Days + (Days || Subject); REML; ",
            "sleepstudy.csv; Reaction ~ Days + (1 | Subject); ML; ",
            "pastes.csv; strength ~ 1 + (1 | batch/cask); REML; ",
            "neurons.csv; firing_rate ~ condition + (1 | subject/neuron); REML; ",
            "penicillin.csv; diameter ~ 1 + (1 | plate) + (1 | sample); REML; ",
            "orthodont.csv; distance ~ age * Sex + (age | Subject); REML; Sex=Male",
            "cake_numeric_temperature.csv; angle ~ recipe * factor(temperature) + (1 | recipe:replicate); REML; ",
            "nf1_lesions.csv; log_volume ~ age + subtype + (1 | patient); REML; ",
            "crossover.csv; score ~ treatment + period + sequence + (1 | subject); REML; "})
    void sparkGivesTheInMemoryFit(String file, String formula, String method, String reference) {
        FitOptions options = new FitOptions(FitOptions.Method.valueOf(method),
                reference == null ? Map.of() : Map.of(reference.split("=")[0], reference.split("=")[1]));
        FitResult expected = inMemory(CsvReader.read(data(file)), formula, options);
        Main.Fit actual = sparkFit(data(file).toString(), "csv", formula, options);
        assertSameFit(expected, actual.fit(), file + " " + formula);
        assertEquals(0, actual.passes().rowsOmitted());
        assertTrue(actual.passes().shuffleBytes() > 0, "the groups are shuffled to their reducers");
    }

    /**
     * Residual covariance structures, aggregated by subject and then by visit pattern, against the in-memory fit from
     * the same statistics ({@link VisitPatterns}); fev_data has missing visits (NA responses), so several patterns.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "mmrm_trial.csv; change ~ baseline + arm * visit + us(visit | subject); REML; visit=WEEK2",
            "qtcf.csv; QTcF ~ dose * time_h + ar1(visit | animal); REML; ",
            "qtcf.csv; QTcF ~ dose * time_h + (1 | animal) + ar1(visit | animal); REML; ",
            "fev_data.csv; FEV1 ~ ARMCD + SEX + cs(AVISIT | USUBJID); REML; ARMCD=PBO&SEX=Male&AVISIT=VIS1",
            "fev_data.csv; FEV1 ~ ARMCD * AVISIT + ar1(AVISIT | USUBJID); REML; ARMCD=PBO&AVISIT=VIS1",
            "fev_data.csv; FEV1 ~ ARMCD * AVISIT + ar1(AVISIT | USUBJID); ML; ARMCD=PBO&AVISIT=VIS1",
            "fev_data.csv; FEV1 ~ ARMCD + ar1(AVISIT | USUBJID) + varident(SEX | USUBJID); REML; ARMCD=PBO&SEX=Male",
            "fev_data.csv; FEV1 ~ AVISIT + us(AVISIT | ARMCD / USUBJID); REML; ARMCD=PBO&AVISIT=VIS1"})
    void sparkGivesTheInMemoryFitOfAResidualStructure(String file, String formula, String method, String reference) {
        Map<String, String> references = new java.util.LinkedHashMap<>();
        if (reference != null) {
            for (String pair : reference.split("&")) {
                references.put(pair.split("=")[0], pair.split("=")[1]);
            }
        }
        FitOptions options = new FitOptions(FitOptions.Method.valueOf(method), references);
        DataFrame data = CsvReader.read(data(file));
        Design design = Design.build(FormulaParser.parse(formula), data, options.referenceLevels(),
                options.levelOrders());
        FitResult expected = LinearMixedModel.fit(VisitPatterns.fitFromStatistics(design), options);
        Main.Fit actual = sparkFit(data(file).toString(), "csv", formula, options);
        assertNotNull(actual.fit().design().visitPatterns());
        assertSameEstimates(expected, actual.fit(), file + " " + formula);
        close(expected.residual().parameters().length, actual.fit().residual().parameters().length, 0, "parameters");
        for (int i = 0; i < expected.residual().parameters().length; i++) {
            close(expected.residual().parameters()[i], actual.fit().residual().parameters()[i], 1,
                    file + " residual parameter " + i);
        }
        assertEquals(expected.design().frame().omittedRows(), actual.passes().rowsOmitted());
        assertEquals(VisitPatterns.of(design).patterns().size(),
                actual.fit().design().visitPatterns().patterns().size(), "patterns");
        // the BLUPs come from a second pass over the subjects at the optimum: the in-memory fit from rows within
        // 1e-10 relative to the largest BLUP / conditional SD (measured on qtcf_ri_ar1: 2.6e-12 and 2.5e-12);
        // the fitted values and residuals stay with the rows in the cluster, and the warning says so
        if (expected.randomEffects().isEmpty()) {
            assertTrue(actual.fit().randomEffects().isEmpty());
        } else {
            FitResult rows = LinearMixedModel.fit(design, options);
            assertBlups(rows, actual.fit(), SAME, file + " " + formula);
            assertTrue(actual.fit().warnings().stream().noneMatch(w -> w.contains("No BLUPs")),
                    actual.fit().warnings().toString());
            assertTrue(actual.fit().warnings().stream().anyMatch(w -> w.startsWith("No fitted values or residuals")),
                    actual.fit().warnings().toString());
        }
    }

    /** The BLUPs and conditional SDs of a against e, level by level, within tolerance relative to the largest. */
    static void assertBlups(FitResult e, FitResult a, double tolerance, String what) {
        double scale = 0;
        double sdScale = 0;
        for (RandomEffect r : e.randomEffects()) {
            scale = Math.max(scale, Math.abs(r.value()));
            sdScale = Math.max(sdScale, r.condsd());
        }
        assertEquals(e.randomEffects().size(), a.randomEffects().size(), what + " BLUPs");
        for (int i = 0; i < e.randomEffects().size(); i++) {
            RandomEffect re = e.randomEffects().get(i);
            RandomEffect ra = a.randomEffects().get(i);
            assertEquals(re.group(), ra.group());
            assertEquals(re.level(), ra.level());
            assertEquals(re.term(), ra.term());
            assertTrue(Math.abs(re.value() - ra.value()) <= tolerance * scale, what + " blup " + re.level()
                    + ": expected " + re.value() + " but was " + ra.value());
            assertTrue(Math.abs(re.condsd() - ra.condsd()) <= tolerance * sdScale, what + " condsd " + re.level()
                    + ": expected " + re.condsd() + " but was " + ra.condsd());
        }
    }

    @Test
    void missingValuesAreCountedAsTheEngineCounts(@TempDir Path dir) throws Exception {
        List<String> lines = Files.readAllLines(data("sleepstudy.csv"));
        // Reaction NA in data row 3, Days empty in row 10, both in row 20, Subject NA in row 30
        String[] rows = lines.toArray(new String[0]);
        rows[3] = "NA," + rows[3].split(",", 2)[1];
        rows[10] = rows[10].split(",")[0] + ",," + rows[10].split(",")[2];
        rows[20] = "NA,," + rows[20].split(",")[2];
        rows[30] = rows[30].split(",")[0] + "," + rows[30].split(",")[1] + ",NA";
        Path holes = dir.resolve("holes.csv");
        Files.write(holes, List.of(rows));
        DataFrame data = CsvReader.read(holes);
        FitOptions options = FitOptions.reml();
        String formula = "Reaction ~ Days + (Days | Subject)";
        FitResult expected = inMemory(data, formula, options);
        Main.Fit actual = sparkFit(holes.toString(), "csv", formula, options);
        assertEquals(4, expected.design().frame().omittedRows());
        assertEquals(expected.design().frame().omittedRows(), actual.passes().rowsOmitted());
        assertEquals(expected.design().frame().omittedRows(), actual.fit().design().frame().omittedRows());
        assertEquals(180, actual.passes().rowsRead());
        assertEquals(Map.of("Reaction", 2L, "Days", 2L, "Subject", 1L), actual.passes().missingPerColumn());
        assertSameFit(expected, actual.fit(), "holes");
        assertEquals(expected.warnings(), actual.fit().warnings());
    }

    @Test
    void parquetGivesTheSameFit(@TempDir Path dir) {
        // a Parquet table with typed columns (Subject an integer column, as a database would give it)
        Path parquet = dir.resolve("sleepstudy.parquet");
        spark.read().option("header", "true").option("inferSchema", "true").csv(data("sleepstudy.csv").toString())
                .repartition(4).write().parquet(parquet.toString());
        FitOptions options = FitOptions.reml();
        String formula = "Reaction ~ Days + (Days | Subject)";
        FitResult expected = inMemory(CsvReader.read(data("sleepstudy.csv")), formula, options);
        Main.Fit actual = sparkFit(parquet.toString(), "parquet", formula, options);
        assertSameFit(expected, actual.fit(), "parquet");
    }

    @Test
    void theCommandLinePrintsTheCoreFitOutput() {
        String file = data("sleepstudy.csv").toString();
        String formula = "Reaction ~ Days + (Days | Subject)";
        for (String format : List.of("text", "json")) {
            ByteArrayOutputStream core = new ByteArrayOutputStream();
            int rc = org.mixedmodels.cli.Main.run(new String[] {"fit", "--data", file, "--formula", formula, "--format",
                format}, new PrintStream(core, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
            assertEquals(0, rc);
            ByteArrayOutputStream ours = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            rc = Main.run(new String[] {"fit", "--spark", "local[2]", "--data", file, "--formula", formula, "--format",
                format}, new PrintStream(ours, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                        StandardCharsets.UTF_8));
            assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
            String expected = core.toString(StandardCharsets.UTF_8);
            String actual = ours.toString(StandardCharsets.UTF_8);
            if (format.equals("json")) {
                // the rows' fitted values are not in a fit from statistics; every other field is
                expected = expected.replaceAll("(?s)\"fitted_(conditional|population)\": \\[.*?\\]", "F");
                actual = actual.replaceAll("(?s)\"fitted_(conditional|population)\": \\[.*?\\]", "F");
            }
            // the same report; the core fits the rows, this the statistics: digits may differ at the optimizer's
            // tolerance (1e-7), so digits are compared through the in-memory fit from statistics in the other tests
            String number = "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?";
            assertEquals(expected.replaceAll(number, "#"), actual.replaceAll(number, "#"));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("bytes shuffled"),
                    err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void modelsTheStatisticsCannotExpressAreRefusedWithTheReason() {
        String file = data("sleepstudy.csv").toString();
        assertRefused(new String[] {"fit", "--spark", "local[2]", "--data", file, "--formula",
                "Reaction ~ Days + sp_exp(Days | Subject)"}, "numeric time");
        assertRefused(new String[] {"fit", "--spark", "local[2]", "--data", file, "--formula",
                "cbind(Reaction, Days) ~ 1 + (1 | Subject)"}, "every evaluation");
        assertRefused(new String[] {"fit", "--spark", "local[2]", "--data", file, "--family", "poisson", "--formula",
                "Reaction ~ 1 + (1 | Subject)"}, "every evaluation");
        assertRefused(new String[] {"fit", "--spark", "local[2]", "--data", file, "--ddf", "kenward-roger",
                "--formula", "Reaction ~ Days + (1 | Subject)"}, "row by row");
    }

    private static void assertRefused(String[] args, String reason) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8));
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, message);
        assertTrue(message.contains(reason), message);
    }

    static FitResult inMemory(DataFrame data, String formula, FitOptions options) {
        Design design = Design.build(FormulaParser.parse(formula), data, options.referenceLevels(), options.levelOrders());
        return LinearMixedModel.fit(CrossProducts.of(design).design(), options);
    }

    static Main.Fit sparkFit(String path, String input, String formula, FitOptions options) {
        Main.Request r = new Main.Request("local[2]", path, input, formula, options, "text", DfMethod.SATTERTHWAITE,
                0.95, null, false, java.util.Set.of("NA"), java.util.Set.of(), null);
        return Main.fit(spark, r);
    }

    static void assertSameFit(FitResult e, FitResult a, String what) {
        assertSameEstimates(e, a, what);
        double scale = 0;
        for (RandomEffect r : e.randomEffects()) {
            scale = Math.max(scale, Math.abs(r.value()));
        }
        assertEquals(e.randomEffects().size(), a.randomEffects().size());
        for (int i = 0; i < e.randomEffects().size(); i++) {
            RandomEffect re = e.randomEffects().get(i);
            RandomEffect ra = a.randomEffects().get(i);
            assertEquals(re.level(), ra.level());
            assertEquals(re.term(), ra.term());
            close(re.value(), ra.value(), scale, what + " blup " + re.level());
            close(re.condsd(), ra.condsd(), 0, what + " condsd " + re.level());
        }
    }

    /** Everything but the BLUPs: counts, sigma, logLik, theta, estimates, SEs, Satterthwaite df, Type III. */
    static void assertSameEstimates(FitResult e, FitResult a, String what) {
        assertEquals(e.nobs(), a.nobs(), what);
        assertEquals(e.ngroups(), a.ngroups(), what);
        close(e.sigma(), a.sigma(), 0, what + " sigma");
        close(e.logLik(), a.logLik(), 0, what + " logLik");
        double thetaScale = 0;
        for (double t : e.theta()) {
            thetaScale = Math.max(thetaScale, Math.abs(t));
        }
        for (int i = 0; i < e.theta().length; i++) {
            close(e.theta()[i], a.theta()[i], thetaScale, what + " theta " + i);
        }
        FixedEffectsInference ie = FixedEffectsInference.of(e, DfMethod.SATTERTHWAITE, 0.95, CovarianceType.MODEL);
        FixedEffectsInference ia = FixedEffectsInference.of(a, DfMethod.SATTERTHWAITE, 0.95, CovarianceType.MODEL);
        assertEquals(e.fixedEffects().size(), a.fixedEffects().size(), what);
        for (int j = 0; j < e.fixedEffects().size(); j++) {
            FixedEffect fe = e.fixedEffects().get(j);
            FixedEffect fa = a.fixedEffects().get(j);
            assertEquals(fe.term(), fa.term());
            close(fe.estimate(), fa.estimate(), fe.se(), what + " " + fe.term());
            close(fe.se(), fa.se(), 0, what + " se " + fe.term());
            close(ie.coefficients().get(j).df(), ia.coefficients().get(j).df(), 0, what + " df " + fe.term());
        }
        assertEquals(ie.typeIII().size(), ia.typeIII().size());
        for (int t = 0; t < ie.typeIII().size(); t++) {
            close(ie.typeIII().get(t).f(), ia.typeIII().get(t).f(), 0, what + " F " + ie.typeIII().get(t).term());
            close(ie.typeIII().get(t).denDf(), ia.typeIII().get(t).denDf(), 0, what + " F df");
        }
    }

    /** |a - e| <= 1e-10 max(|e|, scale). */
    static void close(double e, double a, double scale, String what) {
        double bound = SAME * Math.max(Math.abs(e), scale);
        assertTrue(Math.abs(a - e) <= bound, what + ": expected " + e + " but was " + a + " (relative error "
                + Math.abs(a - e) / Math.max(Math.abs(e), scale) + ")");
    }
}
