package org.mixedmodels.engine.inference;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;

/** The Wald statistic (L b)' (L C L')^+ (L b) of a hypothesis L beta = 0 and its rank. */
final class Wald {
    private Wald() {
    }

    /** @return {@code {statistic, rank}}; the generalized inverse drops directions of L C L' below 1e-8 of the largest */
    static double[] statistic(double[][] l, double[] beta, double[][] cov) {
        int q = l.length;
        double[][] v = new double[q][q];
        double[] lb = new double[q];
        for (int i = 0; i < q; i++) {
            lb[i] = Satterthwaite.dot(l[i], beta);
            for (int j = 0; j < q; j++) {
                v[i][j] = Satterthwaite.bilinear(l[i], cov, l[j]);
            }
        }
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(v));
        double[] d = eig.getRealEigenvalues();
        double largest = 0;
        for (double x : d) {
            largest = Math.max(largest, x);
        }
        double stat = 0;
        int rank = 0;
        for (int m = 0; m < q; m++) {
            if (d[m] > 1e-8 * largest) {
                double proj = Satterthwaite.dot(eig.getEigenvector(m).toArray(), lb);
                stat += proj * proj / d[m];
                rank++;
            }
        }
        return new double[] {stat, rank};
    }
}
