package org.mixedmodels.robustness;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/**
 * Grouped data sets for the robustness tests: {@code y = 1 + 0.5 x + u_g + v_g x + e} with a random intercept
 * {@code u_g} (SD 1), a random slope {@code v_g} (SD 0.6, only when {@code slope}) and residual SD 1, drawn from
 * one seed so that every data set can be rebuilt from the values a failing test reports. Rows can be permuted, levels
 * renamed and the response transformed without touching anything else.
 *
 * @param y response
 * @param x predictor
 * @param g grouping factor's labels
 */
record SimulatedGroups(double[] y, double[] x, String[] g) {

    /** The parameters of one data set, as the property tests draw and report them. */
    record Spec(int groups, int maxRows, boolean balanced, boolean slope, long seed) {
        SimulatedGroups build() {
            return SimulatedGroups.generate(groups, maxRows, balanced, slope, seed);
        }

        String formula() {
            return slope ? "y ~ x + (x | g)" : "y ~ x + (1 | g)";
        }
    }

    /**
     * @param groups number of groups
     * @param maxRows rows per group (3 or more); a balanced set has exactly this many, otherwise 3 to maxRows
     */
    static SimulatedGroups generate(int groups, int maxRows, boolean balanced, boolean slope, long seed) {
        Random random = new Random(seed);
        List<Double> y = new ArrayList<>();
        List<Double> x = new ArrayList<>();
        List<String> g = new ArrayList<>();
        for (int j = 0; j < groups; j++) {
            double u = random.nextGaussian();
            double v = slope ? 0.6 * random.nextGaussian() : 0.0;
            int rows = balanced ? maxRows : 3 + random.nextInt(maxRows - 2);
            for (int i = 0; i < rows; i++) {
                double xi = random.nextGaussian() + 0.3 * j / groups;
                x.add(xi);
                y.add(1 + 0.5 * xi + u + v * xi + random.nextGaussian());
                g.add(String.format("g%02d", j));
            }
        }
        return new SimulatedGroups(y.stream().mapToDouble(Double::doubleValue).toArray(),
                x.stream().mapToDouble(Double::doubleValue).toArray(), g.toArray(new String[0]));
    }

    int size() {
        return y.length;
    }

    DataFrame frame() {
        return frame(g);
    }

    /** The table with the grouping column given (e.g. renamed levels). */
    DataFrame frame(String[] groupLabels) {
        return new DataFrame(List.<Column>of(new NumericColumn("y", y.clone()), new NumericColumn("x", x.clone()),
                new CategoricalColumn("g", groupLabels.clone())));
    }

    /** The rows in the order {@code order[0], order[1], ...}. */
    SimulatedGroups permuted(int[] order) {
        double[] py = new double[y.length];
        double[] px = new double[y.length];
        String[] pg = new String[y.length];
        for (int i = 0; i < order.length; i++) {
            py[i] = y[order[i]];
            px[i] = x[order[i]];
            pg[i] = g[order[i]];
        }
        return new SimulatedGroups(py, px, pg);
    }

    /** The response replaced by {@code a + b y}. */
    SimulatedGroups withResponse(double a, double b) {
        double[] t = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            t[i] = a + b * y[i];
        }
        return new SimulatedGroups(t, x, g);
    }

    /** A random permutation of 0..n-1. */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
