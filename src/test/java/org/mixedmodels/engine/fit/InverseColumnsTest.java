package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FactorSolutions#inverseColumns}, the inverse of the dense random-effects part of the factor that the
 * conditional variances read by columns: L X = I to rounding, zero above the diagonal, at sizes below, at and across
 * the column blocks and from the size on where the blocks run on all cores (the same numbers as one thread:
 * each column's arithmetic does not depend on the split), for a part that is the leading block of a longer row.
 */
class InverseColumnsTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 31, 32, 33, 70, 300})
    void solvesTheTriangularSystemByColumns(int q) {
        int stride = q + 5; // X's and y's columns follow in the factor's rows
        Random random = new Random(q);
        double[] lower = new double[stride * stride];
        for (int i = 0; i < stride; i++) {
            for (int k = 0; k <= i; k++) {
                // a well-conditioned factor (diagonal dominant), with exact zeros as a sparse part has
                lower[i * stride + k] = i == k ? 1 + random.nextDouble()
                        : random.nextInt(4) == 0 ? 0.0 : (random.nextDouble() - 0.5) / Math.sqrt(q);
            }
            for (int k = i + 1; k < stride; k++) {
                lower[i * stride + k] = Double.NaN; // the upper triangle is not read
            }
        }
        double[] x = FactorSolutions.inverseColumns(lower, stride, q);
        for (int c = 0; c < q; c++) {
            for (int i = 0; i < c; i++) {
                assertEquals(0.0, x[c * q + i], "above the diagonal, column " + c);
            }
            for (int i = 0; i < q; i++) {
                double s = 0;
                for (int k = 0; k <= i; k++) {
                    s += lower[i * stride + k] * x[c * q + k];
                }
                assertEquals(i == c ? 1.0 : 0.0, s, 1e-12, "(L X)[" + i + "][" + c + "]");
            }
        }
        // the column-by-column forward substitution, one column at a time: the same operations in the same order
        double[] one = new double[q * q];
        for (int c = 0; c < q; c++) {
            double[] col = new double[q];
            col[c] = 1.0;
            for (int k = c; k < q; k++) {
                col[k] /= lower[k * stride + k];
                if (col[k] == 0) {
                    continue;
                }
                for (int i = k + 1; i < q; i++) {
                    col[i] -= lower[i * stride + k] * col[k];
                }
            }
            System.arraycopy(col, 0, one, c * q, q);
        }
        assertArrayEquals(one, x, 0.0);
    }
}
