package org.mixedmodels.engine.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;

/**
 * Reads a delimited text file with a header row into a {@link DataFrame} (RFC 4180 quoting: fields in double
 * quotes may hold delimiters, line breaks and doubled quotes), as the files people have come: comma, semicolon
 * or tab separated (detected from the header when the comma gives one field, or given), a decimal comma when
 * told, a byte-order mark, line ends CR, LF or CRLF, UTF-8 by default and any named encoding. A text that
 * cannot be decoded is named by line and byte offset with the fix.
 *
 * <p>Typing, as R's {@code read.csv}: after the missing-value tokens (the empty cell and, by default,
 * {@code NA}; see {@link CsvOptions}) are removed, a column is numeric when every value parses as a number
 * ({@code NaN}, {@code Inf} and {@code -Inf} included, so that the model frame can name them instead of losing
 * them). A numeric column keeps each cell's text, so that a level made from it is labelled as written
 * ({@code 001}). A column whose values are mostly numbers but not all stays text and carries a
 * {@link NumericDoubt}, which the model frame reports unless the column is declared categorical.
 */
public final class CsvReader {
    /** Bytes looked at for signs of a binary file (NUL bytes). */
    private static final int BINARY_PROBE = 8192;

    /**
     * A table read from a file and how it was read.
     *
     * @param data the table
     * @param delimiter the delimiter used (given or detected)
     * @param encoding the encoding used
     */
    public record Table(DataFrame data, char delimiter, Charset encoding) {
        /** The delimiter as a reader names it: {@code ','}, {@code ';'}, {@code tab}. */
        public String delimiterName() {
            return delimiterName(delimiter);
        }

        static String delimiterName(char d) {
            return d == '\t' ? "tab" : "'" + d + "'";
        }
    }

    private CsvReader() {
    }

    public static DataFrame read(Path file) {
        return readTable(file, CsvOptions.defaults()).data();
    }

    public static DataFrame read(Path file, CsvOptions options) {
        return readTable(file, options).data();
    }

