package org.mixedmodels.engine.diagnostics;

import java.util.List;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.ResidualFit;

/**
 * The estimated within-subject residual correlation matrix over the visits of a residual structure (SAS's
 * {@code RCORR} option; nlme's {@code corMatrix}), for the heat map.
 *
 * @param structure the structure's name ({@code us}, {@code ar1}, ...)
 * @param timeName the visit column
 * @param visits the visits, in the structure's order
 * @param correlation {@code correlation[i][j]}
 * @param variance the residual variance at each visit
 * @param groupFactor the factor whose levels have their own parameters ({@code us(visit | arm / subject)}), or null
 * @param group the level of {@code groupFactor} this matrix is of, or null without groups
 */
public record ResidualCorrelation(String structure, String timeName, List<String> visits, double[][] correlation,
        double[] variance, String groupFactor, String group) {

    /** The matrix of a fit without group-specific parameters; with them, the first group's (see {@link #byGroup}). */
    public static ResidualCorrelation of(FitResult fit) {
        return byGroup(fit).get(0);
    }

    /**
     * One matrix per level of the group factor of {@code us(visit | arm / subject)} (SAS prints an R correlation
     * matrix per GROUP= level), in the levels' order; a single matrix without groups. With a varident term the
     * variances are the reference stratum's (the correlations do not depend on it).
     */
    public static List<ResidualCorrelation> byGroup(FitResult fit) {
        ResidualFit r = fit.residual();
        if (r == null) {
            throw new MixedModelException("The model has no residual covariance structure (such as us(visit | subject)): "
                    + "its residuals are independent, and there is no correlation matrix to draw.");
        }
        int t = r.visits().size();
        int[] position = new int[t];
        double[] time = new double[t];
        for (int v = 0; v < t; v++) {
            position[v] = v;
            time[v] = numeric(r.visits().get(v), v);
        }
        int groups = Math.max(1, r.groups().size());
        List<ResidualCorrelation> out = new java.util.ArrayList<>();
        for (int g = 0; g < groups; g++) {
            double[][] cov = r.covariance(g, position, time, null, fit.sigma());
            double[][] corr = new double[t][t];
            double[] variance = new double[t];
            for (int a = 0; a < t; a++) {
                variance[a] = cov[a][a];
                for (int b = 0; b < t; b++) {
                    corr[a][b] = cov[a][b] / Math.sqrt(cov[a][a] * cov[b][b]);
                }
            }
            out.add(new ResidualCorrelation(r.structure(), r.timeName(), r.visits(), corr, variance, r.groupFactor(),
                    r.groups().isEmpty() ? null : r.groups().get(g)));
        }
        return List.copyOf(out);
    }

    /** The numeric time of a visit label (the continuous-time structure's distances); its position otherwise. */
    private static double numeric(String label, int position) {
        try {
            return Double.parseDouble(label);
        } catch (NumberFormatException e) {
            return position;
        }
    }
}
