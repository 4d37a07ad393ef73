package org.mixedmodels.engine.data;

import org.mixedmodels.engine.MixedModelException;

/**
 * A column that must hold numbers (a response, an ICC's ratings, an event time), refused otherwise with the message
 * the model frame gives: which column, the first row whose cell is not a number and its text, and what to do. One
 * message for every command and node, so the user is never shown a valid value as the "text" that was refused.
 */
public final class NumericRequirement {
    private NumericRequirement() {
    }

    /**
     * The column as numbers, or an error.
     *
     * @param role what the column is for, as the message names it ({@code response}, {@code value})
     * @param need why numbers are needed, ending the first sentence ({@code a linear mixed model needs a numeric
     *     response})
     * @throws MixedModelException for a column of numbers with a few stray texts, with its {@link NumericDoubt}'s
     *     message (data row and file line, the token, the tokens in force, the fixes); for a text column, the first
     *     cell that is not a number, its data row, how many are not, and how to declare a missing-value token (or the
     *     decimal mark)
     */
    public static NumericColumn of(Column column, String role, String need) {
        if (column instanceof NumericColumn num) {
            return num;
        }
        NumericDoubt doubt = ((CategoricalColumn) column).numericDoubt();
        if (doubt != null) {
            // numbers but for a few cells: the doubt's own message names the row, line, token and the fixes
            throw new MixedModelException("The " + role + " column '" + column.name() + "' is not numeric; " + need + ". "
                    + doubt.message(column.name()));
        }
        int first = -1;
        int others = 0;
        int present = 0;
        for (int i = 0; i < column.size(); i++) {
            String label = column.label(i);
            if (label == null) {
                continue;
            }
            present++;
            if (CsvReader.parseNumber(label.strip(), '.') == null) {
                others++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (first < 0) {
            // every cell a number, read as text all the same (a KNIME string column, a column declared categorical)
            throw new MixedModelException("The " + role + " column '" + column.name() + "' is not numeric: it is read"
                    + " as categorical (text or declared categorical) although its values are numbers; " + need + "."
                    + " Read it as numbers (do not declare it categorical; in KNIME convert the string column with"
                    + " the String to Number node).");
        }
        String label = column.label(first).strip();
        StringBuilder s = new StringBuilder("The ").append(role).append(" column '").append(column.name())
                .append("' is not numeric: data row ").append(first + 1);
        s.append(" holds '").append(label).append('\'');
        if (others > 1) {
            s.append(" (").append(others).append(" of its ").append(present).append(" values ")
                    .append(others == 1 ? "is not a number" : "are not numbers").append(')');
        }
        s.append("; ").append(need).append('.');
        if (label.matches("[-+]?[0-9]*,[0-9]+")) {
            s.append(" If ',' is the decimal mark, say so (command line: --decimal ,).");
        } else {
            s.append(" Only empty and NA cells count as missing (unless other tokens are declared); if '").append(label).append("' means missing, declare it a missing-value"
                    + " token (command line: --na; in the nodes: Missing value tokens), otherwise choose the column of"
                    + " numbers.");
        }
        throw new MixedModelException(s.toString());
    }
}
