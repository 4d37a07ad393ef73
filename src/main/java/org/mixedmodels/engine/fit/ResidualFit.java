package org.mixedmodels.engine.fit;

import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;

/**
 * The fitted residual covariance within subject of a model with a residual term such as
 * {@code us(visit | subject)}.
 *
 * @param structure the structure's name ({@code ar1}, {@code us}, ...)
 * @param timeName the visit or time column
 * @param subjectName the subject factor
 * @param visits the visit order the structure is indexed by
 * @param parameters the structure's unconstrained parameters at the optimum (see {@link ResidualStructure})
 * @param description the parameters on the users' scale: {@code type}, {@code phi}, {@code rho},
 *     {@code covariance}, {@code variances} as {@link ResidualStructure#describe} gives them
 */
public record ResidualFit(String structure, String timeName, String subjectName, List<String> visits,
        double[] parameters, Map<String, Object> description) {

    public ResidualFit {
        visits = List.copyOf(visits);
        parameters = parameters.clone();
    }

    /** The structure's parameters and its covariance matrix over the visits, as text (as nlme's summary). */
    public String summary() {
        StringBuilder s = new StringBuilder();
        if (!structure.equals("id")) {
            Object group = description.get("group_factor");
            s.append("Residual covariance: ").append(structure).append('(').append(timeName).append(" | ")
                    .append(group == null ? "" : group + " / ").append(subjectName).append(")\n");
        }
        if (description.get("sd_ratios") instanceof Map<?, ?> ratios) {
            s.append("Residual SD ratios by ").append(description.get("variance_factor")).append(" (varident):");
            ratios.forEach((level, ratio) -> s.append(String.format(java.util.Locale.ROOT, " %s %.6g", level, ratio)));
            s.append('\n');
            if (structure.equals("id")) {
                return s.append('\n').toString();
            }
        }
        for (String key : description.containsKey("groups") ? List.<String>of()
                : List.of("phi", "theta", "gamma", "rho", "nugget")) {
            if (description.get(key) instanceof Double v) {
                s.append(String.format(java.util.Locale.ROOT, " %s = %.6g%n", key, v));
            } else if (description.get(key) instanceof double[] v) {
                s.append(' ').append(key).append(" by visit pair =");
                for (double x : v) {
                    s.append(String.format(java.util.Locale.ROOT, " %.6g", x));
                }
                s.append('\n');
            }
        }
        if (description.get("groups") instanceof Map<?, ?> groups) {
            // group-specific parameters: each group's covariance
            groups.forEach((level, d) -> {
                s.append(" ").append(description.get("group_factor")).append(" = ").append(level).append(":\n");
                if (((Map<?, ?>) d).get("covariance") instanceof double[][] cov) {
                    appendMatrix(s, cov);
                }
            });
            return s.append('\n').toString();
        }
        if (description.get("covariance") instanceof double[][] cov) {
            appendMatrix(s, cov);
        }
        return s.append('\n').toString();
    }

    private void appendMatrix(StringBuilder s, double[][] cov) {
        {
            int width = Math.max(10, visits.stream().mapToInt(String::length).max().orElse(0) + 1);
            s.append(String.format(" %-" + width + "s", ""));
            for (String v : visits) {
                s.append(String.format(" %" + width + "s", v));
            }
            s.append('\n');
            for (int r = 0; r < cov.length; r++) {
                s.append(String.format(" %-" + width + "s", visits.get(r)));
                for (double v : cov[r]) {
                    s.append(String.format(java.util.Locale.ROOT, " %" + width + ".4f", v));
                }
                s.append('\n');
            }
        }
    }

    /** Rebuilds a fitted structure from its parameters (how a saved model restores it). */
    public static ResidualFit of(String structure, String timeName, String subjectName, List<String> visits,
            double[] parameters, double sigma) {
        ResidualStructure s = new ResidualStructure(structure, visits.size());
        if (parameters.length != s.parameterCount()) {
            // varident ratios and group-specific parameters follow the structure's own; a saved model does not hold
            // their strata or groups yet, so it cannot be rebuilt faithfully
            throw new MixedModelException("This saved model has " + parameters.length + " residual parameters where "
                    + structure + " over " + visits.size() + " visits has " + s.parameterCount() + ": models with "
                    + "varident(...) or group-specific parameters (us(visit | group / subject)) cannot be restored from "
                    + "a saved model yet; refit them from the data.");
        }
        return new ResidualFit(structure, timeName, subjectName, visits, parameters,
                s.describe(parameters, sigma * sigma));
    }

    /**
     * The absolute residual covariance of rows at the given visit positions (indices into {@code visits})
     * and numeric times (used by sp_exp only).
     */
    public double[][] covariance(int[] position, double[] time, double sigma) {
        int m = position.length;
        double[][] cov = new double[m][m];
        new ResidualStructure(structure, visits.size()).covariance(parameters, position, time, cov);
        for (double[] row : cov) {
            for (int c = 0; c < m; c++) {
                row[c] *= sigma * sigma;
            }
        }
        return cov;
    }

    /** The absolute residual covariance over all visits (sigma^2 times the relative matrix). */
    public double[][] covariance(double sigma) {
        int t = visits.size();
        int[] all = new int[t];
        double[] times = new double[t];
        for (int v = 0; v < t; v++) {
            all[v] = v;
            times[v] = v;
        }
        double[][] cov = new double[t][t];
        new ResidualStructure(structure, t).covariance(parameters, all, times, cov);
        for (double[] row : cov) {
            for (int c = 0; c < t; c++) {
                row[c] *= sigma * sigma;
            }
        }
        return cov;
    }
}
