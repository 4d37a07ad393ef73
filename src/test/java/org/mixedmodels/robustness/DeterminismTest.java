package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.RandomEffect;

/**
 * Determinism (issue 9): the same data and options give bit-identical estimates, every time and in every thread.
 * Users compare runs and rerun workflows; a fit that drifts in the last digit between runs (from hash ordering,
 * shared mutable state, parallel reductions or a random start) makes results irreproducible and diffs noisy. The
 * estimates (beta, theta, sigma, logLik, SEs, BLUPs) are compared with tolerance 0, as bit patterns.
 */
class DeterminismTest {

    private static final List<String> FORMULAS = List.of("y ~ x + (1 | g)", "y ~ x + (x | g)", "y ~ x + (x || g)",
            "y ~ x + (1 | g) + (1 | h)");

    private static DataFrame data() {
        SimulatedGroups d = SimulatedGroups.generate(17, 7, false, true, 2026);
        StringBuilder csv = new StringBuilder("y,x,g,h\n");
        for (int i = 0; i < d.size(); i++) {
            csv.append(d.y()[i]).append(',').append(d.x()[i]).append(',').append(d.g()[i]).append(",h")
                    .append(i % 4).append('\n');
        }
        try {
            return CsvReader.read(new StringReader(csv.toString()), "determinism.csv");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The estimates of a fit as exact bit patterns. */
    private static List<Long> bits(FitResult fit) {
        List<Long> out = new ArrayList<>();
        for (double b : fit.beta()) {
            out.add(Double.doubleToRawLongBits(b));
        }
        fit.fixedEffects().forEach(f -> out.add(Double.doubleToRawLongBits(f.se())));
        for (double t : fit.theta()) {
            out.add(Double.doubleToRawLongBits(t));
        }
        out.add(Double.doubleToRawLongBits(fit.sigma()));
        out.add(Double.doubleToRawLongBits(fit.logLik()));
        for (RandomEffect r : fit.randomEffects()) {
            out.add(Double.doubleToRawLongBits(r.value()));
        }
        return out;
    }

    private static FitResult fit(String formula, boolean ml) {
        return LinearMixedModel.fit(formula, data(), ml ? FitOptions.ml() : FitOptions.reml());
    }

    @Test
    void fittingTwiceGivesBitIdenticalEstimates() {
        for (String formula : FORMULAS) {
            for (boolean ml : new boolean[] {false, true}) {
                FitResult first = fit(formula, ml);
                FitResult second = fit(formula, ml);
                assertArrayEquals(first.beta(), second.beta(), 0.0, formula);
                assertArrayEquals(first.theta(), second.theta(), 0.0, formula);
                assertEquals(first.sigma(), second.sigma(), 0.0, formula);
                assertEquals(first.logLik(), second.logLik(), 0.0, formula);
                assertEquals(bits(first), bits(second), formula);
                assertEquals(first.optimizer().evaluations(), second.optimizer().evaluations(), formula);
            }
        }
    }

    @Test
    void fittingInOtherThreadsGivesBitIdenticalEstimates() throws Exception {
        List<List<Long>> expected = new ArrayList<>();
        for (String formula : FORMULAS) {
            expected.add(bits(fit(formula, false)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (String formula : FORMULAS) {
                    results.add(pool.submit(() -> bits(fit(formula, false))));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(expected.get(i % FORMULAS.size()), results.get(i).get(60, TimeUnit.SECONDS),
                        FORMULAS.get(i % FORMULAS.size()) + " in another thread, run " + i);
            }
        } finally {
            pool.shutdownNow();
        }
        // and the first thread again, after the others ran
        assertEquals(expected.get(1), bits(fit(FORMULAS.get(1), false)));
    }

    /**
     * Models large enough for the multi-core paths (at least 2,000 levels of the first grouping factor; a dense block
     * of at least 400 rows) give the same bits on one thread as on several: the levels and the dense factor's blocks
     * are computed with the same arithmetic whatever the split.
     */
    @Test
    void multiCorePathsGiveTheSameBitsOnOneThread() throws Exception {
        DataFrame longitudinal = org.mixedmodels.cli.SimulatedData.longitudinal(2_500, 4, 7L);
        StringBuilder csv = new StringBuilder("y,x,s,d\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(11L);
        for (int i = 0; i < 6_000; i++) {
            int st = r.nextInt(900);
            int le = r.nextInt(450);
            csv.append(0.01 * st + 0.02 * le + r.nextDouble()).append(',').append(r.nextDouble()).append(",s").append(st)
                .append(",d").append(le).append('\n');
        }
        DataFrame crossed = CsvReader.read(new StringReader(csv.toString()), "crossed.csv");
        java.util.function.Supplier<List<List<Long>>> both = () -> List.of(
            bits(LinearMixedModel.fit("y ~ time * arm + (time | subject)", longitudinal, FitOptions.reml())),
            bits(LinearMixedModel.fit("y ~ x + (1 | s) + (1 | d)", crossed, FitOptions.reml())));
        List<List<Long>> parallel = both.get();
        int threads = org.ejml.concurrency.EjmlConcurrency.getMaxThreads();
        java.util.concurrent.ForkJoinPool single = new java.util.concurrent.ForkJoinPool(1);
        try {
            org.ejml.concurrency.EjmlConcurrency.setMaxThreads(1);
            List<List<Long>> sequential = single.submit(both::get).get(120, TimeUnit.SECONDS);
            assertEquals(parallel, sequential, "one thread and several give the same bits");
        } finally {
            org.ejml.concurrency.EjmlConcurrency.setMaxThreads(threads);
            single.shutdown();
        }
    }
}
