package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launchers (target/bin/mixed-models and mixed-models.cmd, the README's way to run the CLI, run after
 * {@code package}): the fit they print is the one {@code java -jar} prints, byte for byte, and lme4's (reference
 * files of test resources); they choose the JVM options by the README's rule (C1 only for one random-effects term
 * or nested terms, the full JIT for crossed terms, residual structures, GLMMs and bench), honour the overrides, and
 * fail with a message when the jar is missing or the JIT setting is unknown.
 */
class LauncherIT {
    private static final Path TARGET = Path.of(System.getProperty("bundle.jar", "target/mixed-models-0.1.0.jar"))
        .toAbsolutePath().getParent();
    private static final Path JAR = TARGET.resolve("mixed-models-cli.jar");
    private static final Path SH = TARGET.resolve("bin/mixed-models");
    private static final Path CMD = TARGET.resolve("bin/mixed-models.cmd");
    private static final Path EXAMPLES = TARGET.getParent().resolve("examples");
    private static final Path REFERENCE = TARGET.getParent().resolve("src/test/resources/reference/cases");

    record Run(int code, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    private static Run run(final Map<String, String> env, final List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("MIXED_MODELS_JIT");
        pb.environment().remove("MIXED_MODELS_JAR");
        pb.environment().remove("MIXED_MODELS_JAVA_OPTS");
        pb.environment().remove("MIXED_MODELS_SHOW_COMMAND");
        // the launcher's java: the one running this test
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Path err = Files.createTempFile("launcher", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        // a hang guard, not a timing
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the launcher did not end");
        String e = Files.readString(err);
        Files.delete(err);
        return new Run(p.exitValue(), out, e);
    }

    private static List<String> launcher(final Path script, final String... args) {
        List<String> c = new ArrayList<>();
        if (script.toString().endsWith(".cmd")) {
            c.add("cmd.exe");
            c.add("/c");
        }
        c.add(script.toString());
        c.addAll(List.of(args));
        return c;
    }

    private static List<String> javaJar(final String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", JAR.toString()));
        c.addAll(List.of(args));
        return c;
    }

    private static String[] fit(final String data, final String formula) {
        return new String[] {"fit", "--data", EXAMPLES.resolve(data).toString(), "--formula", formula, "--format",
            "json"};
    }

    private static double relative(final double a, final double b) {
        return Math.abs(a - b) / Math.abs(b);
    }

    /** The fit's JSON through the launcher: lme4's estimates, and byte for byte what java -jar prints. */
    private static void fitsAsJavaJarAndLme4(final Path script) throws Exception {
        String[][] cases = {
            {"sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", "sleepstudy_slopes.json"},
            {"pastes.csv", "strength ~ 1 + (1 | batch/cask)", "pastes_nested.json"},
            // crossed: the full JIT
            {"pastes.csv", "strength ~ 1 + (1 | batch) + (1 | sample)", null}};
        for (String[] c : cases) {
            Run viaLauncher = run(Map.of(), launcher(script, fit(c[0], c[1])));
            assertEquals(0, viaLauncher.code(), viaLauncher.err());
            Run viaJar = run(Map.of(), javaJar(fit(c[0], c[1])));
            assertEquals(0, viaJar.code(), viaJar.err());
            assertArrayEquals(viaJar.out(), viaLauncher.out(), c[1]);
            if (c[2] != null) {
                JsonObject ours = JsonParser.parseString(viaLauncher.text()).getAsJsonObject();
                JsonObject lme4 = JsonParser.parseString(Files.readString(REFERENCE.resolve(c[2]))).getAsJsonObject();
                // the REML criterion at lme4's optimum to 1e-9 relative, the fixed effects to 1e-7 (the references'
                // tolerance for estimates, the optimizer's resolution)
                assertTrue(relative(ours.get("objective").getAsDouble(), lme4.get("objective").getAsDouble()) < 1e-9,
                    c[1] + ": objective " + ours.get("objective"));
                JsonArray fo = ours.getAsJsonArray("fixed");
                JsonArray fl = lme4.getAsJsonArray("fixed");
                assertEquals(fl.size(), fo.size());
                for (int i = 0; i < fl.size(); i++) {
                    double o = fo.get(i).getAsJsonObject().get("estimate").getAsDouble();
                    double l = fl.get(i).getAsJsonObject().get("estimate").getAsDouble();
                    assertTrue(relative(o, l) < 1e-7, c[1] + ": " + o + " vs lme4 " + l);
                }
            }
        }
    }

    /**
     * The java command the launcher runs (MIXED_MODELS_SHOW_COMMAND prints it to stderr); the arguments must end
     * the program at once (a missing file, --help).
     */
    private static String command(final Path script, final Map<String, String> env, final String... args)
            throws Exception {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("MIXED_MODELS_SHOW_COMMAND", "1");
        Run r = run(e, launcher(script, args));
        return r.err();
    }

    private static void choosesTheJit(final Path script) throws Exception {
        String quick = "-XX:TieredStopAtLevel=1";
        String nested = command(script, Map.of(), "fit", "--data", "none.csv", "--formula",
            "y ~ x + (1 | school/student)");
        assertTrue(nested.contains(quick) && nested.contains("-XX:+UseSerialGC"), nested);
        String slopes = command(script, Map.of(), "fit", "--data=none.csv", "--formula=y ~ t + (t | g)");
        assertTrue(slopes.contains(quick), slopes);
        for (String[] full : new String[][] {
            {"fit", "--data", "none.csv", "--formula", "y ~ service * dept + (1 | s) + (1 | d)"},
            {"fit", "--data", "none.csv", "--formula", "y ~ arm * visit + us(visit | subject)"},
            {"fit", "--data", "none.csv", "--formula", "y ~ arm * visit + (1 | subject) + ar1(visit | subject)"},
            {"fit", "--data", "none.csv", "--formula", "y ~ x + (1 | g)", "--family", "binomial"},
            {"bench", "--help"}}) {
            String c = command(script, Map.of(), full);
            assertFalse(c.contains(quick), String.join(" ", full) + ": " + c);
            assertTrue(c.contains("-XX:+UseSerialGC") && c.contains("-jar"), c);
        }
        String forcedFull = command(script, Map.of("MIXED_MODELS_JIT", "full"), "fit", "--formula", "y ~ 1 + (1 | g)");
        assertFalse(forcedFull.contains(quick), forcedFull);
        String forcedQuick = command(script, Map.of("MIXED_MODELS_JIT", "quick"), "bench", "--help");
        assertTrue(forcedQuick.contains(quick), forcedQuick);
        String extra = command(script, Map.of("MIXED_MODELS_JAVA_OPTS", "-Xmx123m"), "--version");
        assertTrue(extra.contains("-Xmx123m"), extra);
    }

    private static void failsWithAMessage(final Path script) throws Exception {
        Run badJit = run(Map.of("MIXED_MODELS_JIT", "fastest"), launcher(script, "--version"));
        assertEquals(2, badJit.code());
        assertTrue(badJit.err().contains("MIXED_MODELS_JIT must be quick, full or auto, not 'fastest'"), badJit.err());
        Run noJar = run(Map.of("MIXED_MODELS_JAR", TARGET.resolve("no-such.jar").toString()),
            launcher(script, "--version"));
        assertEquals(2, noJar.code());
        assertTrue(noJar.err().contains("no-such.jar") && noJar.err().contains("does not exist"), noJar.err());
        // the program's own exit codes pass through
        Run usage = run(Map.of(), launcher(script, "fit", "--nonsense"));
        assertEquals(2, usage.code(), usage.err());
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC, OS.FREEBSD, OS.OPENBSD, OS.SOLARIS, OS.AIX})
    void shLauncherFitsAsJavaJarAndLme4() throws Exception {
        assertTrue(Files.isExecutable(SH), SH + " is not executable");
        fitsAsJavaJarAndLme4(SH);
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC, OS.FREEBSD, OS.OPENBSD, OS.SOLARIS, OS.AIX})
    void shLauncherChoosesTheJitAndFailsWithAMessage() throws Exception {
        choosesTheJit(SH);
        failsWithAMessage(SH);
    }

    /** Through a symbolic link from another folder (e.g. ~/bin) it still finds the jar next to its own folder. */
    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC, OS.FREEBSD, OS.OPENBSD, OS.SOLARIS, OS.AIX})
    void shLauncherRunsThroughASymbolicLink(@TempDir final Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("mixed-models"), SH);
        Run r = run(Map.of(), launcher(link, "--version"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.text().startsWith("mixed-models "), r.text());
    }

    @Test
    @EnabledOnOs(OS.WINDOWS)
    void cmdLauncherFitsAsJavaJarAndLme4() throws Exception {
        fitsAsJavaJarAndLme4(CMD);
        choosesTheJit(CMD);
        failsWithAMessage(CMD);
    }

    /** The Windows launcher has Windows line ends (cmd.exe misreads labels in LF-only batch files). */
    @Test
    void cmdLauncherIsPackagedWithWindowsLineEnds() throws IOException {
        String text = Files.readString(CMD);
        assertTrue(text.contains("TieredStopAtLevel=1") && text.contains("UseSerialGC"), text);
        assertEquals(text.split("\n", -1).length, text.split("\r\n", -1).length, "every line ends in CR LF");
    }
}
