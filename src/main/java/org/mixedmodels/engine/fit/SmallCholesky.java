package org.mixedmodels.engine.fit;

/**
 * The fit package's name for {@link org.mixedmodels.engine.linalg.SmallCholesky}'s factorization, kept for
 * {@link SparseRestFactor} (under change on another branch) until it imports the linalg class directly; it holds
 * no arithmetic of its own.
 */
final class SmallCholesky {
    private SmallCholesky() {
    }

    /** {@link org.mixedmodels.engine.linalg.SmallCholesky#decomposeInPlace(double[], int, int)}. */
    static boolean decomposeInPlace(double[] a, int off, int k) {
        return org.mixedmodels.engine.linalg.SmallCholesky.decomposeInPlace(a, off, k);
    }
}
