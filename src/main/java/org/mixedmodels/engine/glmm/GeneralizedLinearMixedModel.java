package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;

/**
 * Generalized linear mixed models with one scalar random intercept {@code (1 | g)}, fitted as lme4's
 * {@code glmer}: the deviance (Laplace for nAGQ = 1, adaptive Gauss-Hermite for nAGQ &gt; 1; see
 * {@link ScalarRandomInterceptDeviance}) is minimized over (theta, beta) jointly with BOBYQA (glmer's second
 * stage), starting from the GLM's beta and theta = 1; beta is optimized in units of the GLM's standard errors so
 * that the optimizer's steps do not depend on the units of the predictors.
 *
 * <p>Standard errors: as lme4's default for nAGQ &gt; 0 ({@code use.hessian = TRUE}), from the inverse of half the
 * Hessian of the deviance over (theta, beta), beta block; the Hessian by central finite differences with steps of
 * 1e-3 in those unit-free coordinates (theta, beta / GLM SE). lme4 uses steps of 1e-4 in the raw parameters.
 *
 * <p>The model frame and X come from engine/design's {@link Design} (read-only), as the linear models build them.
 * Later, with engine/fit's blocked factorization, the Laplace branch should take its Cholesky of
 * Lambda'Z'WZ Lambda + I (weights refreshed per PIRLS iteration) to allow several terms and slopes.
 */
