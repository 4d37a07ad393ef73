package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;

/**
 * A df method's answers for linear functions of the fixed effects: the SE and df of l'beta (the
 * Kenward-Roger adjusted SE under that method) and the F test of L beta = 0. The one place where the
 * df methods differ; coefficient tables, Type III tests and marginal means all ask it.
 */
public abstract class LinearContrasts {
    protected final FitResult fit;
    protected final List<String> warnings = new ArrayList<>();

    private LinearContrasts(FitResult fit) {
        this.fit = fit;
    }

    /**
     * Under a sandwich covariance: Satterthwaite's df are clubSandwich's for that sandwich; residual,
     * between-within and none keep their df; Kenward-Roger, an adjustment of the model-based covariance, is refused.
     */
    public static LinearContrasts of(FitResult fit, DfMethod method, CovarianceType covariance) {
        return of(fit, method, covariance, false);
    }

    /**
     * As {@link #of(FitResult, DfMethod, CovarianceType)}; with {@code htz} the multi-df tests under the sandwich are
     * clubSandwich's HTZ test ({@link RobustCovariance#htzTest}) in place of the eigen-contrast F test (1-df tests are
     * the same: Satterthwaite's t). HTZ needs a sandwich and Satterthwaite df.
     */
    public static LinearContrasts of(FitResult fit, DfMethod method, CovarianceType covariance, boolean htz) {
        return of(fit, method, covariance, htz, InferenceMonitor.NONE);
    }

    /** As above, telling {@code monitor} of the steps of the Satterthwaite or Kenward-Roger df (it may stop them). */
    public static LinearContrasts of(FitResult fit, DfMethod method, CovarianceType covariance, boolean htz,
            InferenceMonitor monitor) {
        requireHtzCompatible(htz, method, covariance);
        if (covariance == CovarianceType.MODEL) {
            return of(fit, method, monitor);
        }
        requireCompatible(method, covariance);
        RobustCovariance robust = new RobustCovariance(fit, covariance);
        LinearContrasts base = method == DfMethod.SATTERTHWAITE ? null : of(fit, method, monitor);
        return new RobustContrasts(fit, robust, base, htz);
    }

    /** The HTZ test is defined for a sandwich covariance with clubSandwich's (Satterthwaite) df. */
    public static void requireHtzCompatible(boolean htz, DfMethod method, CovarianceType covariance) {
        if (htz && (covariance == CovarianceType.MODEL || method != DfMethod.SATTERTHWAITE)) {
            throw new MixedModelException("The HTZ test is a test with a sandwich covariance and clubSandwich's "
                    + "Satterthwaite df; choose the empirical-cr2 (or empirical) covariance and satterthwaite df, or "
                    + "leave the robust test at its default.");
        }
    }

    /** Kenward-Roger adjusts the model-based covariance, so it is refused with a sandwich (as clubSandwich has none). */
    public static void requireCompatible(DfMethod method, CovarianceType covariance) {
        if (covariance != CovarianceType.MODEL
                && (method == DfMethod.KENWARD_ROGER || method == DfMethod.KENWARD_ROGER_LINEAR)) {
            throw new MixedModelException("Kenward-Roger adjusts the model-based covariance; with the " + covariance.label()
                    + " covariance choose satterthwaite (clubSandwich's df), residual, between-within or none, or the"
                    + " model-based covariance.");
        }
    }

    public static LinearContrasts of(FitResult fit, DfMethod method) {
        return of(fit, method, InferenceMonitor.NONE);
    }

    /** As {@link #of(FitResult, DfMethod)}, telling {@code monitor} of the df computation's steps. */
    public static LinearContrasts of(FitResult fit, DfMethod method, InferenceMonitor monitor) {
        if ((method == DfMethod.KENWARD_ROGER || method == DfMethod.KENWARD_ROGER_LINEAR)
                && fit.method() != FitOptions.Method.REML) {
            throw new MixedModelException(
                    "Kenward-Roger degrees of freedom are defined for REML fits only; refit with REML or choose satterthwaite.");
        }
        switch (method) {
            case SATTERTHWAITE:
                return new SatterthwaiteContrasts(fit, monitor);
            case KENWARD_ROGER:
                return new KenwardRogerContrasts(fit, false, monitor);
            case KENWARD_ROGER_LINEAR:
                return new KenwardRogerContrasts(fit, true, monitor);
            case RESIDUAL: {
                double[] df = new double[fit.fixedEffects().size()];
                java.util.Arrays.fill(df, fit.nobs() - df.length);
                return new PerCoefficientDf(fit, df);
            }
            case BETWEEN_WITHIN:
                return new PerCoefficientDf(fit, BetweenWithin.df(fit.design()));
            case NONE: {
                double[] df = new double[fit.fixedEffects().size()];
                java.util.Arrays.fill(df, Double.POSITIVE_INFINITY);
                return new PerCoefficientDf(fit, df);
            }
            default:
                throw new IllegalStateException(method.toString());
        }
    }

