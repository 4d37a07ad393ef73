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
 */
public record OptimizerSummary(String optimizer, double[] initialTheta, double[] theta, double objective,
        int evaluations, boolean converged, String message) {
}
