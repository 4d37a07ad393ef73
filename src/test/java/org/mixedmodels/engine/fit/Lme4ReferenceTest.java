package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Every lme4 case of the reference set (R 4.2.2, lme4 1.1-31; see the resources' README), fitted
 * and compared quantity by quantity at the README's tolerances:
 * estimates and log-likelihoods 1e-6 relative, standard errors 1e-5, BLUPs 1e-5 of the term's SD.
 */
class Lme4ReferenceTest {
    /** Fits are cached once per run: several tests read the same fit. */
    private static final Map<String, FitResult> FITS = new ConcurrentHashMap<>();

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream();
    }

    static FitResult fit(ReferenceCase c) {
        return FITS.computeIfAbsent(c.name(), n -> {
            Map<String, String> refs = new HashMap<>();
            JsonElement r = c.json().get("reference_levels");
            if (r != null && r.isJsonObject()) {
                r.getAsJsonObject().entrySet().forEach(e -> refs.put(e.getKey(), e.getValue().getAsString()));
            }
            FitOptions.Method method = "ML".equals(c.string("method")) ? FitOptions.Method.ML : FitOptions.Method.REML;
            return LinearMixedModel.fit(c.string("formula"), c.data(), new FitOptions(method, refs));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fitStatistics(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        assertEquals(c.json().get("nobs").getAsInt(), fit.nobs(), "nobs");
        Map<String, Integer> expectedGroups = new HashMap<>();
        c.json().getAsJsonObject("ngroups").entrySet().forEach(e -> expectedGroups.put(e.getKey(), e.getValue().getAsInt()));
        assertEquals(expectedGroups, new HashMap<>(fit.ngroups()), "ngroups");
        assertEquals(c.json().get("singular").getAsBoolean(), fit.singular(), "singular");
        assertClose(c.number("sigma"), fit.sigma(), 1e-6, "sigma");
        assertClose(c.number("logLik"), fit.logLik(), 1e-6, "logLik");
        assertClose(c.number("objective"), fit.objective(), 1e-6, "objective");
        assertClose(c.number("AIC"), fit.aic(), 1e-6, "AIC");
        assertClose(c.number("BIC"), fit.bic(), 1e-6, "BIC");
    }

    /**
     * Theta to 1e-5 (on the scale of max(|theta|, 1)): lme4's optimizer (nloptwrap BOBYQA) stops at
     * its own tolerances, so its theta is itself only that close to the optimum, where the objective
     * is flat; the quantities derived from theta are checked at the README's tolerances above.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theta(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        double[] expected = c.numbers("theta");
        assertEquals(expected.length, fit.theta().length, "theta length");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], fit.theta()[i], 1e-5, 1.0, "theta[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fixedEffects(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        List<JsonObject> expected = c.objects("fixed");
        assertEquals(expected.size(), fit.fixedEffects().size(), "number of coefficients");
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            FixedEffect f = fit.fixedEffects().get(i);
            assertEquals(e.get("term").getAsString(), f.term(), "coefficient name");
            double se = e.get("se").getAsDouble();
            assertClose(e.get("estimate").getAsDouble(), f.estimate(), 1e-6, se, f.term() + " estimate");
            assertClose(se, f.se(), 1e-5, f.term() + " se");
            assertClose(e.get("t").getAsDouble(), f.t(), 1e-5, 1.0, f.term() + " t");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void varianceComponents(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        List<JsonObject> expected = c.objects("varcorr");
        assertEquals(expected.size(), fit.varCorr().size(), "variance component rows");
        double residualVar = fit.sigma() * fit.sigma();
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            VarCorrRow v = fit.varCorr().get(i);
            String what = v.group() + " " + v.var1() + " " + v.var2();
            assertEquals(e.get("group").getAsString(), v.group(), "group of row " + i);
            assertEquals(text(e.get("var1")), v.var1(), "var1 of row " + i);
            assertEquals(text(e.get("var2")), v.var2(), "var2 of row " + i);
            // Variances relative to the residual variance as floor: a variance of 0 (singular fit) has no scale of its own.
            assertClose(e.get("vcov").getAsDouble(), v.vcov(), 1e-5, residualVar * 1e-3, what + " vcov");
            if (v.var2() == null) {
                assertClose(e.get("sdcor").getAsDouble(), v.sdcor(), 1e-5, fit.sigma() * 1e-2, what + " sd");
            } else {
                // Correlations: 1e-4, the README's tolerance where the optimum is flat.
                assertClose(e.get("sdcor").getAsDouble(), v.sdcor(), 1e-4, 1.0, what + " correlation");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conditionalModes(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        Map<String, RandomEffect> byKey = new HashMap<>();
        fit.randomEffects().forEach(r -> byKey.put(r.group() + "|" + r.term() + "|" + r.level(), r));
        List<JsonObject> expected = c.objects("ranef");
        assertEquals(expected.size(), fit.randomEffects().size(), "number of conditional modes");
        for (JsonObject e : expected) {
            String key = e.get("group").getAsString() + "|" + e.get("term").getAsString() + "|" + e.get("level").getAsString();
            RandomEffect r = byKey.get(key);
            assertNotNull(r, "conditional mode " + key);
            double scale = termSd(fit, r.group(), r.term());
            assertClose(e.get("value").getAsDouble(), r.value(), 1e-5, scale, key + " value");
            assertClose(e.get("condsd").getAsDouble(), r.condsd(), 1e-5, scale, key + " condsd");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fittedValues(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = fit(c);
        double[] cond = c.numbers("fitted_conditional_first");
        double[] pop = c.numbers("fitted_population_first");
        for (int i = 0; i < cond.length; i++) {
            assertClose(cond[i], fit.fittedConditional()[i], 1e-6, fit.sigma(), "conditional fitted " + i);
            assertClose(pop[i], fit.fittedPopulation()[i], 1e-6, fit.sigma(), "population fitted " + i);
        }
    }

    private static double termSd(FitResult fit, String group, String term) {
        double sd = fit.varCorr().stream()
                .filter(v -> v.group().startsWith(group) && Objects.equals(v.var1(), term) && v.var2() == null)
                .mapToDouble(VarCorrRow::sdcor).max().orElse(0);
        return sd > 0 ? sd : fit.sigma();
    }

    private static String text(JsonElement e) {
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
