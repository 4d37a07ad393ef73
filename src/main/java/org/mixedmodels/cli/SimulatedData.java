package org.mixedmodels.cli;

import java.util.List;
import java.util.SplittableRandom;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/** Data sets of known shape and fixed seed for benchmarks and large-data tests. */
public final class SimulatedData {
    private SimulatedData() {
    }

    /**
     * A longitudinal trial: {@code subjects} subjects, each in arm A or B, measured at visits 0..visits-1;
     * y = 10 + 0.5 time + 1 armB + 0.3 time:armB + b0 + b1 time + e with SD(b0) = 2, SD(b1) = 0.5,
     * corr(b0, b1) = 0.3 and SD(e) = 1. For the model {@code y ~ time * arm + (time | subject)}.
     */
    public static DataFrame longitudinal(int subjects, int visits, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = subjects * visits;
        double[] y = new double[n];
        double[] time = new double[n];
        String[] arm = new String[n];
        String[] subject = new String[n];
        int row = 0;
        for (int s = 0; s < subjects; s++) {
            String id = "S" + s;
            String a = random.nextBoolean() ? "A" : "B";
            double z0 = gaussian(random);
            double z1 = gaussian(random);
            double b0 = 2.0 * z0;
            double b1 = 0.5 * (0.3 * z0 + Math.sqrt(1 - 0.09) * z1);
            double effect = a.equals("B") ? 1.0 : 0.0;
            for (int v = 0; v < visits; v++) {
                time[row] = v;
                arm[row] = a;
                subject[row] = id;
                y[row] = 10 + 0.5 * v + effect * (1 + 0.3 * v) + b0 + b1 * v + gaussian(random);
                row++;
            }
        }
        return new DataFrame(List.of(new NumericColumn("y", y), new NumericColumn("time", time),
                new CategoricalColumn("arm", arm), new CategoricalColumn("subject", subject)));
    }

    /** Box-Muller; SplittableRandom has no Gaussian generator on Java 17. */
    static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
