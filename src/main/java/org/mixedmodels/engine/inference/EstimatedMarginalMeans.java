package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.formula.Term;

/**
 * Estimated marginal means (LS means) and their pairwise differences, with emmeans' defaults (Lenth,
 * emmeans 1.8; Searle, Speed and Milliken 1980): the reference grid holds every combination of the
 * levels of the model's factors with each numeric covariate at its mean over the rows used; the mean
 * of a level (or combination of levels) of the {@code specs} factors averages the grid's predictions
 * over the other factors with equal weights. Differences are estimated for every pair, in grid order
 * ("A - B"), with unadjusted and Tukey, Bonferroni and Holm adjusted p-values; or, as emmeans'
 * {@code contrast(emm, "trt.vs.ctrl")}, each level minus the first (the reference, "B - A"), with unadjusted,
 * Dunnett (emmeans' dunnettx), Bonferroni and Holm adjusted p-values.
 */
public final class EstimatedMarginalMeans {

    /** One marginal mean: the level label (levels of several factors joined by a space, as emmeans). */
    public record Mean(String level, double estimate, double se, double df, double lower, double upper) {
    }

    /**
     * One pairwise difference with its p-values; {@code by} names the levels of the {@code by} factors
     * within which it is taken (null without them).
     */
    public record Difference(String contrast, double estimate, double se, double df, double t, double p,
            double pTukey, double pBonferroni, double pHolm, double lower, double upper, String by,
            double pDunnett) {
        /** A pairwise difference (no Dunnett p-value). */
        public Difference(String contrast, double estimate, double se, double df, double t, double p, double pTukey,
                double pBonferroni, double pHolm, double lower, double upper, String by) {
            this(contrast, estimate, se, df, t, p, pTukey, pBonferroni, pHolm, lower, upper, by, Double.NaN);
        }
    }

    /** Which differences: every pair (emmeans' {@code pairwise}), or each level minus the reference level. */
    public enum Contrasts {
        /** every pair of levels, "A - B" in grid order; Tukey's adjustment */
        PAIRWISE("pairwise"),
        /** each level minus the first (the reference level), "B - A"; emmeans' dunnettx adjustment */
        TRT_VS_CTRL("trt.vs.ctrl");

        private final String label;

        Contrasts(String label) {
            this.label = label;
        }

        /** The name emmeans gives the family. */
        public String label() {
            return label;
        }

        /** The family by its emmeans name ({@code pairwise}, {@code trt.vs.ctrl}; case-insensitive). */
        public static Contrasts parse(String text) {
            for (Contrasts c : values()) {
                if (c.label.equalsIgnoreCase(text == null ? "" : text.strip())) {
                    return c;
                }
            }
            throw new MixedModelException("Unknown contrasts '" + text + "'; choose pairwise or trt.vs.ctrl.");
        }
    }

    private final List<Mean> means;
    private final List<Difference> differences;
    private CovarianceType covariance = CovarianceType.MODEL;
    private Contrasts contrasts = Contrasts.PAIRWISE;

    private EstimatedMarginalMeans(List<Mean> means, List<Difference> differences) {
        this.means = List.copyOf(means);
        this.differences = List.copyOf(differences);
    }

    /** Which covariance of the fixed effects the SEs and df use. */
    public CovarianceType covariance() {
        return covariance;
    }

    /** Which differences were taken: all pairs, or each level minus the reference. */
    public Contrasts contrasts() {
        return contrasts;
    }

    public List<Mean> means() {
        return means;
    }

    public List<Difference> differences() {
        return differences;
    }

    /**
     * @param specs the factors whose levels' means are wanted
     * @param method Satterthwaite, Kenward-Roger, residual, between-within or none (z)
     */
    public static EstimatedMarginalMeans of(FitResult fit, List<String> specs, DfMethod method, double confidenceLevel) {
        return of(fit, specs, List.of(), method, confidenceLevel);
    }

    /**
     * Means of the combinations of the {@code specs} and {@code by} factors' levels, with pairwise differences
     * of the specs' levels within each combination of the by factors (emmeans' {@code pairs(emmeans(m, ~ arm
     * | visit))}: the treatment difference at each visit), p-values adjusted within each by group.
     */
    public static EstimatedMarginalMeans of(FitResult fit, List<String> specs, List<String> by, DfMethod method,
            double confidenceLevel) {
        return of(fit, specs, by, method, confidenceLevel, CovarianceType.MODEL);
    }

