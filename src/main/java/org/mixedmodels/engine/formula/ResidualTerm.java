package org.mixedmodels.engine.formula;

/**
 * A residual covariance term such as {@code ar1(visit | subject)}: the correlation structure of the
 * residuals over {@code time} within each level of {@code subject}; {@code us(visit | arm / subject)} gives each
 * level of {@code arm} its own parameters (SAS's GROUP=, mmrm's notation).
 *
 * @param structure the structure's name as written, one of {@link #STRUCTURES}
 * @param time the column ordering the observations within subject (a visit factor or numeric time)
 * @param subject the column whose levels are independent blocks
 * @param group the column whose levels have their own parameters, or null
 */
public record ResidualTerm(String structure, String time, String subject, String group) {
    public ResidualTerm(String structure, String time, String subject) {
        this(structure, time, subject, null);
    }

    /**
     * Names follow R's mmrm package where it has the structure ({@code arma11} and the {@code _nugget} variants
     * of the spatial structures, SAS's {@code SP(...) LOCAL}, are ours); README "Residual covariance structures".
     */
    public static final java.util.Set<String> STRUCTURES = java.util.Set.of("ar1", "ar1h", "cs", "csh", "toep",
            "toeph", "adh", "arma11", "us", "sp_exp", "sp_gau", "sp_exp_nugget", "sp_gau_nugget", "diag", "varident");

    /**
     * {@code varident(stratum | subject)}: a residual variance per level of {@code stratum} (nlme's
     * {@code varIdent(form = ~ 1 | stratum)}), alone (independent residuals within subject) or next to one
     * correlation structure of the same subject.
     */
    public static final String VARIDENT = "varident";

    /** Structures whose correlation depends on numeric times (distances) rather than visit positions. */
    public static final java.util.Set<String> CONTINUOUS_TIME =
            java.util.Set.of("sp_exp", "sp_gau", "sp_exp_nugget", "sp_gau_nugget");

    public boolean isVarIdent() {
        return structure.equals(VARIDENT);
    }

    public static boolean isContinuousTime(String structure) {
        return CONTINUOUS_TIME.contains(structure);
    }
}
