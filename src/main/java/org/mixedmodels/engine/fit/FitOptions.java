package org.mixedmodels.engine.fit;

import java.util.List;
import java.util.Map;

/**
 * How to fit: the criterion and the reference level of categorical columns.
 *
 * @param method REML (default, as lme4) or ML
 * @param referenceLevels reference level per categorical column; others use the first level in sorted order
 * @param levelOrders the order of a categorical column's levels (e.g. visits WEEK2, WEEK4, ..., WEEK12); the
 *     first is the reference unless {@code referenceLevels} names another; others are sorted
 */
public record FitOptions(Method method, Map<String, String> referenceLevels, Map<String, List<String>> levelOrders) {
    public enum Method { REML, ML }

    public FitOptions {
        referenceLevels = Map.copyOf(referenceLevels);
        Map<String, List<String>> orders = new java.util.LinkedHashMap<>();
        levelOrders.forEach((column, levels) -> orders.put(column, List.copyOf(levels)));
        levelOrders = java.util.Collections.unmodifiableMap(orders);
    }

    public FitOptions(Method method, Map<String, String> referenceLevels) {
        this(method, referenceLevels, Map.of());
    }

    public static FitOptions reml() {
        return new FitOptions(Method.REML, Map.of());
    }

    public static FitOptions ml() {
        return new FitOptions(Method.ML, Map.of());
    }

    public FitOptions withReferenceLevels(Map<String, String> levels) {
        return new FitOptions(method, levels, levelOrders);
    }

    public FitOptions withLevelOrders(Map<String, List<String>> orders) {
        return new FitOptions(method, referenceLevels, orders);
    }

    public FitOptions withMethod(Method m) {
        return new FitOptions(m, referenceLevels, levelOrders);
    }
}
