package org.mixedmodels.engine.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.glmm.GlmmComparison;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.glmm.GlmmResult;

/**
 * A GLMM's report, as lme4's {@code print(summary(glmer(...)))} lays it out (family and link, AIC/BIC/logLik/deviance/
 * df.resid, random effects, fixed effects with Wald z tests), and as JSON with the field names of the reference cases
 * ({@code ../shared/reference/cases/cbpp_binomial_*}): {@code family}, {@code link}, {@code method}, {@code nAGQ},
 * {@code logLik}, {@code deviance}, {@code AIC}, {@code BIC}, {@code df_resid}, {@code saturated_logLik},
 * {@code logLik_absolute}, ..., {@code fixed[]} ({@code term}, {@code estimate}, {@code se}, {@code z}, {@code p}),
 * {@code varcorr[]}, {@code ranef[]} and the fitted values on the link and response scales. The command line prints
 * it, and the KNIME model port's view shows the same text.
 */
public final class GlmmReport {
    private GlmmReport() {
    }

    /**
     * Where the data came from.
     *
     * @param file the file as given (null for a KNIME table)
     */
    public record Source(String file) {
    }

    /** The JSON fields; every number the fit has. */
    public static Map<String, Object> json(GlmmResult r, String formula, GlmmOptions options, Source source) {
        return json(r, formula, options, source, null, List.of());
    }

