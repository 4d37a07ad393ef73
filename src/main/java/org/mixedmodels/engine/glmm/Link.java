package org.mixedmodels.engine.glmm;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Link functions as R's {@code make.link} and {@code binomial()}/{@code poisson()} define them, with R's guards
 * against probabilities of exactly 0 or 1 and rates of 0 (so that the deviance stays finite): {@code linkinv} and
 * {@code mu.eta} are bounded below by the machine epsilon as R's C code ({@code logit_linkinv}, {@code logit_mu_eta})
 * and R's {@code make.link} bound them.
 */
public enum Link {
    /** log(mu / (1 - mu)). */
    LOGIT("logit") {
        @Override
        public double linkfun(double mu) {
            return Math.log(mu / (1 - mu));
        }

        @Override
        public double linkinv(double eta) {
            // R's logit_linkinv: exp(eta) clamped at eta = -30 and 30
            double tmp = eta < -THRESH ? EPS : eta > THRESH ? 1 / EPS : Math.exp(eta);
            return tmp / (1 + tmp);
        }

        @Override
        public double muEta(double eta) {
            double opexp = 1 + Math.exp(eta);
            return eta > THRESH || eta < -THRESH ? EPS : Math.exp(eta) / (opexp * opexp);
        }
    },
    /** qnorm(mu). */
    PROBIT("probit") {
        @Override
        public double linkfun(double mu) {
            return NORMAL.inverseCumulativeProbability(mu);
        }

        @Override
        public double linkinv(double eta) {
            double thresh = -NORMAL.inverseCumulativeProbability(EPS);
            return NORMAL.cumulativeProbability(Math.min(Math.max(eta, -thresh), thresh));
        }

        @Override
        public double muEta(double eta) {
            return Math.max(NORMAL.density(eta), EPS);
        }
    },
    /** log(-log(1 - mu)). */
    CLOGLOG("cloglog") {
        @Override
        public double linkfun(double mu) {
            return Math.log(-Math.log1p(-mu));
        }

        @Override
        public double linkinv(double eta) {
            return Math.max(Math.min(-Math.expm1(-Math.exp(eta)), 1 - EPS), EPS);
        }

        @Override
        public double muEta(double eta) {
            double e = Math.min(eta, 700);
            return Math.max(Math.exp(e) * Math.exp(-Math.exp(e)), EPS);
        }
    },
    /** log(mu). */
    LOG("log") {
        @Override
        public double linkfun(double mu) {
            return Math.log(mu);
        }

        @Override
        public double linkinv(double eta) {
            return Math.max(Math.exp(eta), EPS);
        }

        @Override
        public double muEta(double eta) {
            return Math.max(Math.exp(eta), EPS);
        }
    };

    /** R's .Machine$double.eps. */
    static final double EPS = Math.ulp(1.0);
    private static final double THRESH = 30;
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private final String rName;

    Link(String rName) {
        this.rName = rName;
    }

    /** The link's name as R spells it ({@code logit}, {@code probit}, {@code cloglog}, {@code log}). */
    public String rName() {
        return rName;
    }

    /** eta = g(mu). */
    public abstract double linkfun(double mu);

    /** mu = g^-1(eta). */
    public abstract double linkinv(double eta);

    /** d mu / d eta. */
    public abstract double muEta(double eta);

    /** The link named as R names it; the message lists the names known. */
    public static Link of(String name) {
        for (Link l : values()) {
            if (l.rName.equalsIgnoreCase(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("Unknown link '" + name + "'; use logit, probit, cloglog (binomial) or log (poisson).");
    }
}
