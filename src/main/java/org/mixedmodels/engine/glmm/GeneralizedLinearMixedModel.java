package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitAssembly;
import org.mixedmodels.engine.fit.FitMonitor;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ThetaLayout;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;

/**
 * Generalized linear mixed models fitted as lme4's {@code glmer}: binomial and Poisson responses with any
 * random-effects part in lme4's notation (intercepts, slopes, nested and crossed factors). The deviance is the
 * Laplace approximation (nAGQ = 1; PIRLS on the linear models' blocked factorization, {@link PirlsDeviance}) or, for
 * one scalar random intercept, adaptive Gauss-Hermite quadrature (nAGQ &gt; 1, {@link ScalarRandomInterceptDeviance});
 * it is minimized over (theta, beta) jointly with BOBYQA (glmer's second stage), starting from the GLM's beta and
 * theta = 1 on the diagonal. The optimizer works in unit-free coordinates: each theta times the root mean square of
 * its random-effect column (as the linear models' optimizer) and beta in units of the GLM's standard errors, so that
 * its steps, the boundary checks and the finite differences do not depend on the units of the data.
 *
 * <p>Standard errors: as lme4's default for nAGQ &gt; 0 ({@code use.hessian = TRUE}), from the inverse of half the
 * Hessian of the deviance over (theta, beta), beta block; the Hessian by central finite differences with steps of
 * 1e-3 in the unit-free coordinates (lme4 uses steps of 1e-4 in the raw parameters). A theta within a step of its
 * bound 0 is held fixed there (no central difference is possible; lme4 does the same by one-sided means).
 */
