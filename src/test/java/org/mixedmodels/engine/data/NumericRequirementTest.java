package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;

/** The one "must be numeric" message of the response, the ICC's values and the joint model's times. */
class NumericRequirementTest {
    private static String refused(Column c) {
        return assertThrows(MixedModelException.class, () -> NumericRequirement.of(c, "value", "the ICC needs numbers"))
                .getMessage();
    }

    @Test
    void aNumericColumnPasses() {
        NumericColumn x = new NumericColumn("x", new double[] {1, 2});
        assertSame(x, NumericRequirement.of(x, "value", "numbers"));
    }

    @Test
    void namesTheFirstCellThatIsNotANumberNeverAValidOne() {
        String m = refused(new CategoricalColumn("score", new String[] {"249.56", null, "low", "high", "mid"}));
        assertTrue(m.startsWith("The value column 'score' is not numeric: data row 3 holds 'low' (3 of its 4 values are"
                + " not numbers); the ICC needs numbers."), m);
        assertFalse(m.contains("249.56"), m);
        assertTrue(m.contains("Only empty and NA cells count as missing"), m);
    }

    @Test
    void aColumnOfNumbersWithAStrayTokenGivesItsLineAndTheTokensInForce() throws Exception {
        DataFrame d = CsvReader.read(new StringReader("y,g\n1,a\n.,a\n3,b\n4,b\n"), "t.csv",
                CsvOptions.defaults().withMissingTokens(java.util.List.of("NA", "NULL")));
        String m = refused(d.column("y"));
        assertTrue(m.startsWith("The value column 'y' is not numeric; the ICC needs numbers. Column 'y' holds numbers in 3"
                + " rows but 1 cell is not a number: data row 2 (line 3) holds '.'"), m);
        assertTrue(m.contains("Only these cells count as missing: empty, NA, NULL"), m);
    }

    @Test
    void aDecimalCommaIsNamed() {
        String m = refused(new CategoricalColumn("y", new String[] {"a", "1,5"}));
        assertTrue(m.contains("data row 1 holds 'a'"), m);
        assertTrue(refused(new CategoricalColumn("y", new String[] {"1,5", "x", "y"})).contains("--decimal ,"));
    }

    @Test
    void numbersReadAsTextSayHowToReadThemAsNumbers() {
        String m = refused(new CategoricalColumn("y", new String[] {"1", "2", null}));
        assertTrue(m.contains("although its values are numbers") && m.contains("String to Number"), m);
    }
}
