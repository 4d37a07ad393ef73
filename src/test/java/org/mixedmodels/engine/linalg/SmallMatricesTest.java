package org.mixedmodels.engine.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-subject helpers of the residual-structure fit: its factor is the random-effects fit's kernel (bit for bit
 * the same as {@link DenseCholesky} and {@link SmallCholesky} on the same matrix), and the log-determinant, the
 * solves and the inverse taken from it.
 */
class SmallMatricesTest {

    /** B B' + I for a random B: symmetric positive definite, n x n. */
    private static double[][] spd(Random random, int n) {
        double[][] b = new double[n][n];
        for (double[] row : b) {
            for (int c = 0; c < n; c++) {
                row[c] = random.nextGaussian();
            }
        }
        double[][] a = SmallMatrices.multiplyTransposed(b, b);
        for (int i = 0; i < n; i++) {
            a[i][i] += 1;
        }
        return a;
    }

    @Test
    void choleskyIsTheSharedKernelBitForBit() {
        Random random = new Random(7);
        for (int n = 1; n <= 12; n++) {
            double[][] a = spd(random, n);
            double[][] l = SmallMatrices.cholesky(a, 1e-12);
            double[] dense = new double[n * n];
            double[] small = new double[n * n];
            for (int r = 0; r < n; r++) {
                System.arraycopy(a[r], 0, dense, r * n, n);
                System.arraycopy(a[r], 0, small, r * n, n);
            }
            DenseCholesky.decompose(dense, n, false);
            SmallCholesky.decomposeInPlace(small, 0, n);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    double expected = c <= r ? dense[r * n + c] : 0;
                    assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(l[r][c]), "dense " + n);
                    assertEquals(Double.doubleToLongBits(small[r * n + c]), Double.doubleToLongBits(l[r][c]),
                            "small " + n);
                }
            }
        }
    }

    @Test
    void logDeterminantSolvesAndInverseFromTheFactor() {
        Random random = new Random(11);
        int n = 5;
        double[][] a = spd(random, n);
        double[][] l = SmallMatrices.cholesky(a);
        // log|A| by cofactor-free elimination on a copy (Gaussian elimination without pivoting: A is SPD)
        double[][] u = new double[n][];
        for (int i = 0; i < n; i++) {
            u[i] = a[i].clone();
        }
        double logDet = 0;
        for (int k = 0; k < n; k++) {
            logDet += Math.log(u[k][k]);
            for (int i = k + 1; i < n; i++) {
                double f = u[i][k] / u[k][k];
                for (int j = k; j < n; j++) {
                    u[i][j] -= f * u[k][j];
                }
            }
        }
        assertEquals(3 * logDet, SmallMatrices.addLogDeterminant(0, l, 3), 1e-12);
        assertEquals(1.5 + logDet, SmallMatrices.addLogDeterminant(1.5, l, 1), 1e-12);

        double[] b = {1, -2, 0.5, 3, -1};
        double[] x = SmallMatrices.solveWithCholesky(l, b);
        assertArrayEquals(b, SmallMatrices.multiply(a, x), 1e-12);
        assertArrayEquals(SmallMatrices.solveSpd(a, b), x, 0);

        // forward solve: L (L^-1 X) = X and L (L^-1 y) = y
        double[][] xm = new double[n][2];
        double[] y = b.clone();
        for (int i = 0; i < n; i++) {
            xm[i][0] = i;
            xm[i][1] = 1.0 / (i + 1);
        }
        double[][] original = SmallMatrices.multiply(xm, new double[][] {{1, 0}, {0, 1}});
        SmallMatrices.forwardSolveInPlace(l, xm, y);
        assertArrayEquals(b, SmallMatrices.multiply(l, y), 1e-12);
        double[][] back = SmallMatrices.multiply(l, xm);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(original[i], back[i], 1e-12);
        }

        double[][] w = SmallMatrices.inverseSpd(a, 1e-12);
        double[][] identity = SmallMatrices.multiply(a, w);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(i == j ? 1 : 0, identity[i][j], 1e-12);
            }
        }
        assertNull(SmallMatrices.inverseSpd(new double[][] {{1, 1}, {1, 1 + 1e-14}}, 1e-12));
        assertNull(SmallMatrices.cholesky(new double[][] {{1, 2}, {2, 1}}));
    }
}
