package org.mixedmodels.engine.joint;

/**
 * The quadrature nodes of one subject's cumulative hazard H_i(u) = integral from 0 to u of h_i(s) ds: times s_g,
 * weights c_g (rule weight times the half-width of the interval), the baseline interval of each node (piecewise
 * baseline) and the design rows x_i(s_g), z_i(s_g).
 *
 * <p>The rule is JM's: the 15 Gauss-Kronrod nodes over [0, u] for the Weibull baseline; 7 Gauss-Legendre nodes
 * on each piece of [0, u] between the knots for the piecewise baseline, where the hazard is smooth, intervals
 * shorter than 2 sqrt(machine epsilon) being skipped as JM does ({@code tol3}).
 */
record SurvivalNodes(double[] s, double[] c, int[] interval, double[][] x, double[][] z) {

    int size() {
        return s.length;
    }

    /** The nodes over [0, upper[r]] of subject subjects[r], for every r, with one design-row build for all. */
    static SurvivalNodes[] build(JointData data, int[] subjects, double[] upper) {
        return build(data, subjects, new double[subjects.length], upper);
    }

    /**
     * The nodes over [lower[r], upper[r]]. A prediction integrates the hazard from the last measurement t to the
     * horizon u directly rather than as H(u) - H(t) from two rules over [0, u] and [0, t] (JM's {@code survfitJM}):
     * the Weibull hazard's t^(shape - 1) is not smooth at 0, and over [t, u] the rule is exact to about 1e-10
     * instead of 1e-5.
     */
    static SurvivalNodes[] build(JointData data, int[] subjects, double[] lower, double[] upper) {
        int m = subjects.length;
        double[][] s = new double[m][];
        double[][] c = new double[m][];
        int[][] iv = new int[m][];
        int total = 0;
        for (int r = 0; r < m; r++) {
            double u = upper[r];
            double l0 = lower[r];
            if (data.baseline == Baseline.WEIBULL) {
                if (!(u > l0)) {
                    s[r] = new double[0];
                    c[r] = new double[0];
                    iv[r] = new int[0];
                } else {
                    int k = QuadratureRules.KRONROD15_NODES.length;
                    s[r] = new double[k];
                    c[r] = new double[k];
                    iv[r] = new int[k];
                    double half = (u - l0) / 2;
                    for (int g = 0; g < k; g++) {
                        s[r][g] = l0 + half * (QuadratureRules.KRONROD15_NODES[g] + 1);
                        c[r][g] = half * QuadratureRules.KRONROD15_WEIGHTS[g];
                    }
                }
            } else {
                double[] bounds = data.boundaries;
                int k = QuadratureRules.GAUSS7_NODES.length;
                double tol = Math.sqrt(Math.ulp(1.0));
                java.util.List<double[]> nodes = new java.util.ArrayList<>();
                for (int qi = 0; qi + 1 < bounds.length; qi++) {
                    double lo = Math.max(l0, Math.min(u, bounds[qi]));
                    double hi = Math.max(l0, Math.min(u, bounds[qi + 1]));
                    double half = (hi - lo) / 2;
                    if (!(half >= tol)) {
                        continue;
                    }
                    double mid = (hi + lo) / 2;
                    for (int g = 0; g < k; g++) {
                        nodes.add(new double[] {half * QuadratureRules.GAUSS7_NODES[g] + mid,
                            half * QuadratureRules.GAUSS7_WEIGHTS[g], qi});
                    }
                }
                s[r] = new double[nodes.size()];
                c[r] = new double[nodes.size()];
                iv[r] = new int[nodes.size()];
                for (int g = 0; g < nodes.size(); g++) {
                    s[r][g] = nodes.get(g)[0];
                    c[r][g] = nodes.get(g)[1];
                    iv[r][g] = (int) nodes.get(g)[2];
                }
            }
            total += s[r].length;
        }
        int[] subj = new int[total];
        double[] times = new double[total];
        int at = 0;
        for (int r = 0; r < m; r++) {
            for (double t : s[r]) {
                subj[at] = subjects[r];
                times[at++] = t;
            }
        }
        double[][][] rows = data.designAt(subj, times);
        SurvivalNodes[] out = new SurvivalNodes[m];
        at = 0;
        for (int r = 0; r < m; r++) {
            int k = s[r].length;
            double[][] x = new double[k][];
            double[][] z = new double[k][];
            for (int g = 0; g < k; g++) {
                x[g] = rows[0][at];
                z[g] = rows[1][at++];
            }
            out[r] = new SurvivalNodes(s[r], c[r], iv[r], x, z);
        }
        return out;
    }
}
