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
}
