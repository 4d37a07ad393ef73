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

    /**
     * Checks at configure time that a column that must hold numbers (a response, an ICC's values, an event time) is a
     * numeric KNIME column. KNIME's column type is the user's declaration: a string column is categorical even when
     * its cells are numbers, and is never re-typed here; KNIME's String to Number node converts it.
     *
     * @param role the column's role as the message names it ({@code response}, {@code value}, {@code event time})
     */
    public static void requireNumeric(final DataTableSpec spec, final String column, final String role)
        throws InvalidSettingsException {
        DataColumnSpec c = spec.getColumnSpec(column);
        if (c != null && !isNumeric(c)) {
            throw new InvalidSettingsException("The " + role + " column '" + column + "' is not numeric: it is a "
                + c.getType() + " column, and a string column is categorical (its KNIME type decides), but the " + role
                + " must be numeric. If it holds numbers, convert it with KNIME's \"String to Number\" node (cells such "
                + "as '.' or 'NULL' become missing there); otherwise choose a numeric column.");
        }
    }

    /**
     * Warnings for string columns used as predictors whose values are numbers (after the missing tokens): they are
     * categorical, as their KNIME type says, with a level per value, which a user may not expect. A column that is
     * numbers except for a few cells names the first such cell.
     *
     * @param predictors the source columns used as fixed effects or slopes (not grouping columns, whose numeric ids
     *     are levels anyway)
     */
    public static List<String> stringColumnsOfNumbers(final DataTableSpec spec, final DataFrame data,
        final Collection<String> predictors) {
        List<String> warnings = new ArrayList<>();
        org.mixedmodels.engine.data.CsvOptions plain = org.mixedmodels.engine.data.CsvOptions.defaults()
            .withMissingTokens(List.of());
        for (String name : sourceColumns(spec, predictors)) {
            DataColumnSpec c = spec.getColumnSpec(name);
            if (c == null || isNumeric(c) || !data.columnNames().contains(name)) {
                continue;
            }
            Column column = data.column(name);
            String[] labels = new String[column.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = column.label(i);
            }
            Column typed = org.mixedmodels.engine.data.CsvReader.typeColumn(name, labels, null, plain);
            String advice = " It is used as categorical (a level per value), as its type says. To use it as numeric, "
                + "convert it with KNIME's \"String to Number\" node.";
            if (typed instanceof NumericColumn) {
                warnings.add("Column '" + name + "' is a string column of numbers." + advice);
            } else if (typed instanceof CategoricalColumn cat && cat.numericDoubt() != null) {
                org.mixedmodels.engine.data.NumericDoubt d = cat.numericDoubt();
                warnings.add("Column '" + name + "' is a string column of numbers except " + (d.others() == 1
                    ? "1 cell" : d.others() + " cells") + " (row " + (d.firstRow() + 1) + " holds '" + d.tokens().get(0)
                    + "')." + advice + " Declare '" + d.tokens().get(0) + "' a missing value token if it means missing.");
            }
        }
        return warnings;
    }

    /**
     * The formula's fixed-effect and slope variables: its variables without the response, the grouping columns and
     * a residual structure's visit and subject columns (a visit is categorical by design).
     */
    public static List<String> predictors(final org.mixedmodels.engine.formula.Formula formula) {
        Set<String> not = new java.util.HashSet<>(formula.groupingVariables());
        not.add(formula.response());
        formula.residualTerms().forEach(t -> {
            not.add(t.time());
            not.add(t.subject());
        });
        return formula.variables().stream().filter(v -> !not.contains(v)).toList();
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
    public static String label(final DataCell cell) {
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
