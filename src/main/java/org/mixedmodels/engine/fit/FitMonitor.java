package org.mixedmodels.engine.fit;

/**
 * Watches a fit's optimizer, one call per evaluation of the profiled objective. A caller that wants to
 * stop the fit (a user pressing cancel) throws an unchecked exception from {@link #objectiveEvaluated};
 * it propagates out of {@link LinearMixedModel#fit} unchanged.
 */
@FunctionalInterface
public interface FitMonitor {
    /** Does nothing. */
    FitMonitor NONE = (evaluation, objective) -> { };

    /**
     * @param evaluation 1-based count of objective evaluations so far
     * @param objective the value just computed (REML criterion or deviance)
     */
    void objectiveEvaluated(int evaluation, double objective);
}
