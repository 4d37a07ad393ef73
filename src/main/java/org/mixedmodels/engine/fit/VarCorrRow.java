package org.mixedmodels.engine.fit;

/**
 * One row of the variance components, as lme4's {@code as.data.frame(VarCorr(m))}: a variance
 * ({@code var2} null; {@code sdcor} the SD) or a covariance ({@code sdcor} the correlation); the
 * residual row has group {@code Residual} and no variable names. A term's second appearance of a
 * grouping factor is named {@code Subject.1}, as lme4 names it.
 */
public record VarCorrRow(String group, String var1, String var2, double vcov, double sdcor) {
}
