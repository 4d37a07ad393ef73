package org.mixedmodels.engine.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.mixedmodels.engine.MixedModelException;

/**
 * Reads a comma-separated file with a header row into a {@link DataFrame} (RFC 4180 quoting: fields
 * in double quotes may hold commas, line breaks and doubled quotes). An empty field or {@code NA} is
 * missing. A column is numeric when every non-missing value parses as a number, as R's
 * {@code read.csv} decides; {@code NaN}, {@code Inf} and {@code -Inf} count as numbers, so that the
 * model frame can name them instead of losing them.
 */
public final class CsvReader {
    private CsvReader() {
    }

    public static DataFrame read(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new MixedModelException("The data file '" + file + "' does not exist.");
        } catch (IOException e) {
            throw new MixedModelException("Cannot read the data file '" + file + "': " + e.getMessage(), e);
        }
    }

    public static DataFrame read(Reader reader, String source) throws IOException {
        List<List<String>> records = parseRecords(new BufferedReader(reader), source);
        if (records.isEmpty()) {
            throw new MixedModelException("The data file '" + source + "' is empty: it needs a header row and data rows.");
        }
        List<String> header = records.get(0);
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int j = 0; j < header.size(); j++) {
            if (header.get(j).isBlank()) {
                throw new MixedModelException("Column " + (j + 1) + " of the header of '" + source + "' has no name.");
            }
            Integer earlier = seen.putIfAbsent(header.get(j).strip(), j);
            if (earlier != null) {
                throw new MixedModelException("The column name '" + header.get(j).strip() + "' occurs twice in the header"
                        + " of '" + source + "' (columns " + (earlier + 1) + " and " + (j + 1)
                        + "); give every column a unique name.");
            }
        }
        int n = records.size() - 1;
        if (n == 0) {
            throw new MixedModelException("The data file '" + source + "' has a header but no data rows.");
        }
        for (int i = 1; i <= n; i++) {
            if (records.get(i).size() != header.size()) {
                throw new MixedModelException("Line " + (i + 1) + " of '" + source + "' has " + records.get(i).size()
                        + " fields but the header has " + header.size() + ".");
            }
        }
        List<Column> columns = new ArrayList<>(header.size());
        for (int j = 0; j < header.size(); j++) {
            String[] raw = new String[n];
            for (int i = 0; i < n; i++) {
                String v = records.get(i + 1).get(j);
                raw[i] = isMissing(v) ? null : v;
            }
            columns.add(toColumn(header.get(j).strip(), raw));
        }
        return new DataFrame(columns);
    }

    private static boolean isMissing(String v) {
        return v == null || v.isBlank() || v.strip().equals("NA");
    }

    private static Column toColumn(String name, String[] raw) {
        double[] values = new double[raw.length];
        BitSet missing = new BitSet(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == null) {
                missing.set(i);
                continue;
            }
            Double d = parseNumber(raw[i].strip());
            if (d == null) {
                return new CategoricalColumn(name, raw);
            }
            values[i] = d;
        }
        return new NumericColumn(name, values, missing);
    }

    private static Double parseNumber(String s) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "Inf":
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (s.isEmpty() || !(Character.isDigit(s.charAt(s.length() - 1)) || s.charAt(s.length() - 1) == '.')) {
            return null; // rejects Java-only forms such as "1d", "1f", "Infinity"
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<List<String>> parseRecords(BufferedReader in, String source) throws IOException {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldWasQuoted = false;
        // whether the (unquoted) field holds more than white space; kept as characters arrive, since testing
        // field.toString().isBlank() at every quote made a field of many quotes quadratic to read
        boolean fieldHasText = false;
        boolean recordHasContent = false;
        int line = 1;
        int quoteLine = 0;
        int c;
        while ((c = in.read()) != -1) {
            if (quoted) {
                if (c == '"') {
                    in.mark(1);
                    int next = in.read();
                    if (next == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        if (next != -1) {
                            in.reset();
                        }
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append((char) c);
                }
                continue;
            }
            switch (c) {
                case '"':
                    if (!fieldHasText && !fieldWasQuoted) {
                        quoted = true;
                        fieldWasQuoted = true;
                        quoteLine = line;
                        field.setLength(0);
                    } else {
                        field.append('"');
                        fieldHasText = true;
                    }
                    recordHasContent = true;
                    break;
                case ',':
                    record.add(fieldWasQuoted ? field.toString() : field.toString().strip());
                    field.setLength(0);
                    fieldWasQuoted = false;
                    fieldHasText = false;
                    recordHasContent = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    line++;
                    if (recordHasContent || field.length() > 0) {
                        record.add(fieldWasQuoted ? field.toString() : field.toString().strip());
                        records.add(record);
                    }
                    record = new ArrayList<>();
                    field.setLength(0);
                    fieldWasQuoted = false;
                    fieldHasText = false;
                    recordHasContent = false;
                    break;
                default:
                    if (c == '\uFEFF' && records.isEmpty() && record.isEmpty() && field.length() == 0) {
                        break; // byte-order mark
                    }
                    field.append((char) c);
                    fieldHasText |= !Character.isWhitespace(c);
                    recordHasContent = true;
            }
        }
        if (quoted) {
            throw new MixedModelException("A quoted field opened on line " + quoteLine + " of '" + source
                    + "' is never closed: check for a missing '\"'.");
        }
        if (recordHasContent || field.length() > 0) {
            record.add(fieldWasQuoted ? field.toString() : field.toString().strip());
            records.add(record);
        }
        return records;
    }
}
