package org.mixedmodels.knime.data;

import java.util.Locale;
import java.util.function.Function;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.mixedmodels.engine.fit.FitMonitor;
import org.mixedmodels.engine.inference.InferenceMonitor;

/**
 * Runs an engine fit with a {@link FitMonitor} that shows the optimizer's progress in KNIME and honours the
 * cancel button at every objective evaluation: the engine knows nothing of KNIME, so the cancel travels out of it
 * as an unchecked exception and is turned back into KNIME's {@link CanceledExecutionException} here.
 */
public final class CancelableFit {
    private CancelableFit() {
    }

    /**
     * @param exec the monitor of the fit (its progress runs towards 1 as evaluations accumulate)
     * @param typicalEvaluations about how many evaluations the fit takes (progress reaches 1/2 there)
     * @param what the progress message's text before the evaluation count, e.g. "Optimizing"
     */
    public static <T> T run(final ExecutionMonitor exec, final int typicalEvaluations, final String what,
        final Function<FitMonitor, T> fit) throws CanceledExecutionException {
        try {
            return fit.apply(new FitMonitor() {
                /** The objective at the previous message, for the change since (as the command line prints it). */
                private double previous = Double.NaN;

                @Override
                public void objectiveEvaluated(final int evaluation, final double objective) {
                    try {
                        exec.checkCanceled();
                    } catch (CanceledExecutionException e) {
                        throw new Canceled(e);
                    }
                    double change = objective - previous;
                    previous = objective;
                    exec.setProgress(1 - 1.0 / (1 + evaluation / (double)typicalEvaluations),
                        () -> message(what, evaluation, objective, change));
                }
            });
        } catch (Canceled e) {
            throw e.cause;
        }
    }

    /**
     * Runs the df computation after a fit (Satterthwaite's Hessian, Kenward-Roger's sums) with an
     * {@link InferenceMonitor} that shows its steps, e.g. "Kenward-Roger df (parameter 3 of 7)", and honours the
     * cancel button at each step, as {@link #run} does for the optimizer.
     *
     * @param exec the monitor of the computation (its progress is the fraction of the current stage's steps done)
     */
    public static <T> T inference(final ExecutionMonitor exec, final Function<InferenceMonitor, T> computation)
        throws CanceledExecutionException {
        try {
            return computation.apply((stage, unit, step, steps) -> {
                try {
                    exec.checkCanceled();
                } catch (CanceledExecutionException e) {
                    throw new Canceled(e);
                }
                exec.setProgress((step - 1) / (double)steps, () -> stage + " (" + unit + " " + step + " of " + steps + ")");
            });
        } catch (Canceled e) {
            throw e.cause;
        }
    }

    /** "Optimizing (evaluation 120, objective 1693.2249, change -3.1e-05)": the CLI's progress line's numbers. */
    static String message(final String what, final int evaluation, final double objective, final double change) {
        return what + " (evaluation " + evaluation + ", objective " + String.format(Locale.ROOT, "%.10g", objective)
            + (Double.isNaN(change) ? "" : ", change " + String.format(Locale.ROOT, "%.3g", change)) + ")";
    }

    /** Carries the user's cancel out of the engine. */
    private static final class Canceled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final CanceledExecutionException cause;

        Canceled(final CanceledExecutionException cause) {
            super(cause);
            this.cause = cause;
        }
    }
}
