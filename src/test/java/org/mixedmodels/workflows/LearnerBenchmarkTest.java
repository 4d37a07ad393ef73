package org.mixedmodels.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** A smoke run of the Learner-overhead benchmark on a small table: it prints the two paths. */
class LearnerBenchmarkTest {

    @Test
    void printsEngineAndNodeLines() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LearnerBenchmark.run(200, 5, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[1].startsWith("engine fit") && lines[1].contains(" 1000 "), lines[1]);
        assertTrue(lines[2].startsWith("Learner node"), lines[2]);
    }
}
