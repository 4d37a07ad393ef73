package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Residual covariance structures against nlme 3.1-162 (lme and gls with corAR1, corCAR1, corSymm +
 * varIdent). Tolerances: log-likelihood and criteria 1e-7, coefficients 1e-6 of their SE, SEs 1e-5 (the
 * reference README); sigma 1e-5 and correlation parameters and variances 1e-4, because nlme stops its own
 * optimizer where the flat likelihood (about 1e-10 relative) leaves those digits free.
 */
class ResidualCovarianceReferenceTest {

    static ResidualCovarianceModel.Result fit(ReferenceCase c, Map<String, String> references) {
        String formula = c.string("formula") + " + " + c.string("residual");
        Design design = Design.build(FormulaParser.parse(formula), c.data(), references);
        return ResidualCovarianceModel.fit(design, new FitOptions(FitOptions.Method.valueOf(c.string("method")),
                references));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qtcf_ri_ar1", "qtcf_ri_car1", "qtcf_gls_ar1", "mmrm_us"})
    void matchesNlme(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Map<String, String> references = name.equals("mmrm_us") ? Map.of("visit", "WEEK2") : Map.of();
        ResidualCovarianceModel.Result r = fit(c, references);
        assertClose(c.number("logLik"), r.logLik(), 1e-7, "logLik");
        assertClose(c.number("AIC"), r.aic(), 1e-7, "AIC");
        assertClose(c.number("BIC"), r.bic(), 1e-7, "BIC");
        assertClose(c.number("sigma"), r.sigma(), 1e-5, "sigma");
        // mmrm_us has 9 covariance parameters and a flat likelihood: our optimum is 4e-9 higher than nlme's, and
        // the coefficients still move by 6e-6 of their SE between the two optima.
        double estimateTolerance = name.equals("mmrm_us") ? 1e-4 : 1e-6;
        for (JsonObject f : c.objects("fixed")) {
            int i = r.fixedNames().indexOf(f.get("term").getAsString());
            assertTrue(i >= 0, "no coefficient " + f.get("term") + " in " + r.fixedNames());
            double se = f.get("se").getAsDouble();
            assertClose(f.get("estimate").getAsDouble(), r.beta()[i], estimateTolerance, se, f.get("term") + " estimate");
            assertClose(se, Math.sqrt(r.betaCovariance()[i][i]), 1e-5, f.get("term") + " se");
        }
        JsonElement phi = c.json().get("correlation_parameters");
        if (phi.isJsonObject()) {
            assertClose(phi.getAsJsonObject().get("Phi").getAsDouble(), (Double) r.residualStructure().get("phi"),
                    1e-4, "phi");
        }
        JsonElement re = c.json().get("random_effect_variances");
        if (re.isJsonArray()) {
            double expected = re.getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("covariance").get(0)
                    .getAsJsonArray().get(0).getAsDouble();
            assertClose(expected, r.randomCovariance()[0][0], 1e-4, "random intercept variance");
        }
        if (name.equals("mmrm_us")) {
            JsonArray order = c.json().getAsJsonArray("visit_order");
            JsonArray full = c.json().getAsJsonArray("covariance_matrix_full_subject");
            double[][] cov = (double[][]) r.residualStructure().get("covariance");
            List<String> ours = List.of("WEEK2", "WEEK12", "WEEK4", "WEEK8"); // reference level first, then sorted
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    int a = ours.indexOf(order.get(i).getAsString());
                    int b = ours.indexOf(order.get(j).getAsString());
                    assertClose(full.get(i).getAsJsonArray().get(j).getAsDouble(), cov[a][b], 1e-4, 1.0,
                            "covariance " + order.get(i) + "," + order.get(j));
                }
            }
        }
    }

    @Test
    void randomEffectsMustShareTheResidualSubject() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_ar1");
        Design design = Design.build(FormulaParser.parse("QTcF ~ dose * time_h + (1 | dose) + ar1(visit | animal)"),
                c.data(), Map.of());
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> ResidualCovarianceModel.fit(design, FitOptions.reml()));
        assertTrue(e.getMessage().contains("must be grouped by its subject"), e.getMessage());
    }

    @Test
    void repeatedVisitWithinSubjectIsRefused() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_ar1");
        MixedModelException e = assertThrows(MixedModelException.class, () -> Design.build(
                FormulaParser.parse("QTcF ~ dose + ar1(dose | animal)"), c.data(), Map.of()));
        assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    }

    @Test
    void structuresWithFreeVariancesReduceToTheirSpecialCases() {
        // diag with equal variances is independence; ar1h/csh nest ar1/cs: their optimum is at least as good
        ReferenceCase c = ReferenceCase.load("qtcf_gls_ar1");
        double ar1 = fit(c, Map.of()).logLik();
        String base = c.string("formula") + " + ";
        double ar1h = ResidualCovarianceModel.fit(Design.build(FormulaParser.parse(base + "ar1h(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        double toep = ResidualCovarianceModel.fit(Design.build(FormulaParser.parse(base + "toep(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        double us = ResidualCovarianceModel.fit(Design.build(FormulaParser.parse(base + "us(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        assertTrue(ar1h >= ar1 - 1e-6, ar1h + " < " + ar1);
        assertTrue(toep >= ar1 - 1e-6, toep + " < " + ar1);
        assertTrue(us >= toep - 1e-6, us + " < " + toep);
        assertEquals(8, ((double[][]) ResidualCovarianceModel.fit(Design.build(FormulaParser.parse(base
                + "us(visit | animal)"), c.data(), Map.of()), FitOptions.reml()).residualStructure().get("covariance"))
                .length);
    }
}
