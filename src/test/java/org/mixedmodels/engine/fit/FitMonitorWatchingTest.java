package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.junit.jupiter.api.Test;

/** The objective watcher both fits wrap their criterion in: values unchanged, each reported with a shared count. */
class FitMonitorWatchingTest {

    @Test
    void reportsEachValueWithTheSharedCount() {
        List<String> seen = new ArrayList<>();
        FitMonitor monitor = (evaluation, objective) -> seen.add(evaluation + ":" + objective);
        int[] count = {4};
        MultivariateFunction f = x -> x[0] * x[0];
        MultivariateFunction watched = monitor.watching(f, count);
        assertEquals(9.0, watched.value(new double[] {3}), 0);
        assertEquals(0.25, watched.value(new double[] {0.5}), 0);
        assertEquals(List.of("5:9.0", "6:0.25"), seen);
        assertEquals(6, count[0]);
    }
}
