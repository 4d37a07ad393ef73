package org.mixedmodels.engine.inference;

/** Multiplicity adjustments of p-values, as R's {@code p.adjust}. */
final class PValueAdjustment {
    private PValueAdjustment() {
    }

    /**
     * Holm (1979): the i-th smallest of m p-values times (m - i + 1), made monotone by a running maximum
     * and capped at 1.
     */
    static double[] holm(double[] p) {
        int m = p.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
        double[] out = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            running = Math.max(running, Math.min(1, (m - rank) * p[order[rank]]));
            out[order[rank]] = running;
        }
        return out;
    }
}
