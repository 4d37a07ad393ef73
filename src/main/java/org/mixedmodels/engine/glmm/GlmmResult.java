package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ThetaLayout;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * A fitted GLMM, as glmer's summary prints it: any number of random-effects terms (intercepts, slopes, nested,
 * crossed), described with the linear model's records ({@link VarCorrRow}, {@link RandomEffect}) so that reports and
 * model ports can treat both kinds of model alike.
 *
 * @param design the design fitted (model frame, X, the random-effects terms in lme4's order)
 * @param family {@code binomial} or {@code poisson} (R's names)
 * @param link {@code logit}, {@code probit}, {@code cloglog}, {@code log} (R's names)
 * @param method {@code Laplace} or {@code AGQ}
 * @param nAGQ 1 for Laplace, the number of quadrature nodes for AGQ
 * @param nobs rows used
 * @param ngroups levels per grouping factor, in lme4's order (nested factors as {@code cask:batch})
 * @param theta lme4's theta: per term (lme4's order) the lower triangle of the relative covariance factor, column
 *     by column; for these families (no dispersion, sigma = 1) the Cholesky factor of the term's covariance itself
 * @param fixed the fixed effects with Wald z tests
 * @param fixedCovariance lme4's {@code vcov()}: the covariance of beta (from the Hessian of the deviance over
 *     theta and beta, lme4's default for nAGQ &gt; 0), in the order of {@code fixed}
 * @param varCorr variance components as lme4's {@code as.data.frame(VarCorr(m))}: per term the variances, then the
 *     covariances (sdcor = correlation); no residual row (binomial and Poisson have no dispersion)
 * @param randomEffects conditional modes with their conditional SDs ({@code ranef(condVar = TRUE)}) for every
 *     term, column and level: grouping factor by grouping factor (the first term's factor first,
 *     then in order of first appearance; the terms of one factor together, as lme4's {@code ranef()}), column by
 *     column, level by level in the factor's level order
 * @param logLik lme4's {@code logLik()} (for nAGQ &gt; 1 without the saturated log-likelihood, as lme4)
 * @param deviance -2 logLik, the deviance glmer prints
 * @param aic deviance + 2 (parameters)
 * @param bic deviance + log(nobs) (parameters)
 * @param dfResid nobs - parameters
 * @param saturatedLogLik the saturated model's log-likelihood
 * @param logLikAbsolute the marginal log-likelihood: logLik + saturatedLogLik for AGQ, logLik for Laplace
 * @param aicAbsolute AIC from logLikAbsolute
 * @param bicAbsolute BIC from logLikAbsolute
 * @param devianceConditional lme4's {@code deviance()}: the sum of squared deviance residuals at the modes
 * @param pearsonChiSquare sum of squared Pearson residuals at the modes
 * @param overdispersionRatio pearsonChiSquare / dfResid (Bolker's GLMM FAQ check; well above 1 suggests
 *     overdispersion for Poisson; computed for both families)
 * @param fittedLink eta = X beta + offset + Z b per row (lme4's {@code fitted(m, type = "link")})
 * @param fittedResponse the fitted mean per row (probability, rate): {@code fitted(m)}
 * @param fittedPopulationLink X beta + offset per row (b = 0)
 * @param fittedPopulation the mean at b = 0 per row (response scale)
 * @param pearsonResiduals (y - mu) sqrt(prior weight / V(mu)) per row, at the modes ({@code residuals(m, "pearson")})
 * @param devianceResiduals sign(y - mu) sqrt(deviance contribution) per row ({@code residuals(m)})
 * @param singular whether the fit is on the boundary (lme4's {@code isSingular}, in unit-free theta)
 * @param gradient the gradient of the deviance at the optimum in the optimizer's unit-free coordinates (theta
 *     times its column's root mean square, beta in GLM standard errors), central differences
 * @param scaledGradient lme4's convergence check quantity, solve(chol(Hessian), gradient), same coordinates
 * @param converged whether the optimizer met its tolerance and the gradient check passed
 * @param evaluations deviance evaluations of the optimizer
 * @param warnings lme4's warnings (singular fit, large gradient, non-integer counts) and ours (separation)
 */
public record GlmmResult(Design design, String family, String link, String method, int nAGQ, int nobs,
        Map<String, Integer> ngroups, double[] theta, List<Coefficient> fixed, double[][] fixedCovariance,
        List<VarCorrRow> varCorr, List<RandomEffect> randomEffects, double logLik, double deviance, double aic,
        double bic, int dfResid, double saturatedLogLik, double logLikAbsolute, double aicAbsolute,
        double bicAbsolute, double devianceConditional, double pearsonChiSquare, double overdispersionRatio,
        double[] fittedLink, double[] fittedResponse, double[] fittedPopulationLink, double[] fittedPopulation,
        double[] pearsonResiduals, double[] devianceResiduals, boolean singular, double[] gradient,
        double[] scaledGradient, boolean converged, int evaluations, List<String> warnings) {

    /** A fixed effect with its Wald z test (SE from the Hessian of the deviance over theta and beta). */
    public record Coefficient(String term, double estimate, double se, double z, double p) {
    }

    /**
     * One grouping factor's random effects (the terms of one factor together, as lme4's {@code ranef()} data
     * frame per group): what a Predictor needs for conditional predictions.
     *
     * @param name the grouping factor ({@code herd}, {@code cask:batch})
     * @param columns the random-effect columns ({@code (Intercept)}, {@code week})
     * @param covariance their covariance matrix (Lambda Lambda'; zero between uncorrelated terms of one factor)
     * @param levels the levels seen in the fit
     * @param modes conditional modes, {@code modes[level][column]}
     * @param conditionalSd their conditional SDs, same layout
     */
    public record Group(String name, List<String> columns, double[][] covariance, List<String> levels,
            double[][] modes, double[][] conditionalSd) {
    }

    /** Estimated parameters counted by logLik's df: the fixed effects and theta. */
    public int parameterCount() {
        return fixed.size() + theta.length;
    }

    /** The fixed-effect estimates in order. */
    public double[] beta() {
        return fixed.stream().mapToDouble(Coefficient::estimate).toArray();
    }

    /** The random-effects terms as the design holds them (lme4's order). */
    public List<RandomEffectTerm> terms() {
        return design.randomTerms();
    }

    /** The random effects per grouping factor (terms of one factor merged, first appearance order). */
    public List<Group> groups() {
        Map<String, List<RandomEffectTerm>> byGroup = new LinkedHashMap<>();
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        Map<RandomEffectTerm, Integer> thetaStart = new LinkedHashMap<>();
        for (int t = 0; t < design.randomTerms().size(); t++) {
            RandomEffectTerm term = design.randomTerms().get(t);
            byGroup.computeIfAbsent(term.groupName(), g -> new ArrayList<>()).add(term);
            thetaStart.put(term, layout.offset(t));
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<String, List<RandomEffectTerm>> e : byGroup.entrySet()) {
            List<String> columns = new ArrayList<>();
            e.getValue().forEach(t -> columns.addAll(t.columnNames()));
            int k = columns.size();
            double[][] cov = new double[k][k];
            int at = 0;
            for (RandomEffectTerm t : e.getValue()) {
                double[][] c = SmallMatrices.relativeCovariance(theta, thetaStart.get(t), t.k());
                for (int r = 0; r < t.k(); r++) {
                    System.arraycopy(c[r], 0, cov[at + r], at, t.k());
                }
                at += t.k();
            }
            List<String> levels = e.getValue().get(0).grouping().levels();
            Map<String, Integer> index = new LinkedHashMap<>();
            for (int i = 0; i < levels.size(); i++) {
                index.put(levels.get(i), i);
            }
            double[][] modes = new double[levels.size()][k];
            double[][] sds = new double[levels.size()][k];
            int seen = 0;
            for (RandomEffect r : randomEffects) {
                if (r.group().equals(e.getKey())) {
                    // column by column, each over all levels in order (see randomEffects)
                    int column = seen / levels.size();
                    int level = index.get(r.level());
                    modes[level][column] = r.value();
                    sds[level][column] = r.condsd();
                    seen++;
                }
            }
            out.add(new Group(e.getKey(), List.copyOf(columns), cov, levels, modes, sds));
        }
        return out;
    }

    /** The conditional modes of one grouping factor and column, level by level ({@code ranef(m)$group[, term]}). */
    public double[] modes(String group, String term) {
        return randomEffects.stream().filter(r -> r.group().equals(group) && r.term().equals(term))
                .mapToDouble(RandomEffect::value).toArray();
    }

    /** Their conditional SDs. */
    public double[] conditionalSds(String group, String term) {
        return randomEffects.stream().filter(r -> r.group().equals(group) && r.term().equals(term))
                .mapToDouble(RandomEffect::condsd).toArray();
    }
}
