package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * lme4 1.1-31's confint(m) (profile) and confint(m, method = "Wald") at 95%. Profile ends to 1e-3
 * relative (README; lme4 interpolates its profile with splines, we solve for the root), Wald to 1e-6.
 */
class ProfileLikelihoodTest {

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_confint", "dyestuff_confint"})
    void profileIntervalsMatchLme4(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        List<ConfidenceInterval> profile = ProfileLikelihood.intervals(fit, 0.95);
        List<JsonObject> expected = c.objects("profile");
        assertEquals(expected.size(), profile.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            ConfidenceInterval ci = profile.get(i);
            assertEquals(e.get("parameter").getAsString(), ci.parameter());
            // scale 0.1: a correlation's bound near 0 is compared on the correlation scale.
            assertClose(e.get("lower").getAsDouble(), ci.lower(), 1e-3, 0.1, ci.parameter() + " lower");
            assertClose(e.get("upper").getAsDouble(), ci.upper(), 1e-3, 0.1, ci.parameter() + " upper");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_confint", "dyestuff_confint"})
    void waldIntervalsMatchLme4(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        List<ConfidenceInterval> wald = ProfileLikelihood.waldIntervals(fit, 0.95);
        List<JsonObject> expected = c.objects("wald");
        assertEquals(expected.size(), wald.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            ConfidenceInterval ci = wald.get(i);
            if (e.get("lower").isJsonNull()) {
                assertTrue(Double.isNaN(ci.lower()) && Double.isNaN(ci.upper()), ci.parameter());
            } else {
                assertEquals(e.get("parameter").getAsString(), ci.parameter());
                assertClose(e.get("lower").getAsDouble(), ci.lower(), 1e-6, ci.parameter() + " lower");
                assertClose(e.get("upper").getAsDouble(), ci.upper(), 1e-6, ci.parameter() + " upper");
            }
        }
    }
}
