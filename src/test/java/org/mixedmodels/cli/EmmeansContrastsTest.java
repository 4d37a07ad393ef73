package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * {@code emmeans --contrasts trt.vs.ctrl}: the engine's treatment-versus-control differences through the command line,
 * against emmeans 1.8.4-1 (case trt_vs_ctrl_emmeans, cake temperature by recipe: five comparisons per recipe, dunnettx
 * within each), at the engine test's tolerances.
 */
class EmmeansContrastsTest {
    @Test
    void treatmentVersusControlMatchesEmmeans() {
        JsonObject c = ReferenceCase.load("trt_vs_ctrl_emmeans").objects("cases").get(2);
        String data = ReferenceCase.root().resolve(c.get("data").getAsString()).toString();
        MainTest.Run r = MainTest.run("emmeans", "--data", data, "--formula", c.get("formula").getAsString(), "--specs",
                "temperature", "--by", "recipe", "--contrasts", "trt.vs.ctrl", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject out = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("trt.vs.ctrl", out.get("contrasts").getAsString());
        JsonArray pairs = out.getAsJsonArray("pairs");
        JsonArray dunnett = c.getAsJsonArray("dunnettx");
        JsonArray none = c.getAsJsonArray("none");
        assertEquals(dunnett.size(), pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            JsonObject e = dunnett.get(i).getAsJsonObject();
            JsonObject p = pairs.get(i).getAsJsonObject();
            String what = e.get("contrast").getAsString() + " | " + e.get("by").getAsString();
            assertEquals(e.get("contrast").getAsString().replace("temperature", ""), p.get("contrast").getAsString());
            assertEquals(e.get("by").getAsString(), p.get("by").getAsString());
            assertClose(e.get("estimate").getAsDouble(), p.get("estimate").getAsDouble(), 1e-6,
                    e.get("se").getAsDouble(), what);
            assertPClose(e.get("p").getAsDouble(), p.get("p_dunnettx").getAsDouble(), 1e-3, what + " dunnettx");
            assertPClose(none.get(i).getAsJsonObject().get("p").getAsDouble(), p.get("p").getAsDouble(), 1e-3, what);
            assertFalse(p.has("p_tukey"), "Tukey is for all pairs");
        }
        MainTest.Run text = MainTest.run("emmeans", "--data", data, "--formula", c.get("formula").getAsString(),
                "--specs", "temperature", "--by", "recipe", "--contrasts", "TRT.VS.CTRL");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("Differences from the reference level (trt.vs.ctrl")
                && text.out().contains("p.dunnettx") && text.out().contains("185 - 175"), text.out());
        MainTest.Run bad = MainTest.run("emmeans", "--data", data, "--formula", c.get("formula").getAsString(),
                "--specs", "temperature", "--contrasts", "dunnett");
        assertTrue(bad.code() != 0 && bad.err().contains("choose pairwise or trt.vs.ctrl"), bad.err());
    }
}
