package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.joint.Baseline;
import org.mixedmodels.engine.joint.JointCoefficient;
import org.mixedmodels.engine.joint.JointFitResult;
import org.mixedmodels.engine.joint.JointModel;
import org.mixedmodels.engine.joint.JointModelSpec;
import org.mixedmodels.engine.joint.SubjectRandomEffects;
import org.mixedmodels.engine.joint.SurvivalPrediction;

/**
 * The {@code joint} command: a joint model of a longitudinal marker and time to event (JM's {@code jointModel}).
 *
 * <pre>
 * joint --long FILE.csv --surv FILE.csv --long-formula "CD4 ~ obstime + obstime:drug + (obstime | patient)"
 *       --time-var obstime --surv-time Time --event death [--surv-formula "~ drug"] --baseline weibull|piecewise
 *       [--reference COL=LEVEL[,COL=LEVEL]]... [--horizons 6,12] [--gh-points K] [--format text|json]
 * </pre>
 *
 * The subject column is the grouping factor of the longitudinal formula's random-effects term and must be in both
 * tables; the survival table has one row per subject. The argument array may start with the command name.
 * Invalid options throw {@link IllegalArgumentException} naming the option; problems with the data throw the
 * engine's {@code MixedModelException}.
 */
public final class JointCommand {
    private static final Set<String> FLAGS = Commands.JOINT.flags();

    private JointCommand() {
    }

    /** Runs the command; returns the exit code (0). */
    public static int run(String[] args, PrintStream out) {
        Map<String, List<String>> o = CommandLineOptions.parse(args, "joint", FLAGS, java.util.Set.of());
        String longFile = CommandLineOptions.single(o, "--long", true);
        String survFile = CommandLineOptions.single(o, "--surv", true);
        String longFormula = CommandLineOptions.single(o, "--long-formula", true);
        String timeVar = CommandLineOptions.single(o, "--time-var", true);
        String survTime = CommandLineOptions.single(o, "--surv-time", true);
        String event = CommandLineOptions.single(o, "--event", true);
        String survFormula = CommandLineOptions.single(o, "--surv-formula", false);
        if (survFormula == null) {
            survFormula = "~ 1";
        } else if (!survFormula.strip().startsWith("~")) {
            throw new IllegalArgumentException("--surv-formula takes a one-sided formula of baseline covariates such as"
                    + " \"~ drug\" or \"~ 1\"; got '" + survFormula + "'.");
        }
        String baselineName = CommandLineOptions.single(o, "--baseline", true);
        Baseline baseline = Baseline.parse(baselineName);
        if (baseline == null) {
            throw new IllegalArgumentException("--baseline must be weibull or piecewise, not '" + baselineName + "'.");
        }
        Map<String, String> refs = references(o);
        List<Double> horizons = horizons(o);
        int gh = ghPoints(o);
        boolean json = json(o);

        DataFrame longData = DataOptions.frame(o, longFile);
        DataFrame survData = DataOptions.frame(o, survFile);
        JointModelSpec spec = JointModelSpec.of(longFormula, timeVar, survTime, event, survFormula, baseline)
                .withReferenceLevels(refs).withHorizons(horizons).withGhPoints(gh);
        JointFitResult r = JointModel.fit(longData, survData, spec);
        out.print(json ? Json.write(toJson(r, spec, longFile, survFile)) : text(r, spec));
        return 0;
    }

    // ---- output ---------------------------------------------------------------------------------------------

