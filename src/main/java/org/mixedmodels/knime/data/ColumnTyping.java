package org.mixedmodels.knime.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.data.CsvOptions;
import org.mixedmodels.engine.data.DataFrame;

/**
 * How a node reads the columns of its table beyond their KNIME types: the numeric columns the user treats as
 * categorical (SAS's CLASS statement, R's {@code factor()}) and the texts in string cells that mean "missing"
 * (besides KNIME's missing cell and the empty string). The Learner chooses them and saves them with the model, so
 * the Predictor and the nodes that refit read a table exactly as the Learner did.
 *
 * @param categorical numeric columns read as levels ({@code 1}, {@code 2}, ..., as written)
 * @param missingTokens the texts that are missing values in string columns, as R's {@code na.strings}
 */
public record ColumnTyping(List<String> categorical, List<String> missingTokens) {
    /** R's default: {@code NA} is missing, no column declared categorical. */
    public static final ColumnTyping DEFAULT = new ColumnTyping(List.of(), List.of("NA"));

    public ColumnTyping {
        categorical = List.copyOf(categorical);
        missingTokens = List.copyOf(missingTokens);
    }

    /** The tokens of a setting written as {@code NA, ., NULL} (comma-separated; blanks ignored). */
    public static List<String> parseTokens(final String text) {
        List<String> tokens = new ArrayList<>();
        if (text != null) {
            Arrays.stream(text.split(",")).map(String::strip).filter(t -> !t.isEmpty()).distinct()
                .forEach(tokens::add);
        }
        return tokens;
    }

    /**
     * Checks the choice against the input table at configure time: every column chosen as categorical is in the
     * table and numeric (string columns are categorical already), and none is a column that must be numeric.
     *
     * @param numericRoles the columns that must stay numeric, each with its role ({@code response}, {@code value})
     */
    public void check(final DataTableSpec spec, final Map<String, String> numericRoles)
        throws InvalidSettingsException {
        TableToDataFrame.checkColumnsExist(spec, categorical, "chosen as categorical");
        for (String column : categorical) {
            String role = numericRoles.get(column);
            if (role != null) {
                throw new InvalidSettingsException("The " + role + " column '" + column + "' is chosen as categorical; "
                    + "the " + role + " must be numeric. Remove it from \"Treat as categorical\".");
            }
            if (!TableToDataFrame.isNumeric(spec.getColumnSpec(column))) {
                throw new InvalidSettingsException("Column '" + column + "' is chosen as categorical but is not numeric ("
                    + spec.getColumnSpec(column).getType() + "); string columns are categorical already. Remove it "
                    + "from \"Treat as categorical\".");
            }
        }
    }

    /** The missing tokens first, then the categorical columns, as the engine's Javadoc prescribes. */
    public DataFrame apply(final DataFrame data) {
        DataFrame typed = data.withMissingTokens(CsvOptions.defaults().withMissingTokens(missingTokens));
        List<String> present = categorical.stream().filter(typed.columnNames()::contains).toList();
        return typed.withCategorical(present);
    }

    /** Node settings key of the numeric columns read as categorical (the Learner's, used by every node that reads). */
    public static final String CATEGORICAL_COLUMNS = "categorical_columns";
    /** Node settings key of the comma-separated missing-value tokens. */
    public static final String MISSING_TOKENS = "missing_tokens";

    /** The choice in a node's settings: the categorical columns as an array, the tokens as one comma-separated text. */
    public void saveTo(final NodeSettingsWO settings) {
        settings.addStringArray(CATEGORICAL_COLUMNS, categorical.toArray(String[]::new));
        settings.addString(MISSING_TOKENS, String.join(", ", missingTokens));
    }

    /** What {@link #saveTo} wrote; settings saved before these choices existed read as {@link #DEFAULT}. */
    public static ColumnTyping loadFrom(final NodeSettingsRO settings) {
        String[] cat = settings.getStringArray(CATEGORICAL_COLUMNS, new String[0]);
        String na = settings.getString(MISSING_TOKENS, String.join(", ", DEFAULT.missingTokens));
        return new ColumnTyping(List.of(cat == null ? new String[0] : cat), parseTokens(na));
    }

    /** The categorical columns as {@code categorical_columns}, the tokens as {@code missing_tokens}. */
    public void save(final ModelContentWO content) {
        content.addStringArray("categorical_columns", categorical.toArray(String[]::new));
        content.addStringArray("missing_tokens", missingTokens.toArray(String[]::new));
    }

    /** What {@link #save} wrote; a model saved before these choices existed reads as {@link #DEFAULT}. */
    public static ColumnTyping load(final ModelContentRO content) {
        String[] cat = content.getStringArray("categorical_columns", new String[0]);
        String[] na = content.getStringArray("missing_tokens", DEFAULT.missingTokens.toArray(String[]::new));
        return new ColumnTyping(List.of(cat == null ? new String[0] : cat), List.of(na == null ? new String[0] : na));
    }
}
