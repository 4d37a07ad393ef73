package org.mixedmodels.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import java.util.Random;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.FormulaSyntaxException;

/**
 * Fuzzing of the formula parser (issue 9). Whatever a user types into the formula field, the parser must answer
 * quickly with a Formula or with our {@link FormulaSyntaxException} (a {@link MixedModelException}) carrying a
 * message and a position inside the text: never another exception (a NullPointerException, an
 * IndexOutOfBoundsException, a StackOverflowError from deep nesting) and never a hang or an out-of-memory
 * expansion ({@code a*b*c*...} doubles the terms with every factor). FormulaParserTest already fuzzes random token
 * sequences; here valid formulas are mutated character- and token-wise (the typos users make), random text of
 * every kind (including non-ASCII, control characters and unpaired surrogates) is fed in, and pathological
 * inputs (deep nesting, very long sums, huge expansions) must be refused with a message within a time bound.
 */
class FormulaParserFuzzTest {
    /** A hang guard, not a speed test: generous for a loaded 2-core CI machine (x0*...*x15 took 103 s before). */
    private static final Duration LIMIT = Duration.ofSeconds(20);

    static final List<String> VALID = List.of(
            "Reaction ~ Days + (Days | Subject)",
            "y ~ x + (1 | g)",
            "y ~ 1 + (1 | g)",
            "y ~ 0 + x + (0 + x | g)",
            "y ~ x * z + (x || g)",
            "y ~ (a + b + c)^2 + (1 | g/h)",
            "strength ~ 1 + (1 | batch/cask)",
            "y ~ a/b - 1 + (1 | a:b)",
            "y ~ x + z - z + (1 | g) + (0 + x | g)",
            "`body weight` ~ `dose (mg)` + `größe` + (1 | `patient id`)",
            "y ~ arm * visit + ar1(visit | subject)",
            "y ~ arm + us(visit | subject) + (1 | site)",
            "y ~ x:z + I + .x + x.y_z + (1 | g:h)",
            "y~x+(1|g)");

    /** Characters users type by mistake and characters that break naive tokenizers. */
    private static final String NOISE = "~+-*/:^()|`01 .,;=\"'\\[]{}<>!?#$%&@_\t\n\r\u0000\u00a0\u00e9\u00df\u4e2d\u2013\u2212"
            + "\ud83d\ude00\ud800\udfff9xyz";

