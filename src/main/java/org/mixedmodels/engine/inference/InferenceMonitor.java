package org.mixedmodels.engine.inference;

/**
 * Watches the df computations that follow a fit (Satterthwaite's Hessian of the variance parameters, Kenward-Roger's
 * per-parameter and per-subject sums), which take seconds on large data. It is called at coarse loop boundaries,
 * before each step; a caller that wants to stop (a user pressing cancel) throws an unchecked exception from
 * {@link #step}, which propagates out of the computation unchanged, as {@link org.mixedmodels.engine.fit.FitMonitor}
 * does for the optimizer.
 */
@FunctionalInterface
public interface InferenceMonitor {
    /** Does nothing. */
    InferenceMonitor NONE = (stage, unit, step, steps) -> { };

    /** The stage names the callers show. */
    String SATTERTHWAITE = "Satterthwaite df";
    String KENWARD_ROGER = "Kenward-Roger df";

    /**
     * @param stage what is computed, e.g. {@link #KENWARD_ROGER}
     * @param unit what the steps count, e.g. "parameter" or "subject"
     * @param step 1-based number of the step about to start
     * @param steps how many steps the stage has
     */
    void step(String stage, String unit, int step, int steps);
}