    /** Reads the file; every problem (missing file, encoding, layout) is a {@link MixedModelException}. */
    public static Table readTable(Path file, CsvOptions options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MixedModelException("The data file '" + file + "' does not exist.");
        } catch (IOException e) {
            throw new MixedModelException("Cannot read the data file '" + file + "': " + e.getMessage(), e);
        }
        Charset charset = options.encoding();
        int skip = 0;
        if (charset == null) {
            if (startsWith(bytes, 0xFF, 0xFE)) {
                charset = StandardCharsets.UTF_16LE;
                skip = 2;
            } else if (startsWith(bytes, 0xFE, 0xFF)) {
                charset = StandardCharsets.UTF_16BE;
                skip = 2;
            } else {
                charset = StandardCharsets.UTF_8;
                checkText(bytes, file.toString());
            }
        }
        String text = decode(bytes, skip, charset, file.toString());
        return parse(text, file.toString(), options, charset);
    }

    /** Reads text already decoded, with the default options. */
    public static DataFrame read(Reader reader, String source) throws IOException {
        return read(reader, source, CsvOptions.defaults());
    }

    public static DataFrame read(Reader reader, String source, CsvOptions options) throws IOException {
        StringBuilder all = new StringBuilder();
        char[] buffer = new char[1 << 16];
        int n;
        while ((n = reader.read(buffer)) != -1) {
            all.append(buffer, 0, n);
        }
        return parse(all.toString(), source, options, null).data();
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Refuses a workbook or other binary file before decoding it as text. */
    private static void checkText(byte[] bytes, String source) {
        if (startsWith(bytes, 'P', 'K', 3, 4)) {
            throw new MixedModelException("The data file '" + source + "' is a ZIP archive (an Excel .xlsx workbook?),"
                    + " not a CSV text file; save it as CSV (in Excel: File > Save As > CSV UTF-8).");
        }
        for (int i = 0; i < Math.min(bytes.length, BINARY_PROBE); i++) {
            if (bytes[i] == 0) {
                throw new MixedModelException("The data file '" + source + "' holds a NUL byte at byte offset " + i
                        + " (line " + lineAt(bytes, i) + "): it is a binary file or UTF-16 text without a byte-order"
                        + " mark, not a CSV text file. Save it as CSV UTF-8, or name its encoding (--encoding UTF-16LE).");
            }
        }
    }

    private static String decode(byte[] bytes, int skip, Charset charset, String source) {
        if (charset.equals(StandardCharsets.UTF_8)) {
            // String's own UTF-8 decoding (an intrinsic copy for ASCII) gives the same characters as the strict
            // decoder below for valid text and puts U+FFFD where the text is not valid; only then (or for a real
            // U+FFFD in the file) the strict decoder reads it again, to accept it or name the bad bytes. The
            // decoder's UTF-16 buffer and its compaction were half of reading a file.
            String fast = new String(bytes, skip, bytes.length - skip, StandardCharsets.UTF_8);
            if (fast.indexOf('\uFFFD') < 0) {
                return fast;
            }
        }
        CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, skip, bytes.length - skip);
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16,
                (long) (bytes.length * (double) decoder.maxCharsPerByte()) + 16));
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            StringBuilder shown = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + Math.max(1, r.length())); i++) {
                shown.append(shown.length() == 0 ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xFF));
            }
            String fix = charset.equals(StandardCharsets.UTF_8)
                    ? " Save the file as UTF-8 (in Excel: CSV UTF-8), or name its encoding, e.g. --encoding latin1"
                            + " (windows-1252 for files from Excel on Windows)."
                    : " Check the encoding named (--encoding), or save the file as UTF-8.";
            throw new MixedModelException("The data file '" + source + "' is not valid " + charset.name() + " text: line "
                    + lineAt(bytes, at) + ", byte offset " + at + " (" + shown + ") cannot be read." + fix);
        }
        out.flip();
        return out.toString();
    }

    /** The 1-based line of a byte offset (LF, CR and CRLF line ends). */
    private static int lineAt(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n')) {
                line++;
            }
        }
        return line;
    }

    /**
     * The delimiter of a file whose header is {@code text}'s first line: the one given, else ',' when the header
     * has a comma (outside quotes), else ';' or tab, whichever the header has more of, else ',' (a one-column
     * file); with a decimal comma ';' takes the comma's place.
     */
    static char delimiter(String text, CsvOptions options) {
        if (options.delimiter() != null) {
            return options.delimiter();
        }
        int commas = 0;
        int semicolons = 0;
        int tabs = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                break;
            } else if (!quoted) {
                commas += c == ',' ? 1 : 0;
                semicolons += c == ';' ? 1 : 0;
                tabs += c == '\t' ? 1 : 0;
            }
        }
        boolean commaAllowed = options.decimal() != ',';
        if (commaAllowed && commas > 0) {
            return ',';
        }
        if (semicolons > 0 || tabs > 0) {
            return tabs > semicolons ? '\t' : ';';
        }
        return commaAllowed ? ',' : ';';
    }

    /** From this many cells on, the columns are typed in parallel. */
    static final long PARALLEL_CELLS = 200_000;

    private static Table parse(String text, String source, CsvOptions options, Charset charset) {
        return parse(text, source, options, charset, false);
    }

    /**
     * The table of a text as {@link #read(Reader, String, CsvOptions)} reads it, by the reader's first way: every
     * cell cut out as a String and typed from the strings (for tests: the cell-position path must give the same
     * table and messages).
     */
    static DataFrame readByCellStrings(String text, String source, CsvOptions options) {
        return parse(text, source, options, null, true).data();
    }

    /**
     * @param keepCellStrings cut every cell out as a String and type the columns from those (the reader's first
     *     way, kept to check the default against); else the cells are kept as positions in the text and only the
     *     labels of text columns become Strings, one per distinct label
     */
    private static Table parse(String text, String source, CsvOptions options, Charset charset,
            boolean keepCellStrings) {
        // Excel's "sep=;" first line names the delimiter; it is not the header
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        int firstLine = 1;
        if (body.length() >= 5 && body.startsWith("sep=") && (body.length() == 5 || body.charAt(5) == '\n'
                || body.charAt(5) == '\r')) {
            char named = body.charAt(4);
            int next = body.length() > 6 && body.charAt(5) == '\r' && body.charAt(6) == '\n' ? 7 : Math.min(6, body.length());
            text = body.substring(next);
            firstLine = 2;
            if (options.delimiter() == null) {
                options = options.withDelimiter(named);
            }
        }
        char delimiter = delimiter(text, options);
        Records records = parseRecords(text, source, delimiter, firstLine, keepCellStrings);
        if (records.header == null) {
            throw new MixedModelException("The data file '" + source + "' is empty: it needs a header row and data rows.");
        }
        String[] header = records.header;
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < header.length; j++) {
            if (header[j].isBlank()) {
                throw new MixedModelException("Column " + (j + 1) + " of the header of '" + source + "' has no name.");
            }
            Integer earlier = seen.putIfAbsent(header[j].strip(), j);
            if (earlier != null) {
                throw new MixedModelException("The column name '" + header[j].strip() + "' occurs twice in the header"
                        + " of '" + source + "' (columns " + (earlier + 1) + " and " + (j + 1)
                        + "); give every column a unique name.");
            }
        }
        int n = records.rows;
        if (n == 0) {
            throw new MixedModelException("The data file '" + source + "' has a header but no data rows.");
        }
        if (records.misfit != null) {
            throw new MixedModelException("Line " + records.misfitLine + " of '" + source + "' has "
                    + records.misfit.length + " fields but the header has " + header.length + " (delimiter "
                    + Table.delimiterName(delimiter) + (options.delimiter() == null ? ", detected from the header" : "")
                    + ")." + layoutHint(header.length, records.misfit, delimiter, options));
        }
        int[] lineOfRow = Arrays.copyOf(records.lineOfRow, n);
        Column[] columns = new Column[header.length];
        CsvOptions typing = options;
        java.util.stream.IntStream columnIndices = java.util.stream.IntStream.range(0, header.length);
        // the columns are typed independently (each reads its own cells of the shared, read-only text), so they
        // are typed side by side on the cores when there are enough cells to pay for it; the result is the same
        if ((long) n * header.length >= PARALLEL_CELLS && header.length > 1) {
            columnIndices = columnIndices.parallel();
        }
        columnIndices.forEach(j -> {
            String name = header[j].strip();
            if (records.stringColumns != null) {
                String[] raw = records.stringColumns[j].length == n ? records.stringColumns[j]
                        : Arrays.copyOf(records.stringColumns[j], n);
                records.stringColumns[j] = null; // let the cells of a typed column go
                for (int i = 0; i < n; i++) {
                    if (typing.isMissing(raw[i])) {
                        raw[i] = null;
                    }
                }
                columns[j] = toColumn(name, raw, lineOfRow, typing);
            } else {
                columns[j] = new CellTyping(records.in, records.from[j], records.to[j], n, records.copies, typing)
                        .column(name, lineOfRow);
                records.from[j] = null;
                records.to[j] = null;
            }
        });
        return new Table(new DataFrame(Arrays.asList(columns)), delimiter, charset);
    }

    /** A hint when a data line does not fit the header: the likely fix. */
    private static String layoutHint(int headerFields, String[] record, char delimiter, CsvOptions options) {
        if (delimiter == ';' && options.decimal() == '.' && record.length > headerFields) {
            return " Quote fields that hold ';'.";
        }
        if (delimiter == ',' && record.length > headerFields && String.join(",", record).contains(";")) {
            return " Is ',' the decimal mark of a ';'-separated file? Then give --delimiter ';' --decimal ,.";
        }
        return options.delimiter() == null ? " Give the delimiter with --delimiter if it is not "
                + Table.delimiterName(delimiter) + "." : "";
    }

    /**
     * Types one column of text cells as the reader does (see the class comment): numeric when every cell that is
     * not missing is a number, else text, with a {@link NumericDoubt} when most cells are numbers.
     *
     * @param cells the cells (null or a missing token: missing); not modified
     * @param lineOfRow the file line of each row, for messages; null when the cells are not from a file
     */
    public static Column typeColumn(String name, String[] cells, int[] lineOfRow, CsvOptions options) {
        String[] raw = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            raw[i] = options.isMissing(cells[i]) ? null : cells[i];
        }
        return toColumn(name, raw, lineOfRow, options);
    }

    private static Column toColumn(String name, String[] raw, int[] lineOfRow, CsvOptions options) {
        int n = raw.length;
        double[] values = new double[n];
        BitSet missing = new BitSet(n);
        String[] text = null;
        int numbers = 0;
        int others = 0;
        int firstOther = -1;
        Set<String> tokens = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            if (raw[i] == null) {
                missing.set(i);
                continue;
            }
            String s = raw[i].strip();
            if (!parseNumber(s, options.decimal(), values, i)) {
                others++;
                if (firstOther < 0) {
                    firstOther = i;
                }
                if (tokens.size() < 5) {
                    tokens.add(s);
                }
                continue;
            }
            numbers++;
            if (others == 0 && !writtenAsFormatted(s, values[i])) {
                if (text == null) {
                    text = new String[n];
                }
                text[i] = s;
            }
        }
        if (others == 0) {
            return new NumericColumn(name, values, missing, text);
        }
        String[] labels = raw.clone();
        NumericDoubt doubt = numbers > others
                ? new NumericDoubt(numbers, others, firstOther, lineOfRow == null ? -1 : lineOfRow[firstOther],
                        new ArrayList<>(tokens),
                        options.describeMissing())
                : null;
        return new CategoricalColumn(name, labels, doubt);
    }

    /**
     * Whether {@link NumericColumn#format} of the value gives back the text as written, so that the text need not
     * be kept; decided from the text alone for a finite value in the normal range (format itself is slow,
     * BigDecimal, and was most of the time of reading a file of numbers). For a value that is not whole, format
     * writes the plain decimal {@code -?(0|[1-9][0-9]*)\.[0-9]*[1-9]} (no exponent, no trailing zero) with at most
     * 15 significant digits; a text of that form with at most 15 significant digits is what format writes of the
     * double nearest to it (the double is within 2^-53 relative of the text, far inside half a unit of the 15th
     * digit), and a text of any other form, or with more digits, is not. Whole numbers from 1e15, values near
     * the subnormal range and non-finite ones ask format itself.
     */
    static boolean writtenAsFormatted(String s, double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return s.equals(Long.toString((long) d));
        }
        if (!Double.isFinite(d) || d == Math.rint(d) || Math.abs(d) < Double.MIN_NORMAL * 0x1p53) {
            return s.equals(NumericColumn.format(d));
        }
        return isShortPlainDecimal(s);
    }

    /** Whether s is {@code -?(0|[1-9][0-9]*)\.[0-9]*[1-9]} with at most 15 significant digits. */
    private static boolean isShortPlainDecimal(String s) {
        return isShortPlainDecimal(s, 0, s.length());
    }

    /** {@link #isShortPlainDecimal(String)} of {@code s[from, to)}. */
    private static boolean isShortPlainDecimal(CharSequence s, int from, int to) {
        int n = to;
        int i = n > from && s.charAt(from) == '-' ? from + 1 : from;
        int point = -1;
        for (int k = i; k < n; k++) {
            if (s.charAt(k) == '.') {
                point = k;
                break;
            }
        }
        if (point <= i || point == n - 1 || s.charAt(n - 1) == '0' || point - i > 1 && s.charAt(i) == '0') {
            return false;
        }
        int significant = 0;
        boolean leading = true;
        for (int k = i; k < n; k++) {
            if (k == point) {
                continue;
            }
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
            if (leading && c == '0') {
                continue;
            }
            leading = false;
            significant++;
        }
        return significant <= 15;
    }

    /** A number as R reads one, or null; with a decimal comma, {@code 2,5} is 2.5 and {@code 2.5} is text. */
    public static Double parseNumber(String s, char decimal) {
        double[] value = new double[1];
        return parseNumber(s, decimal, value, 0) ? value[0] : null;
    }

    /** {@link #parseNumber(String, char)} into {@code out[at]}, without boxing; false for a text that is not a number. */
    static boolean parseNumber(String s, char decimal, double[] out, int at) {
        switch (s) {
            case "NaN":
                out[at] = Double.NaN;
                return true;
            case "Inf":
            case "+Inf":
                out[at] = Double.POSITIVE_INFINITY;
                return true;
            case "-Inf":
                out[at] = Double.NEGATIVE_INFINITY;
                return true;
            default:
                break;
        }
        if (decimal == ',') {
            if (s.indexOf('.') >= 0) {
                return false;
            }
            s = s.replace(',', '.');
        }
        if (s.isEmpty() || !(Character.isDigit(s.charAt(s.length() - 1)) || s.charAt(s.length() - 1) == '.')) {
            return false; // rejects Java-only forms such as "1d", "1f", "Infinity"
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
                return false; // hex floats (0x1p3) and other Java-only forms
            }
        }
        double fast = shortDecimal(s);
        if (fast == fast) {
            out[at] = fast;
            return true;
        }
        try {
            out[at] = Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Powers of ten that are exact doubles. */
    private static final double[] EXACT_POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /**
     * The value of a plain decimal {@code -?[0-9]+(\.[0-9]*)?} with at most 15 significant digits and at most 22
     * after the point, else NaN (the caller then asks Double.parseDouble). The digits make an integer m below 2^53
     * and the value is m / 10^k with both exact doubles, so the one rounding of the division gives the correctly
     * rounded double, which is what Double.parseDouble returns (Clinger 1990, "How to read floating point numbers
     * accurately", the fast path): the same bits, at a fraction of the time.
     */
    static double shortDecimal(String s) {
        return shortDecimal(s, 0, s.length(), '.');
    }

    /** {@link #shortDecimal(String)} of {@code s[from, to)}, with {@code point} as the decimal mark. */
    static double shortDecimal(CharSequence s, int from, int to, char point) {
        int n = to;
        int i = n > from && s.charAt(from) == '-' ? from + 1 : from;
        if (i == n) {
            return Double.NaN;
        }
        long m = 0;
        int digits = 0;
        int afterPoint = -1;
        for (int k = i; k < n; k++) {
            char c = s.charAt(k);
            if (c == point) {
                if (afterPoint >= 0) {
                    return Double.NaN;
                }
                afterPoint = 0;
                continue;
            }
            if (c < '0' || c > '9') {
                return Double.NaN;
            }
            if (afterPoint >= 0) {
                afterPoint++;
            }
            if (m != 0 || c != '0') {
                if (++digits > 15) {
                    return Double.NaN;
                }
            }
            m = m * 10 + (c - '0');
        }
        int scale = Math.max(afterPoint, 0);
        if (scale > 22 || afterPoint == 0 && n - i == 1) {
            return Double.NaN; // "." alone, or too many places: the slow path decides
        }
        double v = scale == 0 ? m : m / EXACT_POWERS_OF_TEN[scale];
        return i > from ? -v : v;
    }

    /**
     * Types one column from its cells' places in the text ({@link Records}): the same column, bit for bit and
     * label for label, as {@link #toColumn} of the cells' strings, without a String per cell. Numbers are read
     * from the text in place (the short plain decimals by {@link #shortDecimal}; any other text that may be a
     * number goes to {@link #parseNumber(String, char, double[], int)} as a String), and the labels of a text
     * column are one String per distinct label (an id column of 800,000 rows and 100,000 schools makes 100,000).
     */
    private static final class CellTyping {
        private final String text;
        private final int[] from;
        private final int[] to;
        private final int n;
        private final List<String> copies;
        private final CsvOptions options;
        private final String[] missingTokens;
        private final char decimal;

        CellTyping(String text, int[] from, int[] to, int n, List<String> copies, CsvOptions options) {
            this.text = text;
            this.from = from;
            this.to = to;
            this.n = n;
            this.copies = copies;
            this.options = options;
            this.missingTokens = options.missingTokens().toArray(new String[0]);
            this.decimal = options.decimal();
        }

        Column column(String name, int[] lineOfRow) {
            double[] values = new double[n];
            BitSet missing = new BitSet(n);
            String[] kept = null;
            int numbers = 0;
            int others = 0;
            int firstOther = -1;
            Set<String> tokens = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                int a = from[i];
                String s = null;
                int b;
                if (a < 0) { // a cell that is not one run of the text: typed from its String, as toColumn does
                    String cell = copies.get(-1 - a);
                    if (options.isMissing(cell)) {
                        missing.set(i);
                        continue;
                    }
                    s = cell.strip();
                    a = 0;
                    b = 0;
                } else {
                    b = to[i];
                    while (a < b && Character.isWhitespace(text.charAt(a))) {
                        a++;
                    }
                    while (b > a && Character.isWhitespace(text.charAt(b - 1))) {
                        b--;
                    }
                    if (a == b || isMissingToken(a, b)) {
                        missing.set(i);
                        continue;
                    }
                    if (plainInteger(a, b, values, i)) { // what number() and writtenAsFormattedAt() find, sooner
                        numbers++;
                        continue;
                    }
                }
                boolean number = s != null ? parseNumber(s, decimal, values, i) : number(a, b, values, i);
                if (!number) {
                    others++;
                    if (firstOther < 0) {
                        firstOther = i;
                    }
                    if (tokens.size() < 5) {
                        tokens.add(s != null ? s : text.substring(a, b));
                    }
                    continue;
                }
                numbers++;
                if (others == 0 && !(s != null ? writtenAsFormatted(s, values[i]) : writtenAsFormattedAt(a, b, values[i]))) {
                    if (kept == null) {
                        kept = new String[n];
                    }
                    kept[i] = s != null ? s : text.substring(a, b);
                }
            }
            if (others == 0) {
                return new NumericColumn(name, values, missing, kept);
            }
            String[] labels = new String[n];
            Labels distinct = new Labels(text);
            for (int i = 0; i < n; i++) {
                if (!missing.get(i)) {
                    labels[i] = from[i] < 0 ? copies.get(-1 - from[i]) : distinct.of(from[i], to[i]);
                }
            }
            NumericDoubt doubt = numbers > others
                    ? new NumericDoubt(numbers, others, firstOther, lineOfRow == null ? -1 : lineOfRow[firstOther],
                            new ArrayList<>(tokens), options.describeMissing())
                    : null;
            return new CategoricalColumn(name, labels, doubt);
        }

        /**
         * Reads text[a, b) (stripped, not empty) when it is an integer written as Long.toString writes it, below
         * 10^15: an optional '-', then digits without a leading zero ("0" alone is one; "-0" is not). Such a text is
         * a number whose value {@link #number} reads exactly (a long below 2^53) and that {@link
         * #writtenAsFormattedAt} finds written as formatted, so nothing else need be done with it.
         */
        private boolean plainInteger(int a, int b, double[] out, int at) {
            boolean negative = text.charAt(a) == '-';
            int k = negative ? a + 1 : a;
            int digits = b - k;
            if (digits < 1 || digits > 15 || digits > 1 && text.charAt(k) == '0') {
                return false;
            }
            long v = 0;
            for (; k < b; k++) {
                char c = text.charAt(k);
                if (c < '0' || c > '9') {
                    return false;
                }
                v = v * 10 + (c - '0');
            }
            if (negative && v == 0) {
                return false;
            }
            out[at] = negative ? -(double) v : (double) v;
            return true;
        }

        /** Whether text[a, b) (stripped, not empty) is one of the missing-value tokens. */
        private boolean isMissingToken(int a, int b) {
            for (String t : missingTokens) {
                if (t.length() == b - a && text.regionMatches(a, t, 0, b - a)) {
                    return true;
                }
            }
            return false;
        }

        private boolean regionIs(int a, int b, String word) {
            return b - a == word.length() && text.regionMatches(a, word, 0, b - a);
        }

        /**
         * {@link #parseNumber(String, char, double[], int)} of text[a, b) (stripped, not empty): the same tests in
         * place, the String made only for a text the fast path does not read and that may still be a number.
         */
        private boolean number(int a, int b, double[] out, int at) {
            if (regionIs(a, b, "NaN") || regionIs(a, b, "Inf") || regionIs(a, b, "+Inf") || regionIs(a, b, "-Inf")) {
                return parseNumber(text.substring(a, b), decimal, out, at);
            }
            char last = text.charAt(b - 1);
            if (!(last >= '0' && last <= '9' || last == decimal)) {
                return false; // rejects Java-only forms such as "1d", "1f", "Infinity"
            }
            for (int k = a; k < b; k++) {
                char c = text.charAt(k);
                if (!(c >= '0' && c <= '9' || c == decimal || c == '-' || c == '+' || c == 'e' || c == 'E')) {
                    return false; // text, hex floats (0x1p3), the other decimal mark
                }
            }
            double fast = shortDecimal(text, a, b, decimal);
            if (fast == fast) {
                out[at] = fast;
                return true;
            }
            return parseNumber(text.substring(a, b), decimal, out, at);
        }

        /** {@link #writtenAsFormatted(String, double)} of text[a, b). */
        private boolean writtenAsFormattedAt(int a, int b, double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return isLongText(a, b, (long) d);
            }
            if (!Double.isFinite(d) || d == Math.rint(d) || Math.abs(d) < Double.MIN_NORMAL * 0x1p53) {
                return text.substring(a, b).equals(NumericColumn.format(d));
            }
            return isShortPlainDecimal(text, a, b);
        }

        /** Whether text[a, b) is Long.toString(v), for |v| < 1e15. */
        private boolean isLongText(int a, int b, long v) {
            int k = b;
            long u = Math.abs(v);
            do {
                if (k <= a || text.charAt(--k) != (char) ('0' + u % 10)) {
                    return false;
                }
                u /= 10;
            } while (u != 0);
            if (v < 0 && (k <= a || text.charAt(--k) != '-')) {
                return false;
            }
            return k == a;
        }
    }

    /** One String per distinct label of a column: an open-addressing table over places in the text. */
    private static final class Labels {
        private final String text;
        private String[] table = new String[64];
        private int size;

        Labels(String text) {
            this.text = text;
        }

        String of(int a, int b) {
            int h = 0;
            for (int k = a; k < b; k++) {
                h = 31 * h + text.charAt(k); // String.hashCode of the label
            }
            int mask = table.length - 1;
            int slot = spread(h, mask);
            for (String t = table[slot]; t != null; t = table[slot]) {
                if (t.length() == b - a && text.regionMatches(a, t, 0, b - a)) {
                    return t;
                }
                slot = slot + 1 & mask;
            }
            String label = text.substring(a, b);
            table[slot] = label;
            if (++size * 2 > table.length) {
                grow();
            }
            return label;
        }

        /**
         * The slot of a hash: Fibonacci hashing (the high bits of h times 2^32 / golden ratio), since ids such as
         * sc0, sc1, ... have consecutive String hashes, which fill runs of a table indexed by their low bits.
         */
        private int spread(int h, int mask) {
            return (h * 0x9E3779B9) >>> Integer.numberOfLeadingZeros(mask) & mask;
        }

        private void grow() {
            String[] old = table;
            table = new String[old.length * 2];
            int mask = table.length - 1;
            for (String t : old) {
                if (t != null) {
                    int slot = spread(t.hashCode(), mask);
                    while (table[slot] != null) {
                        slot = slot + 1 & mask;
                    }
                    table[slot] = t;
                }
            }
        }
    }

    /**
     * What {@link #parseRecords} found: the header's fields, the data cells by column (row-major records are
     * never built: a record's fields go straight to their columns), the 1-based line each data row starts on,
     * and the first data record whose field count differs from the header's (with its line), if any.
     *
     * <p>A cell is kept as its place in the text, {@code from[k][row]} to {@code to[k][row]} (white space around
     * an unquoted cell already left out), so that reading a file makes no object per cell; a cell that is not
     * one run of the text (a quoted field with a doubled quote, or text after a closing quote) is kept as a
     * String in {@code copies}, and its {@code from} is {@code -1 - index}. With {@code stringColumns} (the
     * reader's first way, for tests) every cell is a String instead.
     */
    private static final class Records {
        final String in;
        String[] header;
        String[][] stringColumns;
        int[][] from;
        int[][] to;
        final List<String> copies = new ArrayList<>();
        final boolean cellStrings;
        final int expectedRows;
        int[] lineOfRow = new int[16];
        int rows;
        String[] misfit;
        int misfitLine;
        /** Fields of the current record beyond the header's count. */
        final List<String> extra = new ArrayList<>();

        Records(String in, boolean cellStrings, int expectedRows) {
            this.in = in;
            this.cellStrings = cellStrings;
            this.expectedRows = Math.max(16, expectedRows);
        }

        /** Adds field number k of the current record (the header while there is none), stripped when told. */
        void field(List<String> headerFields, int k, Field field, boolean strip) {
            if (header == null) {
                headerFields.add(field.value(strip));
            } else if (k >= header.length) {
                extra.add(field.value(strip));
            } else if (cellStrings) {
                String[] column = stringColumns[k];
                if (rows >= column.length) {
                    column = stringColumns[k] = Arrays.copyOf(column, Math.max(16, column.length * 2));
                }
                column[rows] = field.value(strip);
            } else {
                if (rows >= from[k].length) {
                    int grown = from[k].length * 2;
                    from[k] = Arrays.copyOf(from[k], grown);
                    to[k] = Arrays.copyOf(to[k], grown);
                }
                if (field.copied) {
                    from[k][rows] = -1 - copies.size();
                    copies.add(field.value(strip));
                    return;
                }
                int a = field.start;
                int b = field.end;
                if (strip) { // as String.strip: no whitespace code point lies outside the BMP
                    while (a < b && Character.isWhitespace(in.charAt(a))) {
                        a++;
                    }
                    while (b > a && Character.isWhitespace(in.charAt(b - 1))) {
                        b--;
                    }
                }
                from[k][rows] = a;
                to[k][rows] = b;
            }
        }

        /** The text of cell (k, row). */
        String cell(int k, int row) {
            if (cellStrings) {
                return stringColumns[k][row];
            }
            int a = from[k][row];
            return a < 0 ? copies.get(-1 - a) : in.substring(a, to[k][row]);
        }

        /** Ends a record of {@code count} fields that started on {@code line}. */
        void endRecord(List<String> headerFields, int count, int line) {
            if (header == null) {
                header = headerFields.toArray(new String[0]);
                if (cellStrings) {
                    stringColumns = new String[header.length][16]; // grown as rows come
                } else {
                    // room for every row at once when the line ends count the rows: a row of h fields takes at
                    // least h characters; quoted fields may hold line ends that are not rows, so then the arrays
                    // start smaller and grow (a file of long multi-line notes would otherwise reserve a row for
                    // every line)
                    int rowsAtMost = (int) Math.min(expectedRows, (long) in.length() / header.length + 1);
                    int initial = in.indexOf('"') >= 0 ? Math.min(rowsAtMost, 1 << 16) : rowsAtMost;
                    from = new int[header.length][Math.max(16, initial)];
                    to = new int[header.length][Math.max(16, initial)];
                }
                return;
            }
            if (count != header.length && misfit == null) {
                misfit = new String[count];
                for (int k = 0; k < count; k++) {
                    misfit[k] = k < header.length ? cell(k, rows) : extra.get(k - header.length);
                }
                misfitLine = line;
            }
            extra.clear();
            if (rows >= lineOfRow.length) {
                lineOfRow = Arrays.copyOf(lineOfRow, lineOfRow.length * 2);
            }
            lineOfRow[rows++] = line;
        }
    }

    /** The number of line ends (LF, else CR) in the text: the data rows expected after the header. */
    private static int lineEnds(String in) {
        int count = 0;
        char end = in.indexOf('\n') >= 0 ? '\n' : '\r';
        for (int at = in.indexOf(end); at >= 0; at = in.indexOf(end, at + 1)) {
            count++;
        }
        return count;
    }

    /**
     * Splits the text into records of fields, the first the header. One pass over the characters; a field is
     * cut out of the text as one substring while its characters lie side by side (every unquoted field, and a
     * quoted one without doubled quotes), else collected character by character, so a field of many quotes
     * stays linear.
     */
    private static Records parseRecords(String in, String source, char delimiter, int firstLine,
            boolean cellStrings) {
        Records records = new Records(in, cellStrings, cellStrings ? 0 : lineEnds(in) + 1);
        List<String> headerFields = new ArrayList<>();
        Field field = new Field(in);
        int count = 0;
        boolean quoted = false;
        boolean fieldWasQuoted = false;
        // whether the (unquoted) field holds more than white space; kept as characters arrive, since testing
        // the field's text for blanks at every quote made a field of many quotes quadratic to read
        boolean fieldHasText = false;
        boolean recordHasContent = false;
        int line = firstLine;
        int recordLine = firstLine;
        int quoteLine = 0;
        int length = in.length();
        int i = 0;
        if (length > 0 && in.charAt(0) == '\uFEFF') {
            i = 1; // byte-order mark
        }
        field.reset(i);
        for (; i < length; i++) {
            char c = in.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < length && in.charAt(i + 1) == '"') {
                        field.appendOther('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n' || c == '\r' && !(i + 1 < length && in.charAt(i + 1) == '\n')) {
                        line++;
                    }
                    field.append(c, i);
                }
                continue;
            }
            if (c == delimiter) {
                records.field(headerFields, count++, field, !fieldWasQuoted);
                field.reset(i + 1);
                fieldWasQuoted = false;
                fieldHasText = false;
                recordHasContent = true;
            } else if (c == '"') {
                if (!fieldHasText && !fieldWasQuoted) {
                    quoted = true;
                    fieldWasQuoted = true;
                    quoteLine = line;
                    field.reset(i + 1);
                } else {
                    field.append('"', i);
                    fieldHasText = true;
                }
                recordHasContent = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < length && in.charAt(i + 1) == '\n') {
                    i++; // CRLF is one line end
                }
                if (recordHasContent || field.length() > 0) {
                    records.field(headerFields, count++, field, !fieldWasQuoted);
                    records.endRecord(headerFields, count, recordLine);
                }
                line++;
                recordLine = line;
                count = 0;
                field.reset(i + 1);
                fieldWasQuoted = false;
                fieldHasText = false;
                recordHasContent = false;
            } else {
                if (c == '\uFEFF' && records.header == null && count == 0 && field.length() == 0) {
                    field.reset(i + 1);
                    continue; // a repeated byte-order mark
                }
                field.append(c, i);
                fieldHasText |= !Character.isWhitespace(c);
                recordHasContent = true;
            }
        }
        if (quoted) {
            throw new MixedModelException("A quoted field opened on line " + quoteLine + " of '" + source
                    + "' is never closed: check for a missing '\"'.");
        }
        if (recordHasContent || field.length() > 0) {
            records.field(headerFields, count++, field, !fieldWasQuoted);
            records.endRecord(headerFields, count, recordLine);
        }
        return records;
    }

    /**
     * The field being read: while its characters are one run of the text, {@code in[start, end)}; once a
     * character is added that does not continue the run (after a closing or doubled quote), a copy.
     */
    private static final class Field {
        private final String in;
        private final StringBuilder copy = new StringBuilder();
        int start;
        int end;
        boolean copied;

        Field(String in) {
            this.in = in;
        }

        /** An empty field whose characters would start at {@code at}. */
        void reset(int at) {
            start = at;
            end = at;
            copied = false;
        }

        /** Adds the character c found at position {@code at} of the text. */
        void append(char c, int at) {
            if (!copied && end == at) {
                end = at + 1;
            } else {
                appendOther(c);
            }
        }

        /** Adds a character that is not the next one of the run (a doubled quote's one quote). */
        void appendOther(char c) {
            if (!copied) {
                copy.setLength(0);
                copy.append(in, start, end);
                copied = true;
            }
            copy.append(c);
        }

        int length() {
            return copied ? copy.length() : end - start;
        }

        /** The field's text, stripped of white space around it when {@code strip}. */
        String value(boolean strip) {
            String v = copied ? copy.toString() : in.substring(start, end);
            return strip ? v.strip() : v;
        }
    }
}
