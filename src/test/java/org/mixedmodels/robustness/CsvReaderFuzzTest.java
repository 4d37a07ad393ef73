package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import java.util.Random;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * Fuzzing of the CSV reader (issue 9), the entry point for users' files: random bytes (decoded as UTF-8, the way
 * the command line reads files), random text over the characters CSV gives meaning to, and mutations of valid
 * files (quotes, embedded line breaks, NA, empty fields, ragged rows, byte-order marks, CRLF). Every input must give,
 * within a time bound, either a well-formed DataFrame (a unique, non-blank name per column, every column as long as
 * the table, missing exactly where the label is null) or our {@link MixedModelException} with a message; never
 * another exception. Mutated files that still hold y, x and g are also fitted, so that whatever the reader lets
 * through reaches the model frame and the design, which must answer the same way.
 */
class CsvReaderFuzzTest {
    /**
     * A hang guard, not a speed test: generous for a loaded 2-core CI machine shared by several builds (a quadratic
     * reader took 40 s on an idle one; these inputs read in well under a second each).
     */
    private static final Duration LIMIT = Duration.ofSeconds(120);

    static final List<String> VALID = List.of(
            "y,x,g\n1.5,0.2,a\n2.5,0.4,a\n3.1,0.1,b\n2.2,0.9,b\n4.0,1.5,c\n3.3,1.1,c\n",
            "\"y\",\"x\",\"g\"\r\n1,2,\"a, b\"\r\n2,3,\"a, b\"\r\n3,1,\"c \"\"quoted\"\"\"\r\n4,4,\"c \"\"quoted\"\"\"\r\n"
                    + "5,2,\"line\nbreak\"\r\n2,1,\"line\nbreak\"\r\n",
            "\uFEFFy,x,g\n1,,a\nNA,2,a\n3,3,b\n4,NA,b\n5,5,c\n6,6,c\n7,7,c\n",
            "y,x,g,note\n1e3,-2.5E-1,g1,\n1.5e3,+3,g1,\"\"\n2e3,.5,g2, NA \n2.5e3,5.,g2,Inf\n3e3,NaN,g3,x\n3.5e3,-Inf,g3,\n",
            "y,x,g\n0.1,1,1\n0.2,2,1\n0.3,3,2\n0.25,4,2\n0.5,5,3\n0.45,6,3\n0.7,7,4\n0.6,8,4\n",
            "y , x , g \n 1 , 2 , a \n 2 , 3 , a \n 3 , 1 , b \n 4 , 5 , b \n");

    /** Characters with a meaning in CSV, in numbers or in missing values. */
    private static final String SPECIAL = ",\"\n\r\uFEFF NAaInf-+.eE0123456789\t;\u00a0\u00e9\u0000\ud800";

