package org.mixedmodels.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.inference.CoefficientTest;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.ModelComparison;
import org.mixedmodels.engine.inference.TermTest;

/**
 * The {@code fit} command's output: JSON with the field names of the reference cases (a contract
 * other tools rely on: extend, never rename), or a text summary laid out as lme4's {@code summary()}.
 */
final class FitReport {
    private FitReport() {
    }

    static Map<String, Object> json(FitResult fit, FixedEffectsInference inference, String formula, String data) {
        return json(fit, inference, formula, data, null, List.of());
    }

    /**
     * @param confintMethod "profile", "wald" or null (no intervals for all parameters)
     * @param confint the intervals, variance parameters then sigma then coefficients
     */
    static Map<String, Object> json(FitResult fit, FixedEffectsInference inference, String formula, String data,
            String confintMethod, List<ConfidenceInterval> confint) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
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
        List<Object> varcorr = new ArrayList<>();
        for (VarCorrRow v : fit.varCorr()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", v.group());
            row.put("var1", v.var1());
            row.put("var2", v.var2());
            row.put("vcov", v.vcov());
            row.put("sdcor", v.sdcor());
            varcorr.add(row);
        }
        out.put("varcorr", varcorr);
        if (fit.residual() != null) {
            out.put("residual_structure", residualStructure(fit.residual()));
        }
        List<Object> ranef = new ArrayList<>();
        for (RandomEffect r : fit.randomEffects()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", r.group());
            row.put("term", r.term());
            row.put("level", r.level());
            row.put("value", r.value());
            row.put("condsd", r.condsd());
            ranef.add(row);
        }
        out.put("ranef", ranef);
        if (confintMethod != null) {
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
        out.put("fitted_conditional", fit.fittedConditional());
        out.put("fitted_population", fit.fittedPopulation());
        List<Object> warnings = new ArrayList<>(fit.warnings());
        warnings.addAll(inference.warnings());
        out.put("warnings", warnings);
        return out;
    }

    /**
     * {@code type}, {@code time}, {@code subject}, {@code visits} (the order the matrices are indexed by),
     * {@code phi} (ar1, ar1h, sp_exp), {@code rho} (cs, csh), {@code variances} per visit (heterogeneous
     * structures and us) and the absolute {@code covariance} over the visits (all but sp_exp).
     */
    static Map<String, Object> residualStructure(ResidualFit residual) {
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

    static String text(FitResult fit, FixedEffectsInference inference, String formula) {
        return text(fit, inference, formula, null, List.of());
    }

    static String text(FitResult fit, FixedEffectsInference inference, String formula, String confintMethod,
            List<ConfidenceInterval> confint) {
        StringBuilder s = new StringBuilder();
        boolean reml = fit.method() == org.mixedmodels.engine.fit.FitOptions.Method.REML;
        s.append(reml ? "Linear mixed model fit by REML\n" : "Linear mixed model fit by maximum likelihood\n");
        s.append("Formula: ").append(formula).append("\n\n");
        if (reml) {
            s.append(String.format("REML criterion at convergence: %.4f%n%n", fit.objective()));
        } else {
            s.append(String.format("%10s %10s %10s %10s %10s%n", "AIC", "BIC", "logLik", "deviance", "df.resid"));
            s.append(String.format("%10.4f %10.4f %10.4f %10.4f %10d%n%n", fit.aic(), fit.bic(), fit.logLik(),
                    fit.objective(), fit.nobs() - fit.parameterCount()));
        }
        s.append("Random effects:\n");
        s.append(String.format(" %-12s %-12s %12s %10s %s%n", "Groups", "Name", "Variance", "Std.Dev.", "Corr"));
        String lastGroup = null;
        for (VarCorrRow v : fit.varCorr()) {
            if (v.var2() != null) {
                continue;
            }
            String group = v.group().equals(lastGroup) ? "" : v.group();
            lastGroup = v.group();
            String name = v.var1() == null ? "" : v.var1();
            StringBuilder corr = new StringBuilder();
            for (VarCorrRow c : fit.varCorr()) {
                if (c.group().equals(v.group()) && name.equals(c.var2())) {
                    corr.append(String.format("%6.3f ", c.sdcor()));
                }
            }
            s.append(String.format(" %-12s %-12s %12.4f %10.4f %s%n", group, name, v.vcov(), v.sdcor(), corr.toString().strip()));
        }
        StringBuilder groups = new StringBuilder();
        fit.ngroups().forEach((g, n) -> groups.append(groups.length() == 0 ? "" : "; ").append(g).append(", ").append(n));
        s.append("Number of obs: ").append(fit.nobs()).append(", groups:  ").append(groups).append("\n\n");
        if (fit.residual() != null) {
            s.append(fit.residual().summary());
        }
        s.append("Fixed effects (df: ").append(inference.method().label()).append(covarianceNote(inference.covariance()))
                .append("):\n");
        s.append(String.format("%-24s %12s %12s %9s %9s %11s%n", "", "Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"));
        for (CoefficientTest f : inference.coefficients()) {
            s.append(String.format("%-24s %12.5g %12.5g %9.3f %9.3f %11.4g%n", f.term(), f.estimate(), f.se(), f.df(), f.t(), f.p()));
        }
        if (!inference.typeIII().isEmpty()) {
            s.append("\nType III Analysis of Variance Table:\n");
            s.append(String.format("%-24s %6s %9s %10s %11s%n", "", "NumDF", "DenDF", "F value", "Pr(>F)"));
            for (TermTest t : inference.typeIII()) {
                s.append(String.format("%-24s %6.0f %9.3f %10.4f %11.4g%n", t.term(), t.numDf(), t.denDf(), t.f(), t.p()));
            }
        }
        if (confintMethod != null) {
            s.append(String.format(java.util.Locale.ROOT, "%nConfidence intervals (%s, %s%%):%n", confintMethod,
                    new java.math.BigDecimal(inference.confidenceLevel() * 100).stripTrailingZeros().toPlainString()));
            int width = confint.stream().mapToInt(c -> c.parameter().length()).max().orElse(10);
            for (ConfidenceInterval ci : confint) {
                s.append(String.format(java.util.Locale.ROOT, "  %-" + width + "s %12s %12s%n", ci.parameter(),
                        Double.isNaN(ci.lower()) ? "NA" : String.format(java.util.Locale.ROOT, "%.6g", ci.lower()),
                        Double.isNaN(ci.upper()) ? "NA" : String.format(java.util.Locale.ROOT, "%.6g", ci.upper())));
            }
        }
        List<String> warnings = new ArrayList<>(fit.warnings());
        warnings.addAll(inference.warnings());
        if (!warnings.isEmpty()) {
            s.append("\nWarnings:\n");
            warnings.forEach(w -> s.append("  ").append(w).append('\n'));
        }
        return s.toString();
    }

    /** The {@code compare} command's JSON: the field names of the reference case {@code sleepstudy_lrt}. */
    static Map<String, Object> json(ModelComparison c, String data) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        out.put("models", new ArrayList<Object>(c.formulas()));
        out.put("method", c.method().name());
        out.put("refitted_ml", c.refitted());
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
        return out;
    }

