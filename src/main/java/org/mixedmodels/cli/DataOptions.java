package org.mixedmodels.cli;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.CsvOptions;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericDoubt;

/** The options of {@link Commands#READING}: how a data file is read and typed. */
final class DataOptions {
    private DataOptions() {
    }

    /** The file read with --na, --delimiter, --decimal, --encoding, then --categorical applied. */
    static CsvReader.Table read(Map<String, List<String>> options, String file) {
        CsvReader.Table t = CsvReader.readTable(Path.of(file), csvOptions(options));
        List<String> categorical = categorical(options);
        if (categorical.isEmpty()) {
            return t;
        }
        return new CsvReader.Table(t.data().withCategorical(categorical), t.delimiter(), t.encoding());
    }

    static DataFrame frame(Map<String, List<String>> options, String file) {
        return read(options, file).data();
    }

    /**
     * Refuses a measurement column that is numbers except for a few cells (see {@link NumericDoubt}), with its
     * message (row, text, what to do), for the commands whose engine takes columns rather than a formula.
     */
    static DataFrame numeric(DataFrame data, List<String> columns) {
        for (String c : columns) {
            if (c != null && data.hasColumn(c) && data.column(c) instanceof CategoricalColumn cat
                    && cat.numericDoubt() != null) {
                throw new MixedModelException(cat.numericDoubt().message(c));
            }
        }
        return data;
    }

    static List<String> categorical(Map<String, List<String>> options) {
        List<String> out = new ArrayList<>();
        for (String v : options.getOrDefault("--categorical", List.of())) {
            for (String c : v.split(",")) {
                if (!c.isBlank()) {
                    out.add(c.strip());
                }
            }
        }
        return out;
    }

    static CsvOptions csvOptions(Map<String, List<String>> options) {
        CsvOptions o = CsvOptions.defaults();
        String na = CommandLineOptions.single(options, "--na", false);
        if (na != null) {
            o = o.withMissingTokens(List.of(na.split(",", -1)));
        }
        String delimiter = CommandLineOptions.single(options, "--delimiter", false);
        String decimal = CommandLineOptions.single(options, "--decimal", false);
        char decimalMark = '.';
        if (decimal != null) {
            if (!decimal.equals(".") && !decimal.equals(",")) {
                throw new Main.UsageException("--decimal takes . or , not '" + decimal + "'.");
            }
            decimalMark = decimal.charAt(0);
        }
        Character delimiterChar = delimiter == null ? null : delimiter(delimiter);
        if (delimiterChar != null && delimiterChar == decimalMark) {
            throw new Main.UsageException("--delimiter and --decimal are both '" + decimalMark + "'; with a decimal comma"
                    + " the delimiter is usually ';'.");
        }
        o = o.withDecimal(decimalMark).withDelimiter(delimiterChar);
        String encoding = CommandLineOptions.single(options, "--encoding", false);
        if (encoding != null) {
            try {
                o = o.withEncoding(Charset.forName(encoding));
            } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                throw new Main.UsageException("--encoding: unknown encoding '" + encoding + "'; e.g. UTF-8, latin1,"
                        + " windows-1252, UTF-16.");
            }
        }
        return o;
    }

    private static char delimiter(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "tab", "\\t", "\t":
                return '\t';
            case "comma":
                return ',';
            case "semicolon":
                return ';';
            default:
                if (text.length() == 1 && text.charAt(0) != '"' && text.charAt(0) != '\n' && text.charAt(0) != '\r') {
                    return text.charAt(0);
                }
                throw new Main.UsageException("--delimiter takes one character (',' ';' '|') or tab, not '" + text + "'.");
        }
    }
}
