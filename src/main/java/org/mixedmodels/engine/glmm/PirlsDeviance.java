package org.mixedmodels.engine.glmm;

import java.util.List;

import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.ProfiledDeviance;
import org.mixedmodels.engine.fit.RandomEffect;

/**
 * glmer's Laplace deviance (nAGQ = 1) for any random-effects part (several terms, nested or crossed, random slopes)
 * as a function of (theta, beta): the conditional modes u (spherical, b = Lambda u) by penalized iteratively
 * reweighted least squares with beta held fixed, as lme4's {@code pwrssUpdate} in glmer's second stage (Bates et
 * al., lme4 vignette "Computational methods", section 3), each step a penalized weighted least-squares solve on the
 * linear models' blocked factor of Lambda' Z' W Z Lambda + I ({@link ProfiledDeviance#weightedRandomEffects}: the
 * same storage, sparse pattern and symbolic analysis, refreshed for new weights), then
 *
 * <pre>
 *   d(theta, beta) = -2 log p(y | u) + |u|^2 + log |L|^2
 * </pre>
 *
 * with L at the IRLS weights of the mode (glmResp::Laplace). PIRLS here runs to a step below 1e-11 in u (standard
 * normal units, so unit-free) rather than lme4's 1e-7 relative change of the penalized deviance; see the reference
 * tests for what that difference does.
 */
final class PirlsDeviance implements GlmmDeviance {

    private static final int MAX_PIRLS = 100;
    private static final double STEP_TOLERANCE = 1e-11;
    /** Steps (in u, standard-normal units) below which the Gauss-Newton steps are taken without comparing values. */
    private static final double SMALL_STEP = 1e-4;

    private final GlmFamily family;
    private final double[][] x;
    private final double[] y;
    private final double[] wt;
    private final double[] offset;
    private final ProfiledDeviance factor;
    private final int n;

    private final double[] u;
    private final double[] eta;
    private final double[] fixed;
    private final double[] zb;
    private final double[] sqrtW;
    private final double[] working;
    private double[] factoredTheta;
    /** Factorizations so far (PIRLS iterations), for the benchmark's figures. */
    long factorizations;

    PirlsDeviance(GlmFamily family, double[][] x, double[] y, double[] wt, double[] offset,
            List<RandomEffectTerm> terms) {
        this.family = family;
        this.x = x;
        this.y = y;
        this.wt = wt;
        this.offset = offset;
        this.n = y.length;
        this.factor = ProfiledDeviance.weightedRandomEffects(terms, n);
        this.u = new double[factor.randomEffectCount()];
        this.eta = new double[n];
        this.fixed = new double[n];
        this.zb = new double[n];
        this.sqrtW = new double[n];
        this.working = new double[n];
    }

    @Override
    public double deviance(double[] theta, double[] beta) {
        fixedPredictor(beta, fixed);
        double[] uOld = u.clone();
        for (double v : uOld) {
            if (!Double.isFinite(v)) {
                java.util.Arrays.fill(uOld, 0.0);
                break;
            }
        }
        double pdevOld = penalizedDeviance(theta, uOld);
        if (!Double.isFinite(pdevOld)) {
            java.util.Arrays.fill(uOld, 0.0);
            pdevOld = penalizedDeviance(theta, uOld);
        }
        for (int it = 0; it < MAX_PIRLS; it++) {
            // weights and working response at uOld (zb and eta hold uOld's values after penalizedDeviance)
            for (int i = 0; i < n; i++) {
                double e = eta[i];
                double mu = family.linkinv(e);
                double d = family.muEta(e);
                double w = wt[i] * d * d / family.variance(mu);
                sqrtW[i] = Math.sqrt(w);
                working[i] = zb[i] + (y[i] - mu) / d;
            }
            factorizations++;
            if (!factor.factorWeighted(theta, sqrtW, working)) {
                return Double.POSITIVE_INFINITY;
            }
            factoredTheta = theta.clone();
            double[] uNew = factor.sphericalModes();
            double maxStep = 0;
            for (int j = 0; j < uNew.length; j++) {
                maxStep = Math.max(maxStep, Math.abs(uNew[j] - uOld[j]));
            }
            if (maxStep < STEP_TOLERANCE) {
                break; // the factor is at uOld's weights: uOld is the mode to within the tolerance
            }
            if (maxStep < SMALL_STEP) {
                // near the mode the penalized deviance changes by ~step^2, below its rounding once the step is below
                // 1e-8: comparing values would stop there and leave log|L| with a first-order error; take the
                // (Gauss-)Newton steps, which converge here
                uOld = uNew;
                pdevOld = penalizedDeviance(theta, uOld);
                continue;
            }
            double pdevNew = penalizedDeviance(theta, uNew);
            int halvings = 0;
            while (!(pdevNew <= pdevOld) && halvings < 30) {
                for (int j = 0; j < uNew.length; j++) {
                    uNew[j] = 0.5 * (uNew[j] + uOld[j]);
                }
                pdevNew = penalizedDeviance(theta, uNew);
                halvings++;
            }
            if (halvings == 30) {
                penalizedDeviance(theta, uOld); // no decrease within rounding: uOld is the mode; restore its eta
                break;
            }
            uOld = uNew;
            pdevOld = pdevNew;
        }
        System.arraycopy(uOld, 0, u, 0, u.length);
        // eta and zb hold uOld's values (the last penalizedDeviance call was at uOld, or the loop broke before any)
        double ll = 0;
        double uu = 0;
        for (int i = 0; i < n; i++) {
            ll += family.family().logDensity(y[i], family.linkinv(eta[i]), wt[i]);
        }
        for (double v : u) {
            uu += v * v;
        }
        return -2 * ll + uu + factor.logDetL();
    }

    /** Sum of deviance residuals + |u|^2 at u; leaves Z Lambda u in zb and the linear predictor in eta. */
    private double penalizedDeviance(double[] theta, double[] uu) {
        factor.randomPredictor(theta, uu, zb);
        double s = 0;
        for (int i = 0; i < n; i++) {
            eta[i] = fixed[i] + zb[i];
            s += family.devResid(y[i], family.linkinv(eta[i]), wt[i]);
        }
        for (double v : uu) {
            s += v * v;
        }
        return s;
    }

    private void fixedPredictor(double[] beta, double[] out) {
        System.arraycopy(offset, 0, out, 0, n);
        for (int k = 0; k < beta.length; k++) {
            double[] c = x[k];
            double bk = beta[k];
            for (int i = 0; i < n; i++) {
                out[i] += bk * c[i];
            }
        }
    }

    @Override
    public double[] eta() {
        return eta.clone();
    }

    @Override
    public double[] fixedPredictor(double[] beta) {
        double[] out = new double[n];
        fixedPredictor(beta, out);
        return out;
    }

    @Override
    public List<RandomEffect> randomEffects() {
        if (factoredTheta == null) {
            throw new IllegalStateException("no evaluation yet");
        }
        return factor.randomEffects(u, 1.0);
    }
}
