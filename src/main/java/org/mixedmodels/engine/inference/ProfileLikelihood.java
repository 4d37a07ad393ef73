package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;
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
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.OptimizerSummary;
import org.mixedmodels.engine.fit.ProfiledDeviance;
import org.mixedmodels.engine.fit.ThetaLayout;
import org.mixedmodels.engine.fit.ThetaOptimizer;

/**
 * Profile-likelihood confidence intervals, as lme4's {@code confint(m, method = "profile")}
 * (Bates et al. 2015, J. Stat. Softw. 67(1), section 5.1): the signed square root of the increase in
 * the ML deviance, zeta(x) = sign(x - x_hat) sqrt(d(x) - d_hat), where d(x) is the deviance minimised
 * over all other parameters with x held fixed; the interval is where |zeta| &lt;= z_{(1+level)/2}.
 *
 * <p>As in lme4, a REML fit is first refitted by ML, and variance parameters are profiled on the
 * standard-deviation/correlation scale with sigma explicit: d = log|L|^2 + r^2/sigma^2 + n log(2 pi
 * sigma^2). A coefficient is profiled by moving its column into an offset and refitting theta. lme4
 * interpolates the profile with splines; here each end is found as the root of zeta(x) -+ z by
 * Brent's method, so the two agree to the accuracy of lme4's interpolation. A bound that zeta does not
 * cross before the parameter's limit (an SD of 0, a correlation of +-1) is reported as that limit.
 */
public final class ProfileLikelihood {
    /** Root accuracy of each end, relative to the parameter's scale. */
    private static final double ROOT_ACCURACY = 1e-9;
    private static final double INNER_STOPPING_RADIUS = 1e-9;
    private static final int MAX_BRACKET_STEPS = 60;
    /** Returned for parameter values outside the model (a correlation matrix that is not positive semi-definite). */
    private static final double INFEASIBLE = 1e100;

    private final FitResult ml;
    private final Design design;
    private final ProfiledDeviance deviance;
    private final double base;
    private final int n;
    private final List<String> names = new ArrayList<>();
    /** Variance parameters on the sd/cor scale, then sigma. */
    private final double[] optimum;
    private final double[] lower;
    private final double[] upper;
    private final boolean[] isCorrelation;

    private ProfileLikelihood(FitResult fit) {
        this.ml = fit.method() == FitOptions.Method.ML ? fit
                : LinearMixedModel.fit(fit.design(), new FitOptions(FitOptions.Method.ML, java.util.Map.of()));
        this.design = ml.design();
        this.deviance = new ProfiledDeviance(design, false);
        this.base = ml.objective();
        this.n = design.nobs();
        List<Double> opt = new ArrayList<>();
        List<Boolean> cor = new ArrayList<>();
        double[] sdcor = thetaToSdCor(ml.theta(), ml.sigma());
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        names.addAll(layout.sdCorNames());
        boolean[] diagonal = layout.diagonal();
        for (int i = 0; i < diagonal.length; i++) {
            cor.add(!diagonal[i]);
            opt.add(sdcor[i]);
        }
        names.add("sigma");
        cor.add(false);
        opt.add(ml.sigma());
        this.optimum = opt.stream().mapToDouble(Double::doubleValue).toArray();
        this.isCorrelation = new boolean[cor.size()];
        this.lower = new double[cor.size()];
        this.upper = new double[cor.size()];
        for (int i = 0; i < cor.size(); i++) {
            isCorrelation[i] = cor.get(i);
            lower[i] = isCorrelation[i] ? -1 : 0;
            upper[i] = isCorrelation[i] ? 1 : Double.POSITIVE_INFINITY;
        }
    }

    /** Profile intervals for every variance parameter, sigma and every coefficient, at the given level. */
    public static List<ConfidenceInterval> intervals(FitResult fit, double level) {
        if (fit.residual() != null) {
            throw new org.mixedmodels.engine.MixedModelException("Profile-likelihood intervals are not available for "
                    + "models with a residual covariance term such as " + fit.residual().structure() + "("
                    + fit.residual().timeName() + " | " + fit.residual().subjectName() + "); use Wald intervals "
                    + "(--confint wald).");
        }
        return new ProfileLikelihood(fit).all(level);
    }

    /**
     * Wald intervals: coefficient +- z SE from the fit itself; NaN for the variance parameters, as
     * lme4's {@code confint(method = "Wald")}.
     */
    public static List<ConfidenceInterval> waldIntervals(FitResult fit, double level) {
        double z = new NormalDistribution().inverseCumulativeProbability((1 + level) / 2);
        List<ConfidenceInterval> out = new ArrayList<>();
        for (String name : ThetaLayout.of(fit.design().randomTerms()).sdCorNames()) {
            out.add(new ConfidenceInterval(name, Double.NaN, Double.NaN));
        }
        out.add(new ConfidenceInterval("sigma", Double.NaN, Double.NaN));
        fit.fixedEffects().forEach(f -> out.add(
                new ConfidenceInterval(f.term(), f.estimate() - z * f.se(), f.estimate() + z * f.se())));
        return out;
    }

