package org.mixedmodels.engine.formula;

/**
 * A residual covariance term such as {@code ar1(visit | subject)}: the correlation structure of the
 * residuals over {@code time} within each level of {@code subject}.
 *
 * @param structure the structure's name as written, one of {@link #STRUCTURES}
 * @param time the column ordering the observations within subject (a visit factor or numeric time)
 * @param subject the column whose levels are independent blocks
 */
public record ResidualTerm(String structure, String time, String subject) {
    /** Names follow R's mmrm package. */
    public static final java.util.Set<String> STRUCTURES =
            java.util.Set.of("ar1", "ar1h", "cs", "csh", "toep", "us", "sp_exp", "diag");
}
