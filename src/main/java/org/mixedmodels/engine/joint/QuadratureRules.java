package org.mixedmodels.engine.joint;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;

/**
 * The fixed quadrature rules of the joint-model likelihood.
 *
 * <p>Which rule is used where follows JM 1.5 ({@code jointModel} control defaults), because the
 * approximate log-likelihood JM reports depends on them: the random effects are integrated with a
 * product Gauss-Hermite rule of {@code GHk} points per dimension, the survival integral from 0 to
 * T_i with the 15-point Gauss-Kronrod nodes (Weibull baseline) or, per interval of the piecewise
 * baseline, the 7-point Gauss-Legendre rule (JM's {@code gaussKronrod(7)}: the Gauss nodes of the
 * Kronrod pair with their Gauss weights). The node and weight values are the Gauss-Kronrod (7, 15)
 * pair of Piessens et al. (1983), QUADPACK, Springer, table of {@code qk15}.
 */
final class QuadratureRules {
    private QuadratureRules() {
    }

    /** The 15 Kronrod nodes on [-1, 1]: the 7 Gauss nodes first, then the 8 added by Kronrod. */
    static final double[] KRONROD15_NODES = {
        -0.949107912342758524526189684047851, -0.741531185599394439863864773280788,
        -0.405845151377397166906606412076961, 0.0,
        0.405845151377397166906606412076961, 0.741531185599394439863864773280788,
        0.949107912342758524526189684047851,
        -0.991455371120812639206854697526329, -0.864864423359769072789712788640926,
        -0.586087235467691130294144838258730, -0.207784955007898467600689403773245,
        0.207784955007898467600689403773245, 0.586087235467691130294144838258730,
        0.864864423359769072789712788640926, 0.991455371120812639206854697526329};

    /** The Kronrod weights, in the order of {@link #KRONROD15_NODES}; they sum to 2. */
    static final double[] KRONROD15_WEIGHTS = {
        0.063092092629978553290700663189204, 0.140653259715525918745189590510238,
        0.190350578064785409913256402421014, 0.209482141084727828012999174891714,
        0.190350578064785409913256402421014, 0.140653259715525918745189590510238,
        0.063092092629978553290700663189204,
        0.022935322010529224963732008058970, 0.104790010322250183839876322541518,
        0.169004726639267902826583426598550, 0.204432940075298892414161999234649,
        0.204432940075298892414161999234649, 0.169004726639267902826583426598550,
        0.104790010322250183839876322541518, 0.022935322010529224963732008058970};

    /** The 7-point Gauss-Legendre nodes (the first seven Kronrod nodes). */
    static final double[] GAUSS7_NODES = java.util.Arrays.copyOf(KRONROD15_NODES, 7);

    /** The 7-point Gauss-Legendre weights; they sum to 2. */
    static final double[] GAUSS7_WEIGHTS = {
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
        0.381830050505118944950369775488975, 0.279705391489276667901467771423780,
        0.129484966168869693270611432679082};

    /**
     * Gauss-Hermite nodes and weights for the weight function exp(-x^2) (JM's {@code gauher}).
     *
     * @return {nodes, weights}
     */
    static double[][] hermite(int points) {
        GaussIntegrator rule = new GaussIntegratorFactory().hermite(points);
        double[] x = new double[points];
        double[] w = new double[points];
        for (int i = 0; i < points; i++) {
            x[i] = rule.getPoint(i);
            w[i] = rule.getWeight(i);
        }
        return new double[][] {x, w};
    }
}
