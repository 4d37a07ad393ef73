package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * CR0 and CR2 sandwich covariances clustered by subject and clubSandwich's Satterthwaite df against clubSandwich
 * 0.5.8 (on nlme gls with unstructured covariance, and on lme with random slopes). Tolerances: the covariance
 * matrix 1e-4 of sqrt(V_ii V_jj) and SEs 1e-4 relative (the robust covariance is evaluated at nlme's estimates,
 * which nlme's optimizer leaves free in about the 5th digit on fev_data, see ResidualCovarianceReferenceTest),
 * df 1e-3 relative (the README's df tolerance is 1e-2), Wald chi-square and HTZ F 1e-3 relative, HTZ p 1e-2
 * relative (p of F = 77 on 80 df is 1e-23: its relative error is the F's times about 50).
 */
class RobustCovarianceTest {

    private static FitResult fit(ReferenceCase c) {
        Map<String, String> references = c.json().has("reference_levels") ? Map.of("SEX", "Male") : Map.of();
        String formula = c.string("formula") + (c.json().get("residual").isJsonNull() ? "" : " + " + c.string("residual"));
        return LinearMixedModel.fit(formula, c.data(), new FitOptions(FitOptions.Method.REML, references));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fev_gls_us_robust", "sleepstudy_lme_robust"})
    void matchesClubSandwich(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        List<String> names = fit.design().fixed().names();
        for (JsonObject robust : c.objects("robust")) {
            CovarianceType type = robust.get("type").getAsString().equals("CR0") ? CovarianceType.EMPIRICAL
                    : CovarianceType.EMPIRICAL_CR2;
            RobustCovariance rc = new RobustCovariance(fit, type);
            assertEquals(c.number("nclusters"), rc.clusters());
            double[][] ours = rc.covariance();
            JsonArray terms = robust.getAsJsonArray("terms");
            JsonArray vcov = robust.getAsJsonArray("vcov");
            for (int i = 0; i < terms.size(); i++) {
                int a = names.indexOf(terms.get(i).getAsString());
                for (int j = 0; j < terms.size(); j++) {
                    int b = names.indexOf(terms.get(j).getAsString());
                    assertClose(vcov.get(i).getAsJsonArray().get(j).getAsDouble(), ours[a][b], 1e-4,
                            Math.sqrt(ours[a][a] * ours[b][b]), type + " vcov " + terms.get(i) + "," + terms.get(j));
                }
            }
            FixedEffectsInference inference = FixedEffectsInference.of(fit, DfMethod.SATTERTHWAITE, 0.95, type);
            assertEquals(type, inference.covariance());
            for (JsonObject t : robust.getAsJsonArray("coef_test").asList().stream().map(e -> e.getAsJsonObject())
                    .toList()) {
                int a = names.indexOf(t.get("term").getAsString());
                CoefficientTest ours2 = inference.coefficients().get(a);
                assertClose(t.get("se").getAsDouble(), ours2.se(), 1e-4, type + " se " + t.get("term"));
                assertClose(t.get("df_satterthwaite").getAsDouble(), ours2.df(), 1e-3, type + " df " + t.get("term"));
            }
        }
        if (c.json().has("robust_wald_tests_cr2")) {
            // clubSandwich's Wald_test of the term's coefficients = 0 (with the interaction in the model, a simple
            // effect, not the Type III hypothesis): the chi-square with the CR2 covariance
            LinearContrasts contrasts = LinearContrasts.of(fit, DfMethod.SATTERTHWAITE, CovarianceType.EMPIRICAL_CR2);
            for (JsonObject w : c.objects("robust_wald_tests_cr2")) {
                JsonArray coefficients = w.getAsJsonArray("coefficients");
                double[][] l = new double[coefficients.size()][names.size()];
                for (int i = 0; i < l.length; i++) {
                    l[i][names.indexOf(coefficients.get(i).getAsString())] = 1;
                }
                ContrastTest ours = contrasts.test(l);
                JsonObject chisq = w.getAsJsonObject("chisq");
                assertEquals(chisq.get("df").getAsInt(), ours.numDf(), w.get("term") + " df");
                assertClose(chisq.get("chisq").getAsDouble(), ours.f() * ours.numDf(), 1e-3, w.get("term") + " chisq");
                // clubSandwich's HTZ test (Wald_test(..., test = "HTZ")) with the CR2 sandwich
                ContrastTest htz = new RobustCovariance(fit, CovarianceType.EMPIRICAL_CR2).htzTest(l, fit.beta());
                JsonObject expected = w.getAsJsonObject("htz");
                assertEquals(expected.get("numdf").getAsInt(), htz.numDf(), w.get("term") + " HTZ num df");
                assertClose(expected.get("dendf").getAsDouble(), htz.denDf(), 1e-3, w.get("term") + " HTZ den df");
                assertClose(expected.get("F").getAsDouble(), htz.f(), 1e-3, w.get("term") + " HTZ F");
                assertClose(expected.get("p").getAsDouble(), htz.p(), 1e-2, w.get("term") + " HTZ p");
            }
        }
    }
}
