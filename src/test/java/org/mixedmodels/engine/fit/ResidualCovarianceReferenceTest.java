package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;

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

    static FitResult fit(ReferenceCase c, Map<String, String> references) {
        String formula = c.string("formula") + " + " + c.string("residual");
        Design design = Design.build(FormulaParser.parse(formula), c.data(), references);
        return LinearMixedModel.fit(design, new FitOptions(FitOptions.Method.valueOf(c.string("method")),
                references));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qtcf_ri_ar1", "qtcf_ri_car1", "qtcf_gls_ar1", "mmrm_us"})
    void matchesNlme(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Map<String, String> references = name.equals("mmrm_us") ? Map.of("visit", "WEEK2") : Map.of();
        FitResult r = fit(c, references);
        List<String> fixedNames = r.design().fixed().names();
        assertClose(c.number("logLik"), r.logLik(), 1e-7, "logLik");
        assertClose(c.number("AIC"), r.aic(), 1e-7, "AIC");
        assertClose(c.number("BIC"), r.bic(), 1e-7, "BIC");
        assertClose(c.number("sigma"), r.sigma(), 1e-5, "sigma");
        // mmrm_us has 9 covariance parameters and a flat likelihood: our optimum is 4e-9 higher than nlme's, and
        // the coefficients still move by 6e-6 of their SE between the two optima.
        double estimateTolerance = name.equals("mmrm_us") ? 1e-4 : 1e-6;
        for (JsonObject f : c.objects("fixed")) {
            int i = fixedNames.indexOf(f.get("term").getAsString());
            assertTrue(i >= 0, "no coefficient " + f.get("term") + " in " + fixedNames);
            double se = f.get("se").getAsDouble();
            assertClose(f.get("estimate").getAsDouble(), r.beta()[i], estimateTolerance, se, f.get("term") + " estimate");
            assertClose(se, Math.sqrt(r.fixedCovariance()[i][i]), 1e-5, f.get("term") + " se");
        }
        // fitted values to 1e-6 relative; mmrm_us's to 1e-5 of sigma, as its coefficients (flat likelihood)
        double fittedScale = name.equals("mmrm_us") ? 10 * r.sigma() : 0;
        assertFitted(c.json().get("fitted_population_first"), r.fittedPopulation(), fittedScale, "population fitted");
        assertFitted(c.json().get("fitted_conditional_first"), r.fittedConditional(), fittedScale,
                "conditional fitted (BLUPs)");
        JsonElement phi = c.json().get("correlation_parameters");
        if (phi.isJsonObject()) {
            assertClose(phi.getAsJsonObject().get("Phi").getAsDouble(), (Double) r.residual().description().get("phi"),
                    1e-4, "phi");
        }
        JsonElement re = c.json().get("random_effect_variances");
        if (re.isJsonArray()) {
            double expected = re.getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("covariance").get(0)
                    .getAsJsonArray().get(0).getAsDouble();
            assertClose(expected, r.varCorr().get(0).vcov(), 1e-4, "random intercept variance");
        }
        if (name.equals("mmrm_us")) {
            JsonArray order = c.json().getAsJsonArray("visit_order");
            JsonArray full = c.json().getAsJsonArray("covariance_matrix_full_subject");
            double[][] cov = (double[][]) r.residual().description().get("covariance");
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

    /** Fitted values to 1e-6 of max(|value|, scale). */
    private static void assertFitted(JsonElement expected, double[] ours, double scale, String what) {
        if (!expected.isJsonArray()) {
            return;
        }
        JsonArray values = expected.getAsJsonArray();
        for (int i = 0; i < values.size(); i++) {
            assertClose(values.get(i).getAsDouble(), ours[i], 1e-6, scale, what + " [" + i + "]");
        }
    }

    @Test
    void randomInterceptOnlyMatchesNlmeLme() {
        // nlme's lme and lme4 maximize the same REML criterion; nlme's BIC counts n - p observations for REML
        ReferenceCase c = ReferenceCase.load("qtcf_ri_only_nlme");
        FitResult r = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        assertClose(c.number("logLik"), r.logLik(), 1e-7, "logLik");
        assertClose(c.number("AIC"), r.aic(), 1e-7, "AIC");
        int k = r.parameterCount();
        assertClose(c.number("BIC"), r.objective() + Math.log(r.nobs() - r.fixedEffects().size()) * k, 1e-7, "BIC");
        assertClose(c.number("sigma"), r.sigma(), 1e-5, "sigma");
        List<String> fixedNames = r.design().fixed().names();
        for (JsonObject f : c.objects("fixed")) {
            int i = fixedNames.indexOf(f.get("term").getAsString());
            double se = f.get("se").getAsDouble();
            assertClose(f.get("estimate").getAsDouble(), r.beta()[i], 1e-6, se, f.get("term") + " estimate");
            assertClose(se, r.fixedEffects().get(i).se(), 1e-5, f.get("term") + " se");
        }
        assertClose(46.731290389135, r.varCorr().get(0).vcov(), 1e-4, "random intercept variance");
        assertFitted(c.json().get("fitted_conditional_first"), r.fittedConditional(), 0, "conditional fitted");
    }

    @Test
    void mmrmLsMeansByArmWithinVisitMatchEmmeans() {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        FitResult r = fit(c, Map.of("visit", "WEEK2"));
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(r, List.of("arm", "visit"), DfMethod.SATTERTHWAITE, 0.95);
        List<JsonObject> expected = c.objects("lsmeans_satterthwaite");
        assertEquals(expected.size(), emm.means().size());
        for (JsonObject e : expected) {
            String label = e.get("arm").getAsString() + " " + e.get("visit").getAsString();
            EstimatedMarginalMeans.Mean m = emm.means().stream().filter(x -> x.level().equals(label)).findFirst()
                    .orElseThrow(() -> new AssertionError("no mean for " + label));
            double se = e.get("se").getAsDouble();
            // estimates to 1e-4 of the SE as the coefficients (flat likelihood, see matchesNlme)
            assertClose(e.get("estimate").getAsDouble(), m.estimate(), 1e-4, se, label + " estimate");
            assertClose(se, m.se(), 1e-5, label + " se");
            // 6e-2, not the README's 1e-2: emmeans estimates dcov(beta)/dparameters for gls by regressing on refits
            // to randomly perturbed responses (its gradV.kludge), which scatters its df by a few percent; our
            // Satterthwaite df for the same kind of model match SAS PROC MIXED's (SasMmrmParityTest).
            assertClose(e.get("df").getAsDouble(), m.df(), 6e-2, label + " df");
        }
    }

    @Test
    void randomEffectsMustShareTheResidualSubject() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_ar1");
        Design design = Design.build(FormulaParser.parse("QTcF ~ dose * time_h + (1 | dose) + ar1(visit | animal)"),
                c.data(), Map.of());
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> LinearMixedModel.fit(design, FitOptions.reml()));
        assertTrue(e.getMessage().contains("must be grouped by its subject"), e.getMessage());
    }

    @Test
    void unstructuredNeedsMoreSubjectsThanVisits() throws Exception {
        ReferenceCase c = ReferenceCase.load("qtcf_gls_ar1");
        // qtcf has 8 visits; keep 5 animals
        org.mixedmodels.engine.data.DataFrame data = c.data();
        java.util.Set<String> keep = new java.util.HashSet<>();
        org.mixedmodels.engine.data.Column animal = data.column("animal");
        StringBuilder csv = new StringBuilder("animal,dose,time_h,visit,QTcF\n");
        for (int i = 0; i < data.rowCount(); i++) {
            String a = animal.label(i);
            if (keep.size() < 5 || keep.contains(a)) {
                keep.add(a);
                csv.append(a).append(',').append(data.column("dose").label(i)).append(',')
                        .append(data.column("time_h").label(i)).append(',').append(data.column("visit").label(i))
                        .append(',').append(data.column("QTcF").label(i)).append('\n');
            }
        }
        org.mixedmodels.engine.data.DataFrame few = org.mixedmodels.engine.data.CsvReader.read(
                new java.io.StringReader(csv.toString()), "five animals");
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> LinearMixedModel.fit("QTcF ~ dose * time_h + us(visit | animal)", few, FitOptions.reml()));
        assertTrue(e.getMessage().contains("needs more subjects than visits; the data have 5"), e.getMessage());
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
        double ar1h = LinearMixedModel.fit(Design.build(FormulaParser.parse(base + "ar1h(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        double toep = LinearMixedModel.fit(Design.build(FormulaParser.parse(base + "toep(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        double us = LinearMixedModel.fit(Design.build(FormulaParser.parse(base + "us(visit | animal)"),
                c.data(), Map.of()), FitOptions.reml()).logLik();
        assertTrue(ar1h >= ar1 - 1e-6, ar1h + " < " + ar1);
        assertTrue(toep >= ar1 - 1e-6, toep + " < " + ar1);
        assertTrue(us >= toep - 1e-6, us + " < " + toep);
        assertEquals(8, ((double[][]) LinearMixedModel.fit(Design.build(FormulaParser.parse(base
                + "us(visit | animal)"), c.data(), Map.of()), FitOptions.reml()).residual().description().get("covariance"))
                .length);
    }
}
