package org.mixedmodels.engine.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The residuals against R (src/test/resources/diagnostics/generate-diagnostics.R: lme4 for the sleep study, nlme's
 * lme with AR(1) for QTcF, nlme's gls with an unstructured covariance for the MMRM).
 */
class DiagnosticsReferenceTest {

    static JsonObject references() {
        try (var in = DiagnosticsReferenceTest.class.getResourceAsStream("/diagnostics/residual-references.json")) {
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static FitResult fit(JsonObject c) {
        FitOptions options = FitOptions.reml();
        if (c.has("level_order")) {
            List<String> order = new ArrayList<>();
            c.getAsJsonArray("level_order").forEach(e -> order.add(e.getAsString()));
            options = options.withLevelOrders(Map.of("visit", order));
        }
        return LinearMixedModel.fit(c.get("formula").getAsString(), ReferenceCase.data(c.get("data").getAsString()),
                options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy", "qtcf_ri_ar1", "mmrm_us"})
    void residualsMatchR(String name) {
        JsonObject c = references().getAsJsonObject(name);
        FitResult fit = fit(c);
        Residuals r = Residuals.of(fit);
        assertEquals(c.getAsJsonArray("marginal").size(), r.size(), "every row used");
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
        // The fits agree with R to about 1e-6 relative (the optimum; 1e-4 of an SE for the MMRM's flat likelihood,
        // see ResidualCovarianceReferenceTest); residuals of size 1 (standardized) or sigma (raw) inherit that: up to 1e-5 of sigma seen.
        double sd = fit.sigma();
        compare(c.getAsJsonArray("marginal"), r.marginalRaw(), 1e-4 * sd, "marginal residual");
        compare(c.getAsJsonArray("pearson"), r.pearson(), 1e-4, "conditional Pearson");
        compare(c.getAsJsonArray("normalized"), r.normalized(), 1e-4, "normalized (nlme)");
        compare(c.getAsJsonArray("marginal_pearson"), r.marginalPearson(), 1e-4, "marginal Pearson (SAS)");
        compare(c.getAsJsonArray("scaled"), r.scaled(), 1e-4, "scaled (SAS VCIRY)");
        for (int i = 0; i < r.size(); i++) {
            assertEquals(r.observed()[i] - r.fitted()[i], r.raw()[i], 1e-12 * Math.abs(r.observed()[i]), "raw = y - fitted");
            assertEquals(r.observed()[i] - r.fittedMarginal()[i], r.marginalRaw()[i], 1e-12 * Math.abs(r.observed()[i]),
                    "marginal = y - X beta");
            assertEquals(fit.residuals()[i], r.raw()[i], 1e-9 * sd, "the fit's own residuals");
        }
    }

    private static void compare(JsonArray expected, double[] actual, double absolute, String what) {
        for (int i = 0; i < expected.size(); i++) {
            assertClose(expected.get(i).getAsDouble(), actual[i], 1e-6, absolute / 1e-6, what + " [" + i + "]");
        }
    }
}