    /** The assertion every input must pass: a Formula or our exception with a message, within the time bound. */
    static Formula parsesOrFailsCleanly(String input) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            try {
                Formula f = FormulaParser.parse(input);
                assertFalse(f.response().isEmpty(), "parsed without a response: " + input);
                assertEquals(input, f.source());
                Formula again = FormulaParser.parse(input);
                assertEquals(f.fixedTerms(), again.fixedTerms(), "not deterministic: " + input);
                assertEquals(f.randomTerms(), again.randomTerms(), "not deterministic: " + input);
                assertTrue(f.variables().contains(f.response()));
                return f;
            } catch (FormulaSyntaxException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message for: " + input);
                assertTrue(e.position() >= 0 && e.position() <= input.length(),
                        "position " + e.position() + " outside the input " + input);
                return null;
            } catch (MixedModelException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message for: " + input);
                return null;
            }
        }, () -> "parsing took longer than " + LIMIT + ": " + abbreviate(input));
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " characters)";
    }

    /** Every valid formula of the list parses (so that mutating it starts from a formula). */
    @Test
    void theSeedsAreValid() {
        for (String f : VALID) {
            FormulaParser.parse(f);
        }
    }

    @Test
    void characterMutationsOfValidFormulas() {
        SplittableRandom r = new SplittableRandom(9001L);
        for (int i = 0; i < 10_000; i++) {
            String formula = VALID.get(r.nextInt(VALID.size()));
            parsesOrFailsCleanly(mutateCharacters(formula, new Random(r.nextLong()), 1 + r.nextInt(8)));
        }
    }

    @Test
    void tokenMutationsOfValidFormulas() {
        SplittableRandom r = new SplittableRandom(9002L);
        for (int i = 0; i < 8_000; i++) {
            String formula = VALID.get(r.nextInt(VALID.size()));
            String other = VALID.get(r.nextInt(VALID.size()));
            parsesOrFailsCleanly(mutateTokens(formula, other, new Random(r.nextLong()), 1 + r.nextInt(6)));
        }
    }

    @Test
    void randomTextOfAnyKind() {
        SplittableRandom r = new SplittableRandom(9003L);
        for (int i = 0; i < 6_000; i++) {
            String text = switch (r.nextInt(3)) {
                case 0 -> Samples.anyString(r, 80);
                case 1 -> Samples.string(r, NOISE, 120);
                default -> "y ~ " + Samples.string(r, NOISE, 60);
            };
            parsesOrFailsCleanly(text);
        }
    }

    /** Inputs built to exhaust the stack, the time or the memory of a naive parser. */
    @Test
    void pathologicalInputsAreRefusedQuicklyWithAMessage() {
        List<String> inputs = new ArrayList<>();
        inputs.add("y ~ " + "(".repeat(100_000) + "x" + ")".repeat(100_000));
        inputs.add("y ~ " + "(".repeat(150) + "x" + ")".repeat(150));
        inputs.add("y ~ " + "(".repeat(10_000));
        inputs.add("y ~ x" + ")".repeat(10_000));
        inputs.add("y ~ " + chain(" + ", 50_000));
        inputs.add("y ~ " + chain(":", 20_000));
        inputs.add("y ~ " + chain("/", 20_000));
        inputs.add("y ~ " + chain("*", 40));
        inputs.add("y ~ (" + chain(" + ", 60) + ")^60");
        inputs.add("y ~ (" + chain(" + ", 400) + ") : (" + chain(" + ", 400) + ")");
        inputs.add("y ~ (" + chain(" + ", 120) + ")^2 * (" + chain(" + ", 120) + ")");
        inputs.add("y ~ x + (1 | " + chain("/", 5_000) + ")");
        inputs.add("y ~ x + (1 | " + chain(":", 500) + ")");
        inputs.add("y ~ x + (" + chain(" + ", 20_000) + " | g)");
        inputs.add("y ~ " + "x + (1 | g) + ".repeat(20_000) + "z");
        inputs.add("y ~ " + "- ".repeat(50_000) + "x");
        inputs.add("y ~ `" + "a".repeat(1_000_000) + "`");
        inputs.add("y ~ `" + "a".repeat(100_000));
        inputs.add("y ~ x^99999999999999999999");
        inputs.add("y ~ " + "1".repeat(100_000));
        inputs.add("~".repeat(100_000));
        inputs.add("\u0000".repeat(10_000));
        inputs.add(" ".repeat(1_000_000));
        for (String input : inputs) {
            long start = System.nanoTime();
            Formula f = parsesOrFailsCleanly(input);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 3_000, () -> millis + " ms for " + abbreviate(input));
            if (f != null) {
                assertTrue(f.fixedTerms().size() <= 10_000, abbreviate(input));
            }
        }
    }

    /** Formulas at the limits still parse: 490 terms, 100 nested parentheses, a 13-way crossing. */
    @Test
    void largeButReasonableFormulasStillParse() {
        assertEquals(490, FormulaParser.parse("y ~ " + chain(" + ", 490) + " + (1 | g)").fixedTerms().size());
        assertEquals(1, FormulaParser.parse("y ~ " + "(".repeat(99) + "x" + ")".repeat(99) + " + (1 | g)")
                .fixedTerms().size());
        assertEquals(8191, FormulaParser.parse("y ~ " + chain("*", 13) + " + (1 | g)").fixedTerms().size());
        assertEquals(15, FormulaParser.parse("y ~ (a + b + c + d)^9 + (1 | g)").fixedTerms().size());
        assertEquals(List.of("x2", "x1", "x0"), FormulaParser.parse("y ~ x + (1 | " + chain("/", 3) + ")")
                .randomTerms().get(0).grouping());
        assertEquals(100, FormulaParser.parse("y ~ x + (1 | " + chain("/", 100) + ")").randomTerms().size());
    }

    /** The limits name what is too big. */
    @Test
    void limitMessagesSayWhatIsTooBig() {
        assertMessage("y ~ " + chain(" + ", 2_000), "too long", "at most 1000");
        assertMessage("y ~ " + "(".repeat(101) + "x" + ")".repeat(101), "nested more than 100 deep");
        assertMessage("y ~ " + chain("*", 20), "more than 10000 terms", "':'");
        assertMessage("y ~ " + chain(":", 150), "more than 100 variables");
        assertMessage("y ~ x + (1 | " + chain(":", 150) + ")", "more than 100 variables");
        assertMessage("y ~ x + \ud83d\ude00", "unexpected character '\ud83d\ude00'", "backticks");
    }

    private static void assertMessage(String formula, String... keys) {
        try {
            FormulaParser.parse(formula);
            throw new AssertionError("parsed: " + abbreviate(formula));
        } catch (FormulaSyntaxException e) {
            for (String key : keys) {
                assertTrue(e.getMessage().contains(key), () -> "'" + key + "' not in: " + abbreviate(e.getMessage()));
            }
        }
    }

    static String chain(String op, int n) {
        StringBuilder sb = new StringBuilder("x0");
        for (int i = 1; i < n; i++) {
            sb.append(op).append('x').append(i);
        }
        return sb.toString();
    }

    /** Inserts, deletes, replaces, duplicates or swaps characters. */
    static String mutateCharacters(String s, Random random, int edits) {
        StringBuilder sb = new StringBuilder(s);
        for (int e = 0; e < edits; e++) {
            int at = sb.length() == 0 ? 0 : random.nextInt(sb.length() + 1);
            char c = NOISE.charAt(random.nextInt(NOISE.length()));
            switch (random.nextInt(6)) {
                case 0 -> sb.insert(at, c);
                case 1 -> {
                    if (at < sb.length()) {
                        sb.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, c);
                    }
                }
                case 3 -> {
                    int end = Math.min(sb.length(), at + 1 + random.nextInt(8));
                    sb.insert(at, sb.substring(at, end)); // duplicate a piece
                }
                case 4 -> {
                    if (at + 1 < sb.length()) {
                        char t = sb.charAt(at);
                        sb.setCharAt(at, sb.charAt(at + 1));
                        sb.setCharAt(at + 1, t);
                    }
                }
                default -> {
                    int end = Math.min(sb.length(), at + random.nextInt(6));
                    sb.delete(at, end); // delete a piece
                }
            }
        }
        return sb.toString();
    }

    /** Splits into tokens (names, operators, spaces) and deletes, duplicates, swaps or splices in foreign ones. */
    static String mutateTokens(String s, String other, Random random, int edits) {
        List<String> tokens = tokens(s);
        List<String> foreign = tokens(other);
        foreign.addAll(List.of("(", ")", "|", "||", "~", "^", "^0", "^100", "0", "1", "2", "ar1(", "log(", "`", "``",
                "` x `", "-", "+", "*", "/", ":"));
        for (int e = 0; e < edits && !tokens.isEmpty(); e++) {
            int at = random.nextInt(tokens.size());
            switch (random.nextInt(4)) {
                case 0 -> tokens.remove(at);
                case 1 -> tokens.add(at, tokens.get(at));
                case 2 -> {
                    int other2 = random.nextInt(tokens.size());
                    String t = tokens.get(at);
                    tokens.set(at, tokens.get(other2));
                    tokens.set(other2, t);
                }
                default -> tokens.add(at, foreign.get(random.nextInt(foreign.size())));
            }
        }
        return String.join("", tokens);
    }

    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int start = i;
            char c = s.charAt(i);
            if (c == '`') {
                int end = s.indexOf('`', i + 1);
                i = end < 0 ? s.length() : end + 1;
            } else if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.'
                        || s.charAt(i) == '_')) {
                    i++;
                }
            } else {
                i++;
            }
            out.add(s.substring(start, i));
        }
        return out;
    }
}
