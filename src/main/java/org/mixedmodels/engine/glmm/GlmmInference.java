package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Gamma;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitMonitor;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.inference.ConfidenceInterval;

/**
 * glmer's inference beyond the summary: Wald and profile-likelihood intervals ({@code confint}) and
 * likelihood-ratio tests between nested GLMMs ({@code anova(m0, m1)}).
 */
public final class GlmmInference {

    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private GlmmInference() {
    }

    /**
     * lme4's {@code confint(m, method = "Wald", oldNames = FALSE)}: NaN for the variance components (lme4 prints
     * NA), estimate +- z SE for the fixed effects.
     */
    public static List<ConfidenceInterval> waldIntervals(GlmmResult r, double level) {
        checkLevel(level);
        double z = NORMAL.inverseCumulativeProbability(0.5 + level / 2);
        List<ConfidenceInterval> out = new ArrayList<>();
        for (String name : varianceParameterNames(r)) {
            out.add(new ConfidenceInterval(name, Double.NaN, Double.NaN));
        }
        for (GlmmResult.Coefficient c : r.fixed()) {
            out.add(new ConfidenceInterval(c.term(), c.estimate() - z * c.se(), c.estimate() + z * c.se()));
        }
        return out;
    }

    /**
     * Profile-likelihood intervals as lme4's {@code confint(m, method = "profile", oldNames = FALSE)}: for each
     * parameter the values where the deviance, minimized over all the others, exceeds its minimum by the
     * chi-square(1) quantile of {@code level}. Profiled: the fixed effects and the SD of every scalar random-effects
     * term (its theta); the SDs and correlations of vector terms (random slopes) are NaN here (their profile needs
     * the SD/correlation parametrization, which this engine's optimizer does not use). A lower SD end that the
     * profile does not reach above 0 is 0, as lme4. Each point is a full refit from the previous one (BOBYQA in the
     * fit's unit-free coordinates), the ends found by Brent's method to 1e-6 in those coordinates.
     */
    public static List<ConfidenceInterval> profileIntervals(String formula, DataFrame data, GlmmOptions options,
            GlmmResult fit, double level) {
        checkLevel(level);
        GeneralizedLinearMixedModel.Problem problem = GeneralizedLinearMixedModel.Problem.of(
                FormulaParser.parse(formula), data, options);
        double[] opt = new double[problem.dimension()];
        for (int i = 0; i < problem.nTheta; i++) {
            opt[i] = fit.theta()[i] * problem.thetaScale[i];
        }
        for (int k = 0; k < problem.p; k++) {
            opt[problem.nTheta + k] = problem.betaCoordinate(k, fit.fixed().get(k).estimate());
        }
        double devMin = problem.value(opt);
        double q = new ChiSquaredDistribution(null, 1).inverseCumulativeProbability(level);
        List<String> names = varianceParameterNames(fit);
        List<ConfidenceInterval> out = new ArrayList<>();
        // names follow the variance components: vector terms NaN, scalar ones profiled
        int thetaAt = 0;
        for (RandomEffectTerm t : problem.terms) {
            int k = t.k();
            int count = t.thetaCount();
            int rows = k + k * (k - 1) / 2;
            if (k == 1) {
                double lo = end(problem, opt, thetaAt, -1, devMin, q) / problem.thetaScale[thetaAt];
                double hi = end(problem, opt, thetaAt, 1, devMin, q) / problem.thetaScale[thetaAt];
                out.add(new ConfidenceInterval(names.get(out.size()), lo, hi));
            } else {
                for (int e = 0; e < rows; e++) {
                    out.add(new ConfidenceInterval(names.get(out.size()), Double.NaN, Double.NaN));
                }
            }
            thetaAt += count;
        }
        for (int k = 0; k < problem.p; k++) {
            int j = problem.nTheta + k;
            double lo = problem.beta(unit(problem, j, end(problem, opt, j, -1, devMin, q)))[k];
            double hi = problem.beta(unit(problem, j, end(problem, opt, j, 1, devMin, q)))[k];
            out.add(new ConfidenceInterval(fit.fixed().get(k).term(), lo, hi));
        }
        return out;
    }

    /** A point whose coordinate j is v (only beta(..) of it is read). */
    private static double[] unit(GeneralizedLinearMixedModel.Problem problem, int j, double v) {
        double[] t = new double[problem.dimension()];
        t[j] = v;
        return t;
    }

    /**
     * The end of the profile interval of coordinate j on one side: where the profiled deviance minus devMin
     * reaches q. Steps out by the curvature's SE estimate until the profile exceeds q, then Brent between.
     */
    private static double end(GeneralizedLinearMixedModel.Problem problem, double[] opt, int j, int side,
            double devMin, double q) {
        double[] warm = opt.clone();
        boolean bounded = j < problem.nTheta && problem.diagonal[j];
        java.util.function.DoubleUnaryOperator excess = v -> {
            GeneralizedLinearMixedModel.Problem.Optimum o = problem.optimize(warm, j, v, FitMonitor.NONE);
            System.arraycopy(o.point(), 0, warm, 0, warm.length);
            return o.value() - devMin - q;
        };
        double step = curvatureStep(problem, opt, j, devMin, q);
        double inner = opt[j];
        double outer = opt[j] + side * step;
        for (int expand = 0; expand < 60; expand++) {
            if (bounded && outer <= 0) {
                outer = 0;
                if (excess.applyAsDouble(0) < 0) {
                    return 0; // the profile stays below the quantile down to SD 0 (lme4 gives 0)
                }
                break;
            }
            if (excess.applyAsDouble(outer) > 0) {
                break;
            }
            inner = outer;
            step *= 2;
            outer = opt[j] + side * step;
            if (expand == 59) {
                return side * Double.POSITIVE_INFINITY;
            }
        }
        double a = Math.min(inner, outer);
        double b = Math.max(inner, outer);
        return new BrentSolver(1e-6).solve(200, excess::applyAsDouble, a, b);
    }

