package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;

/**
 * The reader keeps cells as places in the text and types columns from there (numbers read in place, one String
 * per distinct label); {@link CsvReader#readByCellStrings} is its first way, a String per cell typed from the
 * strings. On generated files of every kind of cell (numbers written many ways, text, missing tokens, white space,
 * quotes with delimiters, line breaks and doubled quotes, decimal commas, line ends CR, LF and CRLF, rows of the
 * wrong length) both give the same table, value bits, missing cells, labels and doubts, or the same message.
 */
class CsvCellPlacesTest {
    private static final String[] WORDS = {"a", "B", "sc12", "st0", "NA", "na", "N/A", "-", ".", "Inf", "-Inf", "+Inf",
        "NaN", "Infinity", "1d", "0x1p3", "1,5", "2.5", "1e3", "1E-3", "+1", "-0", "007", "1.", ".5", "-.5", "1.50",
        "12345678901234567", "0.1234567890123456", "1e400", "4.9e-324", "é", "日本", "𝔘", "x y", "1 2", "--1",
        "1e", "e1", "1.2.3", "", " ", "0", "00", "-00", "-7", "-070", "999999999999999", "-999999999999999",
        "1000000000000000", "100000000000000", "0009", "1-2", "12-"};

    private static String number(SplittableRandom r) {
        switch (r.nextInt(6)) {
            case 0:
                return Integer.toString(r.nextInt(-1000, 1000));
            case 1:
                return String.format(java.util.Locale.ROOT, "%." + r.nextInt(16) + "f", r.nextGaussian() * 100);
            case 2:
                return Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8)));
            case 3:
                return new java.math.BigDecimal(r.nextGaussian()).round(new java.math.MathContext(1 + r.nextInt(17)))
                        .toPlainString();
            case 4:
                return Long.toString(r.nextLong() >> r.nextInt(64));
            default:
                return WORDS[r.nextInt(WORDS.length)];
        }
    }

    private static String cell(SplittableRandom r, char delimiter, boolean numericColumn, int distinct) {
        String s = numericColumn && r.nextInt(20) > 0 ? number(r)
                : r.nextInt(4) == 0 ? WORDS[r.nextInt(WORDS.length)] : "id" + r.nextInt(distinct);
        switch (r.nextInt(12)) {
            case 0:
                return " " + s + "\t";
            case 1:
                return "\"" + s + "\"";
            case 2:
                return "\" " + s + delimiter + "\"";
            case 3:
                return "\"" + s + "\"\"q\"";
            case 4:
                return "\"" + s + "\nnext\"";
            case 5:
                return "\"" + s + "\"" + (r.nextBoolean() ? " " : "x");
            default:
                return s;
        }
    }

    private static String file(SplittableRandom r, char delimiter) {
        int columns = 1 + r.nextInt(5);
        int rows = 1 + r.nextInt(40);
        boolean[] numeric = new boolean[columns];
        StringBuilder s = new StringBuilder();
        String end = new String[] {"\n", "\r\n", "\r"}[r.nextInt(3)];
        for (int j = 0; j < columns; j++) {
            numeric[j] = r.nextInt(3) > 0;
            s.append(j == 0 ? "" : String.valueOf(delimiter)).append(r.nextInt(30) == 0 ? "" : "c" + j);
        }
        s.append(end);
        int distinct = 1 + r.nextInt(rows);
        for (int i = 0; i < rows; i++) {
            int count = r.nextInt(60) == 0 ? columns + 1 : columns;
            for (int j = 0; j < count; j++) {
                s.append(j == 0 ? "" : String.valueOf(delimiter)).append(cell(r, delimiter, j < columns && numeric[j],
                        distinct));
            }
            if (i + 1 < rows || r.nextBoolean()) {
                s.append(end);
            }
        }
        if (r.nextInt(10) == 0) {
            s.append(end).append(end);
        }
        return s.toString();
    }

    private static String describe(Column c) {
        StringBuilder s = new StringBuilder(c.getClass().getSimpleName()).append(' ').append(c.name()).append('\n');
        for (int i = 0; i < c.size(); i++) {
            s.append(c.isMissing(i)).append(' ').append(c.label(i));
            if (c instanceof NumericColumn num) {
                s.append(' ').append(Long.toHexString(Double.doubleToRawLongBits(num.value(i))));
            }
            s.append('\n');
        }
        if (c instanceof CategoricalColumn cat) {
            s.append(cat.numericDoubt());
        }
        return s.toString();
    }

    private static String outcome(String text, CsvOptions options, boolean byStrings) {
        try {
            DataFrame d = byStrings ? CsvReader.readByCellStrings(text, "f.csv", options)
                    : CsvReader.read(new StringReader(text), "f.csv", options);
            StringBuilder s = new StringBuilder();
            for (String name : d.columnNames()) {
                s.append(describe(d.column(name)));
            }
            return s.toString();
        } catch (MixedModelException e) {
            return "error: " + e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void cellPlacesGiveTheTablesAndMessagesOfCellStrings() {
        SplittableRandom r = new SplittableRandom(20261202L);
        int tables = 0;
        for (int k = 0; k < 6_000; k++) {
            char delimiter = new char[] {',', ';', '\t'}[r.nextInt(3)];
            CsvOptions options = CsvOptions.defaults();
            if (delimiter == ';' && r.nextBoolean()) {
                options = options.withDecimal(',');
            }
            if (r.nextInt(4) == 0) {
                options = options.withMissingTokens(List.of("NA", "-", " N/A "));
            }
            if (r.nextBoolean()) {
                options = options.withDelimiter(delimiter);
            }
            String text = file(r, delimiter);
            String fast = outcome(text, options, false);
            assertEquals(outcome(text, options, true), fast, text);
            tables += fast.startsWith("error: ") ? 0 : 1;
        }
        assertTrue(tables > 2_000, "only " + tables + " files read to tables");
    }

    @Test
    void manyRowsOfFewLabelsKeepTheirLabelsAndTyping() {
        // more cells than the parallel threshold: columns typed side by side, labels through the distinct-label table
        SplittableRandom r = new SplittableRandom(7);
        StringBuilder s = new StringBuilder("y,x,school,student,mixed\n");
        int rows = (int) (CsvReader.PARALLEL_CELLS / 4);
        for (int i = 0; i < rows; i++) {
            s.append(r.nextGaussian()).append(',').append(r.nextInt(100)).append(",sc").append(r.nextInt(5000))
                    .append(",st").append(i % 4).append(',').append(i == rows / 2 ? "oops" : Integer.toString(i % 7))
                    .append('\n');
        }
        String text = s.toString();
        assertEquals(outcome(text, CsvOptions.defaults(), true), outcome(text, CsvOptions.defaults(), false));
        Set<String> schools = new java.util.HashSet<>();
        DataFrame d = CsvReader.readByCellStrings(text, "f.csv", CsvOptions.defaults());
        for (int i = 0; i < rows; i++) {
            schools.add(d.column("school").label(i));
        }
        assertTrue(schools.size() > 4_000);
        // quoted cells (line ends in them need not be rows): the cell arrays start smaller and grow past 65,536 rows
        StringBuilder q = new StringBuilder("y,note\n");
        for (int i = 0; i < 70_000; i++) {
            q.append(i % 10).append(",\"n").append(i % 13).append(i % 1000 == 0 ? "\nsecond line\"\n" : "\"\n");
        }
        String quoted = q.toString();
        assertEquals(outcome(quoted, CsvOptions.defaults(), true), outcome(quoted, CsvOptions.defaults(), false));
        assertEquals(70_000, CsvReader.readByCellStrings(quoted, "q.csv", CsvOptions.defaults()).rowCount());
    }
}
