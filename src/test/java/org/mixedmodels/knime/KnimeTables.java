package org.mixedmodels.knime;

import java.util.ArrayList;
import java.util.List;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataRow;
import org.knime.core.node.BufferedDataTable;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Reference data sets as KNIME tables, typed as KNIME's CSV Reader types them: whole-number columns as
 * integers (so sleepstudy's Subject ids are IntCells), other numbers as doubles, text as strings with their
 * possible values in the domain.
 */
public final class KnimeTables {
    private KnimeTables() {
    }

    /** A data set from {@code src/test/resources/reference/data}, e.g. {@code "data/sleepstudy.csv"}. */
    public static BufferedDataTable reference(final String relativePath) {
        return of(ReferenceCase.data(relativePath));
    }

    public static BufferedDataTable of(final DataFrame frame) {
        return org.mixedmodels.workflows.Tables.of(frame);
    }

    /** The column's values as doubles (missing as NaN). */
    public static double[] doubles(final BufferedDataTable table, final String column) {
        int j = table.getDataTableSpec().findColumnIndex(column);
        if (j < 0) {
            throw new AssertionError("No column '" + column + "' in " + table.getDataTableSpec());
        }
        List<Double> v = new ArrayList<>();
        for (DataRow r : table) {
            DataCell c = r.getCell(j);
            v.add(c.isMissing() ? Double.NaN : ((org.knime.core.data.DoubleValue)c).getDoubleValue());
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The column's values as text (missing as null). */
    public static List<String> strings(final BufferedDataTable table, final String column) {
        int j = table.getDataTableSpec().findColumnIndex(column);
        if (j < 0) {
            throw new AssertionError("No column '" + column + "' in " + table.getDataTableSpec());
        }
        List<String> v = new ArrayList<>();
        for (DataRow r : table) {
            DataCell c = r.getCell(j);
            v.add(c.isMissing() ? null : c.toString());
        }
        return v;
    }

    /**
     * The table with {@code column} as a KNIME string column: each cell's text as the engine labels it ({@code 3},
     * not {@code 3.0}), or {@code text.apply(row, label)} where that is not null (a "." or "NULL" cell, say).
     */
    public static BufferedDataTable withStringColumn(final BufferedDataTable table, final String column,
        final java.util.function.BiFunction<Integer, String, String> text) {
        org.knime.core.data.DataTableSpec spec = table.getDataTableSpec();
        int j = spec.findColumnIndex(column);
        org.knime.core.data.DataColumnSpec[] columns = new org.knime.core.data.DataColumnSpec[spec.getNumColumns()];
        for (int k = 0; k < columns.length; k++) {
            columns[k] = k == j ? new org.knime.core.data.DataColumnSpecCreator(column,
                org.knime.core.data.def.StringCell.TYPE).createSpec() : spec.getColumnSpec(k);
        }
        List<DataRow> rows = new ArrayList<>();
        int i = 0;
        for (DataRow r : table) {
            DataCell[] cells = new DataCell[r.getNumCells()];
            for (int k = 0; k < cells.length; k++) {
                cells[k] = r.getCell(k);
            }
            DataCell c = r.getCell(j);
            String label = c.isMissing() ? null : c instanceof org.knime.core.data.StringValue sv ? sv.getStringValue()
                : org.mixedmodels.engine.data.NumericColumn.format(((org.knime.core.data.DoubleValue)c).getDoubleValue());
            String replaced = text.apply(i++, label);
            String t = replaced != null ? replaced : label;
            cells[j] = t == null ? org.knime.core.data.DataType.getMissingCell() : new org.knime.core.data.def.StringCell(t);
            rows.add(new org.knime.core.data.def.DefaultRow(r.getKey(), cells));
        }
        return org.knime.core.node.NodeHarness.table(new org.knime.core.data.DataTableSpec(columns), rows);
    }
}
