package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.engine.testing.SasListing;

/**
 * The structures arma11, sp_gau, sp_gau_nugget, sp_exp_nugget (nlme 3.1-162 gls), toeph (glmmTMB 1.1.5, with
 * nlme's fit of the same model as cross-check) and adh (SAS PROC MIXED ANTE(1)) against their references.
 * Tolerances as {@link ResidualCovarianceReferenceTest}: log-likelihood 1e-7 relative, coefficients 1e-6 of
 * their SE, SEs 1e-5, covariance parameters 1e-4 (nlme stops its optimizer where the flat likelihood leaves
 * those digits free), except where stated.
 */
class ResidualStructureReferenceTest {

    private static FitResult fit(ReferenceCase c) {
        Map<String, String> references = c.json().has("reference_levels") && c.json().get("reference_levels").isJsonObject()
                ? new com.google.gson.Gson().fromJson(c.json().get("reference_levels"),
                        new com.google.gson.reflect.TypeToken<Map<String, String>>() { }.getType())
                : Map.of();
        String formula = c.string("formula") + " + " + c.string("residual");
        if (c.name().contains("nugget")) {
            formula = formula.replace("sp_exp(", "sp_exp_nugget(").replace("sp_gau(", "sp_gau_nugget(");
        }
        return LinearMixedModel.fit(formula, c.data(), new FitOptions(FitOptions.Method.REML, references));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fev_gls_arma11", "ctime_gls_gaus", "ctime_gls_gaus_nugget", "ctime_gls_exp_nugget"})
    void matchesNlmeGls(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult r = fit(c);
        assertClose(c.number("logLik"), r.logLik(), 1e-7, "logLik");
        assertClose(c.number("AIC"), r.aic(), 1e-7, "AIC");
        assertClose(c.number("BIC"), r.bic(), 1e-7, "BIC");
        assertClose(c.number("sigma"), r.sigma(), 1e-5, "sigma");
        assertFixed(c.objects("fixed"), r, "se", 1e-6);
        JsonObject rs = c.json().getAsJsonObject("residual_structure");
        JsonObject parms = rs.getAsJsonObject("parameters");
        Map<String, Object> d = r.residual().description();
        switch (name) {
            case "fev_gls_arma11" -> {
                assertClose(parms.get("Phi1").getAsDouble(), (Double) d.get("phi"), 1e-4, "Phi1");
                assertClose(parms.get("Theta1").getAsDouble(), (Double) d.get("theta"), 1e-4, "Theta1");
                assertClose(rs.getAsJsonObject("sas_parameters").get("gamma").getAsDouble(), (Double) d.get("gamma"),
                        1e-4, "gamma");
                assertMatrix(rs.getAsJsonArray("covariance"), r.residual().covariance(r.sigma()), "covariance");
            }
            case "ctime_gls_gaus" ->
                // nlme's range: correlation exp(-(d / range)^2), so phi (the correlation at distance 1) = exp(-1 / range^2)
                assertClose(Math.exp(-1 / Math.pow(parms.get("range").getAsDouble(), 2)), (Double) d.get("phi"), 1e-4,
                        "phi");
            case "ctime_gls_gaus_nugget" -> {
                assertClose(Math.exp(-1 / Math.pow(parms.get("range").getAsDouble(), 2)), (Double) d.get("phi"), 1e-4,
                        "phi");
                assertClose(parms.get("nugget").getAsDouble(), (Double) d.get("nugget"), 1e-4, "nugget");
            }
            case "ctime_gls_exp_nugget" -> {
                assertClose(rs.get("phi").getAsDouble(), (Double) d.get("phi"), 1e-4, "phi");
                assertClose(parms.get("nugget").getAsDouble(), (Double) d.get("nugget"), 1e-4, "nugget");
            }
            default -> throw new AssertionError(name);
        }
        if (rs.has("covariance_first_subject") && rs.get("covariance_first_subject").isJsonArray()) {
            int[] rows = r.design().residual().rowsBySubject()[0];
            int[] position = new int[rows.length];
            double[] time = new double[rows.length];
            for (int j = 0; j < rows.length; j++) {
                position[j] = r.design().residual().position()[rows[j]];
                time[j] = r.design().residual().time()[rows[j]];
            }
            assertMatrix(rs.getAsJsonArray("covariance_first_subject"), r.residual().covariance(position, time, r.sigma()),
                    "covariance of the first subject");
        }
    }

    @Test
    void heterogeneousToeplitzMatchesGlmmTmbAndNlme() {
        ReferenceCase c = ReferenceCase.load("fev_toeph_glmmtmb");
        FitResult r = fit(c);
        JsonObject nlme = c.json().getAsJsonObject("nlme_cross_check");
        // glmmTMB stops short ("false convergence"); nlme's fit of the same model reaches a higher REML
        // log-likelihood, which ours matches; ours is at least glmmTMB's exact REML log-likelihood
        assertClose(nlme.get("logLik").getAsDouble(), r.logLik(), 1e-8, "logLik (nlme)");
        assertTrue(r.logLik() >= c.number("logLik_exact") - 1e-9 * Math.abs(r.logLik()), "at least glmmTMB's");
        // coefficients and SEs to nlme's at the usual tolerances; to glmmTMB's plug-in SEs to 1e-3 (its optimum
        // differs from nlme's by 8e-4 relative in the covariance)
        assertFixed(c.objects("fixed"), r, "se_plugin", 1e-2);
        for (JsonObject f : c.objects("fixed")) {
            int i = r.design().fixed().names().indexOf(f.get("term").getAsString());
            assertClose(f.get("se_plugin").getAsDouble(), r.fixedEffects().get(i).se(), 1e-3, "glmmTMB se " + f);
        }
        JsonArray cov = nlme.getAsJsonArray("covariance");
        double[][] ours = r.residual().covariance(r.sigma());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double scale = Math.sqrt(ours[i][i] * ours[j][j]);
                assertClose(cov.get(i).getAsJsonArray().get(j).getAsDouble(), ours[i][j], 1e-4, scale, "cov " + i + j);
            }
        }
        for (JsonObject f : nlme.getAsJsonArray("fixed").asList().stream().map(e -> e.getAsJsonObject()).toList()) {
            int i = r.design().fixed().names().indexOf(f.get("term").getAsString());
            double se = f.get("se").getAsDouble();
            assertClose(f.get("estimate").getAsDouble(), r.beta()[i], 1e-4, se, "nlme estimate " + f.get("term"));
            assertClose(se, r.fixedEffects().get(i).se(), 1e-4, "nlme se " + f.get("term"));
        }
    }

    /**
     * SAS PROC MIXED TYPE=ANTE(1) on fev_data (listing sas_adh_reml.txt): -2 REML log-likelihood to 1e-6 relative
     * of the iteration history's 3713.49317786, variances to 1e-4 relative (or half a unit of their last printed
     * digit), Rho(j) to 1e-4 absolute, the intercept to 1e-4, its SE as printed and its Satterthwaite df within
     * the printed integer's rounding.
     */
    @Test
    void anteDependenceMatchesSasAnte1() {
        SasListing sas = SasListing.load("sas_adh_reml.txt");
        FitResult r = LinearMixedModel.fit("FEV1 ~ 1 + adh(AVISIT | USUBJID)",
                CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv")), FitOptions.reml());
        assertClose(3713.49317786, r.objective(), 1e-6, "-2 REML log-likelihood");
        Map<String, Double> parms = sas.covarianceParameters();
        double[][] cov = r.residual().covariance(r.sigma());
        double[] rho = (double[]) r.residual().description().get("rho");
        for (int j = 0; j < 4; j++) {
            double expected = parms.get("Var(" + (j + 1) + ")");
            assertClose(expected, cov[j][j], Math.max(1e-4, halfDigit(expected)), "Var(" + (j + 1) + ")");
        }
        for (int j = 0; j < 3; j++) {
            double expected = parms.get("Rho(" + (j + 1) + ")");
            // correlations to 1e-4 of their scale 1 (SAS prints 4 decimals and stops where the likelihood is flat)
            assertClose(expected, rho[j], 1e-4, 1.0, "Rho(" + (j + 1) + ")");
        }
        List<SasListing.Row> solution = sas.table("Solution for Fixed Effects", 5);
        assertEquals(1, solution.size());
        assertClose(solution.get(0).numbers()[0], r.beta()[0], 1e-4, "intercept");
        assertClose(solution.get(0).numbers()[1], r.fixedEffects().get(0).se(), halfDigit(0.3529), "intercept se");
        // Satterthwaite df, printed by SAS as an integer: within half a unit
        double df = FixedEffectsInference.of(r).coefficients().get(0).df();
        assertTrue(Math.abs(df - solution.get(0).numbers()[2]) <= 0.5, "intercept df " + df);
    }

    /**
     * nlme's {@code lme(..., random = ~ 1 | Subject, weights = varIdent(form = ~ 1 | Sex))} as
     * {@code (1 | Subject) + varident(Sex | Subject)}: log-likelihood and criteria 1e-7, coefficients 1e-6 of their
     * SE, SEs 1e-5, sigma, the SD ratio and the random-intercept variance 1e-4 (nlme's optimizer, as above).
     */
    @Test
    void varIdentWithRandomInterceptMatchesNlme() {
        ReferenceCase c = ReferenceCase.load("orthodont_varident");
        FitResult r = LinearMixedModel.fit(c.string("formula") + " + varident(Sex | Subject)", c.data(),
                FitOptions.reml());
        assertClose(c.number("logLik"), r.logLik(), 1e-7, "logLik");
        assertClose(c.number("AIC"), r.aic(), 1e-7, "AIC");
        assertClose(c.number("BIC"), r.bic(), 1e-7, "BIC");
        assertClose(c.number("sigma"), r.sigma(), 1e-4, "sigma");
        assertFixed(c.objects("fixed"), r, "se", 1e-6);
        Map<?, ?> ratios = (Map<?, ?>) r.residual().description().get("sd_ratios");
        assertEquals(1.0, (Double) ratios.get("Female"));
        assertClose(c.json().getAsJsonObject("variance_function").getAsJsonObject("sd_ratios").get("Male").getAsDouble(),
                (Double) ratios.get("Male"), 1e-4, "SD ratio Male / Female");
        double expected = c.json().getAsJsonArray("random_effect_variances").get(0).getAsJsonObject()
                .getAsJsonArray("covariance").get(0).getAsJsonArray().get(0).getAsDouble();
        assertClose(expected, r.varCorr().get(0).vcov(), 1e-4, "random intercept variance");
        // Satterthwaite's df exist (the variance function is one more variance parameter)
        FixedEffectsInference inference = FixedEffectsInference.of(r);
        assertTrue(inference.coefficients().get(0).df() > 20);
    }

    /** Half a unit of the last of 4 significant printed digits, relative. */
    private static double halfDigit(double printed) {
        double unit = Math.pow(10, Math.floor(Math.log10(Math.abs(printed))) - 3);
        return 0.5 * unit / Math.abs(printed);
    }

    private static void assertFixed(List<JsonObject> fixed, FitResult r, String seField, double estimateTolerance) {
        List<String> names = r.design().fixed().names();
        for (JsonObject f : fixed) {
            int i = names.indexOf(f.get("term").getAsString());
            assertTrue(i >= 0, "no coefficient " + f.get("term") + " in " + names);
            double se = f.get(seField).getAsDouble();
            assertClose(f.get("estimate").getAsDouble(), r.beta()[i], estimateTolerance, se, f.get("term") + " estimate");
            if (seField.equals("se")) {
                assertClose(se, r.fixedEffects().get(i).se(), 1e-5, f.get("term") + " se");
            }
        }
    }

    private static void assertMatrix(JsonArray expected, double[][] ours, String what) {
        for (int i = 0; i < ours.length; i++) {
            for (int j = 0; j < ours.length; j++) {
                double scale = Math.sqrt(ours[i][i] * ours[j][j]);
                assertClose(expected.get(i).getAsJsonArray().get(j).getAsDouble(), ours[i][j], 1e-4, scale,
                        what + " [" + i + "][" + j + "]");
            }
        }
    }
}
