package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.FixedEffect;

/**
 * Tests and confidence intervals for the fixed effects of a fit under one df method: the coefficient
 * table (lmerTest's {@code summary}) and the Type III F tests (lmerTest's {@code anova(type = 3)}).
 */
public final class FixedEffectsInference {
    public static final double DEFAULT_CONFIDENCE_LEVEL = 0.95;

    private final DfMethod method;
    private final CovarianceType covariance;
    private final double confidenceLevel;
    private final List<CoefficientTest> coefficients;
    private final List<TermTest> typeIII;
    private final List<String> warnings;

    private final boolean htz;

    private FixedEffectsInference(FitResult fit, DfMethod method, double confidenceLevel, CovarianceType covariance,
            boolean htz, InferenceMonitor monitor) {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new MixedModelException("The confidence level must lie strictly between 0 and 1, not " + confidenceLevel + ".");
        }
        this.method = method;
        this.covariance = covariance;
        this.htz = htz;
        this.confidenceLevel = confidenceLevel;
        LinearContrasts contrasts = LinearContrasts.of(fit, method, covariance, htz, monitor);
        List<CoefficientTest> coefs = new ArrayList<>();
        int p = fit.fixedEffects().size();
        for (int j = 0; j < p; j++) {
            FixedEffect f = fit.fixedEffects().get(j);
            double[] l = new double[p];
            l[j] = 1;
            double se = contrasts.se(l);
            double df = contrasts.df(l);
            double t = f.estimate() / se;
            double half = quantile(df, confidenceLevel) * se;
            double p2 = Double.isInfinite(df) ? 2 * new NormalDistribution(null, 0, 1).cumulativeProbability(-Math.abs(t))
                    : Satterthwaite.twoSidedP(t, df);
            coefs.add(new CoefficientTest(f.term(), f.estimate(), se, df, t, p2, f.estimate() - half, f.estimate() + half));
        }
        this.coefficients = List.copyOf(coefs);
        List<TermTest> terms = new ArrayList<>();
        for (Map.Entry<String, double[][]> e : TypeIIIContrasts.of(fit.design()).entrySet()) {
            ContrastTest test = contrasts.test(e.getValue());
            terms.add(new TermTest(e.getKey(), test.numDf(), test.denDf(), test.f(), test.p()));
        }
        this.typeIII = List.copyOf(terms);
        List<String> messages = new ArrayList<>(contrasts.warnings());
        boolean degenerate = coefs.stream().anyMatch(c -> !(c.df() > 0))
                || terms.stream().anyMatch(t -> !(t.denDf() > 0));
        if (degenerate) {
            messages.add("Some " + method.label() + " degrees of freedom are not a positive number (the variance"
                    + " parameters are at or near a degenerate point), so their p-values and intervals are left empty.");
        }
        this.warnings = List.copyOf(messages);
    }

    /** The two-sided interval's quantile: t with df, or normal for infinite df. */
    static double quantile(double df, double level) {
        double prob = 0.5 + level / 2;
        if (!(df > 0)) {
            return Double.NaN;
        }
        return Double.isInfinite(df) ? new NormalDistribution(null, 0, 1).inverseCumulativeProbability(prob)
                : new TDistribution(null, df).inverseCumulativeProbability(prob);
    }

    public static FixedEffectsInference of(FitResult fit, DfMethod method, double confidenceLevel) {
        return new FixedEffectsInference(fit, method, confidenceLevel, CovarianceType.MODEL, false, InferenceMonitor.NONE);
    }

    /** Tests with the fixed effects' covariance of the given type (model-based or a sandwich by subject). */
    public static FixedEffectsInference of(FitResult fit, DfMethod method, double confidenceLevel,
            CovarianceType covariance) {
        return new FixedEffectsInference(fit, method, confidenceLevel, covariance, false, InferenceMonitor.NONE);
    }

    /**
     * As above; with {@code htz} the Type III tests under a sandwich are clubSandwich's HTZ tests (see
     * {@link RobustCovariance#htzTest}).
     */
    public static FixedEffectsInference of(FitResult fit, DfMethod method, double confidenceLevel,
            CovarianceType covariance, boolean htz) {
        return of(fit, method, confidenceLevel, covariance, htz, InferenceMonitor.NONE);
    }

    /** As above, telling {@code monitor} of the steps of the df computation (which it may stop). */
    public static FixedEffectsInference of(FitResult fit, DfMethod method, double confidenceLevel,
            CovarianceType covariance, boolean htz, InferenceMonitor monitor) {
        return new FixedEffectsInference(fit, method, confidenceLevel, covariance, htz, monitor);
    }

    /** Whether the multi-df tests are clubSandwich's HTZ tests. */
    public boolean htz() {
        return htz;
    }

    /** Satterthwaite for REML and ML fits, the lmerTest default. */
    public static FixedEffectsInference of(FitResult fit) {
        return of(fit, DfMethod.SATTERTHWAITE, DEFAULT_CONFIDENCE_LEVEL);
    }

    public DfMethod method() {
        return method;
    }

    /** Which covariance of the fixed effects the SEs and tests use. */
    public CovarianceType covariance() {
        return covariance;
    }

    public double confidenceLevel() {
        return confidenceLevel;
    }

    public List<CoefficientTest> coefficients() {
        return coefficients;
    }

    public List<TermTest> typeIII() {
        return typeIII;
    }

    public List<String> warnings() {
        return warnings;
    }
}
