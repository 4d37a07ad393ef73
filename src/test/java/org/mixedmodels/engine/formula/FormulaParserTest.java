package org.mixedmodels.engine.formula;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mixedmodels.engine.MixedModelException;

class FormulaParserTest {

    private static List<String> labels(String formula) {
        return FormulaParser.parse(formula).fixedTerms().stream().map(Term::label).toList();
    }

    /** Fixed-part expansion compared with R's attr(terms(f), "term.labels") and attr(, "intercept"). */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "y ~ x;                     x;                       true",
        "y ~ a * b;                 a b a:b;                 true",
        "y ~ a * b * c;             a b c a:b a:c b:c a:b:c; true",
        "y ~ (a + b + c)^2;         a b c a:b a:c b:c;       true",
        "y ~ a/b;                   a a:b;                   true",
        "y ~ (a + b)/c;             a b a:b:c;               true",
        "y ~ b:a + a;               a b:a;                   true",
        "y ~ a * b - a:b;           a b;                     true",
        "y ~ a*b - a;               b a:b;                   true",
        "y ~ 0 + x;                 x;                       false",
        "y ~ x - 1;                 x;                       false",
        "y ~ -1 + x;                x;                       false",
        "y ~ x + 0 + 1;             x;                       true",
        "y ~ 1;                     '';                      true",
        "y ~ x + x + x:x;           x;                       true",
        "y ~ a:b + a:b:c + a;       a a:b a:b:c;             true",
        "y ~ `body weight` + age;   body weight age;         true",
        "y ~ x.1 + x_2;             x.1 x_2;                 true",
    })
    void fixedPartMatchesR(String formula, String expectedLabels, boolean intercept) {
        Formula f = FormulaParser.parse(formula);
        List<String> expected = expectedLabels.isBlank() ? List.of()
                : List.of(expectedLabels.replace("body weight", "body_weight").split(" "));
        List<String> actual = f.fixedTerms().stream().map(t -> t.label().replace("body weight", "body_weight")).toList();
        assertEquals(expected, actual, formula);
        assertEquals(intercept, f.intercept(), formula);
        assertEquals("y", f.response());
        assertTrue(f.randomTerms().isEmpty());
    }

    @Test
    void randomTermsAsLme4() {
        Formula f = FormulaParser.parse("Reaction ~ Days + (Days | Subject)");
        assertEquals(List.of("Days"), labels("Reaction ~ Days + (Days | Subject)"));
        RandomTerm r = f.randomTerms().get(0);
        assertTrue(r.intercept());
        assertTrue(r.correlated());
        assertEquals(List.of(Term.of("Days")), r.effects());
        assertEquals("Subject", r.groupingName());

        RandomTerm noIntercept = FormulaParser.parse("y ~ x + (0 + x | g)").randomTerms().get(0);
        assertFalse(noIntercept.intercept());
        assertEquals(List.of(Term.of("x")), noIntercept.effects());
        assertFalse(FormulaParser.parse("y ~ x + (x - 1 | g)").randomTerms().get(0).intercept());

        RandomTerm uncorrelated = FormulaParser.parse("y ~ x + (x || g)").randomTerms().get(0);
        assertFalse(uncorrelated.correlated());
        assertTrue(uncorrelated.intercept());

        RandomTerm onlyIntercept = FormulaParser.parse("y ~ 1 + (1 | g)").randomTerms().get(0);
        assertTrue(onlyIntercept.intercept());
        assertTrue(onlyIntercept.effects().isEmpty());

        RandomTerm interaction = FormulaParser.parse("y ~ (1 | a:b)").randomTerms().get(0);
        assertEquals(List.of("a", "b"), interaction.grouping());
        assertTrue(FormulaParser.parse("y ~ (1 | g)").intercept(), "the fixed intercept is implicit");
        assertFalse(FormulaParser.parse("y ~ 0 + (1 | g)").intercept());
    }

    @Test
    void nestingExpandsAsExpandSlash() {
        List<RandomTerm> two = FormulaParser.parse("strength ~ 1 + (1 | batch/cask)").randomTerms();
        assertEquals(List.of("cask:batch", "batch"), two.stream().map(RandomTerm::groupingName).toList());
        List<RandomTerm> three = FormulaParser.parse("y ~ (1 | subject/neuron/trial)").randomTerms();
        assertEquals(List.of("trial:neuron:subject", "neuron:subject", "subject"),
                three.stream().map(RandomTerm::groupingName).toList());
        List<RandomTerm> slopes = FormulaParser.parse("y ~ x + (x || a/b)").randomTerms();
        assertEquals(2, slopes.size());
        assertTrue(slopes.stream().noneMatch(RandomTerm::correlated));
    }

    @Test
    void crossedTermsAndVariables() {
        Formula f = FormulaParser.parse("diameter ~ 1 + (1 | plate) + (1 | sample)");
        assertEquals(List.of("plate", "sample"), f.randomTerms().stream().map(RandomTerm::groupingName).toList());
        assertEquals(List.of("diameter", "plate", "sample"), f.variables());
        Formula g = FormulaParser.parse("distance ~ age * Sex + (age | Subject)");
        assertEquals(List.of("age", "Sex", "age:Sex"), g.fixedTerms().stream().map(Term::label).toList());
        assertEquals(List.of("distance", "age", "Sex", "Subject"), g.variables());
        assertEquals(java.util.Set.of("Subject"), g.groupingVariables());
    }

    @Test
    void residualTerms() {
        Formula f = FormulaParser.parse("QTcF ~ dose * time_h + (1 | animal) + ar1(visit | animal)");
        assertEquals(List.of(new ResidualTerm("ar1", "visit", "animal")), f.residualTerms());
        assertEquals(1, f.randomTerms().size());
        Formula gls = FormulaParser.parse("chg ~ arm * visit + us(visit | subject)");
        assertEquals("us", gls.residualTerms().get(0).structure());
        assertTrue(gls.randomTerms().isEmpty());
        assertTrue(gls.variables().containsAll(List.of("visit", "subject")));
    }

    private static FormulaSyntaxException syntax(String formula) {
        return assertThrows(FormulaSyntaxException.class, () -> FormulaParser.parse(formula), formula);
    }

    @Test
    void syntaxErrorsNamePositionAndExpectation() {
        FormulaSyntaxException open = syntax("Reaction ~ Days + (Days | Subject");
        assertEquals(33, open.position());
        assertTrue(open.getMessage().startsWith("Formula syntax error at position 34: expected ')'"), open.getMessage());
        assertTrue(syntax("~ x").getMessage().contains("the response is missing"));
        assertTrue(syntax("y x").getMessage().contains("expected '~'"));
        assertTrue(syntax("y ~").getMessage().contains("expected the predictors"));
        assertTrue(syntax("y ~ x +").getMessage().contains("expected a column name, 0, 1 or '(' but found the end"));
        assertTrue(syntax("y ~ log(x)").getMessage().contains("functions of columns such as log(...) are not supported"));
        assertTrue(syntax("log(y) ~ x").getMessage().contains("compute the column first"));
        assertTrue(syntax("y ~ x | g").getMessage().contains("must be in parentheses"));
        assertTrue(syntax("y ~ x + (1 | )").getMessage().contains("expected the grouping factor"));
        assertTrue(syntax("y ~ x * (1 | g)").getMessage().contains("can only be added"));
        assertTrue(syntax("y ~ x - (1 | g)").getMessage().contains("cannot be subtracted"));
        assertTrue(syntax("y ~ (1 | a + b)").getMessage().contains("grouping factor must be a column"));
        assertTrue(syntax("y ~ (0 | g)").getMessage().contains("neither an intercept nor a slope"));
        assertTrue(syntax("y ~ x + 2").getMessage().contains("the number 2 is not a term"));
        assertTrue(syntax("y ~ x^a").getMessage().contains("whole number"));
        assertTrue(syntax("y ~ x + y").getMessage().contains("also appears among the predictors"));
        assertTrue(syntax("y ~ x ) + 1").getMessage().contains("no matching '('"));
        assertTrue(syntax("y ~ x $ z").getMessage().contains("unexpected character '$'"));
        assertTrue(syntax("y ~ `x").getMessage().contains("no closing backtick"));
        assertTrue(syntax("y ~ ar1(visit | a) + cs(visit | a)").getMessage().contains("at most one residual"));
        assertTrue(syntax("y ~ ar1(visit + t | a)").getMessage().contains("single column name"));
        assertTrue(syntax("").getMessage().contains("the formula is empty"));
        assertEquals(6, syntax("y ~ x + + ").position() - 2);
    }

    /**
     * Random strings made of formula tokens either parse or fail with a FormulaSyntaxException, never
     * with any other exception, and a formula that parses prints stable term labels.
     */
    @Test
    void randomTokenSequencesFailCleanly() {
        String[] pieces = {"y", "x", "a", "b", "g", " ~ ", " + ", " - ", " * ", ":", "/", "^2", "(", ")", " | ", " || ",
            "0", "1", "ar1(", "log(", "`", "3"};
        Random random = new Random(20261125L);
        int parsed = 0;
        for (int trial = 0; trial < 20000; trial++) {
            StringBuilder sb = new StringBuilder(random.nextBoolean() ? "y ~ " : "");
            int length = 1 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            String formula = sb.toString();
            try {
                Formula f = FormulaParser.parse(formula);
                assertEquals(f.fixedTerms(), FormulaParser.parse(formula).fixedTerms());
                parsed++;
            } catch (FormulaSyntaxException e) {
                assertTrue(e.position() >= 0 && e.position() <= formula.length(), formula);
            } catch (MixedModelException e) {
                throw new AssertionError("not a syntax error for '" + formula + "': " + e, e);
            } catch (RuntimeException e) {
                throw new AssertionError("'" + formula + "' threw " + e, e);
            }
        }
        assertTrue(parsed > 100, "the generator should produce some valid formulas, got " + parsed);
    }
}
