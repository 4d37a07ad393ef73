package org.mixedmodels.engine.data;

import java.nio.charset.Charset;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;

/**
 * How to read a delimited text file: the field delimiter (null: detected from the header), the decimal
 * mark, the text encoding (null: UTF-8, or UTF-16 when the file starts with its byte-order mark) and the
 * cell texts that mean "missing". An empty cell is always missing; the other tokens replace the default
 * {@code NA}, as R's {@code na.strings} does.
 *
 * @param delimiter the field delimiter, or null to take ',' unless the header has none and has ';' or tabs
 * @param decimal the decimal mark, '.' or ','
 * @param encoding the file's encoding, or null for UTF-8 (UTF-16 with a byte-order mark)
 * @param missingTokens texts (after trimming white space) that are missing values, besides the empty cell
 */
public record CsvOptions(Character delimiter, char decimal, Charset encoding, Set<String> missingTokens) {
    /** R's default {@code na.strings}. */
    public static final Set<String> DEFAULT_MISSING_TOKENS = Set.of("NA");

    public CsvOptions {
        if (decimal != '.' && decimal != ',') {
            throw new MixedModelException("The decimal mark must be '.' or ',', not '" + decimal + "'.");
        }
        if (delimiter != null && (delimiter == decimal || delimiter == '"' || delimiter == '\n' || delimiter == '\r')) {
            throw new MixedModelException("The delimiter '" + delimiter + "' cannot be used"
                    + (delimiter == decimal ? " when it is also the decimal mark; with a decimal comma the delimiter is"
                            + " usually ';'" : "") + ".");
        }
        missingTokens = Set.copyOf(missingTokens);
    }

    /** Comma (or ';' or tab, detected), decimal point, UTF-8, {@code NA} and empty cells missing. */
    public static CsvOptions defaults() {
        return new CsvOptions(null, '.', null, DEFAULT_MISSING_TOKENS);
    }

    public CsvOptions withDelimiter(Character d) {
        return new CsvOptions(d, decimal, encoding, missingTokens);
    }

    public CsvOptions withDecimal(char d) {
        return new CsvOptions(delimiter, d, encoding, missingTokens);
    }

    public CsvOptions withEncoding(Charset e) {
        return new CsvOptions(delimiter, decimal, e, missingTokens);
    }

    /** @param tokens the texts that mean missing besides the empty cell (trimmed; blanks ignored) */
    public CsvOptions withMissingTokens(Collection<String> tokens) {
        Set<String> t = new LinkedHashSet<>();
        for (String s : tokens) {
            if (!s.isBlank()) {
                t.add(s.strip());
            }
        }
        return new CsvOptions(delimiter, decimal, encoding, t);
    }

    /** Whether the cell text (already trimmed for unquoted cells) is a missing value. */
    public boolean isMissing(String cell) {
        return cell == null || cell.isBlank() || missingTokens.contains(cell.strip());
    }

    /** The tokens as a user reads them in a message: {@code empty, NA}. */
    public String describeMissing() {
        StringBuilder s = new StringBuilder("empty");
        missingTokens.stream().sorted().forEach(t -> s.append(", ").append(t));
        return s.toString();
    }
}
