package org.mixedmodels.engine.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.formula.Term;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.inference.CoefficientTest;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.LikelihoodRatioTable;
import org.mixedmodels.engine.inference.ModelComparison;
import org.mixedmodels.engine.inference.TermTest;

/**
 * A fit's report: JSON with the field names of the reference cases (a contract other tools rely on: extend,
 * never rename), or a text summary laid out as lmerTest's {@code summary()}. The command line prints it, and the
 * KNIME model port's view shows the same text.
 */
public final class FitReport {
    private FitReport() {
    }

    /**
     * Where the data came from: the file as named and how it was read (null for data not read from a file).
     *
     * @param file the file as given on the command line
     * @param table the table and its delimiter and encoding; may be null
     */
    public record Source(String file, CsvReader.Table table) {
    }

    /**
     * @param confintMethod "profile", "wald" or null (no intervals for all parameters)
     * @param confint the intervals, variance parameters then sigma then coefficients
     */
    public static Map<String, Object> json(FitResult fit, FixedEffectsInference inference, String formula, Source source,
            String confintMethod, List<ConfidenceInterval> confint) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", source.file());
        out.put("formula", formula);
        out.put("method", fit.method().name());
        out.put("nobs", fit.nobs());
        out.put("ngroups", new LinkedHashMap<String, Object>(fit.ngroups()));
        out.put("theta", fit.theta());
        out.put("sigma", fit.sigma());
        out.put("logLik", fit.logLik());
        out.put("objective", fit.objective());
        out.put("AIC", fit.aic());
        out.put("BIC", fit.bic());
        out.put("singular", fit.singular());
        out.put("converged", fit.converged());
        out.put("ddf", inference.method().label());
        out.put("vcov", inference.covariance().label());
        if (inference.covariance() != org.mixedmodels.engine.inference.CovarianceType.MODEL) {
            // the multi-df test under the sandwich: HTZ (clubSandwich) or the eigen-contrast F test
            out.put("robust_test", inference.htz() ? "htz" : "eigen");
        }
        out.put("conf_level", inference.confidenceLevel());
        List<Object> fixed = new ArrayList<>();
        for (CoefficientTest f : inference.coefficients()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("term", f.term());
            row.put("estimate", f.estimate());
            row.put("se", f.se());
            row.put("t", f.t());
            row.put("df", f.df());
            row.put("p", f.p());
            row.put("lower", f.lower());
            row.put("upper", f.upper());
            fixed.add(row);
        }
        out.put("fixed", fixed);
        List<Object> anova = new ArrayList<>();
        for (TermTest t : inference.typeIII()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("term", t.term());
            row.put("numdf", t.numDf());
            row.put("dendf", t.denDf());
            row.put("F", t.f());
            row.put("p", t.p());
            anova.add(row);
        }
        out.put("anova_type3", anova);
        out.put("varcorr", varCorrJson(fit.varCorr()));
        if (fit.residual() != null) {
            out.put("residual_structure", residualStructure(fit.residual()));
        }
        out.put("ranef", ranefJson(fit.randomEffects()));
        putConfint(out, confintMethod, confint);
        out.put("fitted_conditional", fit.fittedConditional());
        out.put("fitted_population", fit.fittedPopulation());
        out.put("rows_read", fit.nobs() + fit.design().frame().omittedRows());
        out.put("rows_omitted", fit.design().frame().omittedRows());
        out.put("factors", factorsJson(fit));
        out.put("warnings", new ArrayList<Object>(warnings(fit, inference.warnings())));
        return out;
    }

    /** The fit's warnings then the inference's, each once. */
    public static List<String> warnings(FitResult fit, List<String> more) {
        List<String> w = new ArrayList<>(fit.warnings());
        for (String m : more) {
            if (!w.contains(m)) {
                w.add(m);
            }
        }
        return w;
    }

    /** The categorical variables of the fixed effects: {@code variable}, {@code levels}, {@code reference}, {@code order}. */
    private static List<Object> factorsJson(FitResult fit) {
        return factorsJson(fit.design());
    }

    /** As above, for any design (also a GLMM's). */
    static List<Object> factorsJson(org.mixedmodels.engine.design.Design design) {
        List<Object> out = new ArrayList<>();
        for (String v : fixedFactors(design.frame())) {
            Factor f = design.frame().factor(v);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("variable", v);
            row.put("levels", new ArrayList<Object>(f.levels()));
            row.put("reference", f.levels().get(0));
            row.put("order", f.levelOrder().name().toLowerCase(Locale.ROOT));
            out.add(row);
        }
        return out;
    }

    /** The categorical variables of the fixed-effect terms, in formula order. */
    public static List<String> fixedFactors(FitResult fit) {
        return fixedFactors(fit.design().frame());
    }

    private static List<String> fixedFactors(ModelFrame frame) {
        Set<String> vars = new LinkedHashSet<>();
        for (Term t : frame.formula().fixedTerms()) {
            for (String v : t.variables()) {
                if (frame.isCategorical(v)) {
                    vars.add(v);
                }
            }
        }
        return new ArrayList<>(vars);
    }

    /**
     * {@code type}, {@code time}, {@code subject}, {@code visits} (the order the matrices are indexed by),
     * {@code phi} (ar1, ar1h, sp_exp), {@code rho} (cs, csh), {@code variances} per visit (heterogeneous
     * structures and us) and the absolute {@code covariance} over the visits (all but sp_exp).
     */
    public static Map<String, Object> residualStructure(ResidualFit residual) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> d = residual.description();
        out.put("type", residual.structure());
        out.put("time", residual.timeName());
        out.put("subject", residual.subjectName());
        out.put("visits", residual.visits());
        for (String key : List.of("phi", "theta", "gamma", "rho", "nugget", "variances", "covariance", "variance_factor",
                "sd_ratios", "group_factor", "groups")) {
            if (d.containsKey(key)) {
                out.put(key, d.get(key));
            }
        }
        return out;
    }

    /**
     * The summary, laid out as lmerTest's {@code summary()} and SAS's tables: the data and rows used, random
     * effects (variances to significant digits), the factors with their reference levels, the fixed effects with
     * intervals at the confidence level and p-values as R prints them, Type III tests, optionally the
     * correlation of the fixed effects, intervals for all parameters, and warnings.
     */
    public static String text(FitResult fit, FixedEffectsInference inference, String formula, Source source,
            String confintMethod, List<ConfidenceInterval> confint, boolean correlation) {
        StringBuilder s = new StringBuilder();
        boolean reml = fit.method() == org.mixedmodels.engine.fit.FitOptions.Method.REML;
        boolean z = inference.method() == DfMethod.NONE;
        s.append(reml ? "Linear mixed model fit by REML" : "Linear mixed model fit by maximum likelihood").append('\n');
        s.append("Formula: ").append(formula).append('\n');
        s.append(dataLine(fit, source)).append("\n\n");
        if (reml) {
            s.append(String.format(Locale.ROOT, "REML criterion at convergence: %.4f%n%n", fit.objective()));
        } else {
            s.append(table(List.of("AIC", "BIC", "logLik", "deviance", "df.resid"), List.of(List.of(
                    fixed(fit.aic(), 4), fixed(fit.bic(), 4), fixed(fit.logLik(), 4), fixed(fit.objective(), 4),
                    Integer.toString(fit.nobs() - fit.parameterCount()))), true)).append('\n');
        }
        randomEffects(s, fit);
        StringBuilder groups = new StringBuilder();
        fit.ngroups().forEach((g, n) -> groups.append(groups.length() == 0 ? "" : "; ").append(g).append(", ").append(n));
        s.append("Number of obs: ").append(fit.nobs()).append(", groups:  ").append(groups).append("\n\n");
        if (fit.residual() != null) {
            residualStructure(s, fit.residual(), fit.sigma());
        }
        factors(s, fit);
        fixedEffects(s, inference, z);
        if (!inference.typeIII().isEmpty()) {
            s.append("\nType III Analysis of Variance Table (df: ").append(dfName(inference.method()))
                    .append(inference.htz() ? "; HTZ tests, clubSandwich" : "").append("):\n");
            List<List<String>> rows = new ArrayList<>();
            for (TermTest t : inference.typeIII()) {
                rows.add(List.of(t.term(), fixed(t.numDf(), 0), z ? "" : fixed(t.denDf(), 2), fixed(t.f(), 4), pValue(t.p()),
                        stars(t.p())));
            }
            s.append(table(List.of("", "NumDF", z ? "" : "DenDF", "F value", "Pr(>F)", ""), rows, true, 0, 5));
        }
        if (correlation) {
            correlation(s, fit);
        }
        if (confintMethod != null) {
            s.append(String.format(Locale.ROOT, "%nConfidence intervals (%s, %s%%):%n", confintMethod, percent(inference.confidenceLevel())));
            int width = confint.stream().mapToInt(c -> c.parameter().length()).max().orElse(10);
            for (ConfidenceInterval ci : confint) {
                s.append(String.format(Locale.ROOT, "  %-" + width + "s %12s %12s%n", ci.parameter(),
                        Double.isNaN(ci.lower()) ? "NA" : String.format(Locale.ROOT, "%.6g", ci.lower()),
                        Double.isNaN(ci.upper()) ? "NA" : String.format(Locale.ROOT, "%.6g", ci.upper())));
            }
        }
        List<String> warnings = warnings(fit, inference.warnings());
        if (!warnings.isEmpty()) {
            s.append("\nWarnings:\n");
            warnings.forEach(w -> s.append("  ").append(w).append('\n'));
        }
        return s.toString();
    }

    private static String dfName(DfMethod m) {
        return switch (m) {
            case SATTERTHWAITE -> "Satterthwaite's";
            case KENWARD_ROGER -> "Kenward-Roger's";
            case KENWARD_ROGER_LINEAR -> "Kenward-Roger-Linear";
            default -> m.label();
        };
    }

    /** "Data: file (183 rows; 180 used, 3 left out for missing values: Reaction 2, Days 1; delimiter ';')". */
    public static String dataLine(FitResult fit, Source source) {
        ModelFrame frame = fit.design().frame();
        int read = fit.nobs() + frame.omittedRows();
        StringBuilder s = new StringBuilder("Data: ").append(source.file() == null ? "(table)" : source.file()).append(" (")
                .append(read).append(read == 1 ? " row" : " rows");
        if (frame.omittedRows() == 0) {
            s.append(", all used");
        } else {
            s.append("; ").append(fit.nobs()).append(" used, ").append(frame.omittedRows())
                    .append(" left out for missing values");
            DataFrame data = source.table() == null ? null : source.table().data();
            if (data != null) {
                StringBuilder per = new StringBuilder();
                for (String v : frame.formula().variables()) {
                    if (!data.hasColumn(v)) {
                        continue;
                    }
                    Column c = data.column(v);
                    int missing = 0;
                    for (int r = 0; r < c.size(); r++) {
                        missing += c.isMissing(r) ? 1 : 0;
                    }
                    if (missing > 0) {
                        per.append(per.length() == 0 ? "" : ", ").append(v).append(' ').append(missing);
                    }
                }
                if (per.length() > 0) {
                    s.append(" (missing: ").append(per).append(')');
                }
            }
        }
        if (source.table() != null && source.table().delimiter() != ',') {
            s.append("; delimiter ").append(source.table().delimiterName());
        }
        if (source.table() != null && source.table().encoding() != null
                && !source.table().encoding().equals(java.nio.charset.StandardCharsets.UTF_8)) {
            s.append("; encoding ").append(source.table().encoding().name());
        }
        return s.append(')').toString();
    }

    private static void randomEffects(StringBuilder s, FitResult fit) {
        s.append("Random effects:\n");
        List<List<String>> rows = new ArrayList<>();
        String lastGroup = null;
        boolean anyCorr = false;
        for (VarCorrRow v : fit.varCorr()) {
            if (v.var2() != null) {
                continue;
            }
            if (fit.residual() != null && "Residual".equals(v.group())) {
                continue; // the residual structure's own matrix is printed below; its first variance is not "the" residual
            }
            String group = v.group().equals(lastGroup) ? "" : v.group();
            lastGroup = v.group();
            String name = v.var1() == null ? "" : v.var1();
            StringBuilder corr = new StringBuilder();
            for (VarCorrRow c : fit.varCorr()) {
                if (c.group().equals(v.group()) && name.equals(c.var2())) {
                    corr.append(String.format(Locale.ROOT, "%6.3f ", c.sdcor()));
                    anyCorr = true;
                }
            }
            rows.add(List.of(group, name, sig(v.vcov(), 4), sig(v.sdcor(), 4), corr.toString().strip()));
        }
        if (rows.isEmpty()) {
            s.append(" (none)\n");
            return;
        }
        String table = table(List.of("Groups", "Name", "Variance", "Std.Dev.", anyCorr ? "Corr" : ""), rows, true, 0, 1, 4);
        table.lines().forEach(l -> s.append(' ').append(l.stripTrailing()).append('\n'));
    }

    private static void residualStructure(StringBuilder s, ResidualFit residual, double sigma) {
        Map<String, Object> d = residual.description();
        boolean independent = residual.structure().equals("id");
        if (!independent) {
            Object group = d.get("group_factor");
            s.append("Residual covariance: ").append(residual.structure()).append('(').append(residual.timeName())
                    .append(" | ").append(group == null ? "" : group + " / ").append(residual.subjectName()).append(")\n");
        }
        if (d.get("sd_ratios") instanceof Map<?, ?> ratios) {
            s.append("Residual SD ratios by ").append(d.get("variance_factor")).append(" (varident):");
            ratios.forEach((level, ratio) -> s.append(' ').append(level).append(' ').append(sig((Double) ratio, 6)));
            s.append('\n');
        }
        if (independent) {
            s.append('\n');
            return;
        }
        if (d.get("groups") instanceof Map<?, ?> groups) {
            // group-specific parameters: one covariance matrix per group
            groups.forEach((level, gd) -> {
                if (((Map<?, ?>) gd).get("covariance") instanceof double[][] cov) {
                    s.append(" ").append(d.get("group_factor")).append(" = ").append(level).append(":\n");
                    covarianceTable(s, residual, cov);
                }
            });
            s.append('\n');
            return;
        }
        for (String key : List.of("phi", "theta", "gamma", "rho", "nugget")) {
            if (d.get(key) instanceof Double v) {
                s.append(String.format(Locale.ROOT, " %s = %.6g%n", key, v));
            } else if (d.get(key) instanceof double[] v) {
                s.append(' ').append(key).append(" by pair of adjacent visits =");
                for (double x : v) {
                    s.append(String.format(Locale.ROOT, " %.6g", x));
                }
                s.append('\n');
            }
        }
        if (d.get("covariance") instanceof double[][] cov) {
            s.append(" Covariance over ").append(residual.timeName()).append(" within ").append(residual.subjectName())
                    .append(":\n");
            covarianceTable(s, residual, cov);
        } else {
            // continuous time (sp_exp, sp_gau): no matrix over visits; the variance is sigma^2 at every time
            s.append(" Residual variance: ").append(sig(sigma * sigma, 4)).append(" (Std.Dev. ").append(sig(sigma, 4))
                    .append(")\n");
        }
        s.append('\n');
    }

    private static void covarianceTable(StringBuilder s, ResidualFit residual, double[][] cov) {
        List<String> header = new ArrayList<>();
        header.add("");
        header.addAll(residual.visits());
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < cov.length; r++) {
            List<String> row = new ArrayList<>();
            row.add(residual.visits().get(r));
            for (double v : cov[r]) {
                row.add(sig(v, 4));
            }
            rows.add(row);
        }
        table(header, rows, true, 0).lines().forEach(l -> s.append("  ").append(l.stripTrailing()).append('\n'));
    }

    private static void factors(StringBuilder s, FitResult fit) {
        List<String> vars = fixedFactors(fit);
        if (vars.isEmpty()) {
            return;
        }
        s.append("Factors (treatment contrasts against the reference level):\n");
        List<List<String>> rows = new ArrayList<>();
        for (String v : vars) {
            Factor f = fit.design().frame().factor(v);
            List<String> levels = f.levels();
            String shown = levels.size() <= 6 ? String.join(", ", levels)
                    : String.join(", ", levels.subList(0, 5)) + ", ..., " + levels.get(levels.size() - 1);
            rows.add(List.of(v, Integer.toString(levels.size()), levels.get(0), f.levelOrder().label(), shown));
        }
        table(List.of("", "Levels", "Reference", "Order", "Levels in order"), rows, true, 0, 2, 3, 4).lines()
                .forEach(l -> s.append(' ').append(l.stripTrailing()).append('\n'));
        s.append('\n');
    }

    /** Nothing for the model-based covariance, else which sandwich the SEs use. */
    public static String covarianceNote(org.mixedmodels.engine.inference.CovarianceType covariance) {
        return switch (covariance) {
            case MODEL -> "";
            case EMPIRICAL -> "; covariance: empirical (CR0 sandwich by subject)";
            case EMPIRICAL_CR2 -> "; covariance: empirical-cr2 (Bell-McCaffrey CR2 sandwich by subject)";
        };
    }

    private static void fixedEffects(StringBuilder s, FixedEffectsInference inference, boolean z) {
        if (inference.coefficients().isEmpty()) {
            s.append("Fixed effects: none (the formula has no fixed effects), so no t tests.\n");
            return;
        }
        String pct = percent(inference.confidenceLevel());
        s.append("Fixed effects (").append(z ? "z tests, no df" : "t tests with " + dfName(inference.method()) + " df")
                .append(covarianceNote(inference.covariance())).append("; ").append(pct)
                .append("% confidence intervals):\n");
        double tail = (1 - inference.confidenceLevel()) / 2;
        String lowerName = percent(tail) + " %";
        String upperName = percent(1 - tail) + " %";
        List<String> header = z
                ? List.of("", "Estimate", "Std. Error", lowerName, upperName, "z value", "Pr(>|z|)", "")
                : List.of("", "Estimate", "Std. Error", "df", lowerName, upperName, "t value", "Pr(>|t|)", "");
        List<CoefficientTest> cs = inference.coefficients();
        // one number of decimals per column (estimates and their limits share theirs, being in the same units), as
        // R's printCoefmat formats a column, so that the decimal points line up
        double[] location = new double[cs.size() * 3];
        double[] se = new double[cs.size()];
        for (int i = 0; i < cs.size(); i++) {
            location[3 * i] = cs.get(i).estimate();
            location[3 * i + 1] = cs.get(i).lower();
            location[3 * i + 2] = cs.get(i).upper();
            se[i] = cs.get(i).se();
        }
        int locationDecimals = decimals(location, 5);
        int seDecimals = decimals(se, 5);
        List<List<String>> rows = new ArrayList<>();
        boolean anyStars = false;
        for (CoefficientTest f : cs) {
            List<String> row = new ArrayList<>();
            row.add(f.term());
            row.add(column(f.estimate(), locationDecimals));
            row.add(column(f.se(), seDecimals));
            if (!z) {
                row.add(fixed(f.df(), 2));
            }
            row.add(column(f.lower(), locationDecimals));
            row.add(column(f.upper(), locationDecimals));
            row.add(fixed(f.t(), 3));
            row.add(pValue(f.p()));
            row.add(stars(f.p()));
            anyStars |= !stars(f.p()).isBlank();
            rows.add(row);
        }
        s.append(table(header, rows, true, 0, header.size() - 1));
        if (anyStars) {
            s.append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
        }
    }

    private static void correlation(StringBuilder s, FitResult fit) {
        double[][] v = fit.fixedCovariance();
        List<String> names = new ArrayList<>();
        fit.fixedEffects().forEach(f -> names.add(f.term()));
        if (names.size() < 2) {
            return;
        }
        s.append("\nCorrelation of Fixed Effects:\n");
        List<String> header = new ArrayList<>();
        header.add("");
        for (int j = 0; j < names.size() - 1; j++) {
            header.add(abbreviate(names.get(j)));
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 1; i < names.size(); i++) {
            List<String> row = new ArrayList<>();
            row.add(names.get(i));
            for (int j = 0; j < names.size() - 1; j++) {
                row.add(j < i ? String.format(Locale.ROOT, "%.3f", v[i][j] / Math.sqrt(v[i][i] * v[j][j])) : "");
            }
            rows.add(row);
        }
        s.append(table(header, rows, true, 0));
    }

    /** lme4's abbreviation of a coefficient name in the correlation table's header: at most 6 characters. */
    private static String abbreviate(String name) {
        String n = name.equals("(Intercept)") ? "(Intr)" : name;
        return n.length() <= 6 ? n : n.substring(0, 6);
    }

    /** A level as a percentage without trailing zeros: 0.95 gives 95, 0.025 gives 2.5. */
    public static String percent(double level) {
        return new java.math.BigDecimal(level * 100).round(new java.math.MathContext(10)).stripTrailingZeros().toPlainString();
    }

    /** A p-value as R prints it: {@code < 2.2e-16} below the machine epsilon, three significant digits otherwise. */
    public static String pValue(double p) {
        if (Double.isNaN(p)) {
            return "NA";
        }
        if (p < 2.220446049250313e-16) {
            return "< 2.2e-16";
        }
        if (p < 1e-4) {
            return String.format(Locale.ROOT, "%.2e", p);
        }
        return new java.math.BigDecimal(p).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    public static String stars(double p) {
        if (Double.isNaN(p)) {
            return "";
        }
        return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
    }

    /**
     * A number to {@code digits} significant digits, plain for magnitudes from 1e-4 to 1e7 and in scientific
     * notation otherwise, so that variances at small scales keep their digits ({@code 0.00012346}, not
     * {@code 0.0000}).
     */
    public static String sig(double v, int digits) {
        if (Double.isNaN(v)) {
            return "NA";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e7) {
            return new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).toPlainString();
        }
        return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
    }

    /**
     * Decimals that give every finite value of a column at least {@code digits} significant digits, at most 6 (a
     * value near 0 does not stretch the column), -1 when a value is too large or small for plain notation.
     */
    public static int decimals(double[] values, int digits) {
        int d = 0;
        for (double v : values) {
            if (!Double.isFinite(v) || v == 0) {
                continue;
            }
            double a = Math.abs(v);
            if (a >= 1e7 || a < 1e-4) {
                return -1;
            }
            d = Math.max(d, digits - 1 - (int) Math.floor(Math.log10(a)));
        }
        return Math.min(d, 6);
    }

    /** A value with the column's decimals, or to significant digits when the column needs scientific notation. */
    static String column(double v, int decimals) {
        return decimals < 0 ? sig(v, 5) : fixed(v, decimals);
    }

    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "NA";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * Columns aligned to their widest cell: right-aligned (numbers) except the columns listed as left-aligned;
     * no column is ever cut, so wide numbers do not break the layout.
     */
    public static String table(List<String> header, List<List<String>> rows, boolean withHeader, int... leftAligned) {
        int[] width = new int[header.size()];
        for (int j = 0; j < width.length; j++) {
            width[j] = withHeader ? header.get(j).length() : 0;
            for (List<String> r : rows) {
                width[j] = Math.max(width[j], r.get(j).length());
            }
        }
        java.util.Set<Integer> left = new java.util.HashSet<>();
        for (int j : leftAligned) {
            left.add(j);
        }
        StringBuilder s = new StringBuilder();
        List<List<String>> all = new ArrayList<>();
        if (withHeader) {
            all.add(header);
        }
        all.addAll(rows);
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < width.length; j++) {
                if (width[j] == 0) {
                    continue;
                }
                String cell = r.get(j);
                line.append(j == 0 ? "" : " ");
                line.append(left.contains(j) ? pad(cell, width[j], true) : pad(cell, width[j], false));
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        return s.toString();
    }

    private static String table(List<String> header, List<List<String>> rows, boolean withHeader) {
        return table(header, rows, withHeader, new int[0]);
    }

    private static String pad(String cell, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - cell.length()));
        return left ? cell + fill : fill + cell;
    }

    /**
     * The {@code compare} command's JSON: the published fields of the reference case {@code sleepstudy_lrt}
     * ({@code chisq}, {@code df}, {@code p}: numbers for two models, arrays for more, kept as published) and
     * {@code table}, one row per model in the same shape whatever their number.
     */
    public static Map<String, Object> json(ModelComparison c, Source source, int omitted, List<String> warnings) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", source.file());
        out.put("models", new ArrayList<Object>(c.formulas()));
        out.put("method", c.method().name());
        out.put("refitted_ml", c.refitted());
        putComparison(out, c, omitted, warnings);
        return out;
    }

    /** The {@code varcorr} rows of the JSON (linear models and GLMMs alike). */
    static List<Object> varCorrJson(List<VarCorrRow> varCorr) {
        List<Object> rows = new ArrayList<>();
        for (VarCorrRow v : varCorr) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", v.group());
            row.put("var1", v.var1());
            row.put("var2", v.var2());
            row.put("vcov", v.vcov());
            row.put("sdcor", v.sdcor());
            rows.add(row);
        }
        return rows;
    }

    /**
     * The {@code ranef} rows of the JSON: conditional modes with their conditional SDs. Each row's map is made
     * when it is read (a list over the random effects, not a list of maps): a fit with 500,000 BLUPs would
     * otherwise hold 500,000 maps at once while the JSON is written, which the garbage collector copies.
     */
    static List<Object> ranefJson(List<RandomEffect> given) {
        List<RandomEffect> randomEffects = given instanceof java.util.RandomAccess ? given : new ArrayList<>(given);
        return new java.util.AbstractList<Object>() {
            @Override
            public Object get(int index) {
                RandomEffect r = randomEffects.get(index);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("group", r.group());
                row.put("term", r.term());
                row.put("level", r.level());
                row.put("value", r.value());
                row.put("condsd", r.condsd());
                return row;
            }

            @Override
            public int size() {
                return randomEffects.size();
            }
        };
    }

    /** {@code confint_method} and {@code confint} rows, when intervals were asked for. */
    static void putConfint(Map<String, Object> out, String confintMethod, List<ConfidenceInterval> confint) {
        if (confintMethod == null) {
            return;
        }
        out.put("confint_method", confintMethod);
        List<Object> rows = new ArrayList<>();
        for (ConfidenceInterval ci : confint) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("parameter", ci.parameter());
            row.put("lower", ci.lower());
            row.put("upper", ci.upper());
            rows.add(row);
        }
        out.put("confint", rows);
    }

    /** The rows of a likelihood-ratio table in the comparison JSON, from {@code nobs} to {@code warnings}. */
    static void putComparison(Map<String, Object> out, LikelihoodRatioTable c, int omitted, List<String> warnings) {
        out.put("nobs", c.nobs());
        List<Object> npar = new ArrayList<>();
        for (int k : c.npar()) {
            npar.add(k);
        }
        out.put("npar", npar);
        out.put("AIC", c.aic());
        out.put("BIC", c.bic());
        out.put("logLik", c.logLik());
        out.put("deviance", c.deviance());
        int last = c.npar().length - 1;
        // Two models: scalars as the reference case has them; more: one entry per model (NaN/null for the first).
        if (last == 1) {
            out.put("chisq", c.chisq()[1]);
            out.put("df", c.df()[1]);
            out.put("p", c.p()[1]);
        } else {
            out.put("chisq", c.chisq());
            List<Object> df = new ArrayList<>();
            for (int k = 0; k <= last; k++) {
                df.add(k == 0 ? null : c.df()[k]);
            }
            out.put("df", df);
            out.put("p", c.p());
        }
        List<Object> table = new ArrayList<>();
        for (int k = 0; k <= last; k++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", k + 1);
            row.put("formula", c.formulas().get(k));
            row.put("npar", c.npar()[k]);
            row.put("AIC", c.aic()[k]);
            row.put("BIC", c.bic()[k]);
            row.put("logLik", c.logLik()[k]);
            row.put("deviance", c.deviance()[k]);
            row.put("chisq", k == 0 ? null : c.chisq()[k]);
            row.put("df", k == 0 ? null : c.df()[k]);
            row.put("p", k == 0 ? null : c.p()[k]);
            table.add(row);
        }
        out.put("table", table);
        out.put("rows_omitted", omitted);
        out.put("warnings", new ArrayList<Object>(warnings));
    }

    public static String text(ModelComparison c, Source source, int omitted, List<String> warnings) {
        StringBuilder s = new StringBuilder();
        if (c.refitted()) {
            s.append("refitting model(s) with ML (instead of REML)\n");
        }
        appendComparison(s, c, source.file(), omitted, warnings);
        return s.toString();
    }

    /** A likelihood-ratio table as text: the data line, the models, the anova table, the number of obs, warnings. */
    static void appendComparison(StringBuilder s, LikelihoodRatioTable c, String file, int omitted,
            List<String> warnings) {
        if (file != null) {
            s.append("Data: ").append(file).append(" (").append(c.nobs() + omitted).append(" rows; ")
                    .append(c.nobs()).append(" used");
            if (omitted > 0) {
                s.append(", ").append(omitted).append(" left out for missing values");
            }
            s.append(")\n");
        }
        for (int k = 0; k < c.formulas().size(); k++) {
            s.append("Model ").append(k + 1).append(": ").append(c.formulas().get(k)).append('\n');
        }
        List<List<String>> rows = new ArrayList<>();
        for (int k = 0; k < c.formulas().size(); k++) {
            rows.add(List.of("Model " + (k + 1), Integer.toString(c.npar()[k]), fixed(c.aic()[k], 3), fixed(c.bic()[k], 3),
                    fixed(c.logLik()[k], 3), fixed(c.deviance()[k], 3), k == 0 ? "" : fixed(c.chisq()[k], 4),
                    k == 0 ? "" : Integer.toString(c.df()[k]), k == 0 ? "" : pValue(c.p()[k]), k == 0 ? "" : stars(c.p()[k])));
        }
        s.append(table(List.of("", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)", ""), rows, true, 0));
        s.append("Number of obs: ").append(c.nobs()).append('\n');
        appendWarnings(s, warnings);
    }

    private static void appendWarnings(StringBuilder s, List<String> warnings) {
        if (!warnings.isEmpty()) {
            s.append("\nWarnings:\n");
            warnings.forEach(w -> s.append("  ").append(w).append('\n'));
        }
    }

    /** The {@code emmeans} command's JSON; with the fit, also {@code nobs}, {@code rows_omitted}, {@code warnings}. */
    public static Map<String, Object> json(EstimatedMarginalMeans emm, List<String> specs, DfMethod ddf, double level,
            String formula, Source source, FitResult fit) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", source.file());
        out.put("formula", formula);
        out.put("specs", new ArrayList<Object>(specs));
        out.put("ddf", ddf.label());
        out.put("vcov", emm.covariance().label());
        out.put("conf_level", level);
        if (fit != null) {
            out.put("nobs", fit.nobs());
            out.put("rows_omitted", fit.design().frame().omittedRows());
        }
        List<Object> means = new ArrayList<>();
        for (EstimatedMarginalMeans.Mean m : emm.means()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("level", m.level());
            row.put("estimate", m.estimate());
            row.put("se", m.se());
            row.put("df", m.df());
            row.put("lower", m.lower());
            row.put("upper", m.upper());
            means.add(row);
        }
        out.put("lsmeans", means);
        boolean control = emm.contrasts() == EstimatedMarginalMeans.Contrasts.TRT_VS_CTRL;
        if (control) {
            out.put("contrasts", emm.contrasts().label());
        }
        List<Object> pairs = new ArrayList<>();
        for (EstimatedMarginalMeans.Difference d : emm.differences()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("contrast", d.contrast());
            if (d.by() != null) {
                row.put("by", d.by());
            }
            row.put("estimate", d.estimate());
            row.put("se", d.se());
            row.put("df", d.df());
            row.put("t", d.t());
            row.put("p", d.p());
            if (control) {
                row.put("p_dunnettx", d.pDunnett());
            } else {
                row.put("p_tukey", d.pTukey());
            }
            row.put("p_bonferroni", d.pBonferroni());
            row.put("p_holm", d.pHolm());
            row.put("lower", d.lower());
            row.put("upper", d.upper());
            pairs.add(row);
        }
        out.put("pairs", pairs);
        if (fit != null) {
            out.put("warnings", new ArrayList<Object>(warnings(fit, List.of())));
        }
        return out;
    }

    public static String text(EstimatedMarginalMeans emm, List<String> specs, DfMethod ddf, double level, Source source,
            FitResult fit) {
        StringBuilder s = new StringBuilder();
        if (fit != null) {
            s.append(dataLine(fit, source)).append('\n');
            s.append("Number of obs: ").append(fit.nobs()).append("\n\n");
        }
        boolean z = ddf == DfMethod.NONE;
        s.append("Estimated marginal means of ").append(String.join(", ", specs)).append(" (df: ").append(ddf.label())
                .append(covarianceNote(emm.covariance())).append(", ").append(percent(level)).append("% intervals)\n");
        List<List<String>> rows = new ArrayList<>();
        for (EstimatedMarginalMeans.Mean m : emm.means()) {
            rows.add(List.of(m.level(), sig(m.estimate(), 5), sig(m.se(), 5), z ? "" : fixed(m.df(), 2), sig(m.lower(), 5),
                    sig(m.upper(), 5)));
        }
        s.append(table(List.of("level", "emmean", "SE", z ? "" : "df", "lower", "upper"), rows, true, 0));
        boolean control = emm.contrasts() == EstimatedMarginalMeans.Contrasts.TRT_VS_CTRL;
        s.append(control ? "\nDifferences from the reference level (trt.vs.ctrl; p.dunnettx as emmeans' dunnettx):\n"
                : "\nPairwise differences:\n");
        boolean anyBy = emm.differences().stream().anyMatch(d -> d.by() != null);
        List<List<String>> pairs = new ArrayList<>();
        for (EstimatedMarginalMeans.Difference d : emm.differences()) {
            pairs.add(List.of(anyBy ? (d.by() == null ? "" : d.by()) : "", d.contrast(), sig(d.estimate(), 5), sig(d.se(), 5),
                    z ? "" : fixed(d.df(), 2), fixed(d.t(), 3), pValue(d.p()), pValue(control ? d.pDunnett() : d.pTukey()),
                    pValue(d.pBonferroni()),
                    pValue(d.pHolm())));
        }
        s.append(table(List.of(anyBy ? "by" : "", "contrast", "estimate", "SE", z ? "" : "df", z ? "z ratio" : "t ratio",
                "p", control ? "p.dunnettx" : "p.tukey", "p.bonf", "p.holm"), pairs, true, 0, 1));
        if (fit != null) {
            appendWarnings(s, warnings(fit, List.of()));
        }
        return s.toString();
    }
}
