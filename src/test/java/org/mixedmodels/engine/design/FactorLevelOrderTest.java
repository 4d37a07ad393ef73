package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.FormulaSyntaxException;

/** Levels keep their text; numeric order when all are numbers, else R's order in the C locale (issue 16). */
class FactorLevelOrderTest {
    @Test
    void numbersByValueKeepingTheirText() {
        Factor f = Factor.of("id", new String[] {"010", "002", "1", "002"}, null);
        assertEquals(List.of("1", "002", "010"), f.levels());
        assertEquals(Factor.LevelOrder.NUMERIC, f.levelOrder());
    }

    @Test
    void textInCodePointOrderAsRInTheCLocale() {
        Factor f = Factor.of("g", new String[] {"b", "B", "a", "\u00e9", "A", "10", "9"}, null);
        assertEquals(List.of("10", "9", "A", "B", "a", "b", "\u00e9"), f.levels());
        assertEquals(Factor.LevelOrder.TEXT, f.levelOrder());
        assertEquals(Factor.LevelOrder.GIVEN, Factor.of("g", new String[] {"b", "a"}, null, List.of("b", "a")).levelOrder());
    }

    @Test
    void theSameNumberWrittenTwoWaysIsRefused() {
        assertThrows(MixedModelException.class, () -> Factor.of("d", new String[] {"1", "1.0"}, null));
        // Java-only number forms are text, not numbers equal to 1
        assertEquals(Factor.LevelOrder.TEXT, Factor.of("d", new String[] {"1", "1d"}, null).levelOrder());
    }

    @Test
    void factorCallsInTheFormula() {
        Formula f = FormulaParser.parse("angle ~ recipe * factor(temperature) + as.factor(site) + (1 | factor(batch))");
        assertEquals(List.of("angle", "recipe", "factor(temperature)", "as.factor(site)", "factor(batch)"), f.variables());
        assertEquals("recipe:factor(temperature)", f.fixedTerms().get(3).label());
        assertThrows(FormulaSyntaxException.class, () -> FormulaParser.parse("y ~ factor(a + b)"));
        assertThrows(FormulaSyntaxException.class, () -> FormulaParser.parse("factor(y) ~ x"));
        assertThrows(FormulaSyntaxException.class, () -> FormulaParser.parse("y ~ log(x)"));
    }
}
