package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;

/**
 * The last step of the pipeline, lme4's {@code mkMerMod}: the {@link FitResult} from what the fit found at the optimum
 * ({@link Estimates}), the same for the random-effects fit ({@link LinearMixedModel}, from the factor at the optimum)
 * and the fit with a residual structure ({@link ResidualCovarianceModel}, from the generalized least-squares solve at
 * the optimum). Each step is a function of its inputs alone: the fixed-effects table, the fitted values and
 * residuals, the variance components, the boundary check, the warnings and the information criteria.
 */
public final class FitAssembly {
    /** lme4's {@code isSingular} tolerance on the diagonal thetas. */
    public static final double DEFAULT_SINGULAR_TOLERANCE = 1e-4;

    private FitAssembly() {
    }

    /**
     * What a fit found at its optimum, before packaging.
     *
     * @param nobs the number of observations n
     * @param ngroups levels per grouping factor (the subject factor for a residual structure)
     * @param theta the random effects' theta (lme4's layout, {@link ThetaLayout})
     * @param sigma the residual SD
     * @param objective the REML criterion or the deviance (-2 log-likelihood) at the optimum
     * @param parameters the parameters counted for AIC and BIC (lme4's and nlme's logLik df)
     * @param bicObservations the observations BIC's log counts (n; nlme's n - p for REML)
     * @param beta the fixed effects
     * @param unscaledCovariance cov(beta) / sigma^2
     * @param variance sigma^2 as it scales cov(beta)
     * @param randomEffects the conditional modes with their conditional SDs
     * @param population X beta per model-frame row (none for a fit from statistics)
     * @param conditional X beta + Z b per model-frame row
     * @param singular whether the fit is on the boundary ({@link #isSingular})
     * @param notes the fit's own warnings, reported after the design's and before the boundary and convergence ones
     * @param residual the fitted residual structure, or null
     */
    public record Estimates(int nobs, Map<String, Integer> ngroups, double[] theta, double sigma, double objective,
            int parameters, int bicObservations, double[] beta, double[][] unscaledCovariance, double variance,
            List<RandomEffect> randomEffects, double[] population, double[] conditional, boolean singular,
            List<String> notes, ResidualFit residual) {
    }

    /** The result: the design's and fit's warnings, the fixed-effects table, the variance components, the criteria. */
    public static FitResult assemble(Design design, FitOptions options, OptimizerSummary opt, Estimates e) {
        double[][] vcov = scaled(e.unscaledCovariance(), e.variance());
        List<FixedEffect> fixed = fixedEffects(design.fixed().names(), e.beta(), vcov);
        double[] residuals = residuals(design.response(), e.conditional());
        List<String> warnings = warnings(design.warnings(), e.notes(), e.singular(), opt);
        double objective = e.objective();
        return new FitResult(design, options.method(), e.nobs(), e.ngroups(), e.theta(), e.sigma(), -objective / 2,
                objective, aic(objective, e.parameters()), bic(objective, e.parameters(), e.bicObservations()),
                e.singular(), fixed, vcov, varCorr(design.randomTerms(), e.theta(), e.sigma()), e.randomEffects(),
                e.conditional(), e.population(), residuals, opt, warnings, e.residual());
    }

    /** variance times each element of the unscaled covariance (a new matrix). */
    public static double[][] scaled(double[][] unscaled, double variance) {
        double[][] out = new double[unscaled.length][];
        for (int i = 0; i < unscaled.length; i++) {
            out[i] = new double[unscaled[i].length];
            for (int j = 0; j < unscaled[i].length; j++) {
                out[i][j] = variance * unscaled[i][j];
            }
        }
        return out;
    }

    /** The coefficients with SE = sqrt(cov(beta)_ii) and t = estimate / SE. */
    public static List<FixedEffect> fixedEffects(List<String> names, double[] beta, double[][] vcov) {
        List<FixedEffect> fixed = new ArrayList<>();
        for (int i = 0; i < beta.length; i++) {
            double se = Math.sqrt(vcov[i][i]);
            fixed.add(new FixedEffect(names.get(i), beta[i], se, beta[i] / se));
        }
        return fixed;
    }