    private List<ConfidenceInterval> all(double level) {
        if (!(level > 0 && level < 1)) {
            throw new MixedModelException("The confidence level must be between 0 and 1; got " + level + ".");
        }
        double cutoff = new NormalDistribution().inverseCumulativeProbability((1 + level) / 2);
        List<ConfidenceInterval> out = new ArrayList<>();
        for (int w = 0; w < optimum.length; w++) {
            final int which = w;
            double scale = isCorrelation[w] ? 0.1 : Math.max(Math.abs(optimum[w]), 1e-3 * ml.sigma());
            double lo = end(x -> varianceZeta(which, x), optimum[w], -1, scale, lower[w], cutoff);
            double hi = end(x -> varianceZeta(which, x), optimum[w], 1, scale, upper[w], cutoff);
            out.add(new ConfidenceInterval(names.get(w), lo, hi));
        }
        for (int j = 0; j < ml.fixedEffects().size(); j++) {
            final int which = j;
            double estimate = ml.fixedEffects().get(j).estimate();
            double se = ml.fixedEffects().get(j).se();
            double[] warm = ml.theta();
            DoubleUnaryOperator zeta = x -> fixedZeta(which, estimate, x, warm);
            double lo = end(zeta, estimate, -1, se, Double.NEGATIVE_INFINITY, cutoff);
            double hi = end(zeta, estimate, 1, se, Double.POSITIVE_INFINITY, cutoff);
            out.add(new ConfidenceInterval(ml.fixedEffects().get(j).term(), lo, hi));
        }
        return out;
    }

    /**
     * One end of the interval: steps from the optimum in direction dir until |zeta| passes the cutoff
     * (linear extrapolation of zeta, which is nearly linear), then solves zeta = dir * cutoff.
     */
    private static double end(DoubleUnaryOperator zeta, double optimum, int dir, double scale, double limit,
            double cutoff) {
        double target = dir * cutoff;
        double inside = optimum;
        double zInside = 0;
        double step = 0.25 * scale;
        for (int s = 0; s < MAX_BRACKET_STEPS; s++) {
            double x = inside + dir * step;
            if (dir < 0 ? x <= limit : x >= limit) {
                x = limit;
            }
            double z = zeta.applyAsDouble(x);
            if (Math.abs(z) >= cutoff) {
                final double a = Math.min(inside, x);
                final double b = Math.max(inside, x);
                BrentSolver solver = new BrentSolver(ROOT_ACCURACY * Math.max(scale, Math.abs(optimum)));
                return solver.solve(200, t -> zeta.applyAsDouble(t) - target, a, b);
            }
            if (x == limit) {
                return limit;
            }
            // Extrapolate zeta linearly to the target, overshooting a little; at least double the step.
            double slope = (z - zInside) / (x - inside);
            double next = slope * dir > 0 ? Math.abs((target - z) / slope) * 1.2 : 2 * step;
            step = Math.max(next, 0.05 * scale);
            inside = x;
            zInside = z;
        }
        throw new MixedModelException("The profile likelihood does not reach the interval's bound; the model may be"
                + " unidentifiable in this parameter.");
    }

    // ---- variance parameters ----

    private double varianceZeta(int which, double value) {
        int free = optimum.length - 1;
        double[] start = new double[free];
        double[] lo = new double[free];
        double[] hi = new double[free];
        double[] scale = new double[free];
        for (int i = 0, f = 0; i < optimum.length; i++) {
            if (i != which) {
                scale[f] = isCorrelation[i] ? 1 : Math.max(Math.abs(optimum[i]), 1e-3 * ml.sigma());
                start[f] = optimum[i] / scale[f];
                lo[f] = lower[i] / scale[f];
                hi[f] = upper[i] / scale[f];
                f++;
            }
        }
        java.util.function.ToDoubleFunction<double[]> objective = x -> {
            double[] params = new double[optimum.length];
            for (int i = 0, f = 0; i < optimum.length; i++) {
                params[i] = i == which ? value : x[f] * scale[f++];
            }
            return sdCorDeviance(params);
        };
        double best = minimize(objective, start, lo, hi);
        double diff = Math.max(0, best - base);
        return Math.signum(value - optimum[which]) * Math.sqrt(diff);
    }

    /** ML deviance at (sd/cor parameters, sigma), beta profiled: lme4's devfun2. */
    private double sdCorDeviance(double[] params) {
        double sigma = params[params.length - 1];
        if (!(sigma > 0)) {
            return INFEASIBLE;
        }
        double[] theta = sdCorToTheta(params, sigma);
        if (theta == null || !deviance.factor(theta)) {
            return INFEASIBLE;
        }
        double sigma2 = sigma * sigma;
        return deviance.logDetL() + deviance.pwrss() / sigma2 + n * Math.log(2 * Math.PI * sigma2);
    }

