package org.mixedmodels.engine.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;

/**
 * A reference result from {@code src/test/resources/reference/cases} (copied from
 * {@code shared/reference}; produced by R 4.2.2 with lme4 1.1-31, lmerTest 3.1-3, pbkrtest 0.5.2, nlme
 * 3.1-162: see that folder's README for the calls and the tolerances).
 */
public final class ReferenceCase {
    private static final Map<String, DataFrame> DATA = new ConcurrentHashMap<>();
    private final String name;
    private final JsonObject json;

    private ReferenceCase(String name, JsonObject json) {
        this.name = name;
        this.json = json;
    }

    public static Path root() {
        try {
            return Path.of(ReferenceCase.class.getResource("/reference/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ReferenceCase load(String name) {
        try (Reader in = new InputStreamReader(Files.newInputStream(root().resolve("cases").resolve(name + ".json")),
                StandardCharsets.UTF_8)) {
            return new ReferenceCase(name, JsonParser.parseReader(in).getAsJsonObject());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the linear-model cases whose engine starts with the given prefix and that have a formula. */
    public static List<String> names(String enginePrefix) {
        try (Stream<Path> files = Files.list(root().resolve("cases"))) {
            List<String> names = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString().replace(".json", "");
                ReferenceCase c = load(n);
                if (c.json.get("engine").getAsString().startsWith(enginePrefix) && c.json.has("formula")
                        && c.json.get("formula").isJsonPrimitive() && c.json.has("theta")
                        // GLMM cases (glmer) have their own test, GlmmReferenceTest
                        && !c.json.has("family")) {
                    names.add(n);
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public JsonObject json() {
        return json;
    }

    public String string(String field) {
        JsonElement e = json.get(field);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    public double number(String field) {
        return json.get(field).getAsDouble();
    }

    /** A number or an array of numbers as an array (R writes a length-one vector as a scalar). */
    public double[] numbers(String field) {
        JsonElement e = json.get(field);
        if (e.isJsonPrimitive()) {
            return new double[] {e.getAsDouble()};
        }
        JsonArray a = e.getAsJsonArray();
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    public List<JsonObject> objects(String field) {
        List<JsonObject> out = new ArrayList<>();
        json.getAsJsonArray(field).forEach(e -> out.add(e.getAsJsonObject()));
        return out;
    }

    /** The case's reference levels ({@code reference_levels}: factor -> level), empty when it has none. */
    public Map<String, String> referenceLevels() {
        Map<String, String> refs = new java.util.HashMap<>();
        JsonElement r = json.get("reference_levels");
        if (r != null && r.isJsonObject()) {
            r.getAsJsonObject().entrySet().forEach(e -> refs.put(e.getKey(), e.getValue().getAsString()));
        }
        return refs;
    }

    /** The case's model fitted by our engine: its formula, method and reference levels. */
    public org.mixedmodels.engine.fit.FitResult fit() {
        return org.mixedmodels.engine.fit.LinearMixedModel.fit(string("formula"), data(), options());
    }

    /** The case's method and reference levels as fit options. */
    public org.mixedmodels.engine.fit.FitOptions options() {
        Map<String, String> refs = referenceLevels();
        org.mixedmodels.engine.fit.FitOptions.Method method = "ML".equals(string("method"))
                ? org.mixedmodels.engine.fit.FitOptions.Method.ML : org.mixedmodels.engine.fit.FitOptions.Method.REML;
        return new org.mixedmodels.engine.fit.FitOptions(method, refs);
    }

    /** The case's data set, read once per test run. */
    public DataFrame data() {
        return DATA.computeIfAbsent(string("data"), d -> CsvReader.read(root().resolve(d)));
    }

    public static DataFrame data(String relativePath) {
        return DATA.computeIfAbsent(relativePath, d -> CsvReader.read(root().resolve(d)));
    }

    @Override
    public String toString() {
        return name;
    }
}
