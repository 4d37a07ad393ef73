package org.mixedmodels.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.mixedmodels.plot.PlotKind;

/**
 * The commands and their options, one table per command: the parser accepts exactly the flags of the table, and
 * {@code COMMAND --help} and {@code help COMMAND} print it. To add an option, add a row to the command's table (and
 * read it in the command).
 */
final class Commands {
    static final String JAR = "java -jar mixed-models-cli.jar";

    /**
     * One option.
     *
     * @param flag e.g. {@code --data}
     * @param value the value's placeholder, e.g. {@code FILE.csv}; null for a switch without a value
     * @param help one line or a few, wrapped by the caller
     */
    record Option(String flag, String value, String help) {
        boolean isSwitch() {
            return value == null;
        }
    }

    /**
     * A command.
     *
     * @param name as typed
     * @param summary one line for the command list
     * @param synopsis the usage line(s) after the jar
     * @param options the table
     */
    record Command(String name, String summary, List<String> synopsis, List<Option> options) {
        Set<String> flags() {
            Set<String> f = new LinkedHashSet<>();
            options.forEach(o -> f.add(o.flag()));
            f.add("--help");
            return f;
        }

        Set<String> switches() {
            Set<String> f = new LinkedHashSet<>();
            options.stream().filter(Option::isSwitch).forEach(o -> f.add(o.flag()));
            f.add("--help");
            return f;
        }

        String help() {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < synopsis.size(); i++) {
                s.append(i == 0 ? "Usage: " : "       ").append(JAR).append(' ').append(synopsis.get(i)).append('\n');
            }
            s.append('\n').append(summary).append("\n\nOptions:\n");
            int width = 0;
            for (Option o : options) {
                width = Math.max(width, label(o).length());
            }
            for (Option o : options) {
                String[] lines = o.help().split("\n");
                s.append(String.format("  %-" + width + "s  %s%n", label(o), lines[0]));
                for (int k = 1; k < lines.length; k++) {
                    s.append(String.format("  %-" + width + "s  %s%n", "", lines[k]));
                }
            }
            s.append(String.format("  %-" + width + "s  %s%n", "--help", "this text"));
            return s.toString();
        }