public final class GeneralizedLinearMixedModel {

    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);
    /** Hessian step in unit-free coordinates (theta times its column's RMS; beta in GLM standard errors). */
    static final double HESSIAN_STEP = 1e-3;
    /** lme4's check.conv.grad tolerance on the scaled gradient. */
    static final double GRADIENT_TOLERANCE = 2e-3;
    /** lme4's check.conv.hess tolerance on the ratio of the Hessian's smallest to largest eigenvalue. */
    static final double HESSIAN_RATIO_TOLERANCE = 1e-6;

    private GeneralizedLinearMixedModel() {
    }

    public static GlmmResult fit(String formula, DataFrame data, GlmmOptions options) {
        return fit(FormulaParser.parse(formula), data, options, FitMonitor.NONE);
    }

    public static GlmmResult fit(String formula, DataFrame data, GlmmOptions options, FitMonitor monitor) {
        return fit(FormulaParser.parse(formula), data, options, monitor);
    }

    public static GlmmResult fit(Formula formula, DataFrame data, GlmmOptions options) {
        return fit(formula, data, options, FitMonitor.NONE);
    }

    /** A fit whose optimizer reports every deviance evaluation to {@code monitor} (progress, cancel). */
    public static GlmmResult fit(Formula formula, DataFrame data, GlmmOptions options, FitMonitor monitor) {
        Problem problem = Problem.of(formula, data, options);
        Problem.Optimum opt = problem.optimize(problem.start(), -1, Double.NaN, monitor);
        return problem.result(opt);
    }

    /**
     * glmer's deviance (nAGQ as in the options) at given (theta, beta), the modes found anew: for profiles and
     * for checking the integrand against an exact integral.
     */
    static double deviance(Formula formula, DataFrame data, GlmmOptions options, double[] theta, double[] beta) {
        return Problem.of(formula, data, options).dev.deviance(theta, beta);
    }

    static double deviance(Formula formula, DataFrame data, GlmmOptions options, double theta, double[] beta) {
        return deviance(formula, data, options, new double[] {theta}, beta);
    }

    /**
     * Milliseconds per deviance evaluation at a fit's optimum (PIRLS from the previous modes, as in the optimizer's
     * inner loop): the best of up to 5 rounds of repeated evaluations lasting about 0.2 s each. For the benchmark.
     */
    public static double evaluationMillis(String formula, DataFrame data, GlmmOptions options, GlmmResult fit) {
        Problem problem = Problem.of(FormulaParser.parse(formula), data, options);
        double[] theta = fit.theta();
        double[] beta = fit.beta();
        problem.dev.deviance(theta, beta);
        double best = Double.POSITIVE_INFINITY;
        for (int round = 0; round < 5; round++) {
            int count = 0;
            long t0 = System.nanoTime();
            long elapsed;
            do {
                problem.dev.deviance(theta, beta);
                count++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < 200_000_000L && count < 50);
            best = Math.min(best, elapsed / 1e6 / count);
        }
        return best;
    }

    /** Refuses what glmer refuses: a residual covariance term; AGQ with anything but one scalar random intercept. */
    static void checkSupported(Formula formula, GlmmOptions options) {
        List<RandomTerm> terms = formula.randomTerms();
        if (!formula.residualTerms().isEmpty()) {
            throw new MixedModelException("The formula '" + formula.source() + "' has a residual covariance term;"
                    + " a GLMM has none (the variance follows from the family).");
        }
        if (terms.isEmpty()) {
            throw new MixedModelException("The formula '" + formula.source() + "' has no random-effects term; a GLMM"
                    + " needs at least one, as in 'y ~ x + (1 | subject)' (for a GLM without random effects use a GLM).");
        }
        if (options.nAGQ() > 1) {
            RandomTerm r = terms.get(0);
            if (terms.size() != 1 || !r.intercept() || !r.effects().isEmpty()) {
                throw new MixedModelException("Adaptive Gauss-Hermite quadrature (nAGQ = " + options.nAGQ() + ") is"
                        + " available only for one scalar random intercept, as in 'y ~ x + (1 | subject)' (as lme4:"
                        + " \"nAGQ > 1 is only available for models with a single, scalar random-effects term\");"
                        + " the formula '" + formula.source() + "' has " + (terms.size() != 1 ? terms.size()
                        + " random-effects terms (after expanding nesting)" : "random slopes or no intercept")
                        + ". Use the Laplace approximation (nAGQ = 1) for it.");
            }
        }
    }

    /** The model's pieces and its optimization in unit-free coordinates. */
    static final class Problem {
        final Formula formula;
        final GlmmOptions options;
        final GlmFamily family;
        final Design design;
        final List<RandomEffectTerm> terms;
        final GlmmResponse response;
        final List<String> warnings;
        final GlmmDeviance dev;
        final GlmFit glm;
        /** Per theta entry: the RMS of its column (unit-free theta = theta x scale), and whether it is diagonal. */
        final double[] thetaScale;
        final boolean[] diagonal;
        /** Where theta's entries sit ({@link ThetaLayout}). */
        final ThetaLayout thetaLayout;
        final int nTheta;
        final int p;
        int evaluations;

        private Problem(Formula formula, GlmmOptions options, Design design, GlmmResponse response,
                List<String> warnings, GlmmDeviance dev, GlmFit glm) {
            this.formula = formula;
            this.options = options;
            this.family = options.glmFamily();
            this.design = design;
            this.terms = design.randomTerms();
            this.response = response;
            this.warnings = warnings;
            this.dev = dev;
            this.glm = glm;
            this.thetaLayout = ThetaLayout.of(terms);
            this.thetaScale = thetaLayout.scales();
            this.nTheta = thetaScale.length;
            this.diagonal = thetaLayout.diagonal();
            this.p = design.fixed().columnCount();
        }

        static Problem of(Formula formula, DataFrame data, GlmmOptions options) {
            checkSupported(formula, options);
            GlmFamily family = options.glmFamily();
            Design design = Design.build(formula, data, options.referenceLevels(), options.levelOrders(), false);
            GlmmResponse response = GlmmResponse.of(options.family(), design.response(), design.frame().rows(),
                    formula.response(), data, options.trials(), options.offset());
            List<String> warnings = new ArrayList<>(design.warnings());
            warnings.addAll(response.warnings());
            double[][] x = design.fixed().columns();
            GlmmDeviance dev;
            if (options.nAGQ() > 1) {
                dev = new ScalarRandomInterceptDeviance(family, x, response.y(), response.weights(), response.offset(),
                        design.randomTerms().get(0), options.nAGQ());
            } else {
                dev = new PirlsDeviance(family, x, response.y(), response.weights(), response.offset(),
                        design.randomTerms());
            }
            GlmFit glm = GlmFit.fit(family, x, response.y(), response.weights(), response.offset());
            return new Problem(formula, options, design, response, warnings, dev, glm);
        }

        int dimension() {
            return nTheta + p;
        }

        /** theta = 1 (unit-free) on the diagonal, 0 off it; beta at the GLM's estimates. */
        double[] start() {
            double[] t = new double[dimension()];
            for (int i = 0; i < nTheta; i++) {
                t[i] = diagonal[i] ? 1 : 0;
            }
            return t;
        }

        double[] theta(double[] t) {
            double[] theta = new double[nTheta];
            for (int i = 0; i < nTheta; i++) {
                theta[i] = t[i] / thetaScale[i];
            }
            return theta;
        }

        double[] beta(double[] t) {
            double[] b = new double[p];
            double[] beta0 = glm.beta();
            double[] se = glm.se();
            for (int k = 0; k < p; k++) {
                b[k] = beta0[k] + se[k] * t[nTheta + k];
            }
            return b;
        }

        /** The unit-free coordinate of beta_k = value. */
        double betaCoordinate(int k, double value) {
            return (value - glm.beta()[k]) / glm.se()[k];
        }

        double value(double[] t) {
            evaluations++;
            double d = dev.deviance(theta(t), beta(t));
            return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }

        record Optimum(double[] point, double value, int evaluations) {
        }

        /**
         * Minimizes the deviance from {@code start}, with coordinate {@code held} (or none, -1) held at
         * {@code heldValue} (profiles).
         */
        Optimum optimize(double[] start, int held, double heldValue, FitMonitor monitor) {
            int d = dimension();
            int[] free = new int[held >= 0 ? d - 1 : d];
            for (int i = 0, at = 0; i < d; i++) {
                if (i != held) {
                    free[at++] = i;
                }
            }
            double[] base = start.clone();
            if (held >= 0) {
                base[held] = heldValue;
            }
            int before = evaluations;
            MultivariateFunction f = s -> {
                double[] t = base.clone();
                for (int i = 0; i < free.length; i++) {
                    t[free[i]] = s[i];
                }
                double v = value(t);
                monitor.objectiveEvaluated(evaluations - before, v);
                return v;
            };
            double[] s0 = new double[free.length];
            double[] lower = new double[free.length];
            double[] upper = new double[free.length];
            for (int i = 0; i < free.length; i++) {
                s0[i] = base[free[i]];
                lower[i] = free[i] < nTheta && diagonal[free[i]] ? 0 : Double.NEGATIVE_INFINITY;
                upper[i] = Double.POSITIVE_INFINITY;
            }
            double[] s;
            double value;
            if (free.length == 0) {
                s = s0;
                value = f.value(s);
            } else if (free.length == 1) {
                // BOBYQA needs two dimensions; one parameter (a random intercept without fixed effects, or a
                // profile of a two-parameter model) is a line search, for a theta over [0, 20] unit-free SDs
                double lo = lower[0] == 0 ? 0 : s0[0] - 20;
                double hi = lower[0] == 0 ? Math.max(20, 2 * s0[0]) : s0[0] + 20;
                UnivariatePointValuePair r = new BrentOptimizer(1e-12, 1e-12).optimize(new MaxEval(10_000),
                        new UnivariateObjectiveFunction(v -> f.value(new double[] {v})), GoalType.MINIMIZE,
                        new SearchInterval(lo, hi, Math.min(Math.max(s0[0], lo), hi)));
                s = new double[] {r.getPoint()};
                value = r.getValue();
            } else {
                BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * free.length + 1, 0.2, 1e-10);
                PointValuePair r = bobyqa.optimize(new MaxEval(100_000), new ObjectiveFunction(f), GoalType.MINIMIZE,
                        new InitialGuess(s0), new SimpleBounds(lower, upper));
                s = r.getPoint();
                value = r.getValue();
            }
            double[] t = base.clone();
            for (int i = 0; i < free.length; i++) {
                t[free[i]] = s[i];
            }
            return new Optimum(t, value, evaluations - before);
        }

        /** The result at the optimum (lme4's {@code mkMerMod} and its summary). */
        GlmmResult result(Optimum opt) {
            double[] t = opt.point();
            int d = dimension();
            // the Hessian and gradient over the coordinates not at a bound
            boolean[] atBound = new boolean[d];
            for (int i = 0; i < nTheta; i++) {
                atBound[i] = diagonal[i] && t[i] < HESSIAN_STEP;
            }
            Derivatives der = derivatives(t, atBound);
            double[] theta = theta(t);
            double[] beta = beta(t);
            double deviance = dev.deviance(theta, beta); // leaves the modes at the optimum
            evaluations++;
            List<String> warnings = new ArrayList<>(this.warnings);
            double[][] covT = der.covariance();
            double[] glmSe = glm.se();
            double[][] vcov = new double[p][p];
            List<GlmmResult.Coefficient> fixed = new ArrayList<>();
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    vcov[a][b] = glmSe[a] * glmSe[b] * covT[nTheta + a][nTheta + b];
                }
                double se = Math.sqrt(vcov[a][a]);
                double z = beta[a] / se;
                fixed.add(new GlmmResult.Coefficient(design.fixed().names().get(a), beta[a], se, z,
                        2 * NORMAL.cumulativeProbability(-Math.abs(z))));
            }
            // lme4's isSingular on the unit-free theta
            boolean singular = FitAssembly.isSingular(t, thetaLayout.lowerBounds());
            if (singular) {
                warnings.add("boundary (singular) fit: see help('isSingular')");
            }
            boolean converged = true;
            if (!der.hessianPositiveDefinite()) {
                converged = false;
                warnings.add(String.format(Locale.ROOT, "Model failed to converge: degenerate  Hessian with %d negative"
                        + " eigenvalues", der.negativeEigenvalues()));
            } else {
                int worst = -1;
                double max = 0;
                for (int i = 0; i < d; i++) {
                    if (!atBound[i] && Math.abs(der.scaledGradient()[i]) > max) {
                        max = Math.abs(der.scaledGradient()[i]);
                        worst = i;
                    }
                }
                if (max > GRADIENT_TOLERANCE) {
                    converged = false;
                    warnings.add("Model failed to converge with max|grad| = " + cFormatG(max) + " (tol = "
                            + cFormatG(GRADIENT_TOLERANCE) + ", component " + (worst + 1) + ")");
                }
                if (der.eigenvalueRatio() < HESSIAN_RATIO_TOLERANCE) {
                    warnings.add("Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?");
                }
            }
            Separation.check(family.family(), design, response, glm, family).ifPresent(warnings::add);

            List<RandomEffect> ranef = dev.randomEffects();
            int n = response.y().length;
            double[] y = response.y();
            double[] wt = response.weights();
            double[] fittedLink = dev.eta();
            double[] fittedResponse = new double[n];
            double[] populationLink = dev.fixedPredictor(beta);
            double[] population = new double[n];
            double[] pearson = new double[n];
            double[] devRes = new double[n];
            double pearsonSum = 0;
            double conditionalDeviance = 0;
            double saturated = 0;
            for (int i = 0; i < n; i++) {
                double mu = family.linkinv(fittedLink[i]);
                fittedResponse[i] = mu;
                population[i] = family.linkinv(populationLink[i]);
                pearson[i] = (y[i] - mu) * Math.sqrt(wt[i] / family.variance(mu));
                pearsonSum += pearson[i] * pearson[i];
                double dr = family.devResid(y[i], mu, wt[i]);
                conditionalDeviance += dr;
                devRes[i] = Math.copySign(Math.sqrt(Math.max(dr, 0)), y[i] - mu);
                saturated += options.family().logDensity(y[i], y[i], wt[i]);
            }
            double logLik = -deviance / 2;
            boolean agq = options.nAGQ() > 1;
            double logLikAbsolute = agq ? logLik + saturated : logLik;
            int df = p + nTheta;
            double logN = Math.log(n);
            Map<String, Integer> ngroups = FitAssembly.ngroups(terms);
            List<VarCorrRow> varCorr = new ArrayList<>(FitAssembly.varCorr(terms, theta, 1.0));
            varCorr.removeIf(r -> r.group().equals("Residual") && r.var1() == null);
            return new GlmmResult(design, options.family().rName(), family.link().rName(), agq ? "AGQ" : "Laplace",
                    options.nAGQ(), n, ngroups, theta, fixed, vcov, List.copyOf(varCorr), List.copyOf(ranef), logLik,
                    deviance, deviance + 2 * df, deviance + logN * df, n - df, saturated, logLikAbsolute,
                    -2 * logLikAbsolute + 2 * df, -2 * logLikAbsolute + logN * df, conditionalDeviance, pearsonSum,
                    pearsonSum / (n - df), fittedLink, fittedResponse, populationLink, population, pearson, devRes,
                    singular, der.gradient(), der.scaledGradient(), converged, opt.evaluations(),
                    List.copyOf(warnings));
        }

        /**
         * Central-difference gradient and Hessian of the deviance in the unit-free coordinates; coordinates at a
         * bound are held fixed (their rows and columns: gradient 0, Hessian identity, covariance 0).
         */
        Derivatives derivatives(double[] t, boolean[] atBound) {
            int d = t.length;
            double h = HESSIAN_STEP;
            double f0 = value(t);
            double[][] hess = new double[d][d];
            double[] grad = new double[d];
            for (int a = 0; a < d; a++) {
                if (atBound[a]) {
                    continue;
                }
                double fp = value(shift(t, a, h, -1, 0));
                double fm = value(shift(t, a, -h, -1, 0));
                grad[a] = (fp - fm) / (2 * h);
                hess[a][a] = (fp - 2 * f0 + fm) / (h * h);
                for (int b = 0; b < a; b++) {
                    if (atBound[b]) {
                        continue;
                    }
                    double fpp = value(shift(t, a, h, b, h));
                    double fpm = value(shift(t, a, h, b, -h));
                    double fmp = value(shift(t, a, -h, b, h));
                    double fmm = value(shift(t, a, -h, b, -h));
                    double v = (fpp - fpm - fmp + fmm) / (4 * h * h);
                    hess[a][b] = v;
                    hess[b][a] = v;
                }
            }
            int[] free = java.util.stream.IntStream.range(0, d).filter(a -> !atBound[a]).toArray();
            RealMatrix hf = new Array2DRowRealMatrix(free.length, free.length);
            for (int a = 0; a < free.length; a++) {
                for (int b = 0; b < free.length; b++) {
                    hf.setEntry(a, b, hess[free[a]][free[b]]);
                }
            }
            double[] ev = free.length == 0 ? new double[0] : new EigenDecomposition(hf).getRealEigenvalues();
            double maxEv = Arrays.stream(ev).max().orElse(1);
            double minEv = Arrays.stream(ev).min().orElse(1);
            int negative = (int) Arrays.stream(ev).filter(e -> e <= 0).count();
            double[][] cov = new double[d][d];
            double[] scaled = new double[d];
            if (negative == 0 && free.length > 0) {
                RealMatrix inv = new LUDecomposition(hf.scalarMultiply(0.5)).getSolver().getInverse();
                RealMatrix r = new CholeskyDecomposition(hf, 1e-300, 0).getLT();
                double[] g = new double[free.length];
                for (int a = 0; a < free.length; a++) {
                    g[a] = grad[free[a]];
                }
                // solve(chol(H), g): R x = g, R upper triangular (lme4's scaled gradient)
                double[] xs = new double[free.length];
                for (int a = free.length - 1; a >= 0; a--) {
                    double s = g[a];
                    for (int b = a + 1; b < free.length; b++) {
                        s -= r.getEntry(a, b) * xs[b];
                    }
                    xs[a] = s / r.getEntry(a, a);
                }
                for (int a = 0; a < free.length; a++) {
                    scaled[free[a]] = xs[a];
                    for (int b = 0; b < free.length; b++) {
                        cov[free[a]][free[b]] = inv.getEntry(a, b);
                    }
                }
            } else {
                Arrays.fill(scaled, Double.NaN);
                for (double[] row : cov) {
                    Arrays.fill(row, Double.NaN);
                }
            }
            return new Derivatives(grad, scaled, cov, negative, maxEv > 0 ? minEv / maxEv : 0);
        }
    }

    record Derivatives(double[] gradient, double[] scaledGradient, double[][] covariance, int negativeEigenvalues,
            double eigenvalueRatio) {
        boolean hessianPositiveDefinite() {
            return negativeEigenvalues == 0;
        }
    }

    /** C's (and R's) %g: 6 significant digits, trailing zeros dropped, as lme4's messages print numbers. */
    static String cFormatG(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return Double.toString(v);
        }
        int exponent = (int) Math.floor(Math.log10(Math.abs(v)));
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(6));
        if (exponent < -4 || exponent >= 6) {
            String s = String.format(Locale.ROOT, "%.5e", v);
            String mantissa = s.substring(0, s.indexOf('e')).replaceAll("0+$", "").replaceAll("\\.$", "");
            String exp = s.substring(s.indexOf('e') + 1);
            int e = Integer.parseInt(exp);
            return mantissa + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
        }
        return d.stripTrailingZeros().toPlainString();
    }

    private static double[] shift(double[] t, int a, double ha, int b, double hb) {
        double[] s = t.clone();
        s[a] += ha;
        if (b >= 0) {
            s[b] += hb;
        }
        return s;
    }
}
