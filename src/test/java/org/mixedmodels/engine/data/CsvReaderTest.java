package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;

class CsvReaderTest {

    private static DataFrame read(String text) throws Exception {
        return CsvReader.read(new StringReader(text), "test.csv");
    }

    @Test
    void typesAreInferredPerColumn() throws Exception {
        DataFrame d = read("\"y\",\"id\",\"arm\"\n1.5,\"308\",A\n2,309,B\n");
        assertInstanceOf(NumericColumn.class, d.column("y"));
        assertInstanceOf(NumericColumn.class, d.column("id"), "quoted numbers are numbers, as in read.csv");
        assertInstanceOf(CategoricalColumn.class, d.column("arm"));
        assertEquals("308", d.column("id").label(0));
        assertEquals(2, d.rowCount());
    }

    @Test
    void emptyAndNaAreMissing() throws Exception {
        DataFrame d = read("y,g\n1,a\n,b\nNA,\n4,NA\n");
        NumericColumn y = (NumericColumn) d.column("y");
        assertTrue(y.isMissing(1));
        assertTrue(y.isMissing(2));
        assertEquals(4.0, y.value(3));
        assertTrue(d.column("g").isMissing(2));
        assertTrue(d.column("g").isMissing(3));
    }

    @Test
    void quotedFieldsKeepCommasQuotesAndLineBreaks() throws Exception {
        DataFrame d = read("name,v\n\"a, \"\"b\"\"\nc\",1\nplain,2\n");
        assertEquals("a, \"b\"\nc", d.column("name").label(0));
        assertEquals("plain", d.column("name").label(1));
    }

    @Test
    void nonFiniteNumbersAreKeptAsNumbers() throws Exception {
        NumericColumn x = (NumericColumn) read("x\n1\nInf\n-Inf\nNaN\n").column("x");
        assertEquals(Double.POSITIVE_INFINITY, x.value(1));
        assertEquals(Double.NEGATIVE_INFINITY, x.value(2));
        assertTrue(Double.isNaN(x.value(3)));
    }

    @Test
    void javaOnlyNumberFormsAreText() throws Exception {
        assertInstanceOf(CategoricalColumn.class, read("x\n1d\n2\n").column("x"));
        assertInstanceOf(CategoricalColumn.class, read("x\nInfinity\n2\n").column("x"));
    }

    @Test
    void crlfAndByteOrderMark() throws Exception {
        DataFrame d = read("\uFEFFy,g\r\n1,a\r\n2,b\r\n");
        assertEquals(java.util.List.of("y", "g"), d.columnNames());
        assertEquals(2, d.rowCount());
    }

    @Test
    void badFilesGiveSpecificMessages() {
        assertTrue(assertThrows(MixedModelException.class, () -> read("")).getMessage().contains("empty"));
        assertTrue(assertThrows(MixedModelException.class, () -> read("y,x\n")).getMessage().contains("no data rows"));
        assertTrue(assertThrows(MixedModelException.class, () -> read("y,x\n1,2,3\n")).getMessage()
                .contains("Line 2 of 'test.csv' has 3 fields but the header has 2"));
        assertTrue(assertThrows(MixedModelException.class, () -> read("y,y\n1,2\n")).getMessage().contains("occurs twice"));
        assertTrue(assertThrows(MixedModelException.class, () -> read("y,\"x\n1,2\n")).getMessage().contains("never closed"));
        assertTrue(assertThrows(MixedModelException.class, () -> CsvReader.read(java.nio.file.Path.of("/no/such.csv")))
                .getMessage().contains("does not exist"));
    }

    @Test
    void unknownColumnListsTheColumns() throws Exception {
        DataFrame d = read("y,x\n1,2\n");
        MixedModelException e = assertThrows(MixedModelException.class, () -> d.column("z"));
        assertEquals("Unknown column 'z' in the formula. The table's columns are: y, x.", e.getMessage());
    }

    /** Files are decoded by String's UTF-8 (fast) unless that finds invalid text; a real U+FFFD is kept. */
    @Test
    void utf8FilesWithAccentsReplacementCharactersAndInvalidBytes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path good = dir.resolve("good.csv");
        java.nio.file.Files.write(good, "y,g\n1,caf\u00e9\n2,\uFFFDx\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        DataFrame d = CsvReader.read(good);
        assertEquals("caf\u00e9", d.column("g").label(0));
        assertEquals("\uFFFDx", d.column("g").label(1));
        java.nio.file.Path bad = dir.resolve("bad.csv");
        java.nio.file.Files.write(bad, new byte[] {'y', ',', 'g', '\n', '1', ',', 'c', (byte) 0xE9, '\n'});
        MixedModelException e = assertThrows(MixedModelException.class, () -> CsvReader.read(bad));
        assertTrue(e.getMessage().contains("line 2, byte offset 7"), e.getMessage());
    }
}
