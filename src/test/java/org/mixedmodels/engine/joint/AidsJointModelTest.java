package org.mixedmodels.engine.joint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The joint model of sqrt(CD4) and death in the AIDS data against JM 1.5.2 ({@code aids_joint_weibull},
 * {@code aids_joint_piecewise}: {@code jointModel(lme(CD4 ~ obstime + obstime:drug, random = ~ obstime | patient),
 * coxph(Surv(Time, death) ~ drug), timeVar = "obstime", method = ...)}).
 *
 * <p>Tolerances and why: the log-likelihood is the same function as JM's, quadrature included, which is checked
 * at JM's own estimates to 1e-8 relative; the fitted logLik is within the brief's 1e-4 relative (it is in fact
 * 0.003 higher than JM's, about 7e-7 relative). JM's reported estimates are, however, not at the maximum of that
 * function: its score there is up to 0.33 and one Newton step from them raises the log-likelihood by 0.003 and
 * moves the estimates by up to 0.07 standard errors (JM's {@code optim} stops on a relative change of 1e-8 in the
 * log-likelihood, 4e-5 absolute here). That step lands on our estimates to 1e-6 relative, which the tests check; the
 * comparison with JM's printed estimates therefore allows 1e-3 relative or 0.1 standard errors, whichever is
 * larger, and 5e-3 relative for the entries of D (no standard errors), where 1e-3 relative alone fails by up to
 * 6e-3 (log(shape)) for that reason only. Standard errors: 2e-2 relative (numerical Hessians: JM forward
 * differences, here central ones).
 */
class AidsJointModelTest {
    static final String LONG_FORMULA = "CD4 ~ obstime + obstime:drug + (obstime | patient)";
    private static JointFitResult weibull;
    private static JointFitResult piecewise;

    static DataFrame longData() {
        return ReferenceCase.data("data/aids_long.csv");
    }

    static DataFrame survData() {
        return ReferenceCase.data("data/aids_survival.csv");
    }

    static JointModelSpec spec(Baseline baseline) {
        return JointModelSpec.of(LONG_FORMULA, "obstime", "Time", "death", "~ drug", baseline);
    }

    @BeforeAll
    static void fit() {
        weibull = JointModel.fit(longData(), survData(), spec(Baseline.WEIBULL).withHorizons(List.of(6.0, 12.0, 18.0)));
        piecewise = JointModel.fit(longData(), survData(), spec(Baseline.PIECEWISE));
        // timed again now that the JIT has compiled the code
        JointFitResult w2 = JointModel.fit(longData(), survData(), spec(Baseline.WEIBULL));
        JointFitResult p2 = JointModel.fit(longData(), survData(), spec(Baseline.PIECEWISE));
        System.out.printf(Locale.ROOT, "aids joint model fit time: Weibull %.2f s (first %.2f s; JM %.1f s),"
                + " piecewise %.2f s (first %.2f s; JM %.1f s)%n", w2.seconds(), weibull.seconds(),
                ReferenceCase.load("aids_joint_weibull").number("fit_seconds_R"), p2.seconds(), piecewise.seconds(),
                ReferenceCase.load("aids_joint_piecewise").number("fit_seconds_R"));
    }

    /** JM's estimates as our parameter vector (log sigma, Cholesky factor of D). */
    private static double[] referenceTheta(JointLikelihood lik, ReferenceCase c) {
        double[] theta = new double[lik.size];
        int at = 0;
        for (JsonObject o : c.objects("longitudinal")) {
            theta[at++] = o.get("estimate").getAsDouble();
        }
        theta[at++] = Math.log(c.number("sigma"));
        for (JsonObject o : c.objects("event")) {
            theta[at++] = o.get("estimate").getAsDouble();
        }
        assertEquals(lik.oD, at);
        System.arraycopy(lik.cholParameters(matrix(c, "random_effects_covariance")), 0, theta, lik.oD, lik.nd);
        return theta;
    }

    private static double[][] matrix(ReferenceCase c, String field) {
        JsonArray rows = c.json().getAsJsonArray(field);
        double[][] m = new double[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonArray r = rows.get(i).getAsJsonArray();
            m[i] = new double[r.size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = r.get(j).getAsDouble();
            }
        }
        return m;
    }

    private static JointLikelihood likelihood(Baseline baseline) {
        return new JointLikelihood(JointData.build(longData(), survData(), spec(baseline)), 5);
    }

    @Test
    void logLikAtJmEstimatesIsJmsLogLik() {
        for (Baseline b : Baseline.values()) {
            ReferenceCase c = ReferenceCase.load(b == Baseline.WEIBULL ? "aids_joint_weibull" : "aids_joint_piecewise");
            JointLikelihood lik = likelihood(b);
            assertClose(c.number("logLik"), lik.logLik(referenceTheta(lik, c), null, null), 1e-8, c + " logLik at JM's"
                    + " estimates");
        }
    }

    @Test
    void piecewiseKnotsAreJmsQuantilesOfAllObservedTimes() {
        // JM: quantile(Time, (1:6)/7) + 1e-6 over events and censorings alike (ObsTimes.knots = TRUE)
        double[] expected = {6.227143857142857, 11.078572428571428, 12.530000999999999, 13.930000999999999,
            15.970001, 17.800001};
        assertEquals(expected.length, piecewise.knots().length);
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], piecewise.knots()[i], 1e-12, "knot " + (i + 1));
        }
        assertEquals(7, piecewise.event().stream().filter(e -> e.term().startsWith("log(xi.")).count());
    }

    @Test
    void newtonStepFromJmEstimatesReachesOurs() {
        for (Baseline b : Baseline.values()) {
            ReferenceCase c = ReferenceCase.load(b == Baseline.WEIBULL ? "aids_joint_weibull" : "aids_joint_piecewise");
            JointFitResult fit = b == Baseline.WEIBULL ? weibull : piecewise;
            JointLikelihood lik = likelihood(b);
            double[] theta = referenceTheta(lik, c);
            for (int it = 0; it < 2; it++) {
                double[] g = new double[lik.size];
                lik.logLik(theta, g, null);
                double[][] h = JointModel.hessian(lik, theta);
                for (double[] row : h) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = -row[j];
                    }
                }
                double[] step = org.mixedmodels.engine.linalg.SmallMatrices.solveSpd(h, g);
                for (int j = 0; j < theta.length; j++) {
                    theta[j] += step[j];
                }
            }
            for (int j = 0; j < theta.length; j++) {
                assertClose(theta[j], fit.estimates()[j], 1e-6, 1, c + " " + fit.parameterNames().get(j));
            }
            assertTrue(fit.logLik() >= c.number("logLik"), c + ": our maximum is at least JM's");
        }
    }

    @Test
    void weibullMatchesJm() {
        check(ReferenceCase.load("aids_joint_weibull"), weibull, 11);
        assertEquals(List.of("(Intercept)", "drugddI", "Assoct", "log(shape)"),
                weibull.event().stream().map(JointCoefficient::term).toList());
    }

    @Test
    void piecewiseMatchesJm() {
        check(ReferenceCase.load("aids_joint_piecewise"), piecewise, 16);
        assertEquals(List.of("drugddI", "Assoct", "log(xi.1)", "log(xi.2)", "log(xi.3)", "log(xi.4)", "log(xi.5)",
                "log(xi.6)", "log(xi.7)"), piecewise.event().stream().map(JointCoefficient::term).toList());
    }

    private static void check(ReferenceCase c, JointFitResult fit, int parameters) {
        assertTrue(fit.converged(), c + " converged");
        assertEquals(parameters, fit.parameterCount());
        assertEquals(467, fit.subjects());
        assertEquals(1405, fit.nobs());
        assertClose(c.number("logLik"), fit.logLik(), 1e-4, c + " logLik");
        assertClose(c.number("AIC"), fit.aic(), 1e-4, c + " AIC");
        assertClose(c.number("BIC"), fit.bic(), 1e-4, c + " BIC");
        // BIC counts subjects (JM), not measurements
        assertClose(-2 * fit.logLik() + Math.log(467) * parameters, fit.bic(), 1e-12, c + " BIC uses subjects");
        coefficients(c, "longitudinal", fit.longitudinal());
        coefficients(c, "event", fit.event());
        // no SEs for D and sigma: see the class comment for 5e-3
        assertClose(c.number("sigma"), fit.sigma(), 1e-3, c + " sigma");
        double[][] d = matrix(c, "random_effects_covariance");
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                assertClose(d[a][b], fit.randomEffectsCovariance()[a][b], 5e-3, c + " D[" + a + "][" + b + "]");
            }
        }
    }

    private static void coefficients(ReferenceCase c, String field, List<JointCoefficient> actual) {
        List<JsonObject> expected = c.objects(field);
        assertEquals(expected.size(), actual.size(), c + " " + field);
        Map<String, JointCoefficient> byTerm = new HashMap<>();
        actual.forEach(a -> byTerm.put(a.term(), a));
        for (JsonObject e : expected) {
            String term = e.get("term").getAsString();
            JointCoefficient a = byTerm.get(term);
            String what = c + " " + field + " " + term;
            assertTrue(a != null, what + " present");
            double se = e.get("se").getAsDouble();
            // 1e-3 relative or 0.1 SE: JM's estimates are up to 0.07 SE short of the maximum (class comment)
            double est = e.get("estimate").getAsDouble();
            assertEquals(est, a.estimate(), Math.max(1e-3 * Math.abs(est), 0.1 * se), what + " estimate");
            assertClose(se, a.se(), 2e-2, what + " se");
            // z follows from estimate and se: 0.1 from the estimate, 2e-2 relative from the se
            double z = e.get("z").getAsDouble();
            assertEquals(z, a.z(), 0.1 + 2e-2 * Math.abs(z), what + " z");
            assertClose(a.estimate() / a.se(), a.z(), 1e-12, what + " z = estimate / se");
            assertClose(Erf.erfc(Math.abs(a.z()) / Math.sqrt(2)), a.p(), 1e-12, what + " p = 2 Phi(-|z|)");
        }
    }

    @Test
    void randomEffectsArePerSubjectModesNearThePosteriorMeans() {
        assertEquals(467, weibull.ranef().size());
        assertEquals(List.of("(Intercept)", "obstime"), weibull.randomEffectNames());
        double sd0 = Math.sqrt(weibull.randomEffectsCovariance()[0][0]);
        double sd1 = Math.sqrt(weibull.randomEffectsCovariance()[1][1]);
        double mean0 = 0;
        for (SubjectRandomEffects s : weibull.ranef()) {
            // the posterior is close to normal, so mode and mean differ by a small fraction of the random-effect SD
            assertEquals(s.posteriorMean()[0], s.mode()[0], 0.1 * sd0, "subject " + s.subject() + " intercept");
            assertEquals(s.posteriorMean()[1], s.mode()[1], 0.2 * sd1, "subject " + s.subject() + " slope");
            mean0 += s.mode()[0] / weibull.ranef().size();
        }
        assertEquals(0, mean0, 0.1 * sd0, "modes centred near 0");
        assertEquals("1", weibull.ranef().get(0).subject());
    }

    @Test
    void dynamicPredictionsAreConditionalSurvivalProbabilities() {
        List<SurvivalPrediction> preds = weibull.predictions();
        assertTrue(preds.size() > 467, "at least one horizon per subject");
        SurvivalPrediction previous = null;
        for (SurvivalPrediction p : preds) {
            assertTrue(p.horizon() > p.lastTime(), "horizons after the last measurement only");
            assertTrue(p.probability() > 0 && p.probability() < 1, p.toString());
            if (previous != null && previous.subject().equals(p.subject())) {
                assertTrue(p.probability() < previous.probability(), "decreasing in the horizon: " + p);
            }
            previous = p;
        }
        // subject 1: measurements at 0, 6, 12 months, censored at 16.97: only u = 18 is after t = 12
        List<SurvivalPrediction> one = preds.stream().filter(p -> p.subject().equals("1")).toList();
        assertEquals(1, one.size());
        assertEquals(12.0, one.get(0).lastTime());
        assertEquals(18.0, one.get(0).horizon());
    }

    /**
     * The first-order prediction of subject 3 (ddI; sqrt CD4 3.46, 3.61, 6.16 at months 0, 2, 6) recomputed
     * independently: the posterior mode by Nelder-Mead on the log posterior with the cumulative hazard by Simpson's
     * rule on 4000 panels, then exp(-(H(u) - H(t))). The 15-point Gauss-Kronrod rule of the engine integrates the
     * Weibull hazard over [6, u] to about 1e-10; 1e-6 allows for the Nelder-Mead mode.
     */
    @Test
    void predictionOfSubjectThreeRecomputedIndependently() {
        double[] beta = weibull.longitudinal().stream().mapToDouble(JointCoefficient::estimate).toArray();
        double g0 = weibull.eventCoefficient("(Intercept)").estimate();
        double g1 = weibull.eventCoefficient("drugddI").estimate();
        double alpha = weibull.eventCoefficient("Assoct").estimate();
        double shape = Math.exp(weibull.eventCoefficient("log(shape)").estimate());
        double sigma = weibull.sigma();
        double[][] dInv = org.mixedmodels.engine.linalg.SmallMatrices.inverseSpd(weibull.randomEffectsCovariance());
        double[] times = {0, 2, 6};
        double[] y = {3.4641016151, 3.6055512755, 6.164414003};
        java.util.function.BiFunction<double[], Double, Double> hazard = (b, s) -> shape * Math.pow(s, shape - 1)
                * Math.exp(g0 + g1 + alpha * (beta[0] + b[0] + (beta[1] + beta[2] + b[1]) * s));
        java.util.function.BiFunction<double[], double[], Double> cumulative = (b, range) -> {
            int panels = 4000;
            double h = (range[1] - range[0]) / panels;
            double sum = 0;
            for (int k = 0; k < panels; k++) {
                double a = range[0] + k * h;
                sum += h / 6 * (hazard.apply(b, Math.max(a, 1e-300)) + 4 * hazard.apply(b, a + h / 2)
                        + hazard.apply(b, a + h));
            }
            return sum;
        };
        org.apache.commons.math3.analysis.MultivariateFunction logPost = b -> {
            double f = 0;
            for (int j = 0; j < 3; j++) {
                double r = y[j] - (beta[0] + b[0] + (beta[1] + beta[2] + b[1]) * times[j]);
                f -= 0.5 * r * r / (sigma * sigma);
            }
            f -= cumulative.apply(b, new double[] {0, 6});
            f -= 0.5 * (b[0] * (dInv[0][0] * b[0] + dInv[0][1] * b[1]) + b[1] * (dInv[1][0] * b[0] + dInv[1][1] * b[1]));
            return f;
        };
        var optimum = new org.apache.commons.math3.optim.nonlinear.scalar.noderiv.SimplexOptimizer(1e-14, 1e-14)
                .optimize(new org.apache.commons.math3.optim.MaxEval(20000),
                        new org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction(logPost),
                        org.apache.commons.math3.optim.nonlinear.scalar.GoalType.MAXIMIZE,
                        new org.apache.commons.math3.optim.InitialGuess(new double[] {-3, 0}),
                        new org.apache.commons.math3.optim.nonlinear.scalar.noderiv.NelderMeadSimplex(
                                new double[] {0.5, 0.05}));
        double[] mode = optimum.getPoint();
        for (double u : new double[] {12, 18}) {
            double expected = Math.exp(-cumulative.apply(mode, new double[] {6, u}));
            SurvivalPrediction p = weibull.predictions().stream()
                    .filter(x -> x.subject().equals("3") && x.horizon() == u).findFirst().orElseThrow();
            assertEquals(6.0, p.lastTime());
            assertEquals(expected, p.probability(), 1e-6, "subject 3, u = " + u);
        }
    }
}