    /** As {@link #of(FitResult, List, List, DfMethod, double)} under the given covariance of the fixed effects. */
    public static EstimatedMarginalMeans of(FitResult fit, List<String> specs, List<String> by, DfMethod method,
            double confidenceLevel, CovarianceType covariance) {
        return of(fit, specs, by, method, confidenceLevel, covariance, Contrasts.PAIRWISE);
    }

    /** As above, with the differences of the given family. */
    public static EstimatedMarginalMeans of(FitResult fit, List<String> specs, List<String> by, DfMethod method,
            double confidenceLevel, CovarianceType covariance, Contrasts family) {
        return of(fit, specs, by, method, confidenceLevel, covariance, family, InferenceMonitor.NONE);
    }

    /** As above, telling {@code monitor} of the steps of the df computation (which it may stop). */
    public static EstimatedMarginalMeans of(FitResult fit, List<String> specs, List<String> by, DfMethod method,
            double confidenceLevel, CovarianceType covariance, Contrasts family, InferenceMonitor monitor) {
        for (String b : by) {
            if (specs.contains(b)) {
                throw new MixedModelException("'" + b + "' is both a factor to compare and a by factor; name it once.");
            }
        }
        int specCount = specs.size();
        specs = new ArrayList<>(specs);
        specs.addAll(by);
        Design design = fit.design();
        ModelFrame frame = design.frame();
        Set<String> variables = new LinkedHashSet<>();
        for (Term t : design.fixed().terms()) {
            variables.addAll(t.variables());
        }
        if (specs.isEmpty()) {
            throw new MixedModelException("Name at least one factor to average over, e.g. --specs treatment.");
        }
        for (String s : specs) {
            if (!frame.formula().variables().contains(s) && !variables.contains(s)) {
                throw new MixedModelException("'" + s + "' is not a fixed-effect variable of the model; the model's are: "
                        + String.join(", ", variables) + ".");
            }
            if (!variables.contains(s)) {
                throw new MixedModelException("'" + s + "' is not among the fixed effects (" + String.join(", ", variables)
                        + "); marginal means are over fixed-effect factors.");
            }
            if (!frame.isCategorical(s)) {
                throw new MixedModelException("'" + s + "' is numeric; marginal means are for the levels of a categorical column.");
            }
        }
        List<String> factors = new ArrayList<>();
        Map<String, double[]> numbers = new LinkedHashMap<>();
        for (String v : variables) {
            if (frame.isCategorical(v)) {
                factors.add(v);
            } else {
                double[] x = frame.numeric(v);
                double mean = 0;
                for (double d : x) {
                    mean += d / x.length;
                }
                numbers.put(v, new double[] {mean});
            }
        }
        // The grid: every combination of factor levels, first factor varying fastest (emmeans' order).
        int cells = 1;
        for (String f : factors) {
            cells *= frame.factor(f).levelCount();
        }
        Map<String, int[]> codes = new LinkedHashMap<>();
        for (String f : factors) {
            codes.put(f, new int[cells]);
        }
        int stride = 1;
        for (String f : factors) {
            int count = frame.factor(f).levelCount();
            int[] c = codes.get(f);
            for (int i = 0; i < cells; i++) {
                c[i] = (i / stride) % count;
            }
            stride *= count;
        }
        Map<String, double[]> gridNumbers = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : numbers.entrySet()) {
            double[] col = new double[cells];
            java.util.Arrays.fill(col, e.getValue()[0]);
            gridNumbers.put(e.getKey(), col);
        }
        double[][] x = design.fixedColumnsFor(frame.grid(codes, gridNumbers, cells));
        int p = x.length;

