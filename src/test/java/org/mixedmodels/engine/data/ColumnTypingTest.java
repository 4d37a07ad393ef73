package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.formula.FormulaParser;

/** Issue 16: typing that never changes the user's data silently, and the delimited files people have. */
class ColumnTypingTest {
    private static DataFrame read(String text, CsvOptions options) throws Exception {
        return CsvReader.read(new StringReader(text), "t.csv", options);
    }

    private static DataFrame read(String text) throws Exception {
        return read(text, CsvOptions.defaults());
    }

    @Test
    void aFewStrayTextsInANumericColumnCarryADoubt() throws Exception {
        DataFrame d = read("y,x,g\n1,1,a\n2,.,a\n3,3,b\n4,4,b\n");
        CategoricalColumn x = assertInstanceOf(CategoricalColumn.class, d.column("x"));
        NumericDoubt doubt = x.numericDoubt();
        assertNotNull(doubt);
        assertEquals(3, doubt.numbers());
        assertEquals(1, doubt.others());
        assertEquals(1, doubt.firstRow());
        assertEquals(3, doubt.firstLine());
        assertEquals(List.of("."), doubt.tokens());
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> ModelFrame.of(FormulaParser.parse("y ~ x + (1 | g)"), d, java.util.Map.of()));
        assertTrue(e.getMessage().startsWith("Column 'x' holds numbers in 3 rows but 1 cell is not a number: data row 2"
                + " (line 3) holds '.'"), e.getMessage());
        // as a grouping factor the column is text anyway: no refusal
        ModelFrame.of(FormulaParser.parse("y ~ 1 + (1 | x)"), d, java.util.Map.of());
        // declared categorical: the doubt is settled and '.' is a level, as asked
        assertNull(((CategoricalColumn) d.withCategorical(Set.of("x")).column("x")).numericDoubt());
        // a text column is not doubted
        assertNull(((CategoricalColumn) read("g\na\nb\n1\n").column("g")).numericDoubt());
    }

    @Test
    void missingTokensAreConfigurable() throws Exception {
        CsvOptions o = CsvOptions.defaults().withMissingTokens(List.of(".", "NULL"));
        DataFrame d = read("x,y\n1,NULL\n.,2\nNA,3\n", o);
        assertTrue(d.column("x").isMissing(1));
        assertTrue(d.column("y").isMissing(0));
        // NA is no longer missing once the tokens are given (as R's na.strings): x holds one text
        assertInstanceOf(CategoricalColumn.class, d.column("x"));
    }

    @Test
    void numbersKeepTheirTextAsLabels() throws Exception {
        NumericColumn id = assertInstanceOf(NumericColumn.class, read("id\n001\n010\n1e3\n2.50\n7\n").column("id"));
        assertEquals(1.0, id.value(0));
        assertEquals("001", id.label(0));
        assertEquals("1e3", id.label(2));
        assertEquals("2.50", id.label(3));
        assertEquals("7", id.label(4));
    }

    @Test
    void factorOfAColumnIsItsTextAsCategorical() throws Exception {
        DataFrame d = read("dose,y\n10,1\n5,2\n10,3\n");
        assertTrue(d.hasColumn("factor(dose)") && d.hasColumn("as.factor(dose)"));
        Column f = d.column("factor(dose)");
        assertInstanceOf(CategoricalColumn.class, f);
        assertEquals("factor(dose)", f.name());
        assertEquals("5", f.label(1));
        assertSame(f, d.column("factor(dose)"), "derived once");
        assertEquals("Unknown column 'dos' in the formula. The table's columns are: dose, y.",
                assertThrows(MixedModelException.class, () -> d.column("factor(dos)")).getMessage());
    }

    @Test
    void missingTokensOnATableMakeCellsMissingAndNeverRetypeAColumn() {
        DataFrame knime = new DataFrame(List.of(new CategoricalColumn("days", new String[] {"0", ".", "2"}),
                new CategoricalColumn("dose", new String[] {"10", "20", "10"}),
                new NumericColumn("y", new double[] {1, 2, 3})));
        DataFrame d = knime.withMissingTokens(CsvOptions.defaults().withMissingTokens(List.of("NA", ".")));
        CategoricalColumn days = assertInstanceOf(CategoricalColumn.class, d.column("days"),
                "a text column stays text: KNIME's string type is the user's declaration");
        assertTrue(days.isMissing(1));
        assertEquals("0", days.label(0));
        assertEquals("2", days.label(2));
        assertSame(knime.column("dose"), d.column("dose"), "a text column without tokens is kept");
        assertSame(knime.column("y"), d.column("y"));
    }

    @Test
    void delimiterIsDetectedFromTheHeader() {
        CsvOptions o = CsvOptions.defaults();
        assertEquals(',', CsvReader.delimiter("a,b;c\n", o));
        assertEquals(';', CsvReader.delimiter("a;b;c\n1,5;2;3", o));
        assertEquals('\t', CsvReader.delimiter("a\tb\tc\n", o));
        assertEquals(',', CsvReader.delimiter("\"a;b\"\n", o), "quoted delimiters do not count");
        assertEquals(';', CsvReader.delimiter("a,b\n", o.withDecimal(',')), "a decimal comma is no delimiter");
        assertEquals('|', CsvReader.delimiter("a,b\n", o.withDelimiter('|')));
    }

    @Test
    void decimalCommaAndLineEnds() throws Exception {
        DataFrame d = read("y;x\r\n1,5;2\r\n-0,25;3\r\n", CsvOptions.defaults().withDecimal(','));
        assertEquals(1.5, ((NumericColumn) d.column("y")).value(0));
        assertEquals(-0.25, ((NumericColumn) d.column("y")).value(1));
        DataFrame cr = read("y,x\r1,2\r3,4\r");
        assertEquals(2, cr.rowCount());
        assertEquals(List.of("y", "x"), cr.columnNames());
        DataFrame quotedCr = read("y,x\r\"a\rb\",2\r3,4\r");
        assertEquals("a\rb", quotedCr.column("y").label(0));
    }

    @Test
    void excelsSepLineNamesTheDelimiter() throws Exception {
        DataFrame d = read("\uFEFFsep=;\r\ny;x\r\n1,5;2\r\n", CsvOptions.defaults().withDecimal(','));
        assertEquals(List.of("y", "x"), d.columnNames());
        assertEquals(1.5, ((NumericColumn) d.column("y")).value(0));
        MixedModelException e = assertThrows(MixedModelException.class, () -> read("sep=;\ny;x\n1;2;3\n"));
        assertTrue(e.getMessage().startsWith("Line 3 of"), "lines counted from the sep line: " + e.getMessage());
    }

    @Test
    void aRaggedLineNamesTheDelimiter() {
        MixedModelException e = assertThrows(MixedModelException.class, () -> read("y;x\n1;2;3\n"));
        assertTrue(e.getMessage().contains("has 3 fields but the header has 2 (delimiter ';', detected from the header)"),
                e.getMessage());
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(MixedModelException.class, () -> CsvOptions.defaults().withDecimal(';'));
        assertThrows(MixedModelException.class, () -> CsvOptions.defaults().withDecimal(',').withDelimiter(','));
    }
}
