package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.reliability.DesignEffect;
import org.mixedmodels.engine.reliability.IccForm;
import org.mixedmodels.engine.reliability.IccForms;
import org.mixedmodels.engine.reliability.MixedModelIcc;

/**
 * The {@code icc} and {@code design-effect} commands.
 *
 * <pre>
 * icc --data FILE.csv --subject COL --value COL [--rater COL] [--fixed COL[,COL]]... [--seed N] [--bootstrap R]
 *     [--conf-level 0.95] [--format text|json]
 * design-effect --data FILE.csv --cluster COL --value COL [--fixed COL[,COL]]... [--format text|json]
 * design-effect --icc X --cluster-size M --n N [--cv C] [--format text|json]
 * </pre>
 *
 * {@code icc} always reports the mixed-model ICC (REML random intercept, parametric bootstrap interval), which works
 * for unbalanced repeated measurements; with {@code --rater} it also reports the six Shrout-Fleiss ANOVA forms, which
 * need one rating of every subject by every rater. The argument arrays may start with the command name or not.
 * Invalid options throw {@link IllegalArgumentException} naming the option; problems with the data throw the
 * engine's {@code MixedModelException}.
 */
public final class IccCommand {
    private static final Set<String> ICC_FLAGS = Commands.ICC.flags();
    private static final Set<String> DE_FLAGS = Commands.DESIGN_EFFECT.flags();

    private IccCommand() {
    }

    /** The {@code icc} command; returns the exit code (0). */
    public static int run(String[] args, PrintStream out) {
        Map<String, List<String>> o = CommandLineOptions.parse(args, "icc", ICC_FLAGS, Set.of());
        String data = CommandLineOptions.single(o, "--data", true);
        String subject = CommandLineOptions.single(o, "--subject", true);
        String value = CommandLineOptions.single(o, "--value", true);
        String rater = CommandLineOptions.single(o, "--rater", false);
        List<String> fixed = fixed(o);
        long seed = seed(o);
        int replicates = replicates(o);
        double level = confLevel(o);
        boolean json = json(o);

        List<String> measured = new java.util.ArrayList<>(fixed);
        measured.add(value);
        DataFrame frame = DataOptions.numeric(DataOptions.frame(o, data), measured);
        IccForms.Result forms = rater == null ? null : IccForms.compute(frame, subject, value, rater, level);
        MixedModelIcc.Result mm = MixedModelIcc.estimate(frame, subject, value,
                new MixedModelIcc.Options(fixed, replicates, seed, level));
        out.print(json ? Json.write(iccJson(data, subject, value, rater, fixed, forms, mm, level))
                : iccText(subject, value, rater, fixed, forms, mm, level));
        return 0;
    }

    /** The {@code design-effect} command; returns the exit code (0). */
    public static int runDesignEffect(String[] args, PrintStream out) {
        Map<String, List<String>> o = CommandLineOptions.parse(args, "design-effect", DE_FLAGS, Set.of());
        boolean json = json(o);
        boolean fromData = o.containsKey("--data") || o.containsKey("--cluster") || o.containsKey("--value");
        boolean planning = o.containsKey("--icc") || o.containsKey("--cluster-size") || o.containsKey("--n")
                || o.containsKey("--cv");
        if (fromData && planning) {
            throw new IllegalArgumentException("Give either --data, --cluster and --value (design effect of data) or"
                    + " --icc, --cluster-size and --n (planning), not options of both: "
                    + String.join(", ", o.keySet()) + ".");
        }
        if (!fromData && !planning) {
            throw new IllegalArgumentException("Missing --data, --cluster and --value (design effect of data) or"
                    + " --icc, --cluster-size and --n (planning).");
        }
        DesignEffect.Result r;
        String data = null;
        String cluster = null;
        String value = null;
        List<String> fixed = List.of();
        if (fromData) {
            data = CommandLineOptions.single(o, "--data", true);
            cluster = CommandLineOptions.single(o, "--cluster", true);
            value = CommandLineOptions.single(o, "--value", true);
            fixed = fixed(o);
            List<String> measured = new java.util.ArrayList<>(fixed);
            measured.add(value);
            r = DesignEffect.fromData(DataOptions.numeric(DataOptions.frame(o, data), measured), cluster, value, fixed);
        } else {
            if (o.containsKey("--fixed")) {
                throw new IllegalArgumentException("--fixed applies to --data only; for planning give the ICC with --icc.");
            }
            double icc = number(o, "--icc", 0, 1, "a number between 0 and 1, e.g. 0.05");
            double m = number(o, "--cluster-size", 1, Double.POSITIVE_INFINITY, "a number of at least 1, e.g. 5");
            double n = number(o, "--n", Double.MIN_VALUE, Double.POSITIVE_INFINITY, "a positive number, e.g. 40");
            double cv = o.containsKey("--cv")
                    ? number(o, "--cv", 0, Double.POSITIVE_INFINITY, "a number of 0 or more, e.g. 0.4") : 0;
            r = DesignEffect.plan(icc, m, n, cv);
        }
        out.print(json ? Json.write(designEffectJson(r, data, cluster, value, fixed)) : designEffectText(r, cluster));
        return 0;
    }

