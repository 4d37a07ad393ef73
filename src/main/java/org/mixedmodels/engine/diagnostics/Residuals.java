package org.mixedmodels.engine.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * The residuals of a fitted model, one entry per row of the model frame (the rows used), as SAS PROC MIXED's
 * {@code OUTP=} / {@code OUTPM=} tables and nlme's {@code residuals(fit, type = ...)} give them.
 *
 * <ul>
 * <li>conditional (given the BLUPs): raw {@code y - X beta - Z b}; Pearson, the raw residual over the SD of the
 * row's residual, {@code sqrt(R_ii)} (lme4's and nlme's {@code type = "pearson"}); normalized, the subject's raw
 * residuals premultiplied by the inverse Cholesky factor of its residual covariance R (nlme's
 * {@code type = "normalized"}; equal to Pearson for independent residuals);</li>
 * <li>marginal (fixed effects only): raw {@code y - X beta}; Pearson, over {@code sqrt(V_ii)} with
 * {@code V = Z G Z' + R}; scaled, the block's raw residuals premultiplied by the inverse Cholesky factor of V
 * (SAS's {@code VCIRY} "scaled residuals": uncorrelated with unit variance when the model is right).</li>
 * </ul>
 *
 * The rows of a block are taken in visit order within subject (as {@link org.mixedmodels.engine.design.ResidualDesign#rowsBySubject}),
 * subjects in level order. A block larger than {@link #MAX_SCALED_BLOCK} rows (crossed random effects can join all
 * rows into one) gets NaN scaled residuals and a warning: the Cholesky factor of such a V is too costly.
 *
 * @param dataRows the data-table row of each model-frame row
 * @param observed the response
 * @param fitted conditional fitted values {@code X beta + Z b}
 * @param fittedMarginal marginal fitted values {@code X beta}
 * @param raw conditional raw residuals
 * @param pearson conditional Pearson residuals
 * @param normalized conditional residuals scaled by the inverse Cholesky factor of R
 * @param marginalRaw marginal raw residuals
 * @param marginalPearson marginal Pearson residuals
 * @param scaled marginal residuals scaled by the inverse Cholesky factor of V (SAS)
 * @param warnings what could not be computed, and why
 */
public record Residuals(int[] dataRows, double[] observed, double[] fitted, double[] fittedMarginal, double[] raw,
        double[] pearson, double[] normalized, double[] marginalRaw, double[] marginalPearson, double[] scaled,
        List<String> warnings) {

    /** Largest block of correlated rows whose V is factored for the scaled residuals. */
    public static final int MAX_SCALED_BLOCK = 1_000;

    public int size() {
        return observed.length;
    }

    /** The residuals of a fit. */
    public static Residuals of(FitResult fit) {
        Design design = fit.design();
        double[] y = design.response();
        int n = y.length;
        double[] fitted = fit.fittedConditional().clone();
        double[] marginalFitted = fit.fittedPopulation().clone();
        double[] raw = new double[n];
        double[] marginal = new double[n];
        for (int i = 0; i < n; i++) {
            raw[i] = y[i] - fitted[i];
            marginal[i] = y[i] - marginalFitted[i];
        }
        MarginalCovariance cov = MarginalCovariance.of(fit);
        double[] pearson = new double[n];
        double[] marginalPearson = new double[n];
        for (int i = 0; i < n; i++) {
            pearson[i] = raw[i] / Math.sqrt(cov.residualVariance(i));
            marginalPearson[i] = marginal[i] / Math.sqrt(cov.marginalVariance(i));
        }
        double[] normalized = new double[n];
        for (int[] subject : cov.residualBlocks()) {
            double[][] l = SmallMatrices.cholesky(cov.residualCovariance(subject));
            scale(l, subject, raw, normalized);
        }
        double[] scaled = new double[n];
        List<String> warnings = new ArrayList<>();
        for (int[] block : cov.marginalBlocks()) {
            if (block.length > MAX_SCALED_BLOCK) {
                for (int r : block) {
                    scaled[r] = Double.NaN;
                }
                warnings.add("The random effects join " + block.length + " rows into one correlated block (more than "
                        + MAX_SCALED_BLOCK + "); their scaled residuals are not computed (NaN).");
                continue;
            }
            scale(SmallMatrices.cholesky(cov.marginalCovariance(block)), block, marginal, scaled);
        }
        return new Residuals(design.frame().rows(), y.clone(), fitted, marginalFitted, raw, pearson, normalized, marginal,
                marginalPearson, scaled, List.copyOf(warnings));
    }

    /** out[block] = L^{-1} r[block] by forward substitution; NaN when the covariance is not positive definite. */
    private static void scale(double[][] l, int[] block, double[] r, double[] out) {
        int m = block.length;
        if (l == null) {
            for (int b : block) {
                out[b] = Double.NaN;
            }
            return;
        }
        double[] s = new double[m];
        for (int a = 0; a < m; a++) {
            double v = r[block[a]];
            for (int k = 0; k < a; k++) {
                v -= l[a][k] * s[k];
            }
            s[a] = v / l[a][a];
        }
        for (int a = 0; a < m; a++) {
            out[block[a]] = s[a];
        }
    }

    @Override
    public String toString() {
        return "Residuals[" + size() + " rows]";
    }
}
