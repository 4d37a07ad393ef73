package org.mixedmodels.engine.fit;

/**
 * What the theta optimizer did, as MixedModels.jl's {@code OptSummary}: start and end, objective,
 * evaluation count and whether it converged.
 *
 * @param optimizer the method's name
 * @param initialTheta where the search started
 * @param theta the optimum (after boundary checks)
 * @param objective the objective at theta
 * @param evaluations objective evaluations
 * @param converged false when the evaluation budget ran out before the tolerance was met
 * @param message what happened, for the user when not converged
 * @param iterations the optimizer's iterations (quasi-Newton steps; for derivative-free methods, evaluations)
 */
public record OptimizerSummary(String optimizer, double[] initialTheta, double[] theta, double objective,
        int evaluations, boolean converged, String message, int iterations) {

    /** A derivative-free optimizer's summary: each evaluation is an iteration. */
    public OptimizerSummary(String optimizer, double[] initialTheta, double[] theta, double objective,
            int evaluations, boolean converged, String message) {
        this(optimizer, initialTheta, theta, objective, evaluations, converged, message, evaluations);
    }
}
