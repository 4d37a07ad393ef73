package org.mixedmodels.engine.joint;

/**
 * The baseline hazard of the event submodel, as JM's {@code jointModel} methods of the same name.
 */
public enum Baseline {
    /**
     * h0(t) = shape * t^(shape - 1) * exp(intercept): JM's {@code weibull-PH-aGH}, reported as an event
     * coefficient {@code (Intercept)} and {@code log(shape)}.
     */
    WEIBULL("weibull-PH-aGH"),
    /**
     * A constant hazard xi_q on each of the intervals between 0, the knots and the largest observed
     * time: JM's {@code piecewise-PH-aGH}, reported as {@code log(xi.1)}, {@code log(xi.2)}, ...
     */
    PIECEWISE("piecewise-PH-aGH");

    private final String jmMethod;

    Baseline(String jmMethod) {
        this.jmMethod = jmMethod;
    }

    /** The name of the equivalent JM method. */
    public String jmMethod() {
        return jmMethod;
    }

    /** Parses {@code weibull} or {@code piecewise} (case-insensitive); null when neither. */
    public static Baseline parse(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "weibull" -> WEIBULL;
            case "piecewise" -> PIECEWISE;
            default -> null;
        };
    }
}
