package org.mixedmodels.cli;

import java.io.PrintStream;
import org.mixedmodels.engine.report.FitReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.ModelComparison;
import org.mixedmodels.engine.inference.ProfileLikelihood;

/**
 * The command line: {@code java -jar target/mixed-models-cli.jar fit --data FILE.csv --formula "..."
 * [options]}; the commands and their option tables are in {@link Commands}. Errors go to stderr with exit
 * code 2 (usage: the one wrong option and a pointer to {@code --help}) or 1 (the data or model), and a
 * message the user can act on; warnings go to stderr too (and into the JSON).
 */
public final class Main {
    /** The short overview printed without a command; each command's options: {@code COMMAND --help}. */
    static final String USAGE = Commands.overview();

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String first = args[0];
        switch (first) {
            case "--help", "-h" -> {
                out.print(USAGE);
                return 0;
            }
            case "--version", "-V", "version" -> {
                out.println(Commands.version());
                return 0;
            }
            case "help" -> {
                if (args.length == 1) {
                    out.print(USAGE);
                    return 0;
                }
                Commands.Command c = Commands.named(args[1]);
                if (c == null) {
                    err.println("Error: unknown command '" + args[1] + "'; the commands are: " + commandNames() + ".");
                    return 2;
                }
                out.print(c.help());
                return 0;
            }
            default -> {
                // a command below
            }
        }
        Commands.Command command = Commands.named(first);
        if (command == null) {
            err.println("Error: unknown command '" + first + "'; the commands are: " + commandNames() + ".");
            err.println("Run '" + Commands.JAR + " --help' for an overview.");
            return 2;
        }
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                out.print(command.help());
                return 0;
            }
        }
        try {
            switch (first) {
                case "fit":
                    return fit(parse(args, command), out, err);
                case "emmeans":
                    return emmeans(parse(args, command), out, err);
                case "compare":
                    return compare(parse(args, command), out, err);
                case "bench":
                    return bench(parse(args, command), out);
                case "icc":
                    return IccCommand.run(args, out);
                case "design-effect":
                    return IccCommand.runDesignEffect(args, out);
                case "joint":
                    return JointCommand.run(args, out);
                case "plot":
                    return PlotCommand.run(args, out, err);
                default:
                    throw new IllegalStateException("no runner for " + first);
            }
        } catch (IllegalArgumentException e) { // UsageException and the commands' bad options: short, with a pointer
            err.println("Error: " + e.getMessage());
            err.println("Run '" + Commands.JAR + " " + first + " --help' for the options.");
            return 2;
        } catch (MixedModelException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("Error: out of memory; give Java more with -Xmx (e.g. java -Xmx8g -jar ...).");
            return 1;
        }
    }

    private static String commandNames() {
        return String.join(", ", Commands.ALL.stream().map(Commands.Command::name).toList());
    }

    private static int fit(Map<String, List<String>> options, PrintStream out, PrintStream err) {
        org.mixedmodels.engine.glmm.Family family = GlmmCommand.family(options);
        if (family != null) {
            return GlmmCommand.fit(family, options, out, err);
        }
        String data = single(options, "--data", true);
        String formula = single(options, "--formula", true);
        String method = single(options, "--method", false);
        String format = format(options);
        FitOptions.Method m = method == null ? FitOptions.Method.REML : parseMethod(method);
        DfMethod ddf = ddf(options);
        double level = confLevel(options);
        Map<String, String> references = references(options);
        String confint = lower(single(options, "--confint", false));
        if (confint != null && !confint.equals("profile") && !confint.equals("wald")) {
            throw new UsageException("--confint must be profile or wald, not '" + confint + "'.");
        }
        CovarianceType vcov = vcov(options);
        requireRobustCompatible(formula, ddf, vcov);
        String robustTest = lower(single(options, "--robust-test", false));
        if (robustTest != null && !robustTest.equals("eigen") && !robustTest.equals("htz")) {
            throw new UsageException("--robust-test must be eigen or htz, not '" + robustTest + "'.");
        }
        boolean htz = "htz".equals(robustTest);
        org.mixedmodels.engine.inference.LinearContrasts.requireHtzCompatible(htz, ddf, vcov);
        CsvReader.Table table = DataOptions.read(options, data);
        FitResult fit = LinearMixedModel.fit(formula, table.data(), new FitOptions(m, references, levelOrders(options)),
                new FitProgress(err));
        FixedEffectsInference inference = FixedEffectsInference.of(fit, ddf, level, vcov, htz);
        List<ConfidenceInterval> intervals = confint == null ? List.of()
                : confint.equals("profile") ? ProfileLikelihood.intervals(fit, level)
                        : ProfileLikelihood.waldIntervals(fit, level);
        FitReport.Source source = new FitReport.Source(data, table);
        if ("json".equals(format)) {
            try {
                Json.write(FitReport.json(fit, inference, formula, source, confint, intervals), out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e); // a PrintStream does not throw; another output might
            }
        } else {
            out.print(FitReport.text(fit, inference, formula, source, confint, intervals,
                    options.containsKey("--correlation")));
        }
        warn(err, FitReport.warnings(fit, inference.warnings()));
        return 0;
    }

    /** Warnings also go to stderr, where scripts and terminals look for them. */
    private static void warn(PrintStream err, List<String> warnings) {
        warnings.forEach(w -> err.println("Warning: " + w));
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
    }

    private static int emmeans(Map<String, List<String>> options, PrintStream out, PrintStream err) {
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
        CovarianceType vcov = vcov(options);
        requireRobustCompatible(formula, ddf, vcov);
        CsvReader.Table table = DataOptions.read(options, data);
        FitResult fit = LinearMixedModel.fit(formula, table.data(), new FitOptions(m, references, levelOrders(options)));
        factors = asInFormula(factors, fit);
        by = asInFormula(by, fit);
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, factors, by, ddf, level, vcov);
        FitReport.Source source = new FitReport.Source(data, table);
        out.print("json".equals(format) ? Json.write(FitReport.json(emm, factors, ddf, level, formula, source, fit))
                : FitReport.text(emm, factors, ddf, level, source, fit));
        warn(err, FitReport.warnings(fit, List.of()));
        return 0;
    }

    /** A column named as the formula uses it: {@code temperature} is {@code factor(temperature)} there. */
    private static List<String> asInFormula(List<String> columns, FitResult fit) {
        List<String> variables = fit.design().frame().formula().variables();
        List<String> out = new ArrayList<>();
        for (String c : columns) {
            String named = c;
            if (!variables.contains(c)) {
                for (String call : List.of("factor(" + c + ")", "as.factor(" + c + ")")) {
                    if (variables.contains(call)) {
                        named = call;
                    }
                }
            }
            out.add(named);
        }
        return out;
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

    /**
     * A sandwich with Kenward-Roger, or on random effects of several grouping factors, is refused before the data are
     * read or a model fitted (with the messages the engine would give after the fit).
     */
    private static void requireRobustCompatible(String formula, DfMethod ddf, CovarianceType vcov) {
        if (vcov != CovarianceType.MODEL) {
            org.mixedmodels.engine.inference.LinearContrasts.requireCompatible(ddf, vcov);
            org.mixedmodels.engine.inference.RobustCovariance.requireClusters(
                    org.mixedmodels.engine.formula.FormulaParser.parse(formula), vcov);
        }
    }

    private static CovarianceType vcov(Map<String, List<String>> options) {
        String text = single(options, "--vcov", false);
        if (text == null) {
            return CovarianceType.MODEL;
        }
        try {
            return CovarianceType.parse(text);
        } catch (MixedModelException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static DfMethod ddf(Map<String, List<String>> options) {
        String ddfText = single(options, "--ddf", false);
        if (ddfText == null) {
            return DfMethod.SATTERTHWAITE;
        }
        // the short names SAS and R users type (DDFM=KR, SATTERTH, BW, lmerTest's ddf = "Kenward-Roger")
        ddfText = switch (ddfText.toLowerCase(java.util.Locale.ROOT)) {
            case "kr" -> "kenward-roger";
            case "sat", "satterth" -> "satterthwaite";
            case "bw", "betwithin" -> "between-within";
            case "z" -> "none";
            default -> ddfText;
        };
        try {
            return DfMethod.parse(ddfText);
        } catch (MixedModelException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static double confLevel(Map<String, List<String>> options) {
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

    private static int compare(Map<String, List<String>> options, PrintStream out, PrintStream err) {
        String data = single(options, "--data", true);
        List<String> formulas = options.getOrDefault("--formula", List.of());
        if (formulas.size() < 2) {
            throw new UsageException("compare needs two or more models: give --formula for each.");
        }
        org.mixedmodels.engine.glmm.Family family = GlmmCommand.family(options);
        if (family != null) {
            return GlmmCommand.compare(family, formulas, options, out, err);
        }
        String method = single(options, "--method", false);
        FitOptions.Method m = method == null ? FitOptions.Method.ML : parseMethod(method);
        String format = format(options);
        CsvReader.Table table = DataOptions.read(options, data);
        FitOptions fitOptions = new FitOptions(m, references(options), levelOrders(options));
        List<FitResult> fits = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String f : formulas) {
            FitResult fit = LinearMixedModel.fit(f, table.data(), fitOptions);
            fits.add(fit);
            for (String w : fit.warnings()) {
                String tagged = "Model '" + f + "': " + w;
                if (!warnings.contains(tagged)) {
                    warnings.add(tagged);
                }
            }
        }
        ModelComparison c = ModelComparison.of(formulas, fits, table.data(), fitOptions);
        FitReport.Source source = new FitReport.Source(data, table);
        int omitted = fits.get(0).design().frame().omittedRows();
        out.print("json".equals(format) ? Json.write(FitReport.json(c, source, omitted, warnings))
                : FitReport.text(c, source, omitted, warnings));
        warn(err, warnings);
        return 0;
    }

    static FitOptions.Method parseMethod(String method) {
        return switch (method.toLowerCase(java.util.Locale.ROOT)) {
            case "reml" -> FitOptions.Method.REML;
            case "ml" -> FitOptions.Method.ML;
            default -> throw new UsageException("--method must be reml or ml, not '" + method + "'.");
        };
    }

    private static String format(Map<String, List<String>> options) {
        String format = lower(single(options, "--format", false));
        if (format != null && !format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format must be text or json, not '" + format + "'.");
        }
        return format;
    }

    static Map<String, String> references(Map<String, List<String>> options) {
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
    static Map<String, List<String>> levelOrders(Map<String, List<String>> options) {
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

    private static Map<String, List<String>> parse(String[] args, Commands.Command command) {
        return CommandLineOptions.parse(args, command);
    }

    private static String single(Map<String, List<String>> options, String flag, boolean required) {
        return CommandLineOptions.single(options, flag, required);
    }



    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
