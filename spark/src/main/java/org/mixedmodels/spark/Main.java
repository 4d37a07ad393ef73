package org.mixedmodels.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.mixedmodels.cli.Json;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvOptions;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.ProfileLikelihood;
import org.mixedmodels.engine.report.FitReport;

/**
 * The command line of the distributed fit: {@code fit --spark local[*]|URL --data FILE --formula ...}, with the
 * core command line's fit output (text or JSON). Run with {@code java -jar target/mixed-models-spark.jar} (Spark
 * inside, a local master or a standalone cluster's URL) or with {@code spark-submit --class
 * org.mixedmodels.spark.Main target/mixed-models-spark-submit.jar fit ...} (the cluster's Spark; no --spark).
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "Usage: mixed-models-spark fit --data FILE --formula \"y ~ x + (x | g)\" [--spark local[*]|spark://HOST:PORT]",
            "        [--input csv|parquet|orc|json] [--method reml|ml] [--reference COLUMN=LEVEL]...",
            "        [--level-order COLUMN=L1,L2,...]... [--format text|json] [--ddf satterthwaite|residual|none]",
            "        [--conf-level 0.95] [--confint wald] [--correlation] [--na TOKENS] [--categorical COL[,COL]]",
            "        [--delimiter CHAR]",
            "",
            "Spark reads the rows (any Spark source: a file, a folder of part files, hdfs://, s3a://) and aggregates",
            "the cross-products of [Z X y] per group; the driver fits them with the engine. Without --spark the master",
            "comes from spark-submit (or spark.master).",
            "");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        if (!args[0].equals("fit")) {
            err.println("Error: the only command is fit, not '" + args[0] + "'.");
            err.print(USAGE);
            return 2;
        }
        Map<String, List<String>> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return 2;
        }
        if (options.containsKey("--help")) {
            out.print(USAGE);
            return 0;
        }
        SparkSession spark = null;
        // a session that exists already (an embedding application's, a test's) is used and left running
        boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        try {
            Request r = Request.of(options);
            spark = session(r.master);
            Fit f = fit(spark, r);
            print(f, r, out, err);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return 2;
        } catch (MixedModelException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        } catch (Exception e) { // a job's failure arrives as Spark's (undeclared, checked) SparkException
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof MixedModelException)) {
                cause = cause.getCause();
            }
            if (!(cause instanceof MixedModelException)) {
                throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            err.println("Error: " + cause.getMessage());
            return 1;
        } finally {
            if (spark != null && own) {
                spark.stop();
            }
        }
    }

    /** A fit and the record of its passes. */
    record Fit(FitResult fit, FixedEffectsInference inference, List<ConfidenceInterval> intervals,
            SparkStatistics.Passes passes, double optimizationSeconds, long statisticsBytes) {
    }

    /** The options of one fit. */
    record Request(String master, String data, String input, String formula, FitOptions options, String format,
            DfMethod ddf, double level, String confint, boolean correlation, Set<String> missingTokens,
            Set<String> categorical, String delimiter) {

        static Request of(Map<String, List<String>> o) {
            String data = single(o, "--data", true);
            String formula = single(o, "--formula", true);
            if (o.containsKey("--family") || formula.replace(" ", "").contains("cbind(")) {
                throw new MixedModelException("A generalized linear mixed model (binomial, Poisson) is not fitted from"
                        + " cross-product statistics: its working weights and response change with the parameters at"
                        + " every evaluation, so each step needs a pass over the rows. Fit it in memory (glmm command).");
            }
            String method = lower(single(o, "--method", false));
            FitOptions.Method m = method == null || method.equals("reml") ? FitOptions.Method.REML
                    : method.equals("ml") ? FitOptions.Method.ML : null;
            if (m == null) {
                throw new IllegalArgumentException("--method must be reml or ml, not '" + method + "'.");
            }
            Map<String, String> refs = new LinkedHashMap<>();
            for (String r : o.getOrDefault("--reference", List.of())) {
                int eq = r.indexOf('=');
                if (eq <= 0 || eq == r.length() - 1) {
                    throw new IllegalArgumentException("--reference takes COLUMN=LEVEL; got '" + r + "'.");
                }
                refs.put(r.substring(0, eq), r.substring(eq + 1));
            }
            Map<String, List<String>> orders = new LinkedHashMap<>();
            for (String r : o.getOrDefault("--level-order", List.of())) {
                int eq = r.indexOf('=');
                if (eq <= 0 || eq == r.length() - 1) {
                    throw new IllegalArgumentException("--level-order takes COLUMN=L1,L2,...; got '" + r + "'.");
                }
                orders.put(r.substring(0, eq), List.of(r.substring(eq + 1).split(",")));
            }
            String format = lower(single(o, "--format", false));
            if (format != null && !format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be text or json, not '" + format + "'.");
            }
            String ddfText = lower(single(o, "--ddf", false));
            DfMethod ddf = ddfText == null ? DfMethod.SATTERTHWAITE : DfMethod.parse(ddfText);
            if (ddf != DfMethod.SATTERTHWAITE && ddf != DfMethod.RESIDUAL && ddf != DfMethod.NONE) {
                throw new MixedModelException("--ddf " + ddfText + " is not computed from cross-product statistics:"
                        + " it needs the random-effects design row by row. Use satterthwaite, residual or none, or fit"
                        + " in memory.");
            }
            String vcov = lower(single(o, "--vcov", false));
            if (vcov != null && !vcov.equals("model")) {
                throw new MixedModelException("--vcov " + vcov + " (a sandwich covariance) needs each group's residuals"
                        + " row by row; a fit from statistics gives the model-based covariance only.");
            }
            String confint = lower(single(o, "--confint", false));
            if (confint != null && !confint.equals("wald")) {
                throw new MixedModelException("--confint " + confint + " is not available for a fit from statistics"
                        + " (profiling refits with a coefficient held fixed); use --confint wald.");
            }
            String levelText = single(o, "--conf-level", false);
            double level = levelText == null ? FixedEffectsInference.DEFAULT_CONFIDENCE_LEVEL : Double.parseDouble(levelText);
            if (!(level > 0 && level < 1)) {
                throw new IllegalArgumentException("--conf-level takes a number between 0 and 1, e.g. 0.95.");
            }
            Set<String> na = new LinkedHashSet<>(CsvOptions.DEFAULT_MISSING_TOKENS);
            String naText = single(o, "--na", false);
            if (naText != null) {
                na = new LinkedHashSet<>(List.of(naText.split(",")));
            }
            Set<String> cat = new LinkedHashSet<>();
            String catText = single(o, "--categorical", false);
            if (catText != null) {
                for (String c : catText.split(",")) {
                    cat.add(c.strip());
                }
            }
            String input = lower(single(o, "--input", false));
            if (input == null) {
                String d = data.toLowerCase(Locale.ROOT);
                input = d.endsWith(".parquet") || d.endsWith(".parquet/") ? "parquet" : d.endsWith(".orc") ? "orc"
                        : d.endsWith(".json") ? "json" : "csv";
            }
            return new Request(single(o, "--spark", false), data, input, formula, new FitOptions(m, refs, orders),
                    format, ddf, level, confint, o.containsKey("--correlation"), na, cat, single(o, "--delimiter", false));
        }
    }

    static SparkSession session(String master) {
        SparkSession.Builder b = SparkSession.builder().appName("mixed-models fit").config("spark.ui.enabled", "false");
        if (master != null) {
            b.master(master);
        }
        SparkSession s = b.getOrCreate();
        s.sparkContext().setLogLevel("WARN");
        return s;
    }

    /** Reads the table, aggregates the statistics with Spark, and fits them on the driver. */
    static Fit fit(SparkSession spark, Request r) {
        DataFrameReader reader = spark.read();
        Dataset<Row> table;
        if (r.input.equals("csv")) {
            // every column as text, typed by the engine's rules (numeric when every value is a number)
            reader = reader.option("header", "true").option("inferSchema", "false").option("mode", "FAILFAST");
            String d = r.delimiter == null ? "," : r.delimiter.equals("tab") ? "\t" : r.delimiter;
            table = reader.option("sep", d).csv(r.data);
        } else {
            table = reader.format(r.input).load(r.data);
        }
        SparkStatistics.Result stats = SparkStatistics.compute(table, r.formula, r.options, r.input.equals("csv"),
                r.missingTokens, r.categorical);
        long t0 = System.nanoTime();
        FitResult fit = LinearMixedModel.fit(stats.design(), r.options);
        if (stats.blups() != null) {
            fit = withBlups(fit, stats.blups().blups(fit));
        }
        FixedEffectsInference inference = FixedEffectsInference.of(fit, r.ddf, r.level, CovarianceType.MODEL);
        List<ConfidenceInterval> intervals = r.confint == null ? List.of() : ProfileLikelihood.waldIntervals(fit, r.level);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Fit(fit, inference, intervals, stats.passes(), seconds, stats.bytes());
    }

    /**
     * The fit with the BLUPs of the second pass over the subjects; the engine's "no BLUPs" warning becomes one about
     * the fitted values and residuals, which stay with the rows in the cluster.
     */
    static FitResult withBlups(FitResult f, List<org.mixedmodels.engine.fit.RandomEffect> ranef) {
        List<String> warnings = new java.util.ArrayList<>();
        for (String w : f.warnings()) {
            warnings.add(w.startsWith("No BLUPs:") ? "No fitted values or residuals: the fit read statistics by visit "
                    + "pattern, and they stay with the rows in the cluster (the BLUPs were computed by a second pass "
                    + "over the subjects)." : w);
        }
        return new FitResult(f.design(), f.method(), f.nobs(), f.ngroups(), f.theta(), f.sigma(), f.logLik(),
                f.objective(), f.aic(), f.bic(), f.singular(), f.fixedEffects(), f.fixedCovariance(), f.varCorr(),
                ranef, f.fittedConditional(), f.fittedPopulation(), f.residuals(), f.optimizer(), warnings,
                f.residual());
    }

    static void print(Fit f, Request r, PrintStream out, PrintStream err) {
        FitReport.Source source = new FitReport.Source(r.data, null);
        if ("json".equals(r.format)) {
            out.print(Json.write(FitReport.json(f.fit, f.inference, r.formula, source, r.confint, f.intervals)));
        } else {
            out.print(FitReport.text(f.fit, f.inference, r.formula, source, r.confint, f.intervals, r.correlation));
        }
        SparkStatistics.Passes p = f.passes;
        err.println(String.format(Locale.ROOT, "Spark: %d rows read (%d left out for missing values%s); passes: levels"
                + " %.1f s, moments %.1f s, cross-products %.1f s; %d bytes shuffled; statistics %.1f MB on the driver;"
                + " fit %.1f s", p.rowsRead(), p.rowsOmitted(), p.missingPerColumn().isEmpty() ? ""
                        : ": " + p.missingPerColumn(), p.levelsSeconds(), p.momentsSeconds(), p.crossSeconds(),
                p.shuffleBytes(), f.statisticsBytes / 1048576.0, f.optimizationSeconds));
        for (String w : FitReport.warnings(f.fit, f.inference.warnings())) {
            err.println("Warning: " + w);
        }
    }

    private static final Set<String> SWITCHES = Set.of("--correlation", "--help");
    private static final Set<String> REPEATABLE = Set.of("--reference", "--level-order");
    private static final Set<String> KNOWN = Set.of("--spark", "--data", "--input", "--formula", "--method",
            "--reference", "--level-order", "--format", "--ddf", "--conf-level", "--confint", "--correlation", "--na",
            "--categorical", "--delimiter", "--vcov", "--family", "--help");

    static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!KNOWN.contains(a)) {
                throw new IllegalArgumentException("unknown option '" + a + "'.\n" + USAGE);
            }
            if (SWITCHES.contains(a)) {
                o.put(a, List.of());
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value.");
            }
            if (o.containsKey(a) && !REPEATABLE.contains(a)) {
                throw new IllegalArgumentException(a + " is given twice.");
            }
            o.computeIfAbsent(a, k -> new ArrayList<>()).add(args[++i]);
        }
        return o;
    }

    private static String single(Map<String, List<String>> o, String flag, boolean required) {
        List<String> v = o.get(flag);
        if (v == null || v.isEmpty()) {
            if (required) {
                throw new IllegalArgumentException(flag + " is required.\n" + USAGE);
            }
            return null;
        }
        return v.get(0);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
