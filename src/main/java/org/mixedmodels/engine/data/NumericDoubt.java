package org.mixedmodels.engine.data;

import java.util.List;

/**
 * Why a column read as text looks numeric: most of its values are numbers, but some cells are not (a SAS
 * {@code .}, a {@code NULL}, a {@code 1,500} with a thousands separator). Such a column is never used as
 * categorical without being declared so: the model frame refuses it with this description, so that one stray
 * cell cannot silently turn a covariate into a factor with a level per value.
 *
 * @param numbers how many non-missing cells are numbers
 * @param others how many non-missing cells are not
 * @param firstRow the data row (0-based) of the first cell that is not a number
 * @param firstLine the file line of that row (1-based, the header being line 1), or -1 when not from a file
 * @param tokens up to five distinct non-numeric texts, in order of appearance
 * @param missingTokens how the missing values were described to the reader, e.g. {@code empty, NA}
 */
public record NumericDoubt(int numbers, int others, int firstRow, int firstLine, List<String> tokens,
        String missingTokens) {
    public NumericDoubt {
        tokens = List.copyOf(tokens);
    }

    /**
     * The message: which column, the first offending row and token, and what to do (declare the token
     * missing, or declare the column categorical).
     */
    public String message(String column) {
        String token = tokens.get(0);
        StringBuilder s = new StringBuilder("Column '").append(column).append("' holds numbers in ").append(numbers)
                .append(" rows but ").append(others == 1 ? "1 cell is" : others + " cells are").append(" not a number: ")
                .append("data row ").append(firstRow + 1);
        if (firstLine > 0) {
            s.append(" (line ").append(firstLine).append(')');
        }
        s.append(" holds '").append(token).append('\'');
        if (tokens.size() > 1) {
            s.append(" (other texts: '").append(String.join("', '", tokens.subList(1, tokens.size()))).append("')");
        }
        s.append(". Only these cells count as missing: ").append(missingTokens).append('.');
        if (token.matches("[-+]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?")) {
            s.append(" If ',' is a thousands separator, remove it from the numbers; if it is the decimal mark, say so"
                    + " (--decimal ,)");
        } else if (token.matches("[-+]?[0-9]*,[0-9]+")) {
            s.append(" If ',' is the decimal mark, say so (--decimal ,)");
        } else {
            s.append(" If '").append(token).append("' means missing, declare it a missing-value token (command line: --na ")
                    .append(quoteForShell(String.join(",", tokensWithNa()))).append(')');
        }
        s.append("; if the column is categorical, declare it (--categorical ").append(column).append(", or factor(")
                .append(column).append(") in the formula).");
        return s.toString();
    }

    private List<String> tokensWithNa() {
        List<String> t = new java.util.ArrayList<>();
        for (String m : missingTokens.split(", ")) {
            if (!m.equals("empty")) {
                t.add(m);
            }
        }
        for (String k : tokens) {
            if (!t.contains(k)) {
                t.add(k);
            }
        }
        return t;
    }

    private static String quoteForShell(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }
}
