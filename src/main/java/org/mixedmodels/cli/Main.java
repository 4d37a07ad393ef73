package org.mixedmodels.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.ModelComparison;
import org.mixedmodels.engine.inference.ProfileLikelihood;

/**
 * The command line: {@code java -jar target/mixed-models-cli.jar fit --data FILE.csv --formula "..."
 * [--method reml|ml] [--reference COL=LEVEL]... [--format text|json]}. Errors go to stderr with exit
 * code 2 (usage) or 1 (the data or model), and a message the user can act on.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "Usage: java -jar mixed-models-cli.jar fit --data FILE.csv --formula \"y ~ x + (1 | g)\"",
            "           [--method reml|ml] [--reference COLUMN=LEVEL]... [--format text|json]",
            "           [--ddf satterthwaite|kenward-roger|residual|between-within|none] [--conf-level 0.95]",
            "           [--confint profile|wald] [--level-order COLUMN=L1,L2,...]...",
            "       java -jar mixed-models-cli.jar emmeans --data FILE.csv --formula ... --specs FACTOR[,FACTOR]",
            "           [--by FACTOR[,FACTOR]] [--ddf ...] [--conf-level 0.95] [--method reml|ml] [--reference COLUMN=LEVEL]...",
            "       java -jar mixed-models-cli.jar compare --data FILE.csv --formula A --formula B [--method ml|reml]",
            "",
            "  fit      fit a linear mixed model (lme4 formula notation) and print the summary",
            "  --data       CSV file with a header row; empty or NA cells are missing",
            "  --formula    model formula, e.g. \"Reaction ~ Days + (Days | Subject)\"",
            "  --method     reml (default) or ml",
            "  --reference  reference level of a categorical column (repeatable)",
            "  --level-order COLUMN=L1,L2,... order of a categorical column's levels, e.g. the visits of a",
            "               residual structure (repeatable; otherwise sorted order)",
            "  --format     text (default) or json",
            "  --ddf        degrees of freedom of t and F tests (default satterthwaite)",
            "  --conf-level confidence level of the coefficients' intervals (default 0.95)",
            "  --confint    intervals for all parameters: profile (likelihood, as lme4's confint) or wald",
            "  emmeans  estimated marginal (LS) means of the levels of --specs, averaged over the other",
            "           factors with equal weights and numeric covariates at their means, with pairwise",
            "           differences (unadjusted, Tukey, Bonferroni and Holm p-values); with --by, means at each",
            "           level of the by factors and differences within them (e.g. --specs arm --by visit)",
            "  compare  likelihood-ratio test of nested models on the same rows (ML; REML fits with",
            "           different fixed effects are refitted by ML, as lme4's anova)",
            "",
            "       java -jar mixed-models-cli.jar icc --data FILE.csv --subject COL --value COL [--rater COL]",
            "           [--fixed COL[,COL]] [--seed N] [--bootstrap R] [--conf-level 0.95] [--format text|json]",
            "  icc      intraclass correlation: the mixed-model ICC (REML random intercept, parametric",
            "           bootstrap interval; unbalanced data welcome) and, with --rater, the six Shrout-Fleiss",
            "           forms ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k with F tests and intervals",
            "       java -jar mixed-models-cli.jar design-effect --data FILE.csv --cluster COL --value COL",
            "       java -jar mixed-models-cli.jar design-effect --icc X --cluster-size M --n N [--cv C]",
            "  design-effect  Kish design effect 1 + (m - 1) ICC, its unequal-cluster-size version and the",
            "           effective sample size n / DE, from data or for planning",
            "",
            "       java -jar mixed-models-cli.jar joint --long FILE --surv FILE --long-formula \"y ~ time + (time | id)\"",
            "           --time-var time --surv-time Time --event death [--surv-formula \"~ x\"]",
            "           --baseline weibull|piecewise [--reference COL=LEVEL]... [--horizons 6,12] [--format json]",
            "  joint    joint model of a longitudinal marker and time to event sharing random effects (as R's",
            "           JM): current-value association, Weibull or piecewise-constant baseline hazard",
            "",
            "       java -jar mixed-models-cli.jar bench [--subjects N] [--visits V] [--repeat R]",
            "  bench    fit generated longitudinal data (y ~ time * arm + (time | subject)), default",
            "           20000 subjects x 10 visits, and print rows, groups, evaluations, seconds, peak heap",
            "       java -jar mixed-models-cli.jar bench --suite [--scale F] [--case NAME[,NAME]] [--write-data DIR]",
            "  bench --suite  the performance suite: InstEval-shaped crossed, nested schools/students with",
            "           10k and 100k schools, crossed 6000 x 2500 users x items, longitudinal 200k and 1M rows,",
            "           nested 500k, AR(1) + random intercept 200k, unstructured 10 visits x 50k subjects;",
            "           prints seconds, ms per objective evaluation and peak heap; --write-data also writes",
            "           each data set, an R script timing lme4/lmerTest and whole_process.sh (both commands)");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            switch (args[0]) {
                case "fit":
                    return fit(parse(args, FIT_FLAGS), out);
                case "emmeans":
                    return emmeans(parse(args, EMMEANS_FLAGS), out);
                case "compare":
                    return compare(parse(args, COMPARE_FLAGS), out);
                case "bench":
                    return bench(parse(args, BENCH_FLAGS), out);
                case "icc":
                    return IccCommand.run(args, out);
                case "design-effect":
                    return IccCommand.runDesignEffect(args, out);
                case "joint":
                    return JointCommand.run(args, out);
                default:
                    throw new UsageException("Unknown command '" + args[0] + "'; the commands are: fit, compare, emmeans, "
                            + "icc, design-effect, joint, bench.");
            }
        } catch (IllegalArgumentException e) { // UsageException and the commands' bad options
            err.println("Error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (MixedModelException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("Error: out of memory; give Java more with -Xmx (e.g. java -Xmx8g -jar ...).");
            return 1;
        }
    }

    private static int fit(Map<String, List<String>> options, PrintStream out) {
        String data = single(options, "--data", true);
        String formula = single(options, "--formula", true);
        String method = single(options, "--method", false);
        String format = format(options);
        FitOptions.Method m = method == null ? FitOptions.Method.REML : parseMethod(method);
        DfMethod ddf = ddf(options);
        double level = confLevel(options);
        Map<String, String> references = references(options);
        String confint = single(options, "--confint", false);
        if (confint != null && !confint.equals("profile") && !confint.equals("wald")) {
            throw new UsageException("--confint must be profile or wald, not '" + confint + "'.");
        }
        DataFrame frame = CsvReader.read(Path.of(data));
        FitResult fit = LinearMixedModel.fit(formula, frame, new FitOptions(m, references, levelOrders(options)));
        FixedEffectsInference inference = FixedEffectsInference.of(fit, ddf, level);
        List<ConfidenceInterval> intervals = confint == null ? List.of()
                : confint.equals("profile") ? ProfileLikelihood.intervals(fit, level)
                        : ProfileLikelihood.waldIntervals(fit, level);
        if ("json".equals(format)) {
            out.print(Json.write(FitReport.json(fit, inference, formula, data, confint, intervals)));
        } else {
            out.print(FitReport.text(fit, inference, formula, confint, intervals));
        }
        return 0;
    }

    private static int emmeans(Map<String, List<String>> options, PrintStream out) {
        String data = single(options, "--data", true);
        String formula = single(options, "--formula", true);
        String specs = single(options, "--specs", true);
        String method = single(options, "--method", false);
        FitOptions.Method m = method == null ? FitOptions.Method.REML : parseMethod(method);
        String format = format(options);
        List<String> factors = factorList(specs);
        String byText = single(options, "--by", false);
        List<String> by = byText == null ? List.of() : factorList(byText);
        DfMethod ddf = ddf(options);
        double level = confLevel(options);
        Map<String, String> references = references(options);
        FitResult fit = LinearMixedModel.fit(formula, CsvReader.read(Path.of(data)), new FitOptions(m, references, levelOrders(options)));
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, factors, by, ddf, level);
        out.print("json".equals(format) ? Json.write(FitReport.json(emm, factors, ddf, level, formula, data))
                : FitReport.text(emm, factors, ddf, level));
        return 0;
    }

    private static List<String> factorList(String text) {
        List<String> factors = new ArrayList<>();
        for (String f : text.split("[,:*]")) {
            if (!f.isBlank()) {
                factors.add(f.strip());
            }
        }
        return factors;
    }

    private static DfMethod ddf(Map<String, List<String>> options) {
        String ddfText = single(options, "--ddf", false);
        if (ddfText == null) {
            return DfMethod.SATTERTHWAITE;
        }
        try {
            return DfMethod.parse(ddfText);
        } catch (MixedModelException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static double confLevel(Map<String, List<String>> options) {
        String levelText = single(options, "--conf-level", false);
        if (levelText == null) {
            return FixedEffectsInference.DEFAULT_CONFIDENCE_LEVEL;
        }
        double level;
        try {
            level = Double.parseDouble(levelText);
        } catch (NumberFormatException e) {
            level = Double.NaN;
        }
        if (!(level > 0 && level < 1)) {
            throw new UsageException("--conf-level takes a number between 0 and 1, e.g. 0.95; got '" + levelText + "'.");
        }
        return level;
    }

    private static int compare(Map<String, List<String>> options, PrintStream out) {
        String data = single(options, "--data", true);
        List<String> formulas = options.getOrDefault("--formula", List.of());
        if (formulas.size() < 2) {
            throw new UsageException("compare needs two or more models: give --formula for each.");
        }
        String method = single(options, "--method", false);
        FitOptions.Method m = method == null ? FitOptions.Method.ML : parseMethod(method);
        String format = format(options);
        ModelComparison c = ModelComparison.of(formulas, CsvReader.read(Path.of(data)), new FitOptions(m, references(options), levelOrders(options)));
        out.print("json".equals(format) ? Json.write(FitReport.json(c, data)) : FitReport.text(c));
        return 0;
    }

    private static FitOptions.Method parseMethod(String method) {
        return switch (method.toLowerCase(java.util.Locale.ROOT)) {
            case "reml" -> FitOptions.Method.REML;
            case "ml" -> FitOptions.Method.ML;
            default -> throw new UsageException("--method must be reml or ml, not '" + method + "'.");
        };
    }

    private static String format(Map<String, List<String>> options) {
        String format = single(options, "--format", false);
        if (format != null && !format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format must be text or json, not '" + format + "'.");
        }
        return format;
    }

    private static Map<String, String> references(Map<String, List<String>> options) {
        Map<String, String> references = new LinkedHashMap<>();
        for (String r : options.getOrDefault("--reference", List.of())) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new UsageException("--reference takes COLUMN=LEVEL, e.g. --reference Sex=Male; got '" + r + "'.");
            }
            references.put(r.substring(0, eq), r.substring(eq + 1));
        }
        return references;
    }

    /** --level-order COLUMN=LEVEL1,LEVEL2,... (repeatable). */
    private static Map<String, List<String>> levelOrders(Map<String, List<String>> options) {
        Map<String, List<String>> orders = new LinkedHashMap<>();
        for (String r : options.getOrDefault("--level-order", List.of())) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new UsageException("--level-order takes COLUMN=LEVEL1,LEVEL2,..., e.g. --level-order "
                        + "visit=WEEK2,WEEK4,WEEK8,WEEK12; got '" + r + "'.");
            }
            List<String> levels = new ArrayList<>();
            for (String level : r.substring(eq + 1).split(",")) {
                if (level.isBlank() || levels.contains(level.strip())) {
                    throw new UsageException("--level-order for '" + r.substring(0, eq) + "' has an empty or repeated level: '"
                            + r + "'.");
                }
                levels.add(level.strip());
            }
            orders.put(r.substring(0, eq), levels);
        }
        return orders;
    }

    private static int bench(Map<String, List<String>> options, PrintStream out) {
        if (options.containsKey("--suite")) {
            double scale = 1.0;
            String scaleText = single(options, "--scale", false);
            if (scaleText != null) {
                try {
                    scale = Double.parseDouble(scaleText);
                } catch (NumberFormatException e) {
                    scale = Double.NaN;
                }
                if (!(scale > 0 && scale <= 10)) {
                    throw new UsageException("--scale takes a number in (0, 10], e.g. 0.01 for a smoke run; got '"
                            + scaleText + "'.");
                }
            }
            String cases = single(options, "--case", false);
            String dir = single(options, "--write-data", false);
            try {
                return BenchSuite.run(scale, cases == null ? List.of() : factorList(cases), positive(options, "--repeat", 2),
                        dir == null ? null : Path.of(dir), out);
            } catch (java.io.IOException e) {
                throw new MixedModelException("Cannot write the benchmark data to " + dir + ": " + e.getMessage());
            }
        }
        return Bench.run(positive(options, "--subjects", 20_000), positive(options, "--visits", 10),
                positive(options, "--repeat", 3), out);
    }

    private static int positive(Map<String, List<String>> options, String flag, int otherwise) {
        String v = single(options, flag, false);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(flag + " takes a positive whole number, not '" + v + "'.");
    }

    private static final java.util.Set<String> FIT_FLAGS =
            java.util.Set.of("--data", "--formula", "--method", "--reference", "--format", "--ddf", "--conf-level",
                    "--confint", "--level-order");
    private static final java.util.Set<String> EMMEANS_FLAGS = java.util.Set.of("--data", "--formula", "--method",
            "--reference", "--format", "--ddf", "--conf-level", "--specs", "--level-order", "--by");
    private static final java.util.Set<String> COMPARE_FLAGS =
            java.util.Set.of("--data", "--formula", "--method", "--reference", "--format", "--level-order");
    /** Options without a value. */
    private static final java.util.Set<String> SWITCHES = java.util.Set.of("--suite");

    private static Map<String, List<String>> parse(String[] args, java.util.Set<String> flags) {
        return CommandLineOptions.parse(args, args[0], flags, SWITCHES);
    }

    private static String single(Map<String, List<String>> options, String flag, boolean required) {
        return CommandLineOptions.single(options, flag, required);
    }
    private static final java.util.Set<String> BENCH_FLAGS = java.util.Set.of("--subjects", "--visits", "--repeat",
            "--suite", "--scale", "--case", "--write-data");



    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
