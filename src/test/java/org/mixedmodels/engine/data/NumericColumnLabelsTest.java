package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link NumericColumn#labels} (one String per distinct value) gives each row's {@link NumericColumn#label}. */
class NumericColumnLabelsTest {
    @Test
    void labelsOfRowsAreTheRowsLabels() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 5_000;
        double[] values = new double[n];
        BitSet missing = new BitSet();
        String[] text = new String[n];
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(6)) {
                case 0 -> values[i] = random.nextInt(300);
                case 1 -> values[i] = random.nextInt(50) / 8.0;
                case 2 -> {
                    values[i] = random.nextInt(30);
                    text[i] = String.format("%03d", (int) values[i]); // kept as written: 007
                }
                case 3 -> missing.set(i);
                case 4 -> values[i] = new double[] {-0.0, 0.0, 1e15, 1e-310, Double.NaN}[random.nextInt(5)];
                default -> values[i] = random.nextGaussian();
            }
        }
        NumericColumn c = new NumericColumn("id", values, missing, text);
        int[] rows = new int[3 * n];
        for (int k = 0; k < rows.length; k++) {
            rows[k] = random.nextInt(n);
        }
        String[] labels = c.labels(rows);
        for (int k = 0; k < rows.length; k++) {
            assertEquals(c.label(rows[k]), labels[k], "row " + rows[k]);
        }
    }
}