    private static double minimize(java.util.function.ToDoubleFunction<double[]> f, double[] start, double[] lo,
            double[] hi) {
        int dim = start.length;
        if (dim == 0) {
            return f.applyAsDouble(start);
        }
        double[] clipped = start.clone();
        for (int i = 0; i < dim; i++) {
            clipped[i] = Math.min(hi[i], Math.max(lo[i], clipped[i]));
        }
        if (dim == 1) {
            double a = lo[0];
            double b = Double.isInfinite(hi[0]) ? Math.max(10 * Math.abs(clipped[0]), clipped[0] + 10) : hi[0];
            double[] x = new double[1];
            UnivariatePointValuePair best = new BrentOptimizer(1e-12, 1e-14).optimize(new MaxEval(10_000),
                    new UnivariateObjectiveFunction(t -> {
                        x[0] = t;
                        return f.applyAsDouble(x);
                    }), GoalType.MINIMIZE, new SearchInterval(a, b, clipped[0]));
            x[0] = clipped[0];
            return Math.min(best.getValue(), f.applyAsDouble(x));
        }
        // BOBYQA needs room of twice its initial radius between the bounds and the start.
        double radius = 0.1;
        for (int i = 0; i < dim; i++) {
            if (clipped[i] - lo[i] < 2 * radius) {
                clipped[i] = Math.min(hi[i] - 1e-12, lo[i] + 2 * radius);
            }
            if (hi[i] - clipped[i] < 2 * radius) {
                clipped[i] = Math.max(lo[i] + 1e-12, hi[i] - 2 * radius);
            }
        }
        BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * dim + 1, radius, INNER_STOPPING_RADIUS);
        PointValuePair best = bobyqa.optimize(new MaxEval(100_000), new ObjectiveFunction(f::applyAsDouble),
                GoalType.MINIMIZE, new InitialGuess(clipped), new SimpleBounds(lo, hi));
        return best.getValue();
    }

    // ---- coefficients ----

    private double fixedZeta(int column, double estimate, double value, double[] warm) {
        Design held = design.withFixedCoefficient(column, value);
        ProfiledDeviance d = new ProfiledDeviance(held, false);
        OptimizerSummary opt = ThetaOptimizer.minimize(d, warm, d.lowerBounds());
        double diff = Math.max(0, opt.objective() - base);
        return Math.signum(value - estimate) * Math.sqrt(diff);
    }

    // ---- theta <-> sd/cor (lme4's Cv_to_Sv and Sv_to_Cv) ----

    private double[] thetaToSdCor(double[] theta, double sigma) {
        double[] out = new double[theta.length];
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        for (int ti = 0; ti < layout.terms().size(); ti++) {
            int k = layout.terms().get(ti).k();
            int offset = layout.offset(ti);
            double[][] cov = layout.termCovariance(theta, ti);
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    double sdR = Math.sqrt(cov[r][r]);
                    double sdC = Math.sqrt(cov[c][c]);
                    out[offset + index(k, r, c)] = r == c ? sigma * sdR
                            : sdR * sdC > 0 ? cov[r][c] / (sdR * sdC) : 0;
                }
            }
        }
        return out;
    }

    /** theta from sd/cor values (relative to sigma), or null when a term's correlation matrix is not PSD. */
    private double[] sdCorToTheta(double[] params, double sigma) {
        double[] theta = new double[params.length - 1];
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        for (int ti = 0; ti < layout.terms().size(); ti++) {
            int k = layout.terms().get(ti).k();
            int offset = layout.offset(ti);
            double[][] cov = new double[k][k];
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    double sdR = params[offset + index(k, r, r)] / sigma;
                    double sdC = params[offset + index(k, c, c)] / sigma;
                    double v = r == c ? sdR * sdR : params[offset + index(k, r, c)] * sdR * sdC;
                    cov[r][c] = v;
                    cov[c][r] = v;
                }
            }
            double[][] l = semidefiniteCholesky(cov);
            if (l == null) {
                return null;
            }
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    theta[offset + index(k, r, c)] = l[r][c];
                }
            }
        }
        return theta;
    }

    /** Position of (r, c), r >= c, in the column-major lower triangle of a k x k matrix. */
    private static int index(int k, int r, int c) {
        return ThetaLayout.index(k, r, c);
    }

    /** Lower Cholesky factor of a positive semi-definite matrix (zero columns where a pivot vanishes). */
    private static double[][] semidefiniteCholesky(double[][] a) {
        int k = a.length;
        double[][] l = new double[k][k];
        for (int j = 0; j < k; j++) {
            double d = a[j][j];
            for (int u = 0; u < j; u++) {
                d -= l[j][u] * l[j][u];
            }
            double tol = 1e-12 * Math.max(1, a[j][j]);
            if (d < -tol) {
                return null;
            }
            l[j][j] = Math.sqrt(Math.max(d, 0));
            for (int i = j + 1; i < k; i++) {
                double s = a[i][j];
                for (int u = 0; u < j; u++) {
                    s -= l[i][u] * l[j][u];
                }
                if (l[j][j] > 0) {
                    l[i][j] = s / l[j][j];
                } else if (Math.abs(s) > 1e-10 * Math.sqrt(Math.max(1e-300, a[i][i] * Math.max(a[j][j], 1e-300)))) {
                    return null;
                }
            }
        }
        return l;
    }

    @Override
    public String toString() {
        return "ProfileLikelihood" + names + Arrays.toString(optimum);
    }
}