        // Average the grid rows within each combination of the specs' levels (first spec fastest).
        List<Factor> specFactors = specs.stream().map(frame::factor).toList();
        int groups = 1;
        for (Factor f : specFactors) {
            groups *= f.levelCount();
        }
        double[][] l = new double[groups][p];
        int[] count = new int[groups];
        for (int i = 0; i < cells; i++) {
            int g = 0;
            int s = 1;
            for (int k = 0; k < specs.size(); k++) {
                g += codes.get(specs.get(k))[i] * s;
                s *= specFactors.get(k).levelCount();
            }
            count[g]++;
            for (int j = 0; j < p; j++) {
                l[g][j] += x[j][i];
            }
        }
        List<String> labels = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < p; j++) {
                l[g][j] /= count[g];
            }
            labels.add(label(specFactors, g, 0, specFactors.size()));
        }

        LinearContrasts contrasts = LinearContrasts.of(fit, method, covariance, false, monitor);
        double[] beta = fit.beta();
        List<Mean> means = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            double est = Satterthwaite.dot(l[g], beta);
            double se = contrasts.se(l[g]);
            double df = contrasts.df(l[g]);
            double half = quantile(df, confidenceLevel) * se;
            means.add(new Mean(labels.get(g), est, se, df, est - half, est + half));
        }
        // Groups share a by cell when their by factors' levels agree: the by factors come last in the index.
        int specCells = 1;
        for (int k = 0; k < specCount; k++) {
            specCells *= specFactors.get(k).levelCount();
        }
        List<Difference> diffs = new ArrayList<>();
        for (int cell = 0; cell < groups / specCells; cell++) {
            String byLabel = by.isEmpty() ? null : label(specFactors, cell * specCells, specCount, specFactors.size());
            List<double[]> raw = new ArrayList<>();
            List<String> names = new ArrayList<>();
            boolean control = family == Contrasts.TRT_VS_CTRL;
            for (int a = 0; a < specCells; a++) {
                for (int b = a + 1; b < specCells; b++) {
                    if (control && a > 0) {
                        break; // each level b against the reference, level 0
                    }
                    // pairwise: "A - B" in grid order; against the control: "B - A", level minus reference
                    int ga = cell * specCells + (control ? b : a);
                    int gb = cell * specCells + (control ? a : b);
                    double[] d = new double[p];
                    for (int j = 0; j < p; j++) {
                        d[j] = l[ga][j] - l[gb][j];
                    }
                    double est = Satterthwaite.dot(d, beta);
                    double se = contrasts.se(d);
                    double df = contrasts.df(d);
                    double t = est / se;
                    double pv = Double.isInfinite(df)
                            ? 2 * new NormalDistribution(null, 0, 1).cumulativeProbability(-Math.abs(t))
                            : Satterthwaite.twoSidedP(t, df);
                    double half = quantile(df, confidenceLevel) * se;
                    raw.add(new double[] {est, se, df, t, pv, est - half, est + half});
                    names.add(label(specFactors, ga, 0, specCount) + " - " + label(specFactors, gb, 0, specCount));
                }
            }
            int m = raw.size();
            double[] holm = PValueAdjustment.holm(raw.stream().mapToDouble(r -> r[4]).toArray());
            for (int k = 0; k < m; k++) {
                double[] r = raw.get(k);
                double tukey = control ? Double.NaN
                        : StudentizedRange.upperTail(Math.abs(r[3]) * Math.sqrt(2), specCells, r[2]);
                double dunnett = control ? DunnettApproximation.adjustedP(r[3], m, r[2], r[4]) : Double.NaN;
                diffs.add(new Difference(names.get(k), r[0], r[1], r[2], r[3], r[4], tukey, Math.min(1, r[4] * m), holm[k],
                        r[5], r[6], byLabel, dunnett));
            }
        }
        EstimatedMarginalMeans result = new EstimatedMarginalMeans(means, diffs);
        result.covariance = covariance;
        result.contrasts = family;
        return result;
    }

    /**
     * The levels of factors from..to-1 in group g, joined by a space (emmeans' labels); g indexes the combinations
     * of all the factors' levels, the first factor varying fastest.
     */
    private static String label(List<Factor> factors, int g, int from, int to) {
        StringBuilder label = new StringBuilder();
        int rest = g;
        for (int k = 0; k < to; k++) {
            Factor f = factors.get(k);
            if (k >= from) {
                label.append(label.length() == 0 ? "" : " ").append(f.levels().get(rest % f.levelCount()));
            }
            rest /= f.levelCount();
        }
        return label.toString();
    }

    private static double quantile(double df, double level) {
        return FixedEffectsInference.quantile(df, level);
    }
}
