package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.mixedmodels.engine.fit.FitMonitor;

/**
 * Progress of a long fit on stderr: nothing for the first {@link #QUIET_SECONDS} seconds, then a line every
 * {@link #EVERY} objective evaluations with the criterion and its change since the previous line, so that a
 * user sees that a large unstructured model is still moving (and by how much) rather than a silent terminal.
 */
final class FitProgress implements FitMonitor {
    static final double QUIET_SECONDS = 3;
    static final int EVERY = 50;
    private final PrintStream err;
    private final double quietSeconds;
    private final long start = System.nanoTime();
    private double last = Double.NaN;
    private int lastEvaluation;

    FitProgress(PrintStream err) {
        this(err, QUIET_SECONDS);
    }

    /** With another quiet period (0 in tests). */
    FitProgress(PrintStream err, double quietSeconds) {
        this.err = err;
        this.quietSeconds = quietSeconds;
    }

    @Override
    public void objectiveEvaluated(int evaluation, double objective) {
        if (evaluation - lastEvaluation < EVERY) {
            return;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (seconds < quietSeconds) {
            return;
        }
        err.printf(Locale.ROOT, "fit: %.1f s, evaluation %d, criterion %.6f%s%n", seconds, evaluation, objective,
                Double.isNaN(last) ? "" : String.format(Locale.ROOT, ", change %.3g", objective - last));
        last = objective;
        lastEvaluation = evaluation;
    }
}
