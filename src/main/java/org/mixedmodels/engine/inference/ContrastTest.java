package org.mixedmodels.engine.inference;

/**
 * The test of a hypothesis L beta = 0: an F statistic with numerator and denominator degrees of
 * freedom and its p-value (for one row, F = t^2).
 */
public record ContrastTest(double f, double numDf, double denDf, double p) {
}
