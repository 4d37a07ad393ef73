package org.mixedmodels.cli;

import org.mixedmodels.engine.data.DataFrame;

/** Gives tests in other packages the benchmark's generated data (fixed seed). */
public final class SimulatedDataFixture {
    private SimulatedDataFixture() {
    }

    public static DataFrame longitudinal(int subjects, int visits) {
        return SimulatedData.longitudinal(subjects, visits, 1L);
    }
}
