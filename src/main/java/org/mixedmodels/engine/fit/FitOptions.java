package org.mixedmodels.engine.fit;

import java.util.Map;

/**
 * How to fit: the criterion and the reference level of categorical columns.
 *
 * @param method REML (default, as lme4) or ML
 * @param referenceLevels reference level per categorical column; others use the first level in sorted order
 */
public record FitOptions(Method method, Map<String, String> referenceLevels) {
    public enum Method { REML, ML }

    public FitOptions {
        referenceLevels = Map.copyOf(referenceLevels);
    }

    public static FitOptions reml() {
        return new FitOptions(Method.REML, Map.of());
    }

    public static FitOptions ml() {
        return new FitOptions(Method.ML, Map.of());
    }

    public FitOptions withReferenceLevels(Map<String, String> levels) {
        return new FitOptions(method, levels);
    }
}
