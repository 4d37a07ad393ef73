package org.mixedmodels.engine.glmm;

/**
 * A family with its link, as one of R's family objects ({@code binomial(link = "probit")}): the six functions
 * glm and glmer use ({@code linkfun}, {@code linkinv}, {@code mu.eta}, {@code variance}, {@code dev.resids},
 * {@code aic}).
 */
public record GlmFamily(Family family, Link link) {

    public GlmFamily {
        if (!family.links().contains(link)) {
            throw new IllegalArgumentException("The " + family.rName() + " family does not take the " + link.rName()
                    + " link here; use " + String.join(", ", family.links().stream().map(Link::rName).toList()) + ".");
        }
    }

    public static GlmFamily of(Family family) {
        return new GlmFamily(family, family.defaultLink());
    }

    public double linkfun(double mu) {
        return link.linkfun(mu);
    }

    public double linkinv(double eta) {
        return link.linkinv(eta);
    }

    public double muEta(double eta) {
        return link.muEta(eta);
    }

    public double variance(double mu) {
        return family.variance(mu);
    }

    public double devResid(double y, double mu, double wt) {
        return family.devResid(y, mu, wt);
    }

    public double aic(double[] y, double[] mu, double[] wt) {
        return family.aic(y, mu, wt);
    }

    /** R's {@code family$initialize} mustart: (wt y + 0.5) / (wt + 1) for the binomial, y + 0.1 for the Poisson. */
    public double muStart(double y, double wt) {
        return family == Family.BINOMIAL ? (wt * y + 0.5) / (wt + 1) : y + 0.1;
    }
}
