package org.mixedmodels.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * The {@code bench} command: fits generated data sets of fixed seed and prints one line per case with
 * rows, groups, objective evaluations, the first (cold) fit's seconds, the best of the warm fits, and
 * the peak heap use of the process.
 */
final class Bench {
    private Bench() {
    }

    static int run(int subjects, int visits, int repeats, PrintStream out) {
        out.printf("%-34s %9s %8s %6s %9s %9s %9s%n", "case", "rows", "groups", "evals", "cold_s", "warm_s", "peak_MB");
        DataFrame data = SimulatedData.longitudinal(subjects, visits, 20261124L);
        String formula = "y ~ time * arm + (time | subject)";
        long t0 = System.nanoTime();
        FitResult fit = LinearMixedModel.fit(formula, data, FitOptions.reml());
        double cold = (System.nanoTime() - t0) / 1e9;
        double warm = Double.NaN;
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            LinearMixedModel.fit(formula, data, FitOptions.reml());
            double s = (System.nanoTime() - t) / 1e9;
            warm = Double.isNaN(warm) ? s : Math.min(warm, s);
        }
        out.printf("%-34s %9d %8d %6d %9.3f %9.3f %9.0f%n", "longitudinal (time | subject)", fit.nobs(),
                fit.ngroups().get("subject"), fit.optimizer().evaluations(), cold, warm, peakHeapMegabytes());
        return 0;
    }

    /** The peak use of the heap's pools since the JVM started, summed over pools. */
    static double peakHeapMegabytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }
}
