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
 * @param groupFactor the factor whose levels have their own parameters ({@code us(visit | arm / subject)}), or null
 * @param groups its levels in the parameters' order (empty without it)
 * @param varianceFactor the factor of a {@code varident(stratum | subject)} term, or null
 * @param strata its levels, the reference first (empty without it)
 */
public record ResidualFit(String structure, String timeName, String subjectName, List<String> visits,
        double[] parameters, Map<String, Object> description, String groupFactor, List<String> groups,
        String varianceFactor, List<String> strata) {

    public ResidualFit {
        visits = List.copyOf(visits);
        parameters = parameters.clone();
        groups = List.copyOf(groups);
        strata = List.copyOf(strata);
        if (parameters.length != layout(structure, visits.size(), groups, strata).parameterCount()) {
            throw new MixedModelException(parameters.length + " residual parameters where " + structure + " over "
                    + visits.size() + " visits" + (groups.isEmpty() ? "" : " in " + groups.size() + " groups")
                    + (strata.isEmpty() ? "" : " with " + strata.size() + " variance strata") + " has "
                    + layout(structure, visits.size(), groups, strata).parameterCount() + ".");
        }
    }

    /** A structure without groups or variance strata. */
    public ResidualFit(String structure, String timeName, String subjectName, List<String> visits,
            double[] parameters, Map<String, Object> description) {
        this(structure, timeName, subjectName, visits, parameters, description, null, List.of(), null, List.of());
    }

    private static ResidualLayout layout(String structure, int visits, List<String> groups, List<String> strata) {
        return new ResidualLayout(new ResidualStructure(structure, visits), Math.max(1, groups.size()),
                Math.max(1, strata.size()));
    }

    /** Where the parameters sit: each group's, then the variance ratios. */
    public ResidualLayout layout() {
        return layout(structure, visits.size(), groups, strata);
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

    /**
     * Rebuilds a fitted structure from its parameters (how a saved model restores it); the description is rebuilt as
     * the fit writes it.
     */
    public static ResidualFit of(String structure, String timeName, String subjectName, List<String> visits,
            double[] parameters, double sigma, String groupFactor, List<String> groups, String varianceFactor,
            List<String> strata) {
        ResidualLayout layout = layout(structure, visits.size(), groups, strata);
        if (parameters.length != layout.parameterCount()) {
            throw new MixedModelException("This saved model has " + parameters.length + " residual parameters where "
                    + structure + " over " + visits.size() + " visits" + (groups.isEmpty() ? ""
                    : " in " + groups.size() + " groups of '" + groupFactor + "'") + (strata.isEmpty() ? ""
                    : " with " + strata.size() + " variance strata of '" + varianceFactor + "'") + " has "
                    + layout.parameterCount() + "; the model is damaged.");
        }
        return new ResidualFit(structure, timeName, subjectName, visits, parameters,
                describe(layout, parameters, sigma * sigma, groupFactor, groups, varianceFactor, strata), groupFactor,
                groups, varianceFactor, strata);
    }

    /** {@link #of} without groups or variance strata. */
    public static ResidualFit of(String structure, String timeName, String subjectName, List<String> visits,
            double[] parameters, double sigma) {
        return of(structure, timeName, subjectName, visits, parameters, sigma, null, List.of(), null, List.of());
    }

    /**
     * The parameters on the users' scale: the first group's (and only group's) structure as
     * {@link ResidualStructure#describe}, with a varident term {@code variance_factor} and {@code sd_ratios} (nlme's
     * varIdent coefficients), with groups {@code group_factor} and {@code groups} (each level's description).
     */
    static Map<String, Object> describe(ResidualLayout layout, double[] a, double sigma2, String groupFactor,
            List<String> groups, String varianceFactor, List<String> strata) {
        Map<String, Object> description = layout.structure().describe(a, sigma2);
        if (!strata.isEmpty()) {
            Map<String, Double> ratios = new java.util.LinkedHashMap<>();
            for (int s = 0; s < strata.size(); s++) {
                ratios.put(strata.get(s), layout.sdRatio(a, s));
            }
            description.put("variance_factor", varianceFactor);
            description.put("sd_ratios", ratios);
        }
        if (!groups.isEmpty()) {
            Map<String, Object> byGroup = new java.util.LinkedHashMap<>();
            for (int g = 0; g < groups.size(); g++) {
                byGroup.put(groups.get(g), layout.structure().describe(layout.groupParameters(a, g),
                        sigma2 * layout.groupScale(a, g)));
            }
            description.put("group_factor", groupFactor);
            description.put("groups", byGroup);
        }
        return description;
    }

    /**
     * The absolute residual covariance of model-frame rows of one subject of the fit's design (so of one group): its
     * group's structure at the rows' visits and times, with their strata's SD ratios.
     */
    public double[][] covariance(org.mixedmodels.engine.design.ResidualDesign design, int[] rows, double sigma) {
        int m = rows.length;
        int[] position = new int[m];
        double[] time = new double[m];
        int[] stratum = design.stratum() == null ? null : new int[m];
        for (int j = 0; j < m; j++) {
            position[j] = design.position()[rows[j]];
            time[j] = design.time()[rows[j]];
            if (stratum != null) {
                stratum[j] = design.stratum()[rows[j]];
            }
        }
        int group = design.group() == null || m == 0 ? 0 : design.group().code(rows[0]);
        return covariance(group, position, time, stratum, sigma);
    }

    /**
     * The absolute residual covariance of rows of one group (index into {@code groups}; 0 without groups) at the
     * given visit positions, numeric times (continuous-time structures) and variance strata (indices into
     * {@code strata}; null without a varident term).
     */
    public double[][] covariance(int group, int[] position, double[] time, int[] stratum, double sigma) {
        double[][] cov = layout().residualPart(parameters, group, position, time, stratum);
        for (double[] row : cov) {
            for (int c = 0; c < row.length; c++) {
                row[c] *= sigma * sigma;
            }
        }
        return cov;
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