public final class GeneralizedLinearMixedModel {

    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);
    /** Hessian step in unit-free coordinates (theta; beta in GLM standard errors). */
    private static final double HESSIAN_STEP = 1e-3;

    private GeneralizedLinearMixedModel() {
    }

    public static GlmmResult fit(String formula, DataFrame data, GlmmOptions options) {
        return fit(FormulaParser.parse(formula), data, options);
    }

    public static GlmmResult fit(Formula formula, DataFrame data, GlmmOptions options) {
        Setup setup = setup(formula, data, options);
        GlmFamily family = options.glmFamily();
        Design design = setup.design();
        RandomEffectTerm term = setup.term();
        GlmmResponse response = setup.response();
        List<String> warnings = setup.warnings();
        ScalarRandomInterceptDeviance dev = setup.dev();
        double[][] x = design.fixed().columns();
        int p = x.length;
        int n = response.y().length;
        int q = term.levelCount();
        GlmFit glm = GlmFit.fit(family, x, response.y(), response.weights(), response.offset());
        double[] beta0 = glm.beta();
        double[] scale = glm.se();

        // coordinates: t[0] = theta, t[1 + k] = (beta_k - beta0_k) / se_k
        int[] evaluations = {0};
        MultivariateFunction objective = t -> {
            evaluations[0]++;
            return dev.deviance(t[0], beta(t, beta0, scale));
        };
        int dim = 1 + p;
        double[] lower = new double[dim];
        double[] upper = new double[dim];
        java.util.Arrays.fill(lower, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(upper, Double.POSITIVE_INFINITY);
        lower[0] = 0;
        double[] start = new double[dim];
        start[0] = 1;
        BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * dim + 1, 0.2, 1e-10);
        PointValuePair opt = bobyqa.optimize(new MaxEval(100_000), new ObjectiveFunction(objective),
                GoalType.MINIMIZE, new InitialGuess(start), new SimpleBounds(lower, upper));
        double[] t = opt.getPoint();
        double theta = t[0];
        double[] beta = beta(t, beta0, scale);

        double[][] covT = covariance(objective, t);
        double deviance = dev.deviance(theta, beta); // leaves the modes at the optimum
        List<GlmmResult.Coefficient> fixed = new ArrayList<>();
        for (int k = 0; k < p; k++) {
            double se = scale[k] * Math.sqrt(covT[1 + k][1 + k]);
            double z = beta[k] / se;
            fixed.add(new GlmmResult.Coefficient(design.fixed().names().get(k), beta[k], se, z,
                    2 * NORMAL.cumulativeProbability(-Math.abs(z))));
        }
        if (theta < 1e-4) { // lme4's isSingular() tolerance on theta (unit-free: the SD on the link scale)
            warnings.add("boundary (singular) fit: see help('isSingular')");
        }
        double[] modes = new double[q];
        double[] condsd = new double[q];
        for (int j = 0; j < q; j++) {
            modes[j] = theta * dev.u[j];
            condsd[j] = theta / Math.sqrt(dev.lSquared[j]);
        }
        double[] fittedLink = dev.eta.clone();
        double[] fittedResponse = new double[n];
        double[] population = dev.fixedPredictor(beta);
        for (int i = 0; i < n; i++) {
            fittedResponse[i] = family.linkinv(fittedLink[i]);
            population[i] = family.linkinv(population[i]);
        }
        double saturated = 0;
        for (int i = 0; i < n; i++) {
            saturated += options.family().logDensity(response.y()[i], response.y()[i], response.weights()[i]);
        }
        double logLik = -deviance / 2;
        boolean agq = options.nAGQ() > 1;
        double logLikAbsolute = agq ? logLik + saturated : logLik;
        int df = p + 1;
        double logN = Math.log(n);
        return new GlmmResult(options.family().rName(), family.link().rName(), agq ? "AGQ" : "Laplace",
                options.nAGQ(), n, term.groupName(), term.grouping().levels(), theta, fixed, modes, condsd,
                logLik, deviance, deviance + 2 * df, deviance + logN * df, n - df, saturated, logLikAbsolute,
                -2 * logLikAbsolute + 2 * df, -2 * logLikAbsolute + logN * df, dev.conditionalDeviance(),
                fittedLink, fittedResponse, population, evaluations[0], List.copyOf(warnings));
    }

    /** The model's pieces: design, response and the deviance function. */
    private record Setup(Design design, RandomEffectTerm term, GlmmResponse response, List<String> warnings,
            ScalarRandomInterceptDeviance dev) {
    }

    private static Setup setup(Formula formula, DataFrame data, GlmmOptions options) {
        checkSupported(formula);
        GlmFamily family = options.glmFamily();
        Design design = Design.build(formula, data, options.referenceLevels());
        RandomEffectTerm term = design.randomTerms().get(0);
        GlmmResponse response = GlmmResponse.of(options.family(), design.response(), design.frame().rows(),
                formula.response(), data, options.trials(), options.offset());
        List<String> warnings = new ArrayList<>(design.warnings());
        warnings.addAll(response.warnings());
        double[][] x = design.fixed().columns();
        int n = response.y().length;
        int q = term.levelCount();
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            group[i] = term.grouping().code(i);
        }
        ScalarRandomInterceptDeviance dev = new ScalarRandomInterceptDeviance(family, x, response.y(),
                response.weights(), response.offset(), group, q, options.nAGQ());
        return new Setup(design, term, response, warnings, dev);
    }

    /**
     * glmer's deviance (nAGQ as in the options) at given (theta, beta), the modes found anew: for profiles and
     * for checking the integrand against an exact integral.
     */
    static double deviance(Formula formula, DataFrame data, GlmmOptions options, double theta, double[] beta) {
        return setup(formula, data, options).dev().deviance(theta, beta);
    }

    /** Refuses every random part but one scalar intercept term, naming what is supported. */
    static void checkSupported(Formula formula) {
        List<RandomTerm> terms = formula.randomTerms();
        String supported = " GLMMs here take one random intercept, (1 | group), as in 'y ~ x + (1 | subject)'.";
        if (!formula.residualTerms().isEmpty()) {
            throw new MixedModelException("The formula '" + formula.source() + "' has a residual covariance term;"
                    + " a GLMM has none (the variance follows from the family)." + supported);
        }
        if (terms.size() != 1) {
            throw new MixedModelException("The formula '" + formula.source() + "' has " + terms.size()
                    + " random-effects terms (after expanding nesting);" + supported
                    + " Several terms, nested or crossed, are not supported yet.");
        }
        RandomTerm r = terms.get(0);
        if (!r.intercept() || !r.effects().isEmpty()) {
            throw new MixedModelException("The random-effects term of '" + formula.source() + "' has "
                    + (r.effects().isEmpty() ? "no intercept" : "random slopes") + ";" + supported
                    + " Random slopes are not supported yet.");
        }
    }

    private static double[] beta(double[] t, double[] beta0, double[] scale) {
        double[] b = new double[beta0.length];
        for (int k = 0; k < b.length; k++) {
            b[k] = beta0[k] + scale[k] * t[1 + k];
        }
        return b;
    }

    /**
     * 2 H^-1, H the central-difference Hessian of the deviance in the optimizer's coordinates. When theta is within
     * a step of its bound 0 (a singular or nearly singular fit) a central difference in theta is impossible; then
     * theta is held fixed and the beta block comes from the Hessian over beta alone (its row and column for theta
     * stay zero).
     */
    private static double[][] covariance(MultivariateFunction f, double[] t) {
        int d = t.length;
        double h = HESSIAN_STEP;
        int first = t[0] <= h ? 1 : 0;
        double f0 = f.value(t);
        RealMatrix hess = new Array2DRowRealMatrix(d, d);
        if (first == 1) {
            hess.setEntry(0, 0, 2); // placeholder for the fixed theta: inverse 1, never read
        }
        for (int a = first; a < d; a++) {
            double fp = f.value(shift(t, a, h, -1, 0));
            double fm = f.value(shift(t, a, -h, -1, 0));
            hess.setEntry(a, a, (fp - 2 * f0 + fm) / (h * h));
            for (int b = first; b < a; b++) {
                double fpp = f.value(shift(t, a, h, b, h));
                double fpm = f.value(shift(t, a, h, b, -h));
                double fmp = f.value(shift(t, a, -h, b, h));
                double fmm = f.value(shift(t, a, -h, b, -h));
                double v = (fpp - fpm - fmp + fmm) / (4 * h * h);
                hess.setEntry(a, b, v);
                hess.setEntry(b, a, v);
            }
        }
        RealMatrix inv = new LUDecomposition(hess.scalarMultiply(0.5)).getSolver().getInverse();
        return inv.getData();
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
