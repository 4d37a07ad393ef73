package org.mixedmodels.engine.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Contract tests of the small-block kernels: a hand-computed case, bad input, and identities on random input. */
class SmallCholeskyTest {

    @Test
    void handComputedFactor() {
        // [[4, 2], [2, 5]] = L L' with L = [[2, 0], [1, 2]]
        double[] a = {9, 4, 2, 2, 5};
        assertTrue(SmallCholesky.decomposeInPlace(a, 1, 2));
        assertArrayEquals(new double[] {9, 2, 0, 1, 2}, a, 1e-15);
    }

    @Test
    void notPositiveDefiniteIsReportedNotThrown() {
        assertFalse(SmallCholesky.decomposeInPlace(new double[] {1, 2, 2, 1}, 0, 2));
        assertFalse(SmallCholesky.decomposeInPlace(new double[] {0}, 0, 1));
        assertFalse(SmallCholesky.decomposeInPlace(new double[] {Double.NaN}, 0, 1));
    }

    @Test
    void relativeToleranceRefusesNumericallySingularAndInfinitePivots() {
        // [[1, 1], [1, 1 + 1e-14]]: second pivot 1e-14, positive but below 1e-12 of its diagonal element
        double[] nearlySingular = {1, 1, 1, 1 + 1e-14};
        assertTrue(SmallCholesky.decomposeInPlace(nearlySingular.clone(), 0, 2, 0));
        assertFalse(SmallCholesky.decomposeInPlace(nearlySingular.clone(), 0, 2, 1e-12));
        assertFalse(SmallCholesky.decomposeInPlace(new double[] {Double.POSITIVE_INFINITY}, 0, 1));
    }

    @Test
    void factorReproducesMatrixAndSolvesInvert() {
        Random random = new Random(42);
        for (int k = 1; k <= 5; k++) {
            double[] b = new double[k * k];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextGaussian();
            }
            double[] a = new double[k * k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    double s = r == c ? 1.0 : 0.0;
                    for (int t = 0; t < k; t++) {
                        s += b[r * k + t] * b[c * k + t];
                    }
                    a[r * k + c] = s;
                }
            }
            double[] l = a.clone();
            assertTrue(SmallCholesky.decomposeInPlace(l, 0, k));
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int t = 0; t < k; t++) {
                        s += l[r * k + t] * l[c * k + t];
                    }
                    assertEquals(a[r * k + c], s, 1e-12, "L L' = A");
                }
            }
            double[] inv = new double[k * k];
            SmallCholesky.invertLower(l, 0, k, inv);
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int t = 0; t < k; t++) {
                        s += l[r * k + t] * inv[t * k + c];
                    }
                    assertEquals(r == c ? 1.0 : 0.0, s, 1e-12, "L L^-1 = I");
                }
            }
            // L' x = y then L' x reproduces y; x L' = y likewise.
            double[] y = new double[k];
            for (int i = 0; i < k; i++) {
                y[i] = random.nextGaussian();
            }
            double[] x = y.clone();
            SmallCholesky.solveTransposedInPlace(l, 0, k, x, 0);
            double[] row = y.clone();
            SmallCholesky.solveRowTransposed(l, 0, k, row, 0);
            for (int i = 0; i < k; i++) {
                double s = 0;
                double s2 = 0;
                for (int t = 0; t < k; t++) {
                    s += l[t * k + i] * x[t];
                    s2 += row[t] * l[i * k + t];
                }
                assertEquals(y[i], s, 1e-12, "L' x = y");
                assertEquals(y[i], s2, 1e-12, "x L' = y");
            }
        }
    }
}
