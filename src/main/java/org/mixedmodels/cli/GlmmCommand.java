package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.GeneralizedLinearMixedModel;
import org.mixedmodels.engine.glmm.GlmmComparison;
import org.mixedmodels.engine.glmm.GlmmInference;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.GlmmResult;
import org.mixedmodels.engine.glmm.Link;
import org.mixedmodels.engine.inference.ConfidenceInterval;
import org.mixedmodels.engine.report.GlmmReport;

/**
 * {@code fit --family binomial|poisson}: a GLMM as lme4's glmer, printed as its summary or as JSON. The options of
 * the linear models that have no meaning for a GLMM (REML, df methods, sandwich covariances, ...) are refused by
 * name rather than ignored.
 */
final class GlmmCommand {
    /** fit's options that only the linear models take. */
    private static final List<String> LINEAR_ONLY = List.of("--method", "--ddf", "--vcov", "--correlation");

    private GlmmCommand() {
    }

    /** The family of --family; null for gaussian (the linear model). */
    static Family family(Map<String, List<String>> options) {
        String text = CommandLineOptions.single(options, "--family", false);
        String family = text == null ? "gaussian" : text.toLowerCase(Locale.ROOT);
        if (family.equals("gaussian")) {
            for (String flag : List.of("--link", "--trials", "--offset", "--nagq")) {
                if (options.containsKey(flag)) {
                    throw new Main.UsageException(flag + " applies to a generalized linear mixed model; give --family "
                            + "binomial or --family poisson with it (the default family, gaussian, is the linear model).");
                }
            }
            return null;
        }
        try {
            return Family.of(family);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--family must be gaussian, binomial or poisson, not '" + text + "'.");
        }
    }

    /** The options as the engine takes them, each value checked with a message naming the option. */
    static GlmmOptions options(Family family, Map<String, List<String>> options) {
        GlmmOptions o = GlmmOptions.of(family).withTrials(CommandLineOptions.single(options, "--trials", false))
                .withOffset(CommandLineOptions.single(options, "--offset", false));
        String link = CommandLineOptions.single(options, "--link", false);
        if (link != null) {
            Link l;
            try {
                l = Link.of(link);
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--link must be logit, probit or cloglog (binomial) or log (poisson), not '"
                        + link + "'.");
            }
            if (!family.links().contains(l)) {
                throw new Main.UsageException("--link " + l.rName() + " does not go with --family " + family.rName()
                        + "; use " + String.join(", ", family.links().stream().map(Link::rName).toList()) + ".");
            }
            o = o.withLink(l);
        }
        if (o.trials() != null && family != Family.BINOMIAL) {
            throw new Main.UsageException("--trials goes with --family binomial only (successes out of trials); a "
                    + family.rName() + " response has no trials.");
        }
        String nagq = CommandLineOptions.single(options, "--nagq", false);
        if (nagq != null) {
            int k;
            try {
                k = Integer.parseInt(nagq.strip());
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 1 || k > 100) {
                throw new Main.UsageException("--nagq takes a whole number from 1 (Laplace) to 100 (adaptive Gauss-Hermite"
                        + " nodes), not '" + nagq + "'.");
            }
            o = o.withNAGQ(k);
        }
        return o.withReferenceLevels(Main.references(options)).withLevelOrders(Main.levelOrders(options));
    }

    /** fit with a binomial or Poisson family. */
    static int fit(Family family, Map<String, List<String>> options, PrintStream out, PrintStream err) {
        for (String flag : LINEAR_ONLY) {
            if (options.containsKey(flag)) {
                throw new Main.UsageException(flag + " applies to linear mixed models only; a " + family.rName()
                        + " GLMM is fitted by maximum likelihood (Laplace or --nagq) with Wald z tests, as glmer"
                        + " (--confint profile|wald gives intervals).");
            }
        }
        String data = CommandLineOptions.single(options, "--data", true);
        String formula = CommandLineOptions.single(options, "--formula", true);
        GlmmOptions glmm = options(family, options);
        CsvReader.Table table = DataOptions.read(options, data);
        String confint = CommandLineOptions.single(options, "--confint", false);
        confint = confint == null ? null : confint.toLowerCase(Locale.ROOT);
        if (confint != null && !confint.equals("profile") && !confint.equals("wald")) {
            throw new Main.UsageException("--confint must be profile or wald, not '" + confint + "'.");
        }
        double level = Main.confLevel(options);
        GlmmResult r = GeneralizedLinearMixedModel.fit(formula, table.data(), glmm);
        List<ConfidenceInterval> intervals = confint == null ? List.of()
                : confint.equals("profile") ? GlmmInference.profileIntervals(formula, table.data(), glmm, r, level)
                        : GlmmInference.waldIntervals(r, level);
        GlmmReport.Source source = new GlmmReport.Source(data);
        out.print(CommandLineOptions.isJson(options)
                ? Json.write(GlmmReport.json(r, formula, glmm, source, confint, intervals))
                : GlmmReport.text(r, formula, glmm, source, confint, intervals, level));
        r.warnings().forEach(w -> err.println("Warning: " + w));
        return 0;
    }

    /**
     * compare with --family: likelihood-ratio tests of nested GLMMs fitted to the same rows (lme4's anova of glmer
     * fits); --method is refused (GLMMs are fitted by maximum likelihood).
     */
    static int compare(Family family, List<String> formulas, Map<String, List<String>> options, PrintStream out,
            PrintStream err) {
        if (options.containsKey("--method")) {
            throw new Main.UsageException("--method applies to linear mixed models only; GLMMs are compared by maximum"
                    + " likelihood, as glmer fits them.");
        }
        String data = CommandLineOptions.single(options, "--data", true);
        GlmmOptions glmm = options(family, options);
        CsvReader.Table table = DataOptions.read(options, data);
        List<GlmmResult> fits = new java.util.ArrayList<>();
        List<String> warnings = new java.util.ArrayList<>();
        for (String f : formulas) {
            GlmmResult fit = GeneralizedLinearMixedModel.fit(f, table.data(), glmm);
            fits.add(fit);
            for (String w : fit.warnings()) {
                String tagged = "Model '" + f + "': " + w;
                if (!warnings.contains(tagged)) {
                    warnings.add(tagged);
                }
            }
        }
        GlmmComparison c = GlmmInference.likelihoodRatio(formulas, fits);
        GlmmReport.Source source = new GlmmReport.Source(data);
        int omitted = fits.get(0).design().frame().omittedRows();
        out.print(CommandLineOptions.isJson(options)
                ? Json.write(GlmmReport.json(c, family.rName(), source, omitted, warnings))
                : GlmmReport.text(c, family.rName(), source, omitted, warnings));
        warnings.forEach(w -> err.println("Warning: " + w));
        return 0;
    }
}
