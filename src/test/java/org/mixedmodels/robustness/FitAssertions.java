package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.FixedEffect;

/** Comparisons of two fits for the robustness tests. */
final class FitAssertions {
    private FitAssertions() {
    }

    /** |actual - expected| <= rel * max(|expected|, floor). */
    static void assertClose(double expected, double actual, double rel, double floor, Supplier<String> what) {
        if (Double.isNaN(expected) && Double.isNaN(actual)) {
            return; // e.g. the correlation of a term whose variance is 0, in both fits
        }
        double bound = rel * Math.max(Math.abs(expected), floor);
        if (!(Math.abs(actual - expected) <= bound)) {
            throw new AssertionError(what.get() + ": expected " + expected + " but was " + actual + " (difference "
                    + Math.abs(actual - expected) + ", allowed " + bound + ")");
        }
    }

    static List<String> names(FitResult fit) {
        return fit.fixedEffects().stream().map(FixedEffect::term).toList();
    }

    /**
     * The same estimates to {@code rel}: coefficients (relative to their SE at least), SEs, theta (relative to 1
     * at least: theta is a ratio to the residual SD), sigma and the log-likelihood.
     */
    static void assertSameEstimates(FitResult expected, FitResult actual, double rel, String context) {
        assertEquals(names(expected), names(actual), context + ": coefficient names");
        for (int j = 0; j < expected.fixedEffects().size(); j++) {
            FixedEffect e = expected.fixedEffects().get(j);
            FixedEffect a = actual.fixedEffects().get(j);
            assertClose(e.estimate(), a.estimate(), rel, e.se(), () -> context + ": estimate of " + e.term());
            assertClose(e.se(), a.se(), rel, 0, () -> context + ": SE of " + e.term());
        }
        assertEquals(expected.theta().length, actual.theta().length, context + ": theta length");
        for (int i = 0; i < expected.theta().length; i++) {
            int k = i;
            assertClose(expected.theta()[i], actual.theta()[i], rel, 1.0, () -> context + ": theta[" + k + "] of "
                    + Arrays.toString(expected.theta()) + " vs " + Arrays.toString(actual.theta()));
        }
        assertClose(expected.sigma(), actual.sigma(), rel, 0, () -> context + ": sigma");
        assertClose(expected.logLik(), actual.logLik(), rel, 1.0, () -> context + ": logLik");
    }

    /** A short description of a fit for failure messages. */
    static String describe(FitResult fit) {
        return "beta=" + Arrays.toString(fit.beta()) + " theta=" + Arrays.toString(fit.theta()) + " sigma="
                + fit.sigma() + " logLik=" + fit.logLik() + " warnings=" + fit.warnings();
    }
}
