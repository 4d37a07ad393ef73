package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.RandomEffect;

/**
 * glmer's objective for a model with one scalar random-effects term {@code (1 | g)}, as a function of
 * (theta, beta): the conditional modes u (spherical scale, b = theta u) are found per group by penalized IRLS
 * (Fisher scoring with step halving on sum of deviance residuals + u^2; the groups are independent because one
 * scalar term makes Lambda'Z'WZ Lambda + I diagonal), then
 * <ul>
 * <li>nAGQ = 1 (Laplace), lme4's {@code glmResp::Laplace}: -2 log p(y | u) + |u|^2 + log|L|^2, with
 *     L_jj^2 = 1 + theta^2 sum_{i in j} w_i and w the IRLS weights at the mode;</li>
 * <li>nAGQ &gt; 1, lme4's {@code glmerAGQ}: per group the deviance residuals (relative to the saturated model)
 *     + u^2 at the mode, + log L_jj^2, - 2 log of the Gauss-Hermite sum over nodes u_j + z_k / L_jj of
 *     w_k exp(-(devc_jk - devc_j0) / 2 + z_k^2 / 2). This deviance leaves out the saturated log-likelihood, as
 *     lme4's does.</li>
 * </ul>
 * The per-group diagonal L here is the blocked factor's first block for one scalar term; the Laplace approximation
 * for any random part is {@link PirlsDeviance} (on engine/fit's blocked factor), while AGQ stays limited to one
 * scalar term as in lme4. The per-group PIRLS here is the one the quadrature needs (its nodes sit around each group's
 * mode).
 */
final class ScalarRandomInterceptDeviance implements GlmmDeviance {

    private static final int MAX_PIRLS = 200;
    /** Steps (in u, standard-normal units) below which Fisher scoring is in its quadratic region. */
    private static final double SMALL_STEP = 1e-4;

    private final GlmFamily family;
    private final double[][] x; // columns
    private final double[] y;
    private final double[] wt;
    private final double[] offset;
    private final int[][] groupRows;
    private final int nAGQ;
    private final double[] nodes; // standard normal scale
    private final double[] nodeWeights; // sum to 1

    /** The state of the last evaluation. */
    final double[] u;
    final double[] lSquared;
    final double[] eta;

    private final RandomEffectTerm term;
    private double lastTheta = Double.NaN;

    ScalarRandomInterceptDeviance(GlmFamily family, double[][] x, double[] y, double[] wt, double[] offset,
            RandomEffectTerm term, int nAGQ) {
        this.term = term;
        int groups = term.levelCount();
        int[] group = new int[y.length];
        for (int i = 0; i < group.length; i++) {
            group[i] = term.grouping().code(i);
        }
        this.family = family;
        this.x = x;
        this.y = y;
        this.wt = wt;
        this.offset = offset;
        this.nAGQ = nAGQ;
        int[] count = new int[groups];
        for (int g : group) {
            count[g]++;
        }
        groupRows = new int[groups][];
        for (int j = 0; j < groups; j++) {
            groupRows[j] = new int[count[j]];
            count[j] = 0;
        }
        for (int i = 0; i < group.length; i++) {
            groupRows[group[i]][count[group[i]]++] = i;
        }
        u = new double[groups];
        lSquared = new double[groups];
        eta = new double[y.length];
        if (nAGQ > 1) {
            // Gauss-Hermite for weight exp(-t^2); z = sqrt(2) t integrates against the standard normal density
            GaussIntegrator rule = new GaussIntegratorFactory().hermite(nAGQ);
            nodes = new double[nAGQ];
            nodeWeights = new double[nAGQ];
            for (int k = 0; k < nAGQ; k++) {
                nodes[k] = Math.sqrt(2) * rule.getPoint(k);
                nodeWeights[k] = rule.getWeight(k) / Math.sqrt(Math.PI);
            }
        } else {
            nodes = null;
            nodeWeights = null;
        }
    }

    int groups() {
        return groupRows.length;
    }

    /** X beta + offset per row. */
    @Override
    public double[] fixedPredictor(double[] beta) {
        double[] out = offset.clone();
        for (int k = 0; k < beta.length; k++) {
            double[] c = x[k];
            for (int i = 0; i < out.length; i++) {
                out[i] += beta[k] * c[i];
            }
        }
        return out;
    }

    @Override
    public double deviance(double[] theta, double[] beta) {
        return deviance(theta[0], beta);
    }

    @Override
    public double[] eta() {
        return eta.clone();
    }

