package org.mixedmodels.engine.glmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * glmer (lme4 1.1-31) on cbpp, Laplace and adaptive Gauss-Hermite with 5 and 25 nodes. The references are the
 * best of three optimizer settings (glmer's default stops 7e-6 relative short of them), so the tolerances are
 * those of the issue: deviance and logLik 1e-6 relative, estimates 1e-4, SEs and conditional modes 1e-3.
 */
class GlmmReferenceTest {

    private static final Map<String, GlmmResult> FITS = new HashMap<>();

    /**
     * Laplace: lme4's value is not the Laplace approximation at converged modes. Its PIRLS (pwrssUpdate) stops when
     * the penalized deviance changes by less than 1e-7 relative and takes log|L|^2 from the weights before its last
     * step (internal_glmerWrkIter updates L, then u), so its deviance carries a first-order error in the modes of
     * the last-but-one step: 5.7e-4 (3.1e-6 relative) on cbpp at lme4's own estimates, where ours is converged to
     * 1e-13 in u (R's own Laplace formula with optimize()'s modes agrees with ours to 1e-10: see
     * laplaceIsTheConvergedLaplaceApproximation). glmerAGQ runs PIRLS again from converged modes, so the AGQ cases have no such error and keep the
     * issue's tolerances. Measured (Laplace, cbpp; counts_offset in brackets): deviance 3.1e-6 (1.9e-7), estimates 4.1e-4 (2.5e-4),
     * SEs 1.3e-2 (7.2e-3: lme4 differentiates its PIRLS-limited deviance), modes 6.3e-4 (1.5e-4) relative.
     */
    private static double factor(String name, double issueTolerance, double laplaceTolerance) {
        return PIRLS_SHORT.contains(name) ? laplaceTolerance : issueTolerance;
    }

    /**
     * The Laplace cases where lme4's PIRLS error (above) exceeds the issue's tolerances. On the multi-term cases it
     * does not: grouseticks (three scalar terms) and the correlated random slope match lme4 within the issue's
     * tolerances (measured: logLik 2.6e-8 and 3.1e-8 relative, estimates 1.5e-5 and 6.1e-5 relative (or of the SE),
     * SEs 5.6e-5 and 1.2e-4).
     */
    private static final java.util.Set<String> PIRLS_SHORT = java.util.Set.of("cbpp_binomial_laplace",
            "counts_offset_laplace");

    static GlmmResult fit(ReferenceCase c) {
        return FITS.computeIfAbsent(c.name(), n -> {
            GlmmOptions o = GlmmOptions.of(Family.of(c.string("family"))).withLink(Link.of(c.string("link")))
                    .withNAGQ((int) c.number("nAGQ"))
                    .withOffset(c.json().has("offset") && c.json().get("offset").isJsonPrimitive() ? c.string("offset") : null);
            String rhs = c.string("formula").substring(c.string("formula").indexOf('~'));
            String response;
            if (c.json().get("response").isJsonObject()) {
                JsonObject resp = c.json().getAsJsonObject("response");
                o = o.withTrials(resp.get("trials").getAsString());
                response = resp.get("successes").getAsString();
            } else {
                response = c.string("response");
            }
            String formula = response + " " + rhs;
            return GeneralizedLinearMixedModel.fit(formula, c.data(), o);
        });
    }

    static void assertRelative(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.abs(expected), what);
    }

    /**
     * The AGQ integrand against R's integrate() (rel. tol. 1e-12): at each case's estimates, 25 nodes plus the
     * saturated log-likelihood give the exact marginal log-likelihood (25 nodes are within 1e-13 on cbpp, the
     * README notes), 5 nodes within 1e-5 relative (the README's 7e-4 absolute), and the Laplace value is off by more.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cbpp_binomial_laplace", "cbpp_binomial_agq5", "cbpp_binomial_agq25"})
    void quadratureMatchesTheExactIntegral(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        double[] beta = c.objects("fixed").stream().mapToDouble(f -> f.get("estimate").getAsDouble()).toArray();
        GlmmOptions o = GlmmOptions.of(Family.BINOMIAL).withTrials("size");
        org.mixedmodels.engine.formula.Formula f =
                org.mixedmodels.engine.formula.FormulaParser.parse("incidence ~ period + (1 | herd)");
        double exact = c.number("logLik_integrate");
        double sat = c.number("saturated_logLik");
        double agq25 = -GeneralizedLinearMixedModel.deviance(f, c.data(), o.withNAGQ(25), c.number("theta"), beta) / 2 + sat;
        assertRelative(exact, agq25, 1e-10, "25 nodes vs integrate()");
        double agq5 = -GeneralizedLinearMixedModel.deviance(f, c.data(), o.withNAGQ(5), c.number("theta"), beta) / 2 + sat;
        assertRelative(exact, agq5, 1e-5, "5 nodes vs integrate()");
        assertTrue(Math.abs(agq5 - exact) > 1e-9 * Math.abs(exact), "5 nodes are not exact");
        double laplace = -GeneralizedLinearMixedModel.deviance(f, c.data(), o, c.number("theta"), beta) / 2;
        assertTrue(Math.abs(laplace - exact) > 10 * Math.abs(agq5 - exact), "Laplace " + laplace + " vs exact " + exact);
    }

    /**
     * Why the Laplace tolerances are looser: at lme4's own Laplace estimates, R's Laplace approximation with
     * converged modes (optimize(), tol 1e-14; cases/cbpp_laplace_exact.json) equals ours to 1e-10, while lme4's
     * devfun is 5.6e-4 higher (its PIRLS stopping rule and lagged weights, see {@link #factor}).
     */
    @org.junit.jupiter.api.Test
    void laplaceIsTheConvergedLaplaceApproximation() {
        ReferenceCase c = ReferenceCase.load("cbpp_laplace_exact");
        double ours = GeneralizedLinearMixedModel.deviance(
                org.mixedmodels.engine.formula.FormulaParser.parse("incidence ~ period + (1 | herd)"), c.data(),
                GlmmOptions.of(Family.BINOMIAL).withTrials("size"), c.number("theta"), c.numbers("beta"));
        assertRelative(c.number("laplace_exact"), ours, 1e-10, "exact Laplace");
        double lme4 = c.number("lme4_devfun");
        assertTrue(lme4 - ours > 1e-4 && lme4 - ours < 1e-3, "lme4's PIRLS error " + (lme4 - ours));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cbpp_binomial_laplace", "cbpp_binomial_agq5", "cbpp_binomial_agq25",
        "grouseticks_poisson_laplace", "binary_random_slope_laplace"})
    void likelihood(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        GlmmResult r = fit(c);
        assertEquals(c.string("method"), r.method());
        assertEquals((int) c.number("nobs"), r.nobs());
        assertEquals((int) c.number("df_resid"), r.dfResid());
        // 1e-6 relative: the issue's tolerance; the optimum is flat, so the deviance is far tighter than the parameters
        double tl = factor(name, 1e-6, 1e-5);
        assertRelative(c.number("logLik"), r.logLik(), tl, "logLik");
        assertRelative(c.number("deviance"), r.deviance(), tl, "deviance");
        assertRelative(c.number("AIC"), r.aic(), tl, "AIC");
        assertRelative(c.number("BIC"), r.bic(), tl, "BIC");
        assertRelative(c.number("saturated_logLik"), r.saturatedLogLik(), 1e-9, "saturated logLik (no optimization in it)");
        assertRelative(c.number("logLik_absolute"), r.logLikAbsolute(), tl, "logLik_absolute");
        assertRelative(c.number("AIC_absolute"), r.aicAbsolute(), tl, "AIC_absolute");
        assertRelative(c.number("BIC_absolute"), r.bicAbsolute(), tl, "BIC_absolute");
        // lme4's deviance(): a function of the modes and beta, so of the parameters' 1e-4
        assertRelative(c.number("deviance_conditional_relative"), r.devianceConditional(), factor(name, 1e-4, 1e-3), "deviance()");
    }

    /**
     * This slice's own references (generate-glmm-slice.R, lme4 1.1-31 with bobyqa rhoend 1e-10): the probit and
     * cloglog links on cbpp with 25 nodes, and Poisson counts with an exposure offset (Laplace and 9 nodes).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cbpp_probit_agq25", "cbpp_cloglog_agq25", "counts_offset_laplace", "counts_offset_agq9"})
    void linksAndOffset(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        GlmmResult r = fit(c);
        assertEquals(c.string("link"), r.link());
        double tl = factor(name, 1e-6, 1e-5);
        assertRelative(c.number("logLik"), r.logLik(), tl, "logLik");
        assertRelative(c.number("AIC"), r.aic(), tl, "AIC");
        assertRelative(c.number("BIC"), r.bic(), tl, "BIC");
        assertRelative(c.number("deviance_conditional_relative"), r.devianceConditional(), factor(name, 1e-4, 1e-3), "deviance()");
        estimates(name);
        conditionalModesAndFittedValues(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cbpp_binomial_laplace", "cbpp_binomial_agq5", "cbpp_binomial_agq25",
        "grouseticks_poisson_laplace", "binary_random_slope_laplace"})
    void estimates(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        GlmmResult r = fit(c);
        // estimates 1e-4 relative (the references' best optimizer; glmer's default is 7e-6 to 3e-4 away)
        double te = factor(name, 1e-4, 1e-3);
        double ts = factor(name, 1e-3, 2e-2);
        double[] theta = c.numbers("theta");
        assertEquals(theta.length, r.theta().length, "theta length");
        double thetaSize = java.util.Arrays.stream(theta).map(Math::abs).max().orElse(1);
        for (int i = 0; i < theta.length; i++) {
            // an off-diagonal theta near 0 gets an absolute tolerance on the scale of the largest theta
            assertEquals(theta[i], r.theta()[i], te * Math.max(Math.abs(theta[i]), thetaSize), "theta[" + i + "]");
        }
        List<JsonObject> fixed = c.objects("fixed");
        assertEquals(fixed.size(), r.fixed().size());
        for (int k = 0; k < fixed.size(); k++) {
            JsonObject f = fixed.get(k);
            GlmmResult.Coefficient got = r.fixed().get(k);
            assertEquals(f.get("term").getAsString(), got.term());
            // an estimate near 0 (relative to its SE) gets an absolute tolerance of te SEs
            assertEquals(f.get("estimate").getAsDouble(), got.estimate(),
                    te * Math.max(Math.abs(f.get("estimate").getAsDouble()), f.get("se").getAsDouble()), got.term());
            // SEs 1e-3: both from finite-difference Hessians (lme4: steps 1e-4 raw; ours 1e-3 in SE units)
            assertRelative(f.get("se").getAsDouble(), got.se(), ts, got.term() + " se");
            assertEquals(f.get("z").getAsDouble(), got.z(), ts * Math.max(Math.abs(f.get("z").getAsDouble()), 1), got.term() + " z");
            // p on the log scale: d log p / d z ~ -z, so z's relative error ts moves log p by about z^2 ts
            double zr = f.get("z").getAsDouble();
            assertEquals(Math.log(f.get("p").getAsDouble()), Math.log(got.p()), Math.max(zr * zr, 1) * ts, got.term() + " log p");
        }
        if (c.json().has("varcorr")) {
            List<JsonObject> vc = c.objects("varcorr");
            assertEquals(vc.size(), r.varCorr().size(), "variance components");
            for (int i = 0; i < vc.size(); i++) {
                JsonObject e = vc.get(i);
                org.mixedmodels.engine.fit.VarCorrRow got = r.varCorr().get(i);
                assertEquals(e.get("group").getAsString(), got.group());
                assertEquals(e.get("var1").getAsString(), got.var1());
                assertEquals(e.get("var2").isJsonNull() ? null : e.get("var2").getAsString(), got.var2());
                // variances: twice theta's error; correlations: an absolute tolerance (they live in [-1, 1])
                assertEquals(e.get("vcov").getAsDouble(), got.vcov(), 2 * te * Math.max(Math.abs(e.get("vcov").getAsDouble()), thetaSize * thetaSize), "vcov " + i);
                assertEquals(e.get("sdcor").getAsDouble(), got.sdcor(), 2 * te * Math.max(Math.abs(e.get("sdcor").getAsDouble()), got.var2() == null ? thetaSize : 1), "sdcor " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cbpp_binomial_laplace", "cbpp_binomial_agq5", "cbpp_binomial_agq25",
        "grouseticks_poisson_laplace", "binary_random_slope_laplace"})
    void conditionalModesAndFittedValues(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        GlmmResult r = fit(c);
        List<JsonObject> ranef = c.objects("ranef");
        assertEquals(ranef.size(), r.randomEffects().size());
        double tm = factor(name, 1e-3, 1e-2);
        double te = factor(name, 1e-4, 1e-3);
        Map<String, org.mixedmodels.engine.fit.RandomEffect> ours = new HashMap<>();
        for (org.mixedmodels.engine.fit.RandomEffect e : r.randomEffects()) {
            ours.put(e.group() + "|" + e.term() + "|" + e.level(), e);
        }
        Map<String, Double> sd = new HashMap<>();
        for (org.mixedmodels.engine.fit.VarCorrRow v : r.varCorr()) {
            if (v.var2() == null) {
                sd.put(v.group() + "|" + v.var1(), v.sdcor());
            }
        }
        for (JsonObject e : ranef) {
            // this slice's own references (one scalar term) name only the level
            String group = e.has("group") ? e.get("group").getAsString() : r.varCorr().get(0).group();
            String term = e.has("term") ? e.get("term").getAsString() : "(Intercept)";
            String key = group + "|" + term + "|" + e.get("level").getAsString();
            org.mixedmodels.engine.fit.RandomEffect got = ours.get(key);
            assertTrue(got != null, "mode " + key);
            // modes near 0 (cbpp herd 4: 0.04) get an absolute tolerance on the scale of their term's SD
            double scale = sd.get(group + "|" + term);
            assertEquals(e.get("value").getAsDouble(), got.value(), tm * Math.max(Math.abs(e.get("value").getAsDouble()), scale),
                    "mode " + key);
            assertRelative(e.get("condsd").getAsDouble(), got.condsd(), tm, "condsd " + key);
        }
        double[] link = c.numbers("fitted_link_first");
        double[] resp = c.numbers("fitted_response_first");
        double[] pop = c.json().has("fitted_population_response_first")
                ? c.numbers("fitted_population_response_first") : null;
        double etaScale = 0;
        for (GlmmResult.Coefficient f : r.fixed()) {
            etaScale = Math.max(etaScale, Math.abs(f.estimate()));
        }
        for (int i = 0; i < link.length; i++) {
            // link scale: a sum of estimates; te of the largest estimate's size
            assertEquals(link[i], r.fittedLink()[i], te * Math.max(etaScale, Math.abs(link[i])), "eta row " + (i + 1));
            assertRelative(resp[i], r.fittedResponse()[i], te, "mu row " + (i + 1));
            if (pop != null) {
                assertRelative(pop[i], r.fittedPopulation()[i], te, "population mu row " + (i + 1));
            }
        }
    }
}