    /**
     * As above, with intervals for all parameters ({@code confint_method} and {@code confint[]}, named as lme4's
     * {@code confint(oldNames = FALSE)}: {@code sd_(Intercept)|herd}, then the coefficients; null where lme4 gives NA).
     */
    public static Map<String, Object> json(GlmmResult r, String formula, GlmmOptions options, Source source,
            String confintMethod, List<ConfidenceInterval> confint) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", source.file());
        out.put("formula", formula);
        out.put("family", r.family());
        out.put("link", r.link());
        out.put("response", responseJson(formula, options));
        out.put("offset", options.offset());
        out.put("method", r.method());
        out.put("nAGQ", r.nAGQ());
        out.put("nobs", r.nobs());
        out.put("ngroups", new LinkedHashMap<String, Object>(r.ngroups()));
        out.put("theta", r.theta());
        out.put("logLik", r.logLik());
        out.put("deviance", r.deviance());
        out.put("AIC", r.aic());
        out.put("BIC", r.bic());
        out.put("df_resid", r.dfResid());
        out.put("saturated_logLik", r.saturatedLogLik());
        out.put("logLik_absolute", r.logLikAbsolute());
        out.put("AIC_absolute", r.aicAbsolute());
        out.put("BIC_absolute", r.bicAbsolute());
        out.put("deviance_conditional_relative", r.devianceConditional());
        out.put("pearson_chisq", r.pearsonChiSquare());
        out.put("overdispersion_ratio", r.overdispersionRatio());
        out.put("singular", r.singular());
        out.put("converged", r.converged());
        out.put("gradient", r.gradient());
        out.put("scaled_gradient", r.scaledGradient());
        List<Object> fixed = new ArrayList<>();
        for (GlmmResult.Coefficient c : r.fixed()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("term", c.term());
            row.put("estimate", c.estimate());
            row.put("se", c.se());
            row.put("z", c.z());
            row.put("p", c.p());
            fixed.add(row);
        }
        out.put("fixed", fixed);
        out.put("vcov", r.fixedCovariance());
        out.put("varcorr", FitReport.varCorrJson(r.varCorr()));
        out.put("ranef", FitReport.ranefJson(r.randomEffects()));
        FitReport.putConfint(out, confintMethod, confint);
        out.put("fitted_link", r.fittedLink());
        out.put("fitted_response", r.fittedResponse());
        out.put("fitted_population_link", r.fittedPopulationLink());
        out.put("fitted_population_response", r.fittedPopulation());
        out.put("residuals_pearson", r.pearsonResiduals());
        out.put("residuals_deviance", r.devianceResiduals());
        out.put("evaluations", r.evaluations());
        out.put("rows_read", r.nobs() + r.design().frame().omittedRows());
        out.put("rows_omitted", r.design().frame().omittedRows());
        out.put("factors", FitReport.factorsJson(r.design()));
        out.put("warnings", new ArrayList<Object>(r.warnings()));
        return out;
    }

    /** The response as the reference cases write it: the column, or {successes, trials}. */
    private static Object responseJson(String formula, GlmmOptions options) {
        String response = formula.substring(0, Math.max(0, formula.indexOf('~'))).strip();
        if (options.trials() == null) {
            return response;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("successes", response);
        m.put("trials", options.trials());
        return m;
    }

    /** glmer's summary. */
    public static String text(GlmmResult r, String formula, GlmmOptions options, Source source) {
        return text(r, formula, options, source, null, List.of(), 0.95);
    }

    /** glmer's summary, then lme4's {@code confint} table when intervals are given. */
    public static String text(GlmmResult r, String formula, GlmmOptions options, Source source, String confintMethod,
            List<ConfidenceInterval> confint, double level) {
        StringBuilder s = new StringBuilder();
        s.append("Generalized linear mixed model fit by maximum likelihood (")
                .append("AGQ".equals(r.method()) ? "Adaptive Gauss-Hermite Quadrature, nAGQ = " + r.nAGQ()
                        : "Laplace Approximation")
                .append(")\n");
        s.append(" Family: ").append(r.family()).append("  ( ").append(r.link()).append(" )\n");
        s.append("Formula: ").append(formula).append('\n');
        if (options.trials() != null) {
            s.append(" Trials: ").append(options.trials()).append(" (the response counts successes out of them)\n");
        }
        if (options.offset() != null) {
            s.append(" Offset: ").append(options.offset()).append('\n');
        }
        s.append(dataLine(r, source)).append("\n\n");
        s.append("Scaled residuals:\n");
        s.append(FitReport.table(List.of("Min", "1Q", "Median", "3Q", "Max"), List.of(quartiles(r.pearsonResiduals())),
                true));
        s.append('\n');
        s.append(FitReport.table(List.of("AIC", "BIC", "logLik", "deviance", "df.resid"),
                List.of(List.of(FitReport.fixed(r.aic(), 4), FitReport.fixed(r.bic(), 4), FitReport.fixed(r.logLik(), 4),
                        FitReport.fixed(r.deviance(), 4), Integer.toString(r.dfResid()))), true));
        if ("AGQ".equals(r.method())) {
            s.append("(logLik as lme4's for nAGQ > 1, without the saturated model's ")
                    .append(FitReport.fixed(r.saturatedLogLik(), 4)).append("; marginal logLik ")
                    .append(FitReport.fixed(r.logLikAbsolute(), 4)).append(")\n");
        }
        s.append('\n');
        randomEffects(s, r);
        fixedEffects(s, r);
        if ("poisson".equals(r.family())) {
            s.append("\nOverdispersion: Pearson chi-square ").append(FitReport.fixed(r.pearsonChiSquare(), 2)).append(" on ")
                    .append(r.dfResid()).append(" df, ratio ").append(FitReport.fixed(r.overdispersionRatio(), 3))
                    .append(" (well above 1 suggests overdispersion, e.g. an observation-level random effect)\n");
        }
        if (confintMethod != null) {
            s.append('\n').append(confintMethod.equals("profile") ? "Profile" : "Wald").append(" confidence intervals (")
                    .append(FitReport.percent(level)).append("%):\n");
            double tail = (1 - level) / 2;
            List<List<String>> rows = new ArrayList<>();
            for (ConfidenceInterval ci : confint) {
                rows.add(List.of(ci.parameter(), FitReport.sig(ci.lower(), 5), FitReport.sig(ci.upper(), 5)));
            }
            s.append(FitReport.table(List.of("", FitReport.percent(tail) + " %", FitReport.percent(1 - tail) + " %"), rows,
                    true, 0));
        }
        if (!r.warnings().isEmpty()) {
            s.append("\nWarnings:\n");
            r.warnings().forEach(w -> s.append("  ").append(w).append('\n'));
        }
        return s.toString();
    }

    /**
     * The {@code compare} command's JSON for GLMMs, in the shape of the linear models' ({@code models}, {@code npar},
     * {@code AIC}, {@code BIC}, {@code logLik}, {@code deviance}, {@code chisq}, {@code df}, {@code p}: numbers for
     * two models, arrays for more; {@code table[]} one row per model), plus {@code family}.
     */
    public static Map<String, Object> json(GlmmComparison c, String family, Source source, int omitted,
            List<String> warnings) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", source.file());
        out.put("models", new ArrayList<Object>(c.formulas()));
        out.put("family", family);
        out.put("method", "ML");
        out.put("refitted_ml", false);
        FitReport.putComparison(out, c, omitted, warnings);
        return out;
    }

    /** lme4's {@code anova(m0, m1)} table for GLMMs. */
    public static String text(GlmmComparison c, String family, Source source, int omitted, List<String> warnings) {
        StringBuilder s = new StringBuilder();
        s.append("Likelihood-ratio test of ").append(family).append(" GLMMs (maximum likelihood)\n");
        FitReport.appendComparison(s, c, source.file(), omitted, warnings);
        return s.toString();
    }

    /** "Data: file (56 rows, all used)" or "(60 rows; 56 used, 4 left out for missing values)". */
    static String dataLine(GlmmResult r, Source source) {
        int omitted = r.design().frame().omittedRows();
        int read = r.nobs() + omitted;
        StringBuilder s = new StringBuilder("   Data: ").append(source.file() == null ? "(table)" : source.file())
                .append(" (").append(read).append(read == 1 ? " row" : " rows");
        if (omitted <= 0) {
            s.append(", all used)");
        } else {
            s.append("; ").append(r.nobs()).append(" used, ").append(omitted).append(" left out for missing values)");
        }
        return s.toString();
    }

    private static void randomEffects(StringBuilder s, GlmmResult r) {
        s.append("Random effects:\n");
        List<List<String>> rows = new ArrayList<>();
        String last = null;
        boolean anyCorr = false;
        for (VarCorrRow v : r.varCorr()) {
            if (v.var2() != null) {
                continue;
            }
            StringBuilder corr = new StringBuilder();
            for (VarCorrRow c : r.varCorr()) {
                if (c.group().equals(v.group()) && v.var1().equals(c.var2())) {
                    corr.append(String.format(Locale.ROOT, "%6.3f ", c.sdcor()));
                    anyCorr = true;
                }
            }
            rows.add(List.of(v.group().equals(last) ? "" : v.group(), v.var1(), FitReport.sig(v.vcov(), 4),
                    FitReport.sig(v.sdcor(), 4), corr.toString().strip()));
            last = v.group();
        }
        String table = FitReport.table(List.of("Groups", "Name", "Variance", "Std.Dev.", anyCorr ? "Corr" : ""), rows, true,
                0, 1, 4);
        table.lines().forEach(l -> s.append(' ').append(l.stripTrailing()).append('\n'));
        s.append("Number of obs: ").append(r.nobs()).append(", groups: ");
        List<String> groups = new ArrayList<>();
        r.ngroups().forEach((g, n) -> groups.add(" " + g + ", " + n));
        s.append(String.join(";", groups)).append("\n\n");
    }

    /** Min, quartiles and max as R's {@code quantile} (type 7), four significant digits. */
    private static List<String> quartiles(double[] values) {
        double[] v = java.util.Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        List<String> out = new ArrayList<>();
        for (double p : new double[] {0, 0.25, 0.5, 0.75, 1}) {
            if (v.length == 0) {
                out.add("NA");
                continue;
            }
            double h = (v.length - 1) * p;
            int lo = (int) Math.floor(h);
            int hi = Math.min(lo + 1, v.length - 1);
            out.add(FitReport.fixed(v[lo] + (h - lo) * (v[hi] - v[lo]), 4));
        }
        return out;
    }

    private static void fixedEffects(StringBuilder s, GlmmResult r) {
        s.append("Fixed effects:\n");
        List<GlmmResult.Coefficient> cs = r.fixed();
        double[] est = cs.stream().mapToDouble(GlmmResult.Coefficient::estimate).toArray();
        double[] se = cs.stream().mapToDouble(GlmmResult.Coefficient::se).toArray();
        int de = FitReport.decimals(est, 5);
        int ds = FitReport.decimals(se, 5);
        List<List<String>> rows = new ArrayList<>();
        boolean anyStars = false;
        for (GlmmResult.Coefficient c : cs) {
            rows.add(List.of(c.term(), FitReport.column(c.estimate(), de), FitReport.column(c.se(), ds),
                    FitReport.fixed(c.z(), 3), FitReport.pValue(c.p()), FitReport.stars(c.p())));
            anyStars |= !FitReport.stars(c.p()).isBlank();
        }
        s.append(FitReport.table(List.of("", "Estimate", "Std. Error", "z value", "Pr(>|z|)", ""), rows, true, 0, 5));
        if (anyStars) {
            s.append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
        }
    }
}
