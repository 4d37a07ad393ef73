package org.mixedmodels.cli;

import org.mixedmodels.engine.data.DataFrame;

/** The bench's simulated data sets for tests in other packages (the generators are package-private). */
public final class BenchData {
    private BenchData() {
    }

    /** {@link Bench#mmrmTrial(int, int, double, long)}: two arms, categorical visits V01.., monotone dropout. */
    public static DataFrame mmrmTrial(final int subjects, final int visits, final double dropout, final long seed) {
        return Bench.mmrmTrial(subjects, visits, dropout, seed);
    }

    /** {@link BenchSuite#binaryLongitudinal}: a binary response over visits with a random intercept and slope. */
    public static DataFrame binaryLongitudinal(final int subjects, final int visits, final long seed) {
        return BenchSuite.binaryLongitudinal(subjects, visits, seed);
    }
}