    static String text(ModelComparison c) {
        StringBuilder s = new StringBuilder();
        if (c.refitted()) {
            s.append("refitting model(s) with ML (instead of REML)\n");
        }
        for (int k = 0; k < c.formulas().size(); k++) {
            s.append("Model ").append(k + 1).append(": ").append(c.formulas().get(k)).append('\n');
        }
        s.append(String.format("%-7s %5s %10s %10s %10s %10s %8s %3s %11s%n", "", "npar", "AIC", "BIC", "logLik",
                "deviance", "Chisq", "Df", "Pr(>Chisq)"));
        for (int k = 0; k < c.formulas().size(); k++) {
            s.append(String.format("%-7s %5d %10.3f %10.3f %10.3f %10.3f", "Model " + (k + 1), c.npar()[k], c.aic()[k],
                    c.bic()[k], c.logLik()[k], c.deviance()[k]));
            if (k > 0) {
                s.append(String.format(" %8.4f %3d %11.4g", c.chisq()[k], c.df()[k], c.p()[k]));
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** The {@code emmeans} command's JSON. */
    static Map<String, Object> json(EstimatedMarginalMeans emm, List<String> specs, DfMethod ddf, double level,
            String formula, String data) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        out.put("formula", formula);
        out.put("specs", new ArrayList<Object>(specs));
        out.put("ddf", ddf.label());
        out.put("vcov", emm.covariance().label());
        out.put("conf_level", level);
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
            row.put("p_tukey", d.pTukey());
            row.put("p_bonferroni", d.pBonferroni());
            row.put("p_holm", d.pHolm());
            row.put("lower", d.lower());
            row.put("upper", d.upper());
            pairs.add(row);
        }
        out.put("pairs", pairs);
        return out;
    }

    /** Nothing for the model-based covariance, else which sandwich the SEs use. */
    static String covarianceNote(org.mixedmodels.engine.inference.CovarianceType covariance) {
        return switch (covariance) {
            case MODEL -> "";
            case EMPIRICAL -> "; covariance: empirical (CR0 sandwich by subject)";
            case EMPIRICAL_CR2 -> "; covariance: empirical-cr2 (Bell-McCaffrey CR2 sandwich by subject)";
        };
    }

    static String text(EstimatedMarginalMeans emm, List<String> specs, DfMethod ddf, double level) {
        StringBuilder s = new StringBuilder();
        s.append("Estimated marginal means of ").append(String.join(", ", specs)).append(" (df: ").append(ddf.label())
                .append(covarianceNote(emm.covariance())).append(String.format(", %.0f%% intervals)%n", level * 100));
        s.append(String.format("%-20s %12s %10s %9s %12s %12s%n", "level", "emmean", "SE", "df", "lower", "upper"));
        for (EstimatedMarginalMeans.Mean m : emm.means()) {
            s.append(String.format("%-20s %12.5g %10.5g %9.3f %12.5g %12.5g%n", m.level(), m.estimate(), m.se(), m.df(),
                    m.lower(), m.upper()));
        }
        s.append("\nPairwise differences:\n");
        s.append(String.format("%-28s %12s %10s %9s %9s %10s %10s %10s %10s%n", "contrast", "estimate", "SE", "df",
                "t ratio", "p", "p.tukey", "p.bonf", "p.holm"));
        for (EstimatedMarginalMeans.Difference d : emm.differences()) {
            s.append(String.format("%-28s %12.5g %10.5g %9.3f %9.3f %10.4g %10.4g %10.4g %10.4g%n", d.contrast(), d.estimate(),
                    d.se(), d.df(), d.t(), d.p(), d.pTukey(), d.pBonferroni(), d.pHolm()));
        }
        return s.toString();
    }
}