    /** Standard error of l'beta. */
    public double se(double[] l) {
        return Math.sqrt(Satterthwaite.quadratic(l, fit.fixedCovariance()));
    }

    /** Denominator df of the t test of l'beta (infinite for a z test). */
    public abstract double df(double[] l);

    /** The F test of L beta = 0. */
    public abstract ContrastTest test(double[][] contrast);

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private static final class SatterthwaiteContrasts extends LinearContrasts {
        private final Satterthwaite satterthwaite;

        SatterthwaiteContrasts(FitResult fit, InferenceMonitor monitor) {
            super(fit);
            satterthwaite = new Satterthwaite(fit, monitor);
            warnings.addAll(satterthwaite.varianceParameters().warnings());
        }

        @Override
        public double df(double[] l) {
            return satterthwaite.df(l);
        }

        @Override
        public ContrastTest test(double[][] contrast) {
            return satterthwaite.fTest(contrast);
        }
    }

    /** SEs and tests under a sandwich covariance; the df from clubSandwich's Satterthwaite or from {@code base}. */
    private static final class RobustContrasts extends LinearContrasts {
        private final RobustCovariance robust;
        private final double[][] covariance;
        private final LinearContrasts base;
        private final boolean htz;

        RobustContrasts(FitResult fit, RobustCovariance robust, LinearContrasts base, boolean htz) {
            super(fit);
            this.robust = robust;
            this.covariance = robust.covariance();
            this.base = base;
            this.htz = htz;
        }

        @Override
        public double se(double[] l) {
            return Math.sqrt(Satterthwaite.quadratic(l, covariance));
        }

        @Override
        public double df(double[] l) {
            return base == null ? robust.df(l) : base.df(l);
        }

        @Override
        public ContrastTest test(double[][] contrast) {
            if (htz) {
                return robust.htzTest(contrast, fit.beta());
            }
            // Wald statistic with the sandwich; its eigen-contrasts' df combined as lmerTest does
            return Satterthwaite.eigenFTest(contrast, covariance, fit.beta(), this::df);
        }
    }

    private static final class KenwardRogerContrasts extends LinearContrasts {
        private final KenwardRoger kr;

        KenwardRogerContrasts(FitResult fit, boolean linear, InferenceMonitor monitor) {
            super(fit);
            kr = new KenwardRoger(fit, linear, monitor);
        }

        @Override
        public double se(double[] l) {
            return Math.sqrt(Satterthwaite.quadratic(l, kr.adjustedCovariance()));
        }

        @Override
        public double df(double[] l) {
            return kr.fTest(new double[][] {l}).denDf();
        }

        @Override
        public ContrastTest test(double[][] contrast) {
            return kr.fTest(contrast);
        }
    }

    /**
     * Methods with a df per coefficient (residual, between-within, none): a contrast's df is the
     * smallest df among the coefficients it involves (SAS's rule for DDFM=BW); with infinite df the F
     * test is a chi-square test divided by its df.
     */
    private static final class PerCoefficientDf extends LinearContrasts {
        private final double[] dfs;

        PerCoefficientDf(FitResult fit, double[] dfs) {
            super(fit);
            this.dfs = dfs;
        }

        @Override
        public double df(double[] l) {
            double den = Double.POSITIVE_INFINITY;
            for (int j = 0; j < l.length; j++) {
                if (l[j] != 0) {
                    den = Math.min(den, dfs[j]);
                }
            }
            return den;
        }

        @Override
        public ContrastTest test(double[][] contrast) {
            double den = Double.POSITIVE_INFINITY;
            for (double[] row : contrast) {
                den = Math.min(den, df(row));
            }
            double[] wald = Wald.statistic(contrast, fit.beta(), fit.fixedCovariance());
            double f = wald[0] / wald[1];
            double p = Double.isInfinite(den) ? Gamma.regularizedGammaQ(wald[1] / 2, wald[0] / 2)
                    : Satterthwaite.upperTailF(f, wald[1], den);
            return new ContrastTest(f, wald[1], den, p);
        }
    }
}
