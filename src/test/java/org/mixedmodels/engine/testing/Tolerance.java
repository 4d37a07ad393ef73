package org.mixedmodels.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The one comparison helper for numeric reference tests: relative error with an absolute floor. */
public final class Tolerance {
    private Tolerance() {
    }

    /**
     * Asserts |actual - expected| <= rel * max(|expected|, scale): relative to the value, but never
     * tighter than rel times {@code scale} (for values near zero, e.g. a BLUP relative to its group's SD).
     */
    public static void assertClose(double expected, double actual, double rel, double scale, String what) {
        if (Double.isNaN(expected)) {
            if (!Double.isNaN(actual)) {
                fail(what + ": expected NaN but was " + actual);
            }
            return;
        }
        double bound = rel * Math.max(Math.abs(expected), scale);
        assertEquals(expected, actual, bound, () -> what + String.format(" (relative error %.2e, allowed %.0e)",
                Math.abs(actual - expected) / Math.max(Math.abs(expected), scale), rel));
    }

    public static void assertClose(double expected, double actual, double rel, String what) {
        assertClose(expected, actual, rel, 0.0, what);
    }

    /**
     * p-values: relative error, except below 1e-10 where log(p) is compared. A p-value that small is
     * the far tail, where its relative error is about t^2 times the statistic's (t = 27 turns a 3e-7
     * difference in t into 2e-4 in p), so only its order of magnitude is meaningful.
     */
    public static void assertPClose(double expected, double actual, double rel, String what) {
        if (expected < 1e-10 && expected > 0 && actual > 0) {
            assertClose(Math.log(expected), Math.log(actual), rel, what + " (log p)");
        } else {
            assertClose(expected, actual, rel, what);
        }
    }
}
