package org.mixedmodels.engine.diagnostics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * The points of a normal QQ plot, as R's {@code qqnorm}: the sample sorted, against the normal quantiles of
 * {@link #ppoints(int)}; and the reference line of {@code qqline}, through the sample's and the normal
 * distribution's first and third quartiles (sample quartiles of R's default type 7).
 *
 * @param title what the sample is ("Pearson residuals", "Subject: (Intercept)")
 * @param theoretical the normal quantiles, increasing
 * @param sample the sample values, sorted increasingly
 * @param labels the label of each sorted value (row or level), for naming the extreme points
 * @param intercept the reference line's intercept
 * @param slope the reference line's slope
 */
public record QuantilePlotData(String title, double[] theoretical, double[] sample, List<String> labels,
        double intercept, double slope) {

    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    /**
     * R's {@code ppoints(n)}: {@code (i - a) / (n + 1 - 2a)}, i = 1..n, with {@code a = 3/8} for n <= 10 and
     * {@code 1/2} above (Blom's plotting positions for small samples).
     */
    public static double[] ppoints(int n) {
        double a = n <= 10 ? 3.0 / 8 : 0.5;
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = (i + 1 - a) / (n + 1 - 2 * a);
        }
        return p;
    }

    /** The QQ plot of the finite values among {@code values} (NaN left out). */
    public static QuantilePlotData of(String title, double[] values, List<String> labels) {
        Integer[] order = IntStream.range(0, values.length).filter(i -> Double.isFinite(values[i])).boxed()
                .toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        int n = order.length;
        double[] sorted = new double[n];
        String[] sortedLabels = new String[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = values[order[i]];
            sortedLabels[i] = labels.get(order[i]);
        }
        double[] p = ppoints(n);
        double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = NORMAL.inverseCumulativeProbability(p[i]);
        }
        double slope = Double.NaN;
        double intercept = Double.NaN;
        if (n >= 2) {
            Percentile type7 = new Percentile().withEstimationType(Percentile.EstimationType.R_7);
            double y1 = type7.evaluate(sorted, 25);
            double y3 = type7.evaluate(sorted, 75);
            double x1 = NORMAL.inverseCumulativeProbability(0.25);
            double x3 = NORMAL.inverseCumulativeProbability(0.75);
            slope = (y3 - y1) / (x3 - x1);
            intercept = y1 - slope * x1;
        }
        return new QuantilePlotData(title, q, sorted, List.of(sortedLabels), intercept, slope);
    }
}
