package org.mixedmodels.engine.reliability;

import java.util.Collection;
import java.util.List;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;

/**
 * The design effect of cluster sampling and the effective sample size: how many independent observations a
 * clustered sample of n is worth, given the intraclass correlation of the outcome within clusters.
 *
 * <p>Two forms, both reported because they answer different questions:
 * <ul>
 * <li>Kish (1965, Survey Sampling, ch. 5), DE = 1 + (m - 1) ICC with m the mean cluster size: the textbook
 * and sample-size formula, exact for equal clusters;</li>
 * <li>Eldridge, Ashby and Kerry (2006, Int J Epidemiol 35:1292), DE = 1 + ((cv^2 + 1) m - 1) ICC with cv the
 * coefficient of variation of the cluster sizes: unequal clusters lose more information than equal ones of the same
 * mean size, and Kish's form then understates the design effect.</li>
 * </ul>
 * The effective sample size is n / DE (Kish 1965): the number of independent observations whose mean has the
 * variance of the clustered sample's mean.
 */
public final class DesignEffect {
    private DesignEffect() {
    }

    /**
     * The design effect and effective sample sizes.
     *
     * @param icc                 intraclass correlation used
     * @param meanClusterSize     mean cluster size m
     * @param cvClusterSize       coefficient of variation of the cluster sizes (0 for equal clusters and in planning
     *                            unless given)
     * @param clusters            number of clusters (n / m in planning, which need not be whole)
     * @param n                   number of observations
     * @param designEffect        Kish's 1 + (m - 1) ICC
     * @param designEffectUnequal Eldridge, Ashby and Kerry's 1 + ((cv^2 + 1) m - 1) ICC
     * @param effectiveN          n / designEffect
     * @param effectiveNUnequal   n / designEffectUnequal
     * @param iccEstimate         the mixed-model fit the ICC came from, or null when the ICC was given
     */
    public record Result(double icc, double meanClusterSize, double cvClusterSize, double clusters, double n,
            double designEffect, double designEffectUnequal, double effectiveN, double effectiveNUnequal,
            MixedModelIcc.Result iccEstimate) {
    }

    /** Kish's design effect 1 + (m - 1) ICC (Kish 1965, ch. 5). */
    public static double kish(double icc, double meanClusterSize) {
        return 1 + (meanClusterSize - 1) * icc;
    }

    /**
     * Eldridge, Ashby and Kerry's (2006) design effect for unequal cluster sizes, 1 + ((cv^2 + 1) m - 1) ICC. With cv
     * from the SD of the sizes over the clusters (divisor k), (cv^2 + 1) m = sum(m_i^2) / sum(m_i), and
     * 1 + (sum(m_i^2) / sum(m_i) - 1) ICC is exactly Var(mean) / (sigma^2 / n) for the overall mean of clusters with
     * a common ICC (the sum of the covariances within cluster i is sigma^2 ICC m_i (m_i - 1)); for cv = 0 it is
     * {@link #kish}.
     */
    public static double unequalClusters(double icc, double meanClusterSize, double cv) {
        return 1 + ((cv * cv + 1) * meanClusterSize - 1) * icc;
    }

    /**
     * Coefficient of variation of cluster sizes, SD / mean, with the SD over the clusters at hand (divisor k, not
     * k - 1): that is the SD for which Eldridge et al.'s formula is the exact variance ratio (see
     * {@link #unequalClusters}), so the design effect of the data describes these clusters rather than a population
     * they were drawn from.
     */
    public static double coefficientOfVariation(Collection<Integer> sizes) {
        if (sizes.isEmpty()) {
            throw new MixedModelException("There are no clusters, so their sizes have no coefficient of variation.");
        }
        double mean = 0;
        for (int s : sizes) {
            mean += s;
        }
        mean /= sizes.size();
        double ss = 0;
        for (int s : sizes) {
            ss += (s - mean) * (s - mean);
        }
        return Math.sqrt(ss / sizes.size()) / mean;
    }

    /** Planning with equal clusters: {@link #plan(double, double, double, double)} with cv = 0. */
    public static Result plan(double icc, double meanClusterSize, double n) {
        return plan(icc, meanClusterSize, n, 0);
    }

    /**
     * Planning: the design effect of n observations in clusters of mean size m whose sizes vary with coefficient of
     * variation cv (Eldridge et al. 2006 suggest cv from a pilot or a similar study when sizes are not fixed).
     */
    public static Result plan(double icc, double meanClusterSize, double n, double cv) {
        if (!(icc >= 0 && icc <= 1)) {
            throw new MixedModelException("The ICC for planning must lie between 0 and 1; it is " + icc + ".");
        }
        if (!(meanClusterSize >= 1) || Double.isInfinite(meanClusterSize)) {
            throw new MixedModelException("The cluster size must be a finite number of at least 1; it is "
                    + meanClusterSize + ".");
        }
        if (!(n > 0) || Double.isInfinite(n)) {
            throw new MixedModelException("The sample size n must be a positive finite number; it is " + n + ".");
        }
        if (!(cv >= 0) || Double.isInfinite(cv)) {
            throw new MixedModelException("The coefficient of variation of the cluster sizes must be 0 or more; it is "
                    + cv + ".");
        }
        return result(icc, meanClusterSize, cv, n / meanClusterSize, n, null);
    }

    /** From data without covariates: {@link #fromData(DataFrame, String, String, List)}. */
    public static Result fromData(DataFrame data, String clusterColumn, String valueColumn) {
        return fromData(data, clusterColumn, valueColumn, List.of());
    }

    /**
     * From data: the ICC of the REML fit {@code value ~ 1 [+ fixed columns] + (1 | cluster)} (see
     * {@link MixedModelIcc}), the cluster sizes and n over the rows that fit used. Adjusting for fixed effects (e.g.
     * the treatment arm) matters because an outcome difference between arms randomised by cluster would otherwise
     * be counted as between-cluster variance and inflate the ICC.
     */
    public static Result fromData(DataFrame data, String clusterColumn, String valueColumn, List<String> fixedColumns) {
        MixedModelIcc.Result icc = MixedModelIcc.estimate(data, clusterColumn, valueColumn,
                MixedModelIcc.Options.pointEstimate().withFixedColumns(fixedColumns));
        return of(icc);
    }

    /** The design effect of the clusters and ICC of a mixed-model ICC estimate. */
    public static Result of(MixedModelIcc.Result icc) {
        Collection<Integer> sizes = icc.sizes().values();
        double n = icc.nobs();
        double m = n / sizes.size();
        return result(icc.icc(), m, coefficientOfVariation(sizes), sizes.size(), n, icc);
    }

    private static Result result(double icc, double m, double cv, double clusters, double n,
            MixedModelIcc.Result estimate) {
        double de = kish(icc, m);
        double deUnequal = unequalClusters(icc, m, cv);
        return new Result(icc, m, cv, clusters, n, de, deUnequal, n / de, n / deUnequal, estimate);
    }
}
