package org.mixedmodels.knime.data;

import java.util.function.Function;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionContext;
import org.mixedmodels.engine.fit.FitMonitor;

/**
 * Runs an engine fit with a {@link FitMonitor} that shows the optimizer's progress in KNIME and honours the
 * cancel button at every objective evaluation: the engine knows nothing of KNIME, so the cancel travels out of it
 * as an unchecked exception and is turned back into KNIME's {@link CanceledExecutionException} here.
 */
public final class CancelableFit {
    private CancelableFit() {
    }

    /**
     * @param exec the execution context of the fit (its progress runs towards 1 as evaluations accumulate)
     * @param typicalEvaluations about how many evaluations the fit takes (progress reaches 1/2 there)
     * @param what the progress message's text before the evaluation count, e.g. "Optimizing"
     */
    public static <T> T run(final ExecutionContext exec, final int typicalEvaluations, final String what,
        final Function<FitMonitor, T> fit) throws CanceledExecutionException {
        try {
            return fit.apply((evaluation, objective) -> {
                try {
                    exec.checkCanceled();
                } catch (CanceledExecutionException e) {
                    throw new Canceled(e);
                }
                exec.setProgress(1 - 1.0 / (1 + evaluation / (double)typicalEvaluations),
                    () -> what + " (" + evaluation + " evaluations, objective " + objective + ")");
            });
        } catch (Canceled e) {
            throw e.cause;
        }
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