    private static Map<String, Object> toJson(JointFitResult r, JointModelSpec spec, String longFile, String survFile) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("long", longFile);
        root.put("surv", survFile);
        root.put("long_formula", spec.longitudinalFormula());
        root.put("surv_formula", spec.survivalFormula());
        root.put("time_var", spec.timeVariable());
        root.put("baseline", r.baseline().name().toLowerCase(Locale.ROOT));
        root.put("method", r.baseline().jmMethod());
        root.put("association", "current value");
        root.put("subjects", r.subjects());
        root.put("nobs", r.nobs());
        root.put("events", r.events());
        root.put("longitudinal", coefficients(r.longitudinal()));
        root.put("event", coefficients(r.event()));
        root.put("random_effects_names", new ArrayList<Object>(r.randomEffectNames()));
        root.put("random_effects_covariance", r.randomEffectsCovariance());
        root.put("sigma", r.sigma());
        root.put("logLik", r.logLik());
        root.put("AIC", r.aic());
        root.put("BIC", r.bic());
        root.put("parameters", r.parameterCount());
        if (r.baseline() == Baseline.PIECEWISE) {
            root.put("knots", r.knots());
        }
        root.put("gh_points", r.ghPoints());
        root.put("converged", r.converged());
        root.put("iterations", r.iterations());
        root.put("seconds", r.seconds());
        List<Object> ranef = new ArrayList<>();
        for (SubjectRandomEffects s : r.ranef()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subject", s.subject());
            for (int c = 0; c < r.randomEffectNames().size(); c++) {
                m.put(r.randomEffectNames().get(c), s.mode()[c]);
            }
            ranef.add(m);
        }
        root.put("ranef", ranef);
        if (!spec.horizons().isEmpty()) {
            List<Object> preds = new ArrayList<>();
            for (SurvivalPrediction p : r.predictions()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("subject", p.subject());
                m.put("last_time", p.lastTime());
                m.put("horizon", p.horizon());
                m.put("probability", p.probability());
                preds.add(m);
            }
            root.put("survival_predictions", preds);
            root.put("survival_predictions_method", "first-order: S(u | b_mode) / S(t | b_mode), b_mode the posterior"
                    + " mode given the measurements and survival up to t, the last measurement time (JM survfitJM"
                    + " with simulate = FALSE)");
        }
        root.put("warnings", new ArrayList<Object>(r.warnings()));
        return root;
    }

    private static List<Object> coefficients(List<JointCoefficient> list) {
        List<Object> out = new ArrayList<>();
        for (JointCoefficient c : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("term", c.term());
            m.put("estimate", c.estimate());
            m.put("se", c.se());
            m.put("z", c.z());
            m.put("p", c.p());
            out.add(m);
        }
        return out;
    }

    private static String text(JointFitResult r, JointModelSpec spec) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Joint model (%s, current-value association)%n", r.baseline().jmMethod()));
        s.append("  longitudinal: ").append(spec.longitudinalFormula()).append('\n');
        s.append("  event:        Surv(").append(spec.survivalTime()).append(", ").append(spec.event()).append(") ")
                .append(spec.survivalFormula()).append('\n');
        s.append(String.format(Locale.ROOT, "  %d subjects, %d measurements, %d events%n", r.subjects(), r.nobs(),
                r.events()));
        s.append(String.format(Locale.ROOT, "  logLik %s  AIC %s  BIC %s  (%d parameters)%n", g(r.logLik()), g(r.aic()),
                g(r.bic()), r.parameterCount()));
        s.append("\nLongitudinal process\n");
        table(s, r.longitudinal());
        s.append("\nEvent process\n");
        table(s, r.event());
        if (r.baseline() == Baseline.PIECEWISE) {
            StringBuilder k = new StringBuilder();
            for (double v : r.knots()) {
                k.append(k.length() == 0 ? "" : ", ").append(g(v));
            }
            s.append("  knots: ").append(k).append('\n');
        }
        s.append("\nRandom effects covariance D\n");
        List<String> names = r.randomEffectNames();
        s.append(String.format(Locale.ROOT, "  %-14s", ""));
        for (String n : names) {
            s.append(String.format(Locale.ROOT, " %12s", n));
        }
        s.append('\n');
        for (int a = 0; a < names.size(); a++) {
            s.append(String.format(Locale.ROOT, "  %-14s", names.get(a)));
            for (int b = 0; b < names.size(); b++) {
                s.append(String.format(Locale.ROOT, " %12s", g(r.randomEffectsCovariance()[a][b])));
            }
            s.append('\n');
        }
        s.append("  residual SD sigma ").append(g(r.sigma())).append('\n');
        if (!spec.horizons().isEmpty()) {
            s.append("\nDynamic predictions P(T > u | T > t, measurements up to t), t = last measurement\n");
            s.append(String.format(Locale.ROOT, "  %-12s %10s %10s %12s%n", "subject", "t", "u", "probability"));
            for (SurvivalPrediction p : r.predictions()) {
                s.append(String.format(Locale.ROOT, "  %-12s %10s %10s %12.4f%n", p.subject(), g(p.lastTime()),
                        g(p.horizon()), p.probability()));
            }
        }
        for (String w : r.warnings()) {
            s.append("Warning: ").append(w).append('\n');
        }
        return s.toString();
    }

    private static void table(StringBuilder s, List<JointCoefficient> list) {
        s.append(String.format(Locale.ROOT, "  %-18s %12s %10s %9s %10s%n", "", "Value", "Std.Err", "z-value",
                "p-value"));
        for (JointCoefficient c : list) {
            s.append(String.format(Locale.ROOT, "  %-18s %12.4f %10.4f %9.4f %10.3g%n", c.term(), c.estimate(), c.se(),
                    c.z(), c.p()));
        }
    }

    private static String g(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(7)).stripTrailingZeros().toPlainString();
    }

    // ---- options ------------------------------------------------------------------------------------------

    /** --flag value or --flag=value; the first word may be "joint". */


    /** --reference COL=LEVEL, repeatable, each possibly a comma-separated list. */
    private static Map<String, String> references(Map<String, List<String>> options) {
        Map<String, String> refs = new LinkedHashMap<>();
        for (String v : options.getOrDefault("--reference", List.of())) {
            for (String part : v.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new IllegalArgumentException("--reference takes COLUMN=LEVEL, e.g. --reference drug=ddC; got '"
                            + v + "'.");
                }
                refs.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
            }
        }
        return refs;
    }

    private static List<Double> horizons(Map<String, List<String>> options) {
        String v = CommandLineOptions.single(options, "--horizons", false);
        List<Double> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        for (String part : v.split(",")) {
            double h;
            try {
                h = Double.parseDouble(part.strip());
            } catch (NumberFormatException e) {
                h = Double.NaN;
            }
            if (!(h > 0) || Double.isInfinite(h)) {
                throw new IllegalArgumentException("--horizons takes positive times separated by commas, e.g."
                        + " --horizons 6,12; got '" + v + "'.");
            }
            out.add(h);
        }
        return out;
    }

    private static int ghPoints(Map<String, List<String>> options) {
        String v = CommandLineOptions.single(options, "--gh-points", false);
        if (v == null) {
            return 0;
        }
        try {
            int k = Integer.parseInt(v.strip());
            if (k >= 1 && k <= 40) {
                return k;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--gh-points takes the number of Gauss-Hermite points per random effect,"
                + " a whole number from 1 to 40 (default: JM's 5 for up to 3 random effects); got '" + v + "'.");
    }

    private static boolean json(Map<String, List<String>> options) {
        return CommandLineOptions.isJson(options);
    }
}
