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

    /**
     * The objective f, reporting each of its values to this monitor with the running count in {@code evaluations[0]}
     * (shared with the other objectives of one fit, e.g. a gradient method's and its fallback's).
     */
    default org.apache.commons.math3.analysis.MultivariateFunction watching(
            org.apache.commons.math3.analysis.MultivariateFunction f, int[] evaluations) {
        return x -> {
            double value = f.value(x);
            objectiveEvaluated(++evaluations[0], value);
            return value;
        };
    }
}
