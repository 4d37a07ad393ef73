package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.special.Gamma;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitMonitor;
import org.mixedmodels.engine.fit.ThetaLayout;
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
     * chi-square(1) quantile of {@code level} (|zeta| = qnorm((1 + level) / 2)). Profiled: the fixed effects, the SD
     * of every scalar random-effects term (its theta), and the SDs and correlations of vector terms (random slopes):
     * for those the term's Cholesky factor is re-expressed by its SDs and correlations (lme4's {@code .sig}
     * parametrization, profile.merMod), one of them held and the others re-optimized; their rows in lme4's order
     * (the lower triangle by columns: {@code sd_(Intercept)|g}, {@code cor_x.(Intercept)|g}, {@code sd_x|g}). A lower
     * SD end that the profile does not reach above 0 is 0, a correlation end beyond +-1 is +-1, as lme4. Each point is
     * a full refit from the previous one (BOBYQA in the fit's unit-free coordinates), the ends found by Brent's
     * method to 1e-6 in those coordinates.
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
        Profiler plain = new Profiler() {
            @Override
            public double[] optimize(double[] start, int j, double v) {
                GeneralizedLinearMixedModel.Problem.Optimum o = problem.optimize(start, j, v, FitMonitor.NONE);
                double[] r = o.point().clone();
                return append(r, o.value());
            }

            @Override
            public double value(double[] x) {
                return problem.value(x);
            }

            @Override
            public double lowerBound(int j) {
                return j < problem.nTheta && problem.diagonal[j] ? 0 : Double.NEGATIVE_INFINITY;
            }

            @Override
            public double upperBound(int j) {
                return Double.POSITIVE_INFINITY;
            }
        };
        int thetaAt = 0;
        int nameAt = 0;
        for (RandomEffectTerm t : problem.terms) {
            int k = t.k();
            int count = t.thetaCount();
            if (k == 1) {
                double lo = end(plain, opt, thetaAt, -1, devMin, q) / problem.thetaScale[thetaAt];
                double hi = end(plain, opt, thetaAt, 1, devMin, q) / problem.thetaScale[thetaAt];
                out.add(new ConfidenceInterval(names.get(nameAt), lo, hi));
            } else {
                SdCorProfiler sc = new SdCorProfiler(problem, thetaAt, k);
                double[] start = sc.toSdCor(opt);
                for (int c = 0; c < k; c++) {
                    for (int r = c; r < k; r++) {
                        int j = sc.index(r, c);
                        double lo = end(sc, start, j, -1, devMin, q);
                        double hi = end(sc, start, j, 1, devMin, q);
                        // names in the same order (lme4's): the SD on the diagonal, unit-free / RMS
                        double scale = r == c ? problem.thetaScale[j] : 1;
                        out.add(new ConfidenceInterval(names.get(nameAt + j - thetaAt), lo / scale, hi / scale));
                    }
                }
            }
            thetaAt += count;
            nameAt += count;
        }
        for (int k = 0; k < problem.p; k++) {
            int j = problem.nTheta + k;
            double lo = problem.beta(unit(problem, j, end(plain, opt, j, -1, devMin, q)))[k];
            double hi = problem.beta(unit(problem, j, end(plain, opt, j, 1, devMin, q)))[k];
            out.add(new ConfidenceInterval(fit.fixed().get(k).term(), lo, hi));
        }
        return out;
    }

    /** The position in a term's varCorr rows of cor(a, b), a < b: after the k SDs, by columns b, rows a < b. */
    private static int corRow(int k, int a, int b) {
        return k + b * (b - 1) / 2 + a;
    }

    private static double[] append(double[] x, double v) {
        double[] r = Arrays.copyOf(x, x.length + 1);
        r[x.length] = v;
        return r;
    }

    /** A point whose coordinate j is v (only beta(..) of it is read). */
    private static double[] unit(GeneralizedLinearMixedModel.Problem problem, int j, double v) {
        double[] t = new double[problem.dimension()];
        t[j] = v;
        return t;
    }

    /** The profiled deviance in some coordinates: the optimum with coordinate j held (point then value). */
    private interface Profiler {
        double[] optimize(double[] start, int j, double v);

        double value(double[] x);

        double lowerBound(int j);

        double upperBound(int j);
    }

    /**
     * The fit's unit-free coordinates with one vector term's Cholesky-factor entries replaced by its unit-free SDs
     * (SD times the column's RMS, at the factor's diagonal positions) and correlations (at the off-diagonal ones):
     * lme4's sd/cor scale, on which it profiles variance components. Points whose correlations are not a valid
     * correlation matrix have deviance +infinity.
     */
    private static final class SdCorProfiler implements Profiler {
        private final GeneralizedLinearMixedModel.Problem problem;
        private final int at;
        private final int k;

        SdCorProfiler(GeneralizedLinearMixedModel.Problem problem, int at, int k) {
            this.problem = problem;
            this.at = at;
            this.k = k;
        }

        /** The coordinate of lower-triangle entry (r, c), r >= c, stored by columns. */
        int index(int r, int c) {
            return at + ThetaLayout.index(k, r, c);
        }

        double[] toSdCor(double[] t) {
            double[] x = t.clone();
            double[][] l = new double[k][k];
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    l[r][c] = t[index(r, c)];
                }
            }
            double[] sd = new double[k];
            for (int r = 0; r < k; r++) {
                double s = 0;
                for (int u = 0; u <= r; u++) {
                    s += l[r][u] * l[r][u];
                }
                sd[r] = Math.sqrt(s);
                x[index(r, r)] = sd[r];
            }
            for (int c = 0; c < k; c++) {
                for (int r = c + 1; r < k; r++) {
                    double s = 0;
                    for (int u = 0; u <= c; u++) {
                        s += l[r][u] * l[c][u];
                    }
                    x[index(r, c)] = sd[r] > 0 && sd[c] > 0 ? s / (sd[r] * sd[c]) : 0;
                }
            }
            return x;
        }

        /** Back to the Cholesky factor (null when the correlations are not positive semi-definite). */
        double[] toTheta(double[] x) {
            double[][] cov = new double[k][k];
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    double v = r == c ? x[index(r, r)] * x[index(r, r)]
                            : x[index(r, c)] * x[index(r, r)] * x[index(c, c)];
                    cov[r][c] = v;
                    cov[c][r] = v;
                }
            }
            double[][] l = new double[k][k];
            for (int c = 0; c < k; c++) {
                double d = cov[c][c];
                for (int u = 0; u < c; u++) {
                    d -= l[c][u] * l[c][u];
                }
                // a relative guard: a diagonal that cancels to rounding of the SD^2 is 0 (SD 0 or |cor| 1)
                if (d < -1e-12 * Math.max(cov[c][c], Double.MIN_NORMAL)) {
                    return null;
                }
                double lcc = d > 1e-14 * cov[c][c] ? Math.sqrt(d) : 0;
                l[c][c] = lcc;
                for (int r = c + 1; r < k; r++) {
                    double s = cov[r][c];
                    for (int u = 0; u < c; u++) {
                        s -= l[r][u] * l[c][u];
                    }
                    l[r][c] = lcc > 0 ? s / lcc : 0;
                }
            }
            double[] t = x.clone();
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    t[index(r, c)] = l[r][c];
                }
            }
            return t;
        }

        @Override
        public double value(double[] x) {
            double[] t = toTheta(x);
            return t == null ? Double.POSITIVE_INFINITY : problem.value(t);
        }

        private boolean isCorrelation(int j) {
            return j >= at && j < at + k * (k + 1) / 2 && !problem.diagonal[j];
        }

        @Override
        public double lowerBound(int j) {
            if (isCorrelation(j)) {
                return -1;
            }
            return j < problem.nTheta && problem.diagonal[j] ? 0 : Double.NEGATIVE_INFINITY;
        }

        @Override
        public double upperBound(int j) {
            return isCorrelation(j) ? 1 : Double.POSITIVE_INFINITY;
        }

        @Override
        public double[] optimize(double[] start, int held, double heldValue) {
            int d = start.length;
            int[] free = new int[d - 1];
            for (int i = 0, a = 0; i < d; i++) {
                if (i != held) {
                    free[a++] = i;
                }
            }
            double[] base = start.clone();
            base[held] = heldValue;
            MultivariateFunction f = s -> {
                double[] x = base.clone();
                for (int i = 0; i < free.length; i++) {
                    x[free[i]] = s[i];
                }
                return value(x);
            };
            double[] s0 = new double[free.length];
            double[] lower = new double[free.length];
            double[] upper = new double[free.length];
            for (int i = 0; i < free.length; i++) {
                lower[i] = lowerBound(free[i]);
                upper[i] = upperBound(free[i]);
                s0[i] = Math.min(Math.max(base[free[i]], lower[i]), upper[i]);
            }
            // BOBYQA's initial trust region must fit inside the bounds: the correlations' [-1, 1] allows at most 1
            double rho = 0.2;
            for (int i = 0; i < free.length; i++) {
                if (Double.isFinite(upper[i]) && Double.isFinite(lower[i])) {
                    rho = Math.min(rho, (upper[i] - lower[i]) / 4);
                }
            }
            // start a correlation away from its bound by at least the trust region, as BOBYQA requires
            for (int i = 0; i < free.length; i++) {
                if (Double.isFinite(upper[i]) && Double.isFinite(lower[i])) {
                    s0[i] = Math.min(Math.max(s0[i], lower[i] + rho), upper[i] - rho);
                }
            }
            BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * free.length + 1, rho, 1e-10);
            PointValuePair r = bobyqa.optimize(new MaxEval(100_000), new ObjectiveFunction(f), GoalType.MINIMIZE,
                    new InitialGuess(s0), new SimpleBounds(lower, upper));
            double[] x = base.clone();
            for (int i = 0; i < free.length; i++) {
                x[free[i]] = r.getPoint()[i];
            }
            return append(x, r.getValue());
        }
    }

    /**
     * The end of the profile interval of coordinate j on one side: where the profiled deviance minus devMin
     * reaches q. Steps out by the curvature's SE estimate until the profile exceeds q, then Brent between. At a
     * bound the profile does not cross (an SD's 0, a correlation's +-1) the end is that bound.
     */
    private static double end(Profiler profiler, double[] opt, int j, int side, double devMin, double q) {
        double[] warm = opt.clone();
        double bound = side < 0 ? profiler.lowerBound(j) : profiler.upperBound(j);
        boolean bounded = Double.isFinite(bound);
        java.util.function.DoubleUnaryOperator excess = v -> {
            double[] o = profiler.optimize(warm, j, v);
            System.arraycopy(o, 0, warm, 0, warm.length);
            return o[warm.length] - devMin - q;
        };
        double step = curvatureStep(profiler, opt, j, devMin, q);
        double inner = opt[j];
        double outer = opt[j] + side * step;
        for (int expand = 0; expand < 60; expand++) {
            if (bounded && side * (outer - bound) >= 0) {
                outer = bound;
                if (excess.applyAsDouble(bound) < 0) {
                    return bound; // the profile stays below the quantile up to the bound (lme4 gives 0 or +-1)
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
    private static double curvatureStep(Profiler profiler, double[] opt, int j, double devMin, double q) {
        double h = 1e-3;
        double[] a = opt.clone();
        double[] b = opt.clone();
        a[j] += h;
        b[j] -= h;
        if (b[j] < profiler.lowerBound(j)) {
            b[j] = opt[j];
            a[j] = opt[j] + 2 * h;
        } else if (a[j] > profiler.upperBound(j)) {
            a[j] = opt[j];
            b[j] = opt[j] - 2 * h;
        }
        double c = (profiler.value(a) + profiler.value(b) - 2 * devMin) / (h * h);
        return c > 0 ? Math.sqrt(2 * q / c) / 2 : 1;
    }

    /**
     * The variance-parameter names of lme4's {@code confint(oldNames = FALSE)}, in its order: per term the lower
     * triangle of its covariance by columns, SDs on the diagonal ({@code sd_(Intercept)|herd}) and correlations off
     * it ({@code cor_week.(Intercept)|subject}), so a random slope gives sd, cor, sd as lme4's .sig01-.sig03.
     */
    static List<String> varianceParameterNames(GlmmResult r) {
        List<String> out = new ArrayList<>();
        List<VarCorrRow> rows = r.varCorr();
        for (int from = 0; from < rows.size();) {
            String group = rows.get(from).group();
            int to = from;
            while (to < rows.size() && rows.get(to).group().equals(group)) {
                to++;
            }
            // varCorr's block of one term: its k SDs, then cor(a, b), a < b, by columns b
            List<VarCorrRow> block = rows.subList(from, to);
            int k = (int) block.stream().filter(v -> v.var2() == null).count();
            for (int c = 0; c < k; c++) {
                VarCorrRow sd = block.get(c);
                out.add("sd_" + sd.var1() + "|" + sd.group());
                for (int row = c + 1; row < k; row++) {
                    VarCorrRow cor = block.get(corRow(k, c, row));
                    out.add("cor_" + cor.var2() + "." + cor.var1() + "|" + cor.group());
                }
            }
            from = to;
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
