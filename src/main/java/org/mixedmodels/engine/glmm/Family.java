package org.mixedmodels.engine.glmm;

import java.util.List;

import org.apache.commons.math3.special.Gamma;

/**
 * The response distributions of a GLMM, as R's {@code binomial()} and {@code poisson()} family objects:
 * {@code variance}, {@code dev.resids} and {@code aic} (which, for these families without a dispersion parameter,
 * is -2 times the log-likelihood; R's {@code glm} adds 2 x rank itself). For the binomial the response is the
 * proportion y = successes / trials and the prior weight is the number of trials, as R's
 * {@code cbind(successes, failures)} turns into.
 */
public enum Family {
    BINOMIAL("binomial", Link.LOGIT, List.of(Link.LOGIT, Link.PROBIT, Link.CLOGLOG)) {
        @Override
        public double variance(double mu) {
            return mu * (1 - mu);
        }

        @Override
        public double devResid(double y, double mu, double wt) {
            // R's binomial_dev_resids: 2 wt (y log(y/mu) + (1-y) log((1-y)/(1-mu))), y log y = 0 at y = 0
            return 2 * wt * (yLogY(y, mu) + yLogY(1 - y, 1 - mu));
        }

        @Override
        public double logDensity(double y, double mu, double wt) {
            // dbinom(round(m y), round(m), mu, log = TRUE), R's binomial()$aic
            double m = Math.rint(wt);
            double k = Math.rint(wt * y);
            if (m <= 0) {
                return 0;
            }
            if (m == 1) {
                // a 0/1 response: choose(1, k) = 1 (no lgamma per row in the optimizer's inner loop)
                return k > 0 ? Math.log(mu) : Math.log1p(-mu);
            }
            double logChoose = Gamma.logGamma(m + 1) - Gamma.logGamma(k + 1) - Gamma.logGamma(m - k + 1);
            return logChoose + (k > 0 ? k * Math.log(mu) : 0) + (m - k > 0 ? (m - k) * Math.log1p(-mu) : 0);
        }
    },
    POISSON("poisson", Link.LOG, List.of(Link.LOG)) {
        @Override
        public double variance(double mu) {
            return mu;
        }

        @Override
        public double devResid(double y, double mu, double wt) {
            // R's poisson()$dev.resids: 2 wt (y log(y/mu) - (y - mu)); 2 wt mu at y = 0
            return 2 * wt * (yLogY(y, mu) - (y - mu));
        }

        @Override
        public double logDensity(double y, double mu, double wt) {
            // dpois(y, mu, log = TRUE) x wt, R's poisson()$aic (y may be non-integer: R warns and uses lgamma)
            // y log(mu) = 0 at y = 0 (R's dpois(0, 0) = 1: the saturated model of a zero count)
            return wt * ((y == 0 ? 0 : y * Math.log(mu)) - mu - Gamma.logGamma(y + 1));
        }
    };

    private final String rName;
    private final Link canonical;
    private final List<Link> links;

    Family(String rName, Link canonical, List<Link> links) {
        this.rName = rName;
        this.canonical = canonical;
        this.links = links;
    }

    public String rName() {
        return rName;
    }

    /** The default (canonical) link: logit for the binomial, log for the Poisson. */
    public Link defaultLink() {
        return canonical;
    }

    /** The links this engine allows with the family. */
    public List<Link> links() {
        return links;
    }

    /** Var(Y) / dispersion as a function of the mean. */
    public abstract double variance(double mu);

    /** One observation's deviance residual squared (R's {@code dev.resids}), relative to the saturated model. */
    public abstract double devResid(double y, double mu, double wt);

    /** One observation's log-likelihood (the term of R's {@code aic} before the factor -2). */
    public abstract double logDensity(double y, double mu, double wt);

    /** R's {@code family$aic(y, n, mu, wt, dev)}: -2 times the log-likelihood. */
    public double aic(double[] y, double[] mu, double[] wt) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += logDensity(y[i], mu[i], wt[i]);
        }
        return -2 * s;
    }

    /** The family named as R names it. */
    public static Family of(String name) {
        for (Family f : values()) {
            if (f.rName.equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown family '" + name + "'; use binomial or poisson.");
    }

    /** y log(y / mu), 0 at y = 0 (R's y_log_y). */
    static double yLogY(double y, double mu) {
        return y > 0 ? y * Math.log(y / mu) : 0;
    }
}
