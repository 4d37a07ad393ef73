package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The design step: coding and naming as R does it, and the bad-input catalogue. */
class DesignTest {

    private static DataFrame csv(String text) throws Exception {
        return CsvReader.read(new StringReader(text), "test.csv");
    }

    private static Design design(String formula, DataFrame data) {
        return Design.build(FormulaParser.parse(formula), data, Map.of());
    }

    private static String error(String formula, DataFrame data) {
        return assertThrows(MixedModelException.class, () -> design(formula, data)).getMessage();
    }

    private static final String SMALL = "y,x,c,f,g\n1,1,5,a,s1\n2,2,5,b,s1\n3,3,5,a,s2\n5,4,5,b,s2\n4,5,5,a,s3\n6,6,5,c,s3\n";

    @Test
    void coefficientNamesFollowR() throws Exception {
        DataFrame d = ReferenceCase.data("data/orthodont.csv");
        assertEquals(List.of("(Intercept)", "age", "SexMale", "age:SexMale"), design("distance ~ age * Sex + (age | Subject)", d).fixed().names());
        Design relevelled = Design.build(FormulaParser.parse("distance ~ age * Sex + (age | Subject)"), d, Map.of("Sex", "Male"));
        assertEquals(List.of("(Intercept)", "age", "SexFemale", "age:SexFemale"), relevelled.fixed().names());
    }

    @Test
    void factorWithoutInterceptGetsAllLevels() throws Exception {
        Design d = design("y ~ 0 + f + x + (1 | g)", csv(SMALL));
        assertEquals(List.of("fa", "fb", "fc", "x"), d.fixed().names());
    }

    @Test
    void interactionWithoutMainEffectUsesIndicators() throws Exception {
        // f's main effect is absent, so within x:f it is coded by one indicator per level, as R does.
        Design d = design("y ~ x:f + (1 | g)", csv(SMALL));
        assertEquals(List.of("(Intercept)", "x:fa", "x:fb", "x:fc"), d.fixed().names());
    }

    @Test
    void nestedGroupingNamesAndLevelsAsLme4() throws Exception {
        Design d = design("strength ~ 1 + (1 | batch/cask)", ReferenceCase.data("data/pastes.csv"));
        assertEquals("cask:batch", d.randomTerms().get(0).groupName());
        assertEquals(30, d.randomTerms().get(0).levelCount());
        assertEquals("a:A", d.randomTerms().get(0).grouping().levels().get(0));
        assertEquals("a:B", d.randomTerms().get(0).grouping().levels().get(1));
        assertEquals("batch", d.randomTerms().get(1).groupName());
    }

    @Test
    void termsAreOrderedByLevelsAsLme4() throws Exception {
        Design d = design("diameter ~ 1 + (1 | sample) + (1 | plate)", ReferenceCase.data("data/penicillin.csv"));
        assertEquals("plate", d.randomTerms().get(0).groupName(), "24 plates before 6 samples");
    }

    @Test
    void numericGroupingLevelsSortNumerically() throws Exception {
        Design d = design("y ~ x + (1 | g)", csv("y,x,g\n1,1,10\n2,2,9\n3,3,10\n4,4,9\n5,5,100\n7,6,100\n"));
        assertEquals(List.of("9", "10", "100"), d.randomTerms().get(0).grouping().levels());
    }

    @Test
    void rankDeficientColumnsAreDroppedWithAWarning() throws Exception {
        Design d = design("y ~ x + c + (1 | g)", csv(SMALL));
        assertEquals(List.of("(Intercept)", "x"), d.fixed().names());
        assertEquals(List.of("c"), d.droppedColumns());
        assertTrue(d.warnings().get(0).contains("rank deficient so dropping 1 column / coefficient: c (constant in the rows used: c)"),
                d.warnings().toString());
    }

    @Test
    void collinearColumnIsDropped() throws Exception {
        Design d = design("y ~ x + z + (1 | g)", csv("y,x,z,g\n1,1,2,a\n2,2,4,a\n3,3,6,b\n5,4,8,b\n4,5,10,c\n6,6,12,c\n"));
        assertEquals(List.of("z"), d.droppedColumns());
    }

    @Test
    void missingRowsAreCountedNotLost() throws Exception {
        Design d = design("y ~ x + (1 | g)", csv("y,x,g,unused\n1,1,a,\n,2,a,1\n3,NA,b,1\n5,4,b,1\n4,5,c,1\n6,6,c,1\n7,7,a,1\n"));
        assertEquals(5, d.nobs());
        assertEquals("2 of 7 rows were left out because of missing values in the columns the model uses.", d.warnings().get(0));
    }

    @Test
    void badInputCatalogue() throws Exception {
        DataFrame small = csv(SMALL);
        assertEquals("Unknown column 'z' in the formula. The table's columns are: y, x, c, f, g.", error("y ~ z + (1 | g)", small));
        assertTrue(error("f ~ x + (1 | g)", small).contains("The response column 'f' is not numeric"));
        assertTrue(error("y ~ x + (1 | g)", csv("y,x,g\n1,1,a\n2,2,a\n3,3,a\n")).contains("only one level ('a')"));
        assertTrue(error("y ~ x + (1 | g)", csv("y,x,g\n,1,a\n2,,b\n")).contains("No row is complete"));
        assertTrue(error("c ~ x + (1 | g)", small).contains("The response 'c' is constant"));
        assertTrue(error("y ~ x + (1 | g)", csv("y,x,g\n1,1,a\n2,Inf,a\n3,3,b\n4,4,b\n")).contains("Column 'x' holds Inf in data row 2"));
        assertTrue(error("y ~ x + (1 | g)", csv("y,x,g\n1,1,a\n2,NaN,a\n3,3,b\n4,4,b\n")).contains("Column 'x' holds NaN in data row 2"));
        assertTrue(error("y ~ x + (1 | g)", csv("y,x,g\n1,1,a\n2,2,b\n3,3,c\n")).contains("one row per group"));
        assertTrue(error("y ~ x", small).contains("has no random-effects term"));
        assertTrue(error("y ~ x + (x | g)", csv("y,x,g\n1,1,a\n2,2,a\n3,3,b\n4,5,b\n")).contains("unidentifiable"));
        assertTrue(assertThrows(MixedModelException.class,
                () -> Design.build(FormulaParser.parse("y ~ f + (1 | g)"), small, Map.of("f", "z"))).getMessage()
                .contains("The reference level 'z' given for column 'f' does not occur"));
    }

    @Test
    void emptyTable() {
        DataFrame empty = new DataFrame(List.of(new org.mixedmodels.engine.data.NumericColumn("y", new double[0]),
                new org.mixedmodels.engine.data.CategoricalColumn("g", new String[0])));
        assertEquals("The table is empty: a mixed model needs rows of data.", error("y ~ 1 + (1 | g)", empty));
    }
}
