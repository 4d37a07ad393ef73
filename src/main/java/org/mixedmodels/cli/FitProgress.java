package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.mixedmodels.engine.fit.FitMonitor;

/**
 * Progress of a long fit on stderr: nothing for the first {@link #QUIET_SECONDS} seconds, then a line every
 * {@link #EVERY} objective evaluations, or after {@link #EVERY_SECONDS} seconds without one (a Newton or Fisher-scoring
 * fit takes few but costly evaluations, each forming the exact Hessian), with the criterion and its change since the
 * previous line, so that a user sees that a large unstructured model is still moving (and by how much) rather than a
 * silent terminal.
 */
final class FitProgress implements FitMonitor {
    static final double QUIET_SECONDS = 3;
    static final int EVERY = 50;
    static final double EVERY_SECONDS = 10;
    private final PrintStream err;
    private final double quietSeconds;
    private final LongSupplier clock;
    private final long start;
    private double last = Double.NaN;
    private int lastEvaluation;
    private double lastSeconds;

    FitProgress(PrintStream err) {
        this(err, QUIET_SECONDS);
    }

    /** With another quiet period (0 in tests). */
    FitProgress(PrintStream err, double quietSeconds) {
        this(err, quietSeconds, System::nanoTime);
    }

    /** With another clock (nanoseconds; tests). */
    FitProgress(PrintStream err, double quietSeconds, LongSupplier clock) {
        this.err = err;
        this.quietSeconds = quietSeconds;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    @Override
    public void objectiveEvaluated(int evaluation, double objective) {
        double seconds = (clock.getAsLong() - start) / 1e9;
        if (seconds < quietSeconds) {
            return;
        }
        if (evaluation - lastEvaluation < EVERY && seconds - lastSeconds < EVERY_SECONDS) {
            return;
        }
        if (!Double.isFinite(objective)) {
            // a trial step of the line search outside the parameter space: no criterion to show, and no change
            // against it on the next line
            err.printf(Locale.ROOT, "fit: %.1f s, evaluation %d, trial step outside the parameter space%n", seconds,
                    evaluation);
        } else {
            err.printf(Locale.ROOT, "fit: %.1f s, evaluation %d, criterion %.6f%s%n", seconds, evaluation, objective,
                    Double.isNaN(last) ? "" : String.format(Locale.ROOT, ", change %.3g", objective - last));
            last = objective;
        }
        lastEvaluation = evaluation;
        lastSeconds = seconds;
    }
}
