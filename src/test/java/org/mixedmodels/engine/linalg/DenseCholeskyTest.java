package org.mixedmodels.engine.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocked dense Cholesky: the defining identity L L' = A on seeded random positive-definite matrices of sizes
 * around the panel width (1e-12 relative to the largest element, rounding of an n-term sum), a hand-computed case,
 * a matrix that is not positive definite, and the factor's independence of the thread split (bit-identical).
 */
class DenseCholeskyTest {

    static double[] randomSpd(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextDouble() - 0.5;
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    s += b[i * n + t] * b[j * n + t];
                }
                a[i * n + j] = s + (i == j ? 0.1 : 0);
                a[j * n + i] = a[i * n + j];
            }
        }
        return a;
    }

    @Test
    void factorTimesItsTransposeIsTheMatrix() {
        for (int n : new int[] {1, 2, 63, 64, 65, 130, 300}) {
            double[] a = randomSpd(n, n);
            double[] l = a.clone();
            assertTrue(DenseCholesky.decompose(l, n, true), "n = " + n);
            double max = 0;
            for (double v : a) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int t = 0; t <= j; t++) {
                        s += l[i * n + t] * l[j * n + t];
                    }
                    assertEquals(a[i * n + j], s, 1e-12 * max * Math.max(1, n / 10.0), "n = " + n + " (" + i + "," + j + ")");
                }
                for (int j = i + 1; j < n; j++) {
                    assertEquals(a[i * n + j], l[i * n + j], 0.0, "upper triangle untouched");
                }
            }
        }
    }

    @Test
    void handComputedCase() {
        // [4 2; 2 10] = [2 0; 1 3] [2 1; 0 3]
        double[] a = {4, 2, 2, 10};
        assertTrue(DenseCholesky.decompose(a, 2, false));
        assertArrayEquals(new double[] {2, 2, 1, 3}, a, 0.0);
    }

    @Test
    void notPositiveDefiniteIsReported() {
        int n = 150;
        double[] a = randomSpd(n, 7);
        a[100 * n + 100] = -1;
        assertFalse(DenseCholesky.decompose(a, n, true));
        assertFalse(DenseCholesky.decompose(new double[] {1, 2, 2, 1}, 2, false));
    }

    @Test
    void factorDoesNotDependOnTheThreadSplit() {
        int n = 700;
        double[] a = randomSpd(n, 11);
        double[] serial = a.clone();
        double[] parallel = a.clone();
        assertTrue(DenseCholesky.decompose(serial, n, false));
        assertTrue(DenseCholesky.decompose(parallel, n, true));
        assertArrayEquals(serial, parallel, 0.0);
    }

    /**
     * The blocked factor performs, for every element, the subtractions of the unblocked left-looking (dot-product)
     * Cholesky in the same order (l_ij = (a_ij - l_i0 l_j0 - l_i1 l_j1 - ...) / l_jj), so the two agree bit for bit:
     * the panel's unrolled passes and its column-oriented triangular solve reorder only the loops, not the
     * arithmetic of any element. Sizes around the panel width, the row pairs and the column tiles (705 and 1130
     * span two and three tiles of 512).
     */
    @Test
    void factorEqualsTheUnblockedCholeskyBitForBit() {
        for (int n : new int[] {1, 2, 3, 5, 95, 96, 97, 98, 99, 193, 450, 705, 1130}) {
            double[] a = randomSpd(n, 100 + n);
            double[] ref = a.clone();
            for (int j = 0; j < n; j++) {
                for (int i = j; i < n; i++) {
                    double s = ref[i * n + j];
                    for (int t = 0; t < j; t++) {
                        s -= ref[i * n + t] * ref[j * n + t];
                    }
                    ref[i * n + j] = i == j ? Math.sqrt(s) : s / ref[j * n + j];
                }
            }
            for (boolean parallel : new boolean[] {false, true}) {
                double[] l = a.clone();
                assertTrue(DenseCholesky.decompose(l, n, parallel));
                assertArrayEquals(ref, l, 0.0, "n = " + n + ", parallel " + parallel);
            }
        }
    }
}
