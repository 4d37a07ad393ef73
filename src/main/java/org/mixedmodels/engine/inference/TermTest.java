package org.mixedmodels.engine.inference;

/** A Type III F test of one model term (all of its coefficients at once). */
public record TermTest(String term, double numDf, double denDf, double f, double p) {
}
