package org.mixedmodels.workflows;

import java.io.PrintStream;
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
import org.knime.core.data.DoubleValue;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.IntCell;
import org.knime.core.data.def.StringCell;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.StandInNodeContainer;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/** Data frames as KNIME tables, typed as KNIME's CSV Reader types them, and tables printed as text. */
public final class Tables {
    private Tables() {
    }

    /**
     * Whole-number columns become integers (so integer subject ids are IntCells), other numbers doubles, text
     * strings with their values in the domain; missing values stay missing; row keys Row0, Row1, ...
     */
    public static BufferedDataTable of(final DataFrame frame) {
        return of(frame, "default");
    }

    /** As {@link #of(DataFrame)}, the table named {@code name} (KNIME's CSV Reader names it after the file). */
    public static BufferedDataTable of(final DataFrame frame, final String name) {
        List<String> names = frame.columnNames();
        DataColumnSpec[] specs = new DataColumnSpec[names.size()];
        int n = frame.rowCount();
        DataCell[][] cells = new DataCell[n][names.size()];
        for (int j = 0; j < names.size(); j++) {
            Column c = frame.column(names.get(j));
            if (c instanceof NumericColumn num) {
                boolean whole = true;
                for (int i = 0; i < n; i++) {
                    whole &= num.isMissing(i) || num.value(i) == Math.rint(num.value(i)) && Math.abs(num.value(i)) < 1e9;
                }
                for (int i = 0; i < n; i++) {
                    cells[i][j] = num.isMissing(i) ? DataType.getMissingCell()
                        : whole ? new IntCell((int)num.value(i)) : new DoubleCell(num.value(i));
                }
                specs[j] = new DataColumnSpecCreator(names.get(j), whole ? IntCell.TYPE : DoubleCell.TYPE).createSpec();
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
            rows.add(new DefaultRow(RowKey.createRowKey((long)i), cells[i]));
        }
        return StandInNodeContainer.table(new DataTableSpec(name, specs), rows);
    }

    /** The table as aligned text: the header and at most {@code maxRows} rows. */
    public static void print(final BufferedDataTable table, final int maxRows, final PrintStream out) {
        DataTableSpec spec = table.getDataTableSpec();
        int m = spec.getNumColumns();
        List<String[]> lines = new ArrayList<>();
        String[] header = new String[m + 1];
        header[0] = "Row ID";
        for (int j = 0; j < m; j++) {
            header[j + 1] = spec.getColumnSpec(j).getName();
        }
        lines.add(header);
        int shown = 0;
        for (DataRow r : table) {
            if (shown++ >= maxRows) {
                break;
            }
            String[] line = new String[m + 1];
            line[0] = r.getKey().getString();
            for (int j = 0; j < m; j++) {
                DataCell c = r.getCell(j);
                line[j + 1] = c.isMissing() ? "?" : c instanceof DoubleCell d ? format(d.getDoubleValue())
                    : c instanceof DoubleValue && !(c instanceof IntCell) ? format(((DoubleValue)c).getDoubleValue())
                    : c.toString();
            }
            lines.add(line);
        }
        int[] width = new int[m + 1];
        for (String[] line : lines) {
            for (int j = 0; j <= m; j++) {
                width[j] = Math.min(Math.max(width[j], line[j].length()), 40);
            }
        }
        for (String[] line : lines) {
            StringBuilder b = new StringBuilder();
            for (int j = 0; j <= m; j++) {
                String v = line[j].length() > 40 ? line[j].substring(0, 37) + "..." : line[j];
                b.append(j == 0 ? "" : "  ").append(String.format("%-" + width[j] + "s", v));
            }
            out.println(b.toString().stripTrailing());
        }
        if (table.size() > maxRows) {
            out.println("... " + (table.size() - maxRows) + " more rows");
        }
    }

    private static String format(final double v) {
        return Double.isNaN(v) ? "NaN" : String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
