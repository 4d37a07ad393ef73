package org.knime.core.node;

import java.util.function.Supplier;

/** Stand-in for KNIME's progress monitor: records progress and honours cancellation. */
public class ExecutionMonitor {

    /** Shared between a monitor and its sub-monitors, as in KNIME. */
    static final class State {
        volatile boolean canceled;
        volatile double progress;
        volatile String message;
        /** Test harness only: press cancel after this many more checks (negative: never). */
        volatile int checksBeforeCancel = -1;
        /** Test harness only: every progress message, in order. */
        final java.util.List<String> messages = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        /** Test harness only: press cancel when a message matches (null: never), as a user watching the progress. */
        volatile java.util.function.Predicate<String> cancelWhen;
    }

    final State state;
    private final double offset;
    private final double fraction;
    private double localProgress;

    public ExecutionMonitor() {
        this(new State(), 0, 1);
    }

    ExecutionMonitor(final State state, final double offset, final double fraction) {
        this.state = state;
        this.offset = offset;
        this.fraction = fraction;
    }

    public void checkCanceled() throws CanceledExecutionException {
        if (state.checksBeforeCancel == 0) {
            state.canceled = true;
        } else if (state.checksBeforeCancel > 0) {
            state.checksBeforeCancel--;
        }
        if (state.canceled) {
            throw new CanceledExecutionException();
        }
    }

    public void setProgress(final double progress) {
        localProgress = Math.max(0, Math.min(1, progress));
        state.progress = offset + fraction * localProgress;
    }

    public void setProgress(final double progress, final String message) {
        setProgress(progress);
        setMessage(message);
    }

    public void setProgress(final double progress, final Supplier<String> message) {
        setProgress(progress, message.get());
    }

    public void setProgress(final String message) {
        setMessage(message);
    }

    public void setMessage(final String message) {
        state.message = message;
        state.messages.add(message);
        java.util.function.Predicate<String> when = state.cancelWhen;
        if (when != null && message != null && when.test(message)) {
            state.canceled = true;
        }
    }

    public ExecutionMonitor createSubProgress(final double maxProg) {
        return new ExecutionMonitor(state, state.progress, fraction * maxProg);
    }
}
