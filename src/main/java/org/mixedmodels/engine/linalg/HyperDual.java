package org.mixedmodels.engine.linalg;

/**
 * A hyper-dual number a + b e1 + c e2 + d e1 e2 with e1^2 = e2^2 = 0 (Fike and Alonso 2011, AIAA 2011-886): a function
 * evaluated at x + e1 + e2 carries f(x), its derivatives in the two seeded directions and their mixed second
 * derivative, exact to rounding (no step size, unlike finite differences). f(a + b e1 + c e2 + d e1 e2) =
 * f(a) + f'(a) (b e1 + c e2 + d e1 e2) + f''(a) b c e1 e2.
 *
 * @param value a
 * @param d1 the derivative in the first direction
 * @param d2 the derivative in the second direction
 * @param d12 the mixed second derivative
 */
public record HyperDual(double value, double d1, double d2, double d12) {
    public static final HyperDual ZERO = new HyperDual(0, 0, 0, 0);
    public static final HyperDual ONE = new HyperDual(1, 0, 0, 0);

    public static HyperDual constant(double value) {
        return new HyperDual(value, 0, 0, 0);
    }

    /** A variable seeded in the first direction, the second, both or neither. */
    public static HyperDual variable(double value, boolean first, boolean second) {
        return new HyperDual(value, first ? 1 : 0, second ? 1 : 0, 0);
    }

    public HyperDual plus(HyperDual o) {
        return new HyperDual(value + o.value, d1 + o.d1, d2 + o.d2, d12 + o.d12);
    }

    public HyperDual minus(HyperDual o) {
        return new HyperDual(value - o.value, d1 - o.d1, d2 - o.d2, d12 - o.d12);
    }

    public HyperDual times(HyperDual o) {
        return new HyperDual(value * o.value, value * o.d1 + d1 * o.value, value * o.d2 + d2 * o.value,
                value * o.d12 + d1 * o.d2 + d2 * o.d1 + d12 * o.value);
    }

    public HyperDual times(double c) {
        return new HyperDual(value * c, d1 * c, d2 * c, d12 * c);
    }

    /** Applies f with f(a), f'(a) and f''(a) given. */
    private HyperDual apply(double f, double df, double ddf) {
        return new HyperDual(f, df * d1, df * d2, df * d12 + ddf * d1 * d2);
    }

    /** x^c for a real constant c (x^0 = 1, also at x = 0). */
    public HyperDual pow(double c) {
        if (c == 0) {
            return ONE;
        }
        if (c == 1) {
            return this;
        }
        double ddf = c == 2 ? 2 : c * (c - 1) * Math.pow(value, c - 2);
        return apply(Math.pow(value, c), c * Math.pow(value, c - 1), ddf);
    }

    public HyperDual exp() {
        double e = Math.exp(value);
        return apply(e, e, e);
    }

    public HyperDual log() {
        return apply(Math.log(value), 1 / value, -1 / (value * value));
    }

    public HyperDual sqrt() {
        double s = Math.sqrt(value);
        return apply(s, 0.5 / s, -0.25 / (s * value));
    }

    /** 1 / x. */
    public HyperDual inverse() {
        return apply(1 / value, -1 / (value * value), 2 / (value * value * value));
    }

    /** tanh x (tanh' = 1 - tanh^2, tanh'' = -2 tanh (1 - tanh^2)). */
    public HyperDual tanh() {
        double t = Math.tanh(value);
        double d = 1 - t * t;
        return apply(t, d, -2 * t * d);
    }

    /** The logistic function 1 / (1 + e^-x) (f' = f (1 - f), f'' = f (1 - f) (1 - 2 f)). */
    public HyperDual logistic() {
        double f = 1 / (1 + Math.exp(-value));
        double d = f * (1 - f);
        return apply(f, d, d * (1 - 2 * f));
    }

    /** x / o. */
    public HyperDual divide(HyperDual o) {
        return times(o.inverse());
    }
}