    /** b_j = theta u_j with conditional SD theta / L_jj, as lme4's ranef(condVar = TRUE). */
    @Override
    public List<RandomEffect> randomEffects() {
        List<RandomEffect> out = new ArrayList<>();
        for (int j = 0; j < u.length; j++) {
            out.add(new RandomEffect(term.groupName(), term.columnNames().get(0), term.grouping().levels().get(j),
                    lastTheta * u[j], lastTheta / Math.sqrt(lSquared[j])));
        }
        return out;
    }

    /** glmer's deviance at (theta, beta); leaves the modes, L and eta in the fields. */
    double deviance(double theta, double[] beta) {
        lastTheta = theta;
        double[] fixed = fixedPredictor(beta);
        double total = 0;
        for (int j = 0; j < groupRows.length; j++) {
            int[] rows = groupRows[j];
            double uj = mode(rows, fixed, theta, u[j]);
            u[j] = uj;
            double l2 = 1 + theta * theta * weightSum(rows, fixed, theta, uj);
            lSquared[j] = l2;
            for (int i : rows) {
                eta[i] = fixed[i] + theta * uj;
            }
            if (nAGQ <= 1) {
                double ll = 0;
                for (int i : rows) {
                    ll += family.family().logDensity(y[i], family.linkinv(eta[i]), wt[i]);
                }
                total += -2 * ll + uj * uj + Math.log(l2);
            } else {
                double devc0 = penalizedDeviance(rows, fixed, theta, uj);
                double sd = 1 / Math.sqrt(l2);
                double mult = 0;
                for (int k = 0; k < nAGQ; k++) {
                    double z = nodes[k];
                    double devc = penalizedDeviance(rows, fixed, theta, uj + z * sd);
                    mult += nodeWeights[k] * Math.exp(-0.5 * (devc - devc0) + 0.5 * z * z);
                }
                total += devc0 + Math.log(l2) - 2 * Math.log(mult);
            }
        }
        return total;
    }

    /** Sum of squared deviance residuals at the last evaluation's modes (lme4's {@code deviance()} of a GLMM). */
    double conditionalDeviance() {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += family.devResid(y[i], family.linkinv(eta[i]), wt[i]);
        }
        return s;
    }

    /** Sum of deviance residuals of a group + u^2. */
    private double penalizedDeviance(int[] rows, double[] fixed, double theta, double uj) {
        double s = uj * uj;
        for (int i : rows) {
            s += family.devResid(y[i], family.linkinv(fixed[i] + theta * uj), wt[i]);
        }
        return s;
    }

    private double weightSum(int[] rows, double[] fixed, double theta, double uj) {
        double s = 0;
        for (int i : rows) {
            double e = fixed[i] + theta * uj;
            double d = family.muEta(e);
            s += wt[i] * d * d / family.variance(family.linkinv(e));
        }
        return s;
    }

    /**
     * The minimizer of the penalized deviance of one group, by Fisher scoring with step halving for large steps
     * (PIRLS for one coefficient), to a step below 1e-13 (or the iteration limit). u is on the standard normal
     * scale, so the absolute step tolerances are unit-free.
     */
    private double mode(int[] rows, double[] fixed, double theta, double start) {
        if (theta == 0) {
            return 0;
        }
        double uj = Double.isFinite(start) ? start : 0;
        double obj = penalizedDeviance(rows, fixed, theta, uj);
        for (int it = 0; it < MAX_PIRLS; it++) {
            double score = -uj; // half the negative gradient
            double info = 1;
            for (int i : rows) {
                double e = fixed[i] + theta * uj;
                double mu = family.linkinv(e);
                double d = family.muEta(e);
                double v = family.variance(mu);
                score += theta * wt[i] * (y[i] - mu) * d / v;
                info += theta * theta * wt[i] * d * d / v;
            }
            double step = score / info;
            double next = uj + step;
            if (Math.abs(step) < SMALL_STEP) {
                // near the mode the objective changes by ~step^2, below its rounding once step < 1e-8: comparing
                // values would stop there (and leave log|L| with a first-order error); take Newton's steps
                uj = next;
                if (Math.abs(step) < 1e-13) {
                    break;
                }
                continue;
            }
            double nextObj = penalizedDeviance(rows, fixed, theta, next);
            int halvings = 0;
            while (!(nextObj <= obj) && halvings < 50) {
                step /= 2;
                next = uj + step;
                nextObj = penalizedDeviance(rows, fixed, theta, next);
                halvings++;
            }
            if (halvings == 50) {
                return uj; // no decrease possible within rounding: at the mode
            }
            uj = next;
            obj = nextObj;
        }
        return uj;
    }
}