    /** sqrt(q / (second difference / 2)) along j alone: the quadratic approximation's distance to the quantile. */
    private static double curvatureStep(GeneralizedLinearMixedModel.Problem problem, double[] opt, int j,
            double devMin, double q) {
        double h = 1e-3;
        double[] a = opt.clone();
        double[] b = opt.clone();
        a[j] += h;
        b[j] -= h;
        if (j < problem.nTheta && problem.diagonal[j] && b[j] < 0) {
            b[j] = opt[j];
            a[j] = opt[j] + 2 * h;
        }
        double c = (problem.value(a) + problem.value(b) - 2 * devMin) / (h * h);
        return c > 0 ? Math.sqrt(2 * q / c) / 2 : 1;
    }

    /**
     * The variance-parameter names of lme4's {@code confint(oldNames = FALSE)}: per term its SDs
     * ({@code sd_(Intercept)|herd}) then its correlations ({@code cor_week.(Intercept)|subject}).
     */
    static List<String> varianceParameterNames(GlmmResult r) {
        List<String> out = new ArrayList<>();
        for (VarCorrRow v : r.varCorr()) {
            if (v.var2() == null) {
                out.add("sd_" + v.var1() + "|" + v.group());
            } else {
                out.add("cor_" + v.var2() + "." + v.var1() + "|" + v.group());
            }
        }
        return out;
    }

    private static void checkLevel(double level) {
        if (!(level > 0 && level < 1)) {
            throw new MixedModelException("The confidence level must be between 0 and 1 (e.g. 0.95), not " + level + ".");
        }
    }

    /**
     * Likelihood-ratio tests between nested GLMMs fitted to the same rows and response, as lme4's
     * {@code anova(m0, m1)}: models ordered by their number of parameters, each compared with the one before it by
     * chi-square = 2 (logLik_2 - logLik_1) on the difference in parameters. The marginal log-likelihoods
     * ({@code logLikAbsolute}) are compared, so that an AGQ fit and a Laplace fit can be compared too (for two fits of
     * one method this is lme4's chi-square).
     */
    public static GlmmComparison likelihoodRatio(List<String> formulas, List<GlmmResult> fits) {
        if (fits.size() < 2 || formulas.size() != fits.size()) {
            throw new MixedModelException("A comparison needs at least two fitted models, each with its formula.");
        }
        GlmmResult first = fits.get(0);
        for (int i = 1; i < fits.size(); i++) {
            GlmmResult f = fits.get(i);
            if (!f.family().equals(first.family())) {
                throw new MixedModelException("The models have different families (" + first.family() + " and "
                        + f.family() + "); a likelihood-ratio test compares models of the same family.");
            }
            String r0 = first.design().frame().formula().response();
            String r1 = f.design().frame().formula().response();
            if (!r0.equals(r1)) {
                throw new MixedModelException("The models have different responses ('" + r0 + "' and '" + r1
                        + "'); a likelihood-ratio test compares models of the same response.");
            }
            if (!Arrays.equals(first.design().frame().rows(), f.design().frame().rows())) {
                throw new MixedModelException("The models use different rows (" + first.nobs() + " and " + f.nobs()
                        + " rows after leaving out missing values of their columns); compare models fitted to the same"
                        + " rows, e.g. by removing rows with missing values in any column either model uses.");
            }
        }
        Integer[] order = new Integer[fits.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> fits.get(i).parameterCount()));
        int m = fits.size();
        List<String> names = new ArrayList<>();
        int[] npar = new int[m];
        double[] aic = new double[m];
        double[] bic = new double[m];
        double[] logLik = new double[m];
        double[] deviance = new double[m];
        double[] chisq = new double[m];
        int[] df = new int[m];
        double[] p = new double[m];
        for (int a = 0; a < m; a++) {
            GlmmResult f = fits.get(order[a]);
            names.add(formulas.get(order[a]));
            npar[a] = f.parameterCount();
            aic[a] = f.aic();
            bic[a] = f.bic();
            logLik[a] = f.logLik();
            deviance[a] = f.deviance();
            if (a == 0) {
                chisq[a] = Double.NaN;
                p[a] = Double.NaN;
                continue;
            }
            GlmmResult prev = fits.get(order[a - 1]);
            // lme4 prints the statistic as it is, negative when the larger model fits worse; p is then 1
            chisq[a] = 2 * (f.logLikAbsolute() - prev.logLikAbsolute());
            df[a] = npar[a] - npar[a - 1];
            // the upper tail without cancellation: Q(df/2, chisq/2)
            p[a] = df[a] > 0 ? Gamma.regularizedGammaQ(df[a] / 2.0, Math.max(chisq[a], 0) / 2) : Double.NaN;
        }
        return new GlmmComparison(List.copyOf(names), first.nobs(), npar, aic, bic, logLik, deviance, chisq, df, p);
    }
}