    static DataFrame readsOrFailsCleanly(String text) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            DataFrame d;
            try {
                d = CsvReader.read(new StringReader(text), "fuzz.csv");
            } catch (MixedModelException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message");
                return null;
            } catch (IOException e) {
                throw new AssertionError("IOException from a StringReader", e);
            }
            assertWellFormed(d);
            return d;
        }, () -> "reading took longer than " + LIMIT);
    }

    static void assertWellFormed(DataFrame d) {
        assertTrue(d.rowCount() >= 1, "a table without rows");
        List<String> names = d.columnNames();
        assertFalse(names.isEmpty());
        Set<String> unique = new HashSet<>(names);
        // Messages are built only on failure (suppliers): building one per column that names all 20,000 columns
        // was quadratic and took most of largeInputsAreReadQuickly's time.
        assertEquals(names.size(), unique.size(), () -> "duplicate names " + names);
        for (String name : names) {
            assertFalse(name.isBlank(), () -> "blank column name in " + names);
            Column c = d.column(name);
            assertEquals(d.rowCount(), c.size(), () -> "column " + name);
            for (int i = 0; i < c.size(); i++) {
                int row = i;
                assertEquals(c.isMissing(i), c.label(i) == null, () -> "missing vs label at row " + row + " of " + name);
                if (c instanceof NumericColumn num && !c.isMissing(i)) {
                    // the label is the cell as written (001 stays 001), and it reads back as the value
                    double v = num.value(i);
                    Double back = CsvReader.parseNumber(c.label(i), '.');
                    assertTrue(back != null && (back.equals(v) || Double.isNaN(v) && back.isNaN()),
                            () -> "label " + c.label(row) + " vs value " + v);
                }
            }
        }
    }

    /** Fits y ~ x + (1 | g) when the columns are there: a FitResult or our exception, nothing else. */
    static void fitsOrFailsCleanly(DataFrame d) {
        if (d == null || !d.hasColumn("y") || !d.hasColumn("x") || !d.hasColumn("g")) {
            return;
        }
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                FitResult fit = LinearMixedModel.fit("y ~ x + (1 | g)", d, FitOptions.reml());
                for (double b : fit.beta()) {
                    assertTrue(Double.isFinite(b), () -> "non-finite estimate " + FitAssertions.describe(fit));
                }
                assertTrue(Double.isFinite(fit.logLik()), () -> "non-finite logLik " + FitAssertions.describe(fit));
            } catch (MixedModelException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message");
            }
        });
    }

    @Test
    void theSeedsAreValid() {
        for (String csv : VALID) {
            DataFrame d = readsOrFailsCleanly(csv);
            assertTrue(d != null && d.hasColumn("y") && d.hasColumn("g"), csv);
        }
    }

    @Test
    void randomBytesAsUtf8() throws Exception {
        SplittableRandom r = new SplittableRandom(7001L);
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes = Samples.bytes(r, 300);
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
            readsOrFailsCleanly(text);
        }
    }

    @Test
    void randomCsvLikeText() {
        SplittableRandom r = new SplittableRandom(7002L);
        for (int i = 0; i < 4_000; i++) {
            String text = switch (r.nextInt(3)) {
                case 0 -> Samples.string(r, SPECIAL, 200);
                case 1 -> "y,x,g\n" + Samples.string(r, SPECIAL, 200);
                default -> Samples.anyString(r, 100);
            };
            fitsOrFailsCleanly(readsOrFailsCleanly(text));
        }
    }

    @Test
    void mutationsOfValidFiles() {
        SplittableRandom r = new SplittableRandom(7003L);
        for (int i = 0; i < 10_000; i++) {
            String csv = VALID.get(r.nextInt(VALID.size()));
            fitsOrFailsCleanly(readsOrFailsCleanly(mutate(csv, new Random(r.nextLong()), 1 + r.nextInt(6))));
        }
    }

    /** Large and odd, but well-formed or cleanly refused, quickly. */
    @Test
    void largeInputsAreReadQuickly() {
        StringBuilder wide = new StringBuilder();
        for (int j = 0; j < 20_000; j++) {
            wide.append(j == 0 ? "" : ",").append("c").append(j);
        }
        wide.append('\n');
        for (int j = 0; j < 20_000; j++) {
            wide.append(j == 0 ? "" : ",").append(j % 7);
        }
        assertEquals(20_000, readsOrFailsCleanly(wide.toString()).columnNames().size());
        StringBuilder tall = new StringBuilder("y,x,g\n");
        for (int i = 0; i < 200_000; i++) {
            tall.append(i % 13).append(',').append(i % 7).append(",g").append(i % 100).append('\n');
        }
        assertEquals(200_000, readsOrFailsCleanly(tall.toString()).rowCount());
        assertEquals(1, readsOrFailsCleanly("x\n\"" + "a".repeat(2_000_000) + "\"\n").rowCount());
        readsOrFailsCleanly("x\n\"" + "\"\"".repeat(500_000));
        readsOrFailsCleanly("\n".repeat(1_000_000));
        readsOrFailsCleanly(",".repeat(1_000_000));
        readsOrFailsCleanly("\"".repeat(1_000_001));
        readsOrFailsCleanly("\uFEFF".repeat(100_000));
        // quotes inside an unquoted field: each one used to copy the field so far (quadratic: 40 s for 1e6)
        assertEquals(1, readsOrFailsCleanly("x\na" + "\"".repeat(1_000_000)).rowCount());
        assertEquals(1, readsOrFailsCleanly("x\n" + "a\"".repeat(500_000)).rowCount());
    }

    static String mutate(String csv, Random random, int edits) {
        StringBuilder sb = new StringBuilder(csv);
        for (int e = 0; e < edits; e++) {
            int at = sb.length() == 0 ? 0 : random.nextInt(sb.length() + 1);
            switch (random.nextInt(10)) {
                case 0 -> sb.insert(at, SPECIAL.charAt(random.nextInt(SPECIAL.length())));
                case 1 -> {
                    if (at < sb.length()) {
                        sb.deleteCharAt(at);
                    }
                }
                case 2 -> sb.insert(at, "\""); // an unbalanced or doubled quote
                case 3 -> sb.insert(at, ","); // a ragged row
                case 4 -> sb.insert(at, random.nextBoolean() ? "NA" : "\n");
                case 5 -> sb.insert(at, "\r\n");
                case 6 -> sb.insert(at, "\uFEFF");
                case 7 -> { // duplicate or drop a line
                    List<String> lines = new ArrayList<>(List.of(sb.toString().split("\n", -1)));
                    int line = random.nextInt(lines.size());
                    if (random.nextBoolean()) {
                        lines.add(line, lines.get(line));
                    } else {
                        lines.remove(line);
                    }
                    sb = new StringBuilder(String.join("\n", lines));
                }
                case 8 -> { // quote a field (the text up to the next separator)
                    int end = at;
                    while (end < sb.length() && sb.charAt(end) != ',' && sb.charAt(end) != '\n') {
                        end++;
                    }
                    sb.insert(end, '"').insert(at, '"');
                }
                default -> { // replace a field by an odd value
                    String[] odd = {"", "NA", "Inf", "-Inf", "NaN", "1e308", "1e-320", "1e999", "0x1p3", "1d", "١٢",
                        "\"\"", " ", "a,b", "1.2.3", "--1"};
                    sb.insert(at, odd[random.nextInt(odd.length)]);
                }
            }
        }
        return sb.toString();
    }
}
