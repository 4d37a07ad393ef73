package org.mixedmodels.engine.fit;

/**
 * Where the parameters of a residual term sit in its vector a, and the relative residual covariance they give: the
 * structure's own parameters for the first group, then for each further group of {@code us(visit | arm / subject)}
 * (SAS GROUP=) its own parameters followed by its log scale s_g (its covariance is exp(s_g) times what its parameters
 * give, the first group's scale being sigma^2's), then the log variance ratios c_2, c_3, ... of a
 * {@code varident(stratum | subject)} term (nlme varIdent: a row of stratum s has SD ratio exp(c_s / 2), the first
 * stratum's being 1). One place for the fit ({@link ResidualCovarianceModel}) and for whatever rebuilds the fitted
 * covariance from its parameters ({@link ResidualFit}: prediction, saved models, robust covariance, Kenward-Roger).
 */
public final class ResidualLayout {
    private final ResidualStructure structure;
    private final int groups;
    private final int strata;

    /**
     * @param groups the number of groups with their own parameters (1 without a group factor)
     * @param strata the number of varident strata (1 without a varident term)
     */
    public ResidualLayout(ResidualStructure structure, int groups, int strata) {
        this.structure = structure;
        this.groups = groups;
        this.strata = strata;
    }

    public ResidualStructure structure() {
        return structure;
    }

    public int groups() {
        return groups;
    }

    public int strata() {
        return strata;
    }

    /** All residual parameters: every group's structure parameters and scales, then the variance ratios. */
    public int parameterCount() {
        return structureParameters() + strata - 1;
    }

    /** Structure parameters of all groups: each group's own, and for groups after the first a log scale. */
    public int structureParameters() {
        return structure.parameterCount() * groups + groups - 1;
    }

    /** Where group g's parameters start. */
    public int groupOffset(int g) {
        return g == 0 ? 0 : structure.parameterCount() + (g - 1) * (structure.parameterCount() + 1);
    }

    /** The index of group g's log scale (g &gt;= 1). */
    public int scaleIndex(int g) {
        return groupOffset(g) + structure.parameterCount();
    }

    /** The index of stratum s's log variance ratio (s &gt;= 1). */
    public int ratioIndex(int s) {
        return structureParameters() + s - 1;
    }

    /** Group g's own structure parameters. */
    public double[] groupParameters(double[] a, int g) {
        if (groups == 1) {
            return a; // the structure reads its own parameters, the prefix
        }
        return java.util.Arrays.copyOfRange(a, groupOffset(g), groupOffset(g) + structure.parameterCount());
    }

    /** Group g's covariance relative to the first group's: 1 for the first, exp(s_g) for the others. */
    public double groupScale(double[] a, int g) {
        return g == 0 ? 1 : Math.exp(a[scaleIndex(g)]);
    }

    /** Stratum s's residual SD relative to the first stratum's: 1 for the first, exp(c_s / 2) for the others. */
    public double sdRatio(double[] a, int s) {
        return s == 0 ? 1 : Math.exp(a[ratioIndex(s)] / 2);
    }

    /**
     * The residual part D S D of rows at these positions and times, relative to sigma^2: S the group's structure
     * times its scale, D the SD ratios of the rows' strata ({@code stratum} null: D = I).
     */
    public double[][] residualPart(double[] a, int group, int[] position, double[] time, int[] stratum) {
        int m = position.length;
        double[][] v = new double[m][m];
        structure.covariance(groupParameters(a, group), position, time, v);
        double scale = groupScale(a, group);
        double[] r = new double[m];
        for (int j = 0; j < m; j++) {
            r[j] = stratum == null ? 1 : sdRatio(a, stratum[j]);
        }
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                v[j][k] *= scale * r[j] * r[k];
            }
        }
        return v;
    }
}