    /** X beta per row, X as columns (as many rows as the columns have: none for a design from statistics). */
    public static double[] population(double[][] x, double[] beta, int rows) {
        double[] eta = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < beta.length; j++) {
                s += x[j][i] * beta[j];
            }
            eta[i] = s;
        }
        return eta;
    }

    /** y - fitted, row by row. */
    public static double[] residuals(double[] y, double[] fitted) {
        double[] r = new double[fitted.length];
        for (int i = 0; i < fitted.length; i++) {
            r[i] = y[i] - fitted[i];
        }
        return r;
    }

    /** The number of levels of each grouping factor, in the terms' order (each factor once). */
    public static Map<String, Integer> ngroups(List<RandomEffectTerm> terms) {
        Map<String, Integer> ngroups = new LinkedHashMap<>();
        for (RandomEffectTerm t : terms) {
            ngroups.putIfAbsent(t.groupName(), t.levelCount());
        }
        return ngroups;
    }

    /**
     * Variance components per term: Sigma_t = sigma^2 Lambda_t Lambda_t', variances first, then the covariances in
     * the order (1,2), (1,3), (2,3), ..., then the residual row, as lme4's {@code as.data.frame(VarCorr(m))}; a
     * grouping factor named by several terms is suffixed {@code .1}, {@code .2} after its first.
     */
    public static List<VarCorrRow> varCorr(List<RandomEffectTerm> terms, double[] theta, double sigma) {
        List<VarCorrRow> rows = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        ThetaLayout layout = ThetaLayout.of(terms);
        for (int ti = 0; ti < terms.size(); ti++) {
            RandomEffectTerm t = terms.get(ti);
            int k = t.k();
            double[][] cov = layout.termCovariance(theta, ti);
            for (double[] row : cov) {
                for (int c = 0; c < k; c++) {
                    row[c] = row[c] * sigma * sigma;
                }
            }
            int times = seen.merge(t.groupName(), 1, Integer::sum);
            String group = times == 1 ? t.groupName() : t.groupName() + "." + (times - 1);
            List<String> names = t.columnNames();
            for (int r = 0; r < k; r++) {
                rows.add(new VarCorrRow(group, names.get(r), null, cov[r][r], Math.sqrt(cov[r][r])));
            }
            for (int c = 1; c < k; c++) {
                for (int r = 0; r < c; r++) {
                    double corr = cov[r][c] / Math.sqrt(cov[r][r] * cov[c][c]);
                    rows.add(new VarCorrRow(group, names.get(r), names.get(c), cov[r][c], corr));
                }
            }
        }
        rows.add(new VarCorrRow("Residual", null, null, sigma * sigma, sigma));
        return rows;
    }

    /**
     * lme4's {@code isSingular}: a diagonal theta (relative SD, bound 0) below {@link #DEFAULT_SINGULAR_TOLERANCE}
     * means a variance of (almost) 0, and with it a correlation of +-1 for the term. Reads the first lower.length
     * entries of theta.
     */
    public static boolean isSingular(double[] theta, double[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if (lower[i] == 0.0 && theta[i] < DEFAULT_SINGULAR_TOLERANCE) {
                return true;
            }
        }
        return false;
    }

    /** The design's warnings, the fit's notes, then lme4's boundary and convergence warnings where they apply. */
    public static List<String> warnings(List<String> design, List<String> notes, boolean singular,
            OptimizerSummary opt) {
        List<String> warnings = new ArrayList<>(design);
        warnings.addAll(notes);
        if (singular) {
            warnings.add("boundary (singular) fit: a random-effect variance is estimated as 0 or a correlation as +-1;"
                    + " the random-effects structure may be too complex for the data.");
        }
        if (!opt.converged()) {
            warnings.add("Model failed to converge: " + opt.message() + ".");
        }
        return warnings;
    }

    /** AIC = objective + 2 k. */
    public static double aic(double objective, int parameters) {
        return objective + 2 * parameters;
    }

    /** BIC = objective + log(n) k. */
    public static double bic(double objective, int parameters, int observations) {
        return objective + Math.log(observations) * parameters;
    }
}
