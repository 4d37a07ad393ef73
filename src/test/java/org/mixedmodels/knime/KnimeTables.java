package org.mixedmodels.knime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnDomainCreator;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataColumnSpecCreator;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.IntCell;
import org.knime.core.data.def.StringCell;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.NodeHarness;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
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
        List<String> names = frame.columnNames();
        DataColumnSpec[] specs = new DataColumnSpec[names.size()];
        int n = frame.rowCount();
        DataCell[][] cells = new DataCell[n][names.size()];
        for (int j = 0; j < names.size(); j++) {
            Column c = frame.column(names.get(j));
            DataType type;
            if (c instanceof NumericColumn num) {
                boolean whole = true;
                for (int i = 0; i < n; i++) {
                    whole &= num.isMissing(i) || num.value(i) == Math.rint(num.value(i));
                }
                type = whole ? IntCell.TYPE : DoubleCell.TYPE;
                for (int i = 0; i < n; i++) {
                    cells[i][j] = num.isMissing(i) ? DataType.getMissingCell()
                        : whole ? new IntCell((int)num.value(i)) : new DoubleCell(num.value(i));
                }
                specs[j] = new DataColumnSpecCreator(names.get(j), type).createSpec();
            } else {
                CategoricalColumn cat = (CategoricalColumn)c;
                Set<DataCell> values = new LinkedHashSet<>();
                for (int i = 0; i < n; i++) {
                    cells[i][j] = cat.isMissing(i) ? DataType.getMissingCell() : new StringCell(cat.label(i));
                    if (!cat.isMissing(i)) {
                        values.add(cells[i][j]);
                    }
                }
                DataColumnSpecCreator creator = new DataColumnSpecCreator(names.get(j), StringCell.TYPE);
                creator.setDomain(new DataColumnDomainCreator(values).createDomain());
                specs[j] = creator.createSpec();
            }
        }
        List<DataRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new DefaultRow(RowKey.createRowKey(i), cells[i]));
        }
        return NodeHarness.table(new DataTableSpec(specs), rows);
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
}
