package org.mixedmodels.knime.data;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DoubleValue;
import org.knime.core.data.IntValue;
import org.knime.core.data.LongValue;
import org.knime.core.data.StringValue;
import org.knime.core.data.container.CloseableRowIterator;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.InvalidSettingsException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/**
 * Turns the columns of a KNIME table that a model uses into the engine's {@link DataFrame}. Numeric KNIME
 * columns (anything with a double value) become numeric, everything else categorical; grouping columns are
 * always categorical, so integer subject ids name levels ("308", not "308.0"). Missing cells stay missing:
 * the engine leaves those rows out and counts them.
 */
public final class TableToDataFrame {

    private TableToDataFrame() {
    }

    /** Whether the engine will read this column as numbers (unless it groups random effects). */
    public static boolean isNumeric(final DataColumnSpec column) {
        return column.getType().isCompatible(DoubleValue.class);
    }

    /**
     * Checks at configure time that the columns exist, so the message can name the column and list the
     * table's columns.
     */
    public static void checkColumnsExist(final DataTableSpec spec, final Collection<String> columns,
        final String what) throws InvalidSettingsException {
        for (String c : sourceColumns(spec, columns)) {
            if (!spec.containsName(c)) {
                throw new InvalidSettingsException("Column '" + c + "' " + what + " is not in the input table. "
                    + "The table's columns are: " + String.join(", ", spec.getColumnNames()) + ".");
            }
        }
    }

    /** R's {@code factor(x)} and {@code as.factor(x)} in a formula. */
    private static final java.util.regex.Pattern FACTOR_CALL =
        java.util.regex.Pattern.compile("(factor|as\\.factor)\\((.+)\\)");

    /**
     * The table columns that formula variables read: {@code factor(x)} reads column {@code x} unless the table has
     * a column named {@code factor(x)} (the engine's {@link DataFrame} then makes {@code x} categorical).
     */
    public static List<String> sourceColumns(final DataTableSpec spec, final Collection<String> variables) {
        List<String> out = new ArrayList<>();
        for (String v : variables) {
            java.util.regex.Matcher m = FACTOR_CALL.matcher(v);
            String c = !spec.containsName(v) && m.matches() ? m.group(2).strip() : v;
            if (!out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * As {@link #convert(BufferedDataTable, Collection, Set, ExecutionMonitor)}, then the typing applied: string
     * cells holding a missing token become missing, and the chosen numeric columns categorical.
     */
    public static DataFrame convert(final BufferedDataTable table, final Collection<String> columns,
        final Set<String> categorical, final ColumnTyping typing, final ExecutionMonitor exec)
        throws CanceledExecutionException, InvalidSettingsException {
        DataFrame data = convert(table, columns, categorical, exec);
        try {
            return typing.apply(data);
        } catch (org.mixedmodels.engine.MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    /**
     * @param variables the formula variables to read ({@code factor(x)} reads column x)
     * @param categorical columns read as labels even when numeric (grouping factors)
     */
    public static DataFrame convert(final BufferedDataTable table, final Collection<String> variables,
        final Set<String> categorical, final ExecutionMonitor exec) throws CanceledExecutionException {
        DataTableSpec spec = table.getDataTableSpec();
        List<String> columns = sourceColumns(spec, variables);
        long size = table.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("The table has " + size + " rows; at most " + Integer.MAX_VALUE
                + " can be fitted.");
        }
        int n = (int)size;
        List<String> names = new ArrayList<>(columns);
        int[] index = new int[names.size()];
        boolean[] numeric = new boolean[names.size()];
        double[][] numbers = new double[names.size()][];
        String[][] labels = new String[names.size()][];
        BitSet[] missing = new BitSet[names.size()];
        for (int j = 0; j < names.size(); j++) {
            index[j] = spec.findColumnIndex(names.get(j));
            if (index[j] < 0) {
                throw new IllegalArgumentException("Column '" + names.get(j) + "' is not in the input table.");
            }
            numeric[j] = isNumeric(spec.getColumnSpec(index[j])) && !categorical.contains(names.get(j));
            if (numeric[j]) {
                numbers[j] = new double[n];
                missing[j] = new BitSet(n);
            } else {
                labels[j] = new String[n];
            }
        }
        int i = 0;
        // closed also when the user cancels or a cell fails (KNIME's iterators hold open files until closed)
        try (CloseableRowIterator rows = table.iterator()) {
            while (rows.hasNext()) {
                DataRow row = rows.next();
                if (i % 1000 == 0) {
                    exec.checkCanceled();
                    exec.setProgress(n == 0 ? 1 : i / (double)n);
                }
                for (int j = 0; j < names.size(); j++) {
                    DataCell cell = row.getCell(index[j]);
                    if (numeric[j]) {
                        if (cell.isMissing()) {
                            missing[j].set(i);
                            numbers[j][i] = Double.NaN;
                        } else {
                            numbers[j][i] = ((DoubleValue)cell).getDoubleValue();
                        }
                    } else {
                        labels[j][i] = cell.isMissing() ? null : label(cell);
                    }
                }
                i++;
            }
        }
        List<Column> result = new ArrayList<>();
        for (int j = 0; j < names.size(); j++) {
            result.add(numeric[j] ? new NumericColumn(names.get(j), numbers[j], missing[j])
                : new CategoricalColumn(names.get(j), labels[j]));
        }
        return new DataFrame(result);
    }

    /** A cell's text as a level name: integers without a decimal point. */
    static String label(final DataCell cell) {
        if (cell instanceof StringValue) {
            return ((StringValue)cell).getStringValue();
        }
        if (cell instanceof IntValue) {
            return Integer.toString(((IntValue)cell).getIntValue());
        }
        if (cell instanceof LongValue) {
            return Long.toString(((LongValue)cell).getLongValue());
        }
        if (cell instanceof DoubleValue) {
            return NumericColumn.format(((DoubleValue)cell).getDoubleValue());
        }
        return cell.toString();
    }
}
