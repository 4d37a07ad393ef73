package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.design.Design;

/**
 * Complete or quasi-complete separation of a binomial response by the fixed effects (Albert and Anderson 1984): a
 * direction d of the coefficients with x_i'd &gt;= 0 wherever all trials succeeded, x_i'd &lt;= 0 wherever all failed,
 * x_i'd = 0 where both occurred, and x_i'd != 0 somewhere. Then the likelihood keeps increasing along d, the
 * maximum-likelihood estimate does not exist (the GLM's coefficients run to the link's clamp at |eta| = 30) and the
 * random effects do not cure it (their penalty keeps them finite). lme4 has no separation check; glmer then fails
 * in PIRLS or reports a degenerate Hessian.
 *
 * <p>The check is a certificate, so it cannot raise a false alarm beyond rounding: the GLM fit marks the rows whose
 * fitted probability reached their 0/1 outcome (to 1e-6), the candidate direction is the GLM's beta projected onto
 * the null space of the other rows' X (columns scaled to unit root mean square, so the test is unit-free), and the
 * warning is given only when that direction verifiably separates: every marked row on its side, and some by more
 * than 1 on the link scale.
 */
final class Separation {

    private static final double AT_OUTCOME = 1e-6;

    private Separation() {
    }

    static Optional<String> check(Family family, Design design, GlmmResponse response, GlmFit glm, GlmFamily link) {
        if (family != Family.BINOMIAL) {
            return Optional.empty();
        }
        double[][] x = design.fixed().columns();
        int p = x.length;
        int n = response.y().length;
        if (p == 0) {
            return Optional.empty();
        }
        double[] y = response.y();
        double[] beta = glm.beta();
        double[] offset = response.offset();
        boolean[] marked = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            double eta = offset[i];
            for (int k = 0; k < p; k++) {
                eta += beta[k] * x[k][i];
            }
            double mu = link.linkinv(eta);
            if ((y[i] == 0 || y[i] == 1) && Math.abs(mu - y[i]) < AT_OUTCOME) {
                marked[i] = true;
                count++;
            }
        }
        if (count == 0) {
            return Optional.empty();
        }
        double[] rms = new double[p];
        for (int k = 0; k < p; k++) {
            double s = 0;
            for (double v : x[k]) {
                s += v * v;
            }
            rms[k] = s > 0 ? Math.sqrt(s / n) : 1;
        }
        // X'X over the unmarked rows, columns scaled
        RealMatrix xtx = new Array2DRowRealMatrix(p, p);
        for (int i = 0; i < n; i++) {
            if (marked[i]) {
                continue;
            }
            for (int a = 0; a < p; a++) {
                double xa = x[a][i] / rms[a];
                for (int b = 0; b <= a; b++) {
                    xtx.addToEntry(a, b, xa * x[b][i] / rms[b]);
                }
            }
        }
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < a; b++) {
                xtx.setEntry(b, a, xtx.getEntry(a, b));
            }
        }
        EigenDecomposition eig = new EigenDecomposition(xtx);
        double[] ev = eig.getRealEigenvalues();
        double max = 0;
        for (double e : ev) {
            max = Math.max(max, Math.abs(e));
        }
        // d (scaled coordinates) = projection of the scaled beta onto the eigenvectors of (near) zero eigenvalues
        double[] scaledBeta = new double[p];
        for (int k = 0; k < p; k++) {
            scaledBeta[k] = beta[k] * rms[k];
        }
        double[] d = new double[p];
        for (int e = 0; e < p; e++) {
            if (Math.abs(ev[e]) > 1e-10 * Math.max(max, 1e-300) && max > 0) {
                continue;
            }
            double[] v = eig.getEigenvector(e).toArray();
            double c = 0;
            for (int k = 0; k < p; k++) {
                c += v[k] * scaledBeta[k];
            }
            for (int k = 0; k < p; k++) {
                d[k] += c * v[k];
            }
        }
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            if (!marked[i]) {
                continue;
            }
            double v = 0;
            for (int k = 0; k < p; k++) {
                v += x[k][i] / rms[k] * d[k];
            }
            double signed = y[i] == 1 ? v : -v;
            largest = Math.max(largest, signed);
            worst = Math.min(worst, signed);
        }
        if (!(largest > 1) || worst < -1e-8 * largest) {
            return Optional.empty();
        }
        double dmax = 0;
        for (double v : d) {
            dmax = Math.max(dmax, Math.abs(v));
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < p; k++) {
            if (Math.abs(d[k]) > 1e-6 * dmax) {
                names.add("'" + design.fixed().names().get(k) + "'");
            }
        }
        return Optional.of("complete separation detected: the fixed effects " + String.join(", ", names)
                + " predict the outcome of " + count + (count == 1 ? " row" : " rows") + " perfectly (fitted"
                + " probabilities 0 or 1 in the GLM); their estimates run off to infinity and their SEs and z tests are"
                + " meaningless. Remove or merge the separating levels or covariates, or use a penalized (e.g."
                + " Firth-type or Bayesian) fit.");
    }
}