        private static String label(Option o) {
            return o.isSwitch() ? o.flag() : o.flag() + " " + o.value();
        }
    }

    private Commands() {
    }

    /** How the data file is read and typed: shared by the commands that read a CSV file. */
    static final List<Option> READING = List.of(
            new Option("--na", "TOKENS", "texts that mean missing, comma-separated, e.g. --na \"NA,.,NULL\"\n"
                    + "(default NA; an empty cell is always missing)"),
            new Option("--categorical", "COL[,COL]", "use these numeric columns as categorical (SAS CLASS; as factor(COL)\n"
                    + "in the formula); levels keep their text as written, e.g. 001"),
            new Option("--delimiter", "CHAR", "field delimiter: ',' ';' tab or any character (default: ',', or ';' or\n"
                    + "tab when the header has no comma)"),
            new Option("--decimal", "MARK", "decimal mark: . (default) or , (European exports; the delimiter is then ';')"),
            new Option("--encoding", "NAME", "text encoding, e.g. latin1, windows-1252, UTF-16 (default UTF-8; a\n"
                    + "UTF-16 byte-order mark is recognised)"));

    private static final Option DATA = new Option("--data", "FILE.csv", "data file with a header row");
    private static final Option FORMULA = new Option("--formula", "\"y ~ x + (1 | g)\"",
            "model formula in lme4 notation; factor(x) makes a numeric column categorical");
    private static final Option METHOD = new Option("--method", "reml|ml", "REML (default) or maximum likelihood");
    private static final Option REFERENCE = new Option("--reference", "COLUMN=LEVEL",
            "reference level of a categorical column (repeatable; default the first level)");
    private static final Option LEVEL_ORDER = new Option("--level-order", "COLUMN=L1,L2,...",
            "order of a categorical column's levels, e.g. visits (repeatable; default: numeric\n"
                    + "order when all levels are numbers, else text order)");
    private static final Option FORMAT = new Option("--format", "text|json", "output format (default text)");
    private static final Option DDF = new Option("--ddf", "METHOD",
            "df of t and F tests: satterthwaite (default), kenward-roger (kr),\n"
                    + "kenward-roger-linear (KR without V's second derivatives, mmrm's), residual,\n"
                    + "between-within, none (z tests)");
    private static final Option VCOV = new Option("--vcov", "model|empirical|empirical-cr2",
            "covariance of the fixed effects: model-based (default), empirical (CR0 sandwich by\n"
                    + "subject) or empirical-cr2 (Bell-McCaffrey CR2, clubSandwich's Satterthwaite df)");
    private static final Option ROBUST_TEST = new Option("--robust-test", "eigen|htz",
            "multi-df tests with a sandwich (--vcov): eigen-contrast F (default) or clubSandwich's\n"
                    + "HTZ (Hotelling T^2 with Zhang's df, Wald_test(test = \"HTZ\"))");
    private static final Option CONF_LEVEL = new Option("--conf-level", "0.95", "confidence level of the intervals");

    /** The GLMM options of fit (and compare): glmer's family, link, trials, offset and nAGQ. */
    static final List<Option> GLMM = List.of(
            new Option("--family", "gaussian|binomial|poisson", "response distribution: gaussian (default, a linear mixed\n"
                    + "model), binomial (0/1, or successes out of --trials) or poisson (counts), as glmer"),
            new Option("--link", "logit|probit|cloglog|log", "link function (default logit for binomial, log for\n"
                    + "poisson)"),
            new Option("--trials", "COL", "binomial: the number of trials per row; the response is then the\n"
                    + "successes (glmer's cbind(successes, trials - successes))"),
            new Option("--offset", "COL", "a column added to the linear predictor with coefficient 1, e.g. log(exposure)\n"
                    + "for rates (glmer's offset)"),
            new Option("--nagq", "K", "1 (default): Laplace approximation; K > 1: adaptive Gauss-Hermite quadrature\n"
                    + "with K nodes (one random intercept only, as glmer's nAGQ)"));

    static final Command FIT = new Command("fit", "Fit a linear mixed model and print its summary (as lmerTest's summary);\n"
            + "with --family binomial or poisson a generalized linear mixed model (as lme4's glmer summary).",
            List.of("fit --data FILE.csv --formula \"y ~ x + (x | g)\" [options]",
                    "fit --data FILE.csv --formula \"y ~ x + (1 | g)\" --family binomial|poisson [--link L] [--trials COL]"
                            + " [--offset COL] [--nagq K]"),
            concat(List.of(DATA, FORMULA, METHOD, REFERENCE, LEVEL_ORDER), READING, List.of(FORMAT, DDF, VCOV, ROBUST_TEST, CONF_LEVEL,
                    new Option("--confint", "profile|wald", "intervals for all parameters: profile likelihood (as lme4's\n"
                            + "confint) or Wald"),
                    new Option("--correlation", null, "also print the correlation of the fixed effects")), GLMM));

    static final Command EMMEANS = new Command("emmeans",
            "Estimated marginal (LS) means with their pairwise differences.\n"
                    + "The means of the levels of --specs (other factors weighted equally, covariates at their means), with\n"
                    + "unadjusted, Tukey, Bonferroni and Holm p-values; with --by, within each level of the by factors.",
            List.of("emmeans --data FILE.csv --formula \"...\" --specs FACTOR[,FACTOR] [--by FACTOR] [options]"),
            concat(List.of(DATA, FORMULA, new Option("--specs", "FACTOR[,FACTOR]", "the factor(s) whose means are wanted"),
                    new Option("--by", "FACTOR[,FACTOR]", "means and differences within each level of these factors"),
                    new Option("--contrasts", "pairwise|trt.vs.ctrl", "differences of all pairs (default; Tukey) or of each\n"
                            + "level minus the reference level (emmeans' trt.vs.ctrl; Dunnett, emmeans' dunnettx)"),
                    METHOD, REFERENCE, LEVEL_ORDER), READING, List.of(FORMAT, DDF, VCOV, CONF_LEVEL)));

    static final Command COMPARE = new Command("compare",
            "Likelihood-ratio test of nested models fitted to the same rows.\n"
                    + "ML; REML fits with different fixed effects are refitted by ML first, as lme4's anova; with\n"
                    + "--family binomial or poisson, nested GLMMs (as anova of glmer fits).",
            List.of("compare --data FILE.csv --formula A --formula B [--formula C ...] [options]"),
            concat(List.of(DATA, new Option("--formula", "FORMULA", "a model (give two or more, smallest first)"),
                    new Option("--method", "ml|reml", "ML (default) or REML"), REFERENCE, LEVEL_ORDER), READING,
                    List.of(FORMAT), GLMM));

    static final Command ICC = new Command("icc",
            "Intraclass correlation: the mixed-model ICC, and with --rater the Shrout-Fleiss forms.\n"
                    + "The mixed-model ICC is a REML random intercept with a parametric bootstrap interval; the six\n"
                    + "Shrout-Fleiss forms come with F tests and intervals.",
            List.of("icc --data FILE.csv --subject COL --value COL [--rater COL] [options]"),
            concat(List.of(DATA, new Option("--subject", "COL", "the subjects (targets) rated"),
                    new Option("--value", "COL", "the measurements"),
                    new Option("--rater", "COL", "the raters (gives the Shrout-Fleiss forms; complete data only)"),
                    new Option("--fixed", "COL[,COL]", "fixed covariates of the mixed-model ICC"),
                    new Option("--seed", "N", "seed of the bootstrap"),
                    new Option("--bootstrap", "R", "bootstrap replicates (default 1000)"), CONF_LEVEL), READING,
                    List.of(FORMAT)));

    static final Command DESIGN_EFFECT = new Command("design-effect",
            "Design effect and effective sample size, from data or for planning.\n"
                    + "Kish's 1 + (m - 1) ICC, its unequal-cluster-size version and n / DE.",
            List.of("design-effect --data FILE.csv --cluster COL --value COL [--fixed COL[,COL]]",
                    "design-effect --icc X --cluster-size M --n N [--cv C]"),
            concat(List.of(DATA, new Option("--cluster", "COL", "the clusters"), new Option("--value", "COL", "the outcome"),
                    new Option("--fixed", "COL[,COL]", "fixed covariates"),
                    new Option("--icc", "X", "planning: the ICC"), new Option("--cluster-size", "M", "planning: mean cluster size"),
                    new Option("--n", "N", "planning: total sample size"),
                    new Option("--cv", "C", "planning: coefficient of variation of the cluster sizes")), READING,
                    List.of(FORMAT)));

    static final Command JOINT = new Command("joint",
            "Joint model of a longitudinal marker and time to event sharing random effects (as R's JM).",
            List.of("joint --long FILE --surv FILE --long-formula \"y ~ time + (time | id)\" --time-var time",
                    "      --surv-time Time --event death --baseline weibull|piecewise [options]"),
            concat(List.of(new Option("--long", "FILE", "the longitudinal data"),
                    new Option("--surv", "FILE", "the survival data, one row per subject"),
                    new Option("--long-formula", "FORMULA", "the marker's mixed model"),
                    new Option("--time-var", "COL", "the time column of the longitudinal data"),
                    new Option("--surv-time", "COL", "the event or censoring time"),
                    new Option("--event", "COL", "the event indicator (1 event, 0 censored)"),
                    new Option("--surv-formula", "\"~ x\"", "baseline covariates of the hazard (default ~ 1)"),
                    new Option("--baseline", "weibull|piecewise", "baseline hazard"), REFERENCE,
                    new Option("--horizons", "T[,T]", "times of the survival predictions"),
                    new Option("--gh-points", "K", "Gauss-Hermite points")), READING, List.of(FORMAT)));

    static final Command BENCH = new Command("bench",
            "Benchmarks: fit generated data and print times and peak heap.\n"
                    + "Longitudinal data y ~ time * arm + (time | subject) by default; with --suite the performance suite"
                    + " (InstEval-shaped crossed, nested schools/students with 10k and 100k schools, crossed 6000 x 2500"
                    + " users x items, longitudinal 200k and 1M rows, a random intercept and crossed users x items"
                    + " at 100k rows with Kenward-Roger, nested 500k, AR(1) 200k, us 50k), with ms per objective"
                    + " evaluation.",
            List.of("bench [--subjects N] [--visits V] [--repeat R]",
                    "bench --suite [--scale F] [--case NAME[,NAME]] [--write-data DIR]"),
            List.of(new Option("--subjects", "N", "subjects (default 20000)"), new Option("--visits", "V", "visits (default 10)"),
                    new Option("--repeat", "R", "warm repetitions"), new Option("--suite", null, "run the performance suite"),
                    new Option("--scale", "F", "suite: scale of the data sets, in (0, 10]"),
                    new Option("--case", "NAME[,NAME]", "suite: the cases to run"),
                    new Option("--write-data", "DIR", "suite: also write each data set, an R script timing lme4 and"
                            + " lmerTest, and whole_process.sh timing both whole commands")));

    static final Command PLOT = new Command("plot",
            "Diagnostic plots of the fit, one file each, their paths printed (the Diagnostics node's plots).\n"
                    + "residuals (Pearson residuals vs fitted), qq (normal QQ of the residuals and of each random effect),\n"
                    + "caterpillar (BLUPs +- z condsd), trajectories (observed and fitted by subject), lsmeans (LS means\n"
                    + "with CIs over the visits by arm), correlation (heat map of a residual structure's correlation).",
            List.of("plot --data FILE.csv --formula \"...\" --out DIR [--what PLOT[,PLOT]] [--format png|svg] [options]"),
            concat(List.of(DATA, FORMULA, new Option("--out", "DIR", "folder the files are written to"),
                    new Option("--what", "PLOT[,PLOT]", "plots to draw (default all that apply): "
                            + String.join(",", PlotKind.labels())),
                    new Option("--format", "png|svg", "image format (default png)"),
                    new Option("--width", "PIXELS", "image width (default 900)"),
                    new Option("--height", "PIXELS", "image height (default 650)"),
                    new Option("--subjects", "S1,S2,...", "subjects shown in the trajectories"),
                    new Option("--max-subjects", "N", "at most this many subjects when --subjects is not given (default 9)"),
                    CONF_LEVEL, METHOD, REFERENCE, LEVEL_ORDER), READING));

    static final List<Command> ALL = List.of(FIT, EMMEANS, COMPARE, ICC, DESIGN_EFFECT, JOINT, PLOT, BENCH);

    static Command named(String name) {
        for (Command c : ALL) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The short overview: the commands and where to read more. */
    static String overview() {
        StringBuilder s = new StringBuilder("Usage: " + JAR + " COMMAND [options]\n\nCommands:\n");
        for (Command c : ALL) {
            s.append(String.format("  %-14s %s%n", c.name(), c.summary().split("\n")[0]));
        }
        s.append("\nRun '").append(JAR).append(" COMMAND --help' (or 'help COMMAND') for a command's options;\n")
                .append("'--version' prints the version. Example:\n  ").append(JAR)
                .append(" fit --data examples/sleepstudy.csv --formula \"Reaction ~ Days + (Days | Subject)\"\n");
        return s.toString();
    }

    /** The version from the build (target/classes/.../version.properties, filtered by Maven). */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = Commands.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        String v = p.getProperty("version", "unknown");
        return "mixed-models " + (v.startsWith("${") ? "unknown" : v) + " (Java " + System.getProperty("java.version")
                + ")";
    }

    /** The option closest to a mistyped one (edit distance at most 3), or null. */
    static String closest(String typed, Set<String> flags) {
        String best = null;
        int bestDistance = 4;
        for (String f : flags) {
            int d = distance(typed.toLowerCase(Locale.ROOT), f);
            if (d < bestDistance) {
                bestDistance = d;
                best = f;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    @SafeVarargs
    private static List<Option> concat(List<Option>... parts) {
        List<Option> out = new ArrayList<>();
        for (List<Option> p : parts) {
            out.addAll(p);
        }
        return List.copyOf(out);
    }
}
