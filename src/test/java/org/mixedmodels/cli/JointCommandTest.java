package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The {@code joint} command on the AIDS data against JM 1.5.2 ({@code aids_joint_weibull},
 * {@code aids_joint_piecewise}). Tolerances as in {@code AidsJointModelTest}, which gives the reasons: logLik,
 * AIC and BIC 1e-4 relative, standard errors 2e-2 relative, estimates 1e-3 relative or 0.1 standard errors (JM's
 * printed estimates stop up to 0.07 SE short of the maximum of its own likelihood), D 5e-3 relative. The JSON
 * writer prints doubles that read back exactly, so the engine's numbers carry over unchanged.
 */
class JointCommandTest {
    private static final String LONG_FORMULA = "CD4 ~ obstime + obstime:drug + (obstime | patient)";

    private static String data(String name) {
        return ReferenceCase.root().resolve("data").resolve(name).toString();
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, JointCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<String> args(String baseline, String format, String... extra) {
        List<String> a = new ArrayList<>(List.of("joint", "--long", data("aids_long.csv"), "--surv",
                data("aids_survival.csv"), "--long-formula", LONG_FORMULA, "--time-var", "obstime", "--surv-time", "Time",
                "--event", "death", "--surv-formula", "~ drug", "--baseline", baseline, "--format", format));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void weibullJsonMatchesJm() {
        JsonObject j = JsonParser.parseString(run(args("weibull", "json", "--reference", "drug=ddC", "--horizons", "6,12")
                .toArray(new String[0]))).getAsJsonObject();
        check(ReferenceCase.load("aids_joint_weibull"), j);
        assertEquals("weibull-PH-aGH", j.get("method").getAsString());
        JsonArray ranef = j.getAsJsonArray("ranef");
        assertEquals(467, ranef.size());
        assertEquals(List.of("subject", "(Intercept)", "obstime"), List.copyOf(ranef.get(0).getAsJsonObject().keySet()));
        JsonArray preds = j.getAsJsonArray("survival_predictions");
        assertTrue(preds.size() > 0);
        for (JsonElement e : preds) {
            JsonObject p = e.getAsJsonObject();
            assertEquals(List.of("subject", "last_time", "horizon", "probability"), List.copyOf(p.keySet()));
            double prob = p.get("probability").getAsDouble();
            assertTrue(prob > 0 && prob < 1, p.toString());
            assertTrue(p.get("horizon").getAsDouble() > p.get("last_time").getAsDouble(), p.toString());
            assertTrue(List.of(6.0, 12.0).contains(p.get("horizon").getAsDouble()), p.toString());
        }
    }

    @Test
    void piecewiseJsonMatchesJm() {
        JsonObject j = JsonParser.parseString(run(args("piecewise", "json").toArray(new String[0]))).getAsJsonObject();
        check(ReferenceCase.load("aids_joint_piecewise"), j);
        assertEquals(6, j.getAsJsonArray("knots").size());
        assertFalse(j.has("survival_predictions"), "no predictions without --horizons");
    }

    private static void check(ReferenceCase c, JsonObject j) {
        assertClose(c.number("logLik"), j.get("logLik").getAsDouble(), 1e-4, c + " logLik");
        assertClose(c.number("AIC"), j.get("AIC").getAsDouble(), 1e-4, c + " AIC");
        assertClose(c.number("BIC"), j.get("BIC").getAsDouble(), 1e-4, c + " BIC");
        assertClose(c.number("sigma"), j.get("sigma").getAsDouble(), 1e-3, c + " sigma");
        JsonArray d = j.getAsJsonArray("random_effects_covariance");
        JsonArray ed = c.json().getAsJsonArray("random_effects_covariance");
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                assertClose(ed.get(a).getAsJsonArray().get(b).getAsDouble(),
                        d.get(a).getAsJsonArray().get(b).getAsDouble(), 5e-3, c + " D");
            }
        }
        for (String field : List.of("longitudinal", "event")) {
            JsonArray actual = j.getAsJsonArray(field);
            List<JsonObject> expected = c.objects(field);
            assertEquals(expected.size(), actual.size(), c + " " + field);
            for (int i = 0; i < expected.size(); i++) {
                JsonObject e = expected.get(i);
                JsonObject a = actual.get(i).getAsJsonObject();
                String what = c + " " + field + " " + e.get("term").getAsString();
                assertEquals(List.of("term", "estimate", "se", "z", "p"), List.copyOf(a.keySet()), what);
                assertEquals(e.get("term").getAsString(), a.get("term").getAsString(), what);
                double se = e.get("se").getAsDouble();
                double est = e.get("estimate").getAsDouble();
                assertEquals(est, a.get("estimate").getAsDouble(), Math.max(1e-3 * Math.abs(est), 0.1 * se), what);
                assertClose(se, a.get("se").getAsDouble(), 2e-2, what + " se");
                double z = e.get("z").getAsDouble();
                assertEquals(z, a.get("z").getAsDouble(), 0.1 + 2e-2 * Math.abs(z), what + " z");
                double p = a.get("p").getAsDouble();
                assertTrue(p >= 0 && p <= 1, what + " p");
            }
        }
    }

    @Test
    void textOutputShowsBothSubmodels() {
        String text = run(args("weibull", "text", "--horizons", "18").toArray(new String[0]));
        assertTrue(text.contains("weibull-PH-aGH"), text);
        assertTrue(text.contains("Longitudinal process") && text.contains("Event process"), text);
        assertTrue(text.contains("Assoct") && text.contains("log(shape)") && text.contains("obstime:drugddI"), text);
        assertTrue(text.contains("Dynamic predictions"), text);
    }

    @Test
    void badOptionsNameTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(args("gompertz", "json").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--baseline"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(args("weibull", "json", "--horizons", "6,soon").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--horizons"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(args("weibull", "json", "--reference", "drug").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--reference"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(args("weibull", "yaml").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--format"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(args("weibull", "json", "--frailty", "yes").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--frailty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("joint", "--long", data("aids_long.csv")));
        assertTrue(e.getMessage().contains("--surv"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(args("weibull", "json", "--gh-points", "0").toArray(new String[0])));
        assertTrue(e.getMessage().contains("--gh-points"), e.getMessage());
        List<String> a = args("weibull", "json");
        a.set(a.indexOf("~ drug"), "drug");
        e = assertThrows(IllegalArgumentException.class, () -> run(a.toArray(new String[0])));
        assertTrue(e.getMessage().contains("--surv-formula"), e.getMessage());
    }

    @Test
    void dataProblemsAreEngineErrors() {
        List<String> a = args("weibull", "json");
        a.set(a.indexOf("death"), "died");
        MixedModelException e = assertThrows(MixedModelException.class, () -> run(a.toArray(new String[0])));
        assertTrue(e.getMessage().contains("no column 'died'"), e.getMessage());
    }
}