    // ---- output ---------------------------------------------------------------------------------------------

    private static Map<String, Object> iccJson(String data, String subject, String value, String rater,
            List<String> fixed, IccForms.Result forms, MixedModelIcc.Result mm, double level) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("data", data);
        root.put("subject", subject);
        root.put("value", value);
        root.put("rater", rater);
        root.put("fixed", new ArrayList<Object>(fixed));
        root.put("nobs", mm.nobs());
        root.put("subjects", mm.subjects());
        root.put("conf_level", level);
        if (forms != null) {
            root.put("raters", forms.raters());
            List<Object> list = new ArrayList<>();
            for (IccForm f : forms.forms()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", f.type().label());
                m.put("icc", f.icc());
                m.put("F", f.f());
                m.put("df1", f.df1());
                m.put("df2", f.df2());
                m.put("p", f.p());
                m.put("lower", f.lower());
                m.put("upper", f.upper());
                m.put("interpretation", f.interpretation().label());
                list.add(m);
            }
            root.put("forms", list);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("var_between", mm.varBetween());
        m.put("var_within", mm.varWithin());
        m.put("icc", mm.icc());
        m.put("lower", mm.lower());
        m.put("upper", mm.upper());
        m.put("interpretation", mm.interpretation().label());
        m.put("formula", formula(subject, value, fixed));
        m.put("method", "REML");
        m.put("interval", mm.bootstrap() == null ? null : "parametric bootstrap percentile");
        m.put("bootstrap_replicates", mm.bootstrap() == null ? 0 : mm.bootstrap().replicates());
        m.put("bootstrap_used", mm.bootstrap() == null ? 0 : mm.bootstrap().used());
        m.put("seed", mm.bootstrap() == null ? null : mm.bootstrap().seed());
        m.put("singular", mm.singular());
        root.put("mixed_model", m);
        root.put("warnings", new ArrayList<Object>(mm.warnings()));
        return root;
    }

    private static String iccText(String subject, String value, String rater, List<String> fixed,
            IccForms.Result forms, MixedModelIcc.Result mm, double level) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Intraclass correlation of '%s' within '%s': %d rows, %d subjects%n",
                value, subject, mm.nobs(), mm.subjects()));
        String pct = percent(level);
        if (forms != null) {
            s.append(String.format(Locale.ROOT, "%nShrout-Fleiss forms (raters in '%s': %d; %s F intervals)%n", rater,
                    forms.raters(), pct));
            s.append(String.format(Locale.ROOT, "%-6s %8s %9s %4s %5s %10s %8s %8s  %s%n", "type", "ICC", "F", "df1",
                    "df2", "p", "lower", "upper", "interpretation"));
            for (IccForm f : forms.forms()) {
                s.append(String.format(Locale.ROOT, "%-6s %8.4f %9.3f %4.0f %5.0f %10.3g %8.4f %8.4f  %s%n",
                        f.type().label(), f.icc(), f.f(), f.df1(), f.df2(), f.p(), f.lower(), f.upper(),
                        f.interpretation().label()));
            }
        }
        s.append(String.format(Locale.ROOT, "%nMixed model (REML): %s%n", formula(subject, value, fixed)));
        s.append(String.format(Locale.ROOT, "  between-subject variance %s%n", g(mm.varBetween())));
        s.append(String.format(Locale.ROOT, "  within-subject variance  %s%n", g(mm.varWithin())));
        s.append(String.format(Locale.ROOT, "  ICC                      %.4f (%s)%n", mm.icc(),
                mm.interpretation().label()));
        if (mm.bootstrap() != null) {
            MixedModelIcc.Bootstrap b = mm.bootstrap();
            s.append(String.format(Locale.ROOT, "  %s interval           %.4f to %.4f (parametric bootstrap percentile,"
                    + " %d of %d replicates, seed %d)%n", pct, b.lower(), b.upper(), b.used(), b.replicates(), b.seed()));
        }
        for (String w : mm.warnings()) {
            s.append("Warning: ").append(w).append('\n');
        }
        return s.toString();
    }

    private static Map<String, Object> designEffectJson(DesignEffect.Result r, String data, String cluster,
            String value, List<String> fixed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", data == null ? "planning" : "data");
        if (data != null) {
            m.put("data", data);
            m.put("cluster", cluster);
            m.put("value", value);
            m.put("fixed", new ArrayList<Object>(fixed));
        }
        m.put("icc", r.icc());
        m.put("mean_cluster_size", r.meanClusterSize());
        m.put("cv_cluster_size", r.cvClusterSize());
        m.put("clusters", r.clusters());
        m.put("design_effect", r.designEffect());
        m.put("design_effect_unequal", r.designEffectUnequal());
        m.put("n", r.n());
        m.put("effective_n", r.effectiveN());
        m.put("effective_n_unequal", r.effectiveNUnequal());
        if (r.iccEstimate() != null) {
            m.put("var_between", r.iccEstimate().varBetween());
            m.put("var_within", r.iccEstimate().varWithin());
            m.put("warnings", new ArrayList<Object>(r.iccEstimate().warnings()));
        }
        return m;
    }

    private static String designEffectText(DesignEffect.Result r, String cluster) {
        StringBuilder s = new StringBuilder();
        s.append(cluster == null ? "Design effect (planning)\n"
                : String.format(Locale.ROOT, "Design effect of clusters in '%s' (ICC from a REML random-intercept fit)%n",
                        cluster));
        s.append("  ICC                         ").append(g(r.icc())).append('\n');
        s.append("  clusters                    ").append(g(r.clusters())).append('\n');
        s.append("  mean cluster size           ").append(g(r.meanClusterSize())).append('\n');
        s.append("  CV of cluster size          ").append(g(r.cvClusterSize())).append('\n');
        s.append("  n                           ").append(g(r.n())).append('\n');
        s.append("  design effect (Kish)        ").append(g(r.designEffect())).append(", effective n ")
                .append(g(r.effectiveN())).append('\n');
        s.append("  design effect (unequal cluster sizes, Eldridge et al. 2006) ").append(g(r.designEffectUnequal()))
                .append(", effective n ").append(g(r.effectiveNUnequal())).append('\n');
        if (r.iccEstimate() != null) {
            for (String w : r.iccEstimate().warnings()) {
                s.append("Warning: ").append(w).append('\n');
            }
        }
        return s.toString();
    }

    private static String formula(String subject, String value, List<String> fixed) {
        StringBuilder f = new StringBuilder(value).append(" ~ 1");
        for (String c : fixed) {
            f.append(" + ").append(c);
        }
        return f.append(" + (1 | ").append(subject).append(')').toString();
    }

    /** Six significant digits without trailing zeros (1.6, not 1.60000). */
    private static String g(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static String percent(double level) {
        double p = 100 * level;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + "%";
    }

    // ---- options ------------------------------------------------------------------------------------------

    /** --flag value or --flag=value; the first word may be the command's name. */


    /** --fixed may be repeated and may hold a comma-separated list. */
    private static List<String> fixed(Map<String, List<String>> options) {
        List<String> out = new ArrayList<>();
        for (String v : options.getOrDefault("--fixed", List.of())) {
            for (String c : v.split(",")) {
                if (c.isBlank()) {
                    throw new IllegalArgumentException("--fixed takes column names separated by commas, e.g. --fixed"
                            + " age,sex; got '" + v + "'.");
                }
                out.add(c.strip());
            }
        }
        return out;
    }

    private static long seed(Map<String, List<String>> options) {
        String v = CommandLineOptions.single(options, "--seed", false);
        if (v == null) {
            return MixedModelIcc.DEFAULT_SEED;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed takes a whole number, e.g. --seed 42; got '" + v + "'.", e);
        }
    }

    private static int replicates(Map<String, List<String>> options) {
        String v = CommandLineOptions.single(options, "--bootstrap", false);
        if (v == null) {
            return MixedModelIcc.DEFAULT_REPLICATES;
        }
        try {
            int r = Integer.parseInt(v.strip());
            if (r >= 0) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--bootstrap takes the number of replicates, a whole number of 0 (no"
                + " interval) or more, e.g. --bootstrap 1000; got '" + v + "'.");
    }

    private static double confLevel(Map<String, List<String>> options) {
        return options.containsKey("--conf-level")
                ? number(options, "--conf-level", Math.ulp(0.0), 1 - Math.ulp(1.0), "a number between 0 and 1, e.g. 0.95")
                : MixedModelIcc.DEFAULT_CONFIDENCE;
    }

    private static boolean json(Map<String, List<String>> options) {
        return CommandLineOptions.isJson(options);
    }

    /** A required number in [min, max]. */
    private static double number(Map<String, List<String>> options, String flag, double min, double max, String what) {
        String v = CommandLineOptions.single(options, flag, true);
        double x;
        try {
            x = Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            x = Double.NaN;
        }
        if (!(x >= min && x <= max) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(flag + " takes " + what + "; got '" + v + "'.");
        }
        return x;
    }
}
