package org.knime.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import javax.swing.JComponent;

import org.knime.core.node.port.PortObjectSpec;

/** Stand-in for KNIME's table specification: ordered, uniquely named columns. */
public final class DataTableSpec implements PortObjectSpec, Iterable<DataColumnSpec> {
    private final String name;
    private final DataColumnSpec[] columns;

    /** An empty spec, as KNIME gives an unconnected table port. */
    public DataTableSpec() {
        this("default");
    }

    public DataTableSpec(final DataColumnSpec... columns) {
        this("default", columns);
    }

    public DataTableSpec(final String name, final DataColumnSpec... columns) {
        this.name = name;
        this.columns = columns.clone();
        for (int i = 0; i < columns.length; i++) {
            for (int j = 0; j < i; j++) {
                if (columns[i].getName().equals(columns[j].getName())) {
                    throw new IllegalArgumentException("Duplicate column name \"" + columns[i].getName() + "\"");
                }
            }
        }
    }

    public DataTableSpec(final DataTableSpec spec1, final DataTableSpec spec2) {
        this(concat(spec1, spec2));
    }

    public DataTableSpec(final String[] names, final DataType[] types) {
        this(columnsOf(names, types));
    }

    private static DataColumnSpec[] concat(final DataTableSpec a, final DataTableSpec b) {
        DataColumnSpec[] all = Arrays.copyOf(a.columns, a.columns.length + b.columns.length);
        System.arraycopy(b.columns, 0, all, a.columns.length, b.columns.length);
        return all;
    }

    private static DataColumnSpec[] columnsOf(final String[] names, final DataType[] types) {
        DataColumnSpec[] cols = new DataColumnSpec[names.length];
        for (int i = 0; i < names.length; i++) {
            cols[i] = new DataColumnSpecCreator(names[i], types[i]).createSpec();
        }
        return cols;
    }

    public String getName() {
        return name;
    }

    public int getNumColumns() {
        return columns.length;
    }

    public DataColumnSpec getColumnSpec(final int index) {
        return columns[index];
    }

    public DataColumnSpec getColumnSpec(final String column) {
        int i = findColumnIndex(column);
        return i < 0 ? null : columns[i];
    }

    public int findColumnIndex(final String column) {
        for (int i = 0; i < columns.length; i++) {
            if (columns[i].getName().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    public boolean containsName(final String column) {
        return findColumnIndex(column) >= 0;
    }

    public final String[] getColumnNames() {
        return Arrays.stream(columns).map(DataColumnSpec::getName).toArray(String[]::new);
    }

    public static String getUniqueColumnName(final DataTableSpec spec, final String columnName) {
        if (spec == null || !spec.containsName(columnName)) {
            return columnName;
        }
        int i = 1;
        while (spec.containsName(columnName + " (#" + i + ")")) {
            i++;
        }
        return columnName + " (#" + i + ")";
    }

    @Override
    public Iterator<DataColumnSpec> iterator() {
        return List.of(columns).iterator();
    }

    @Override
    public JComponent[] getViews() {
        return new JComponent[0];
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof DataTableSpec && Arrays.equals(((DataTableSpec)o).columns, columns);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(columns);
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        for (DataColumnSpec c : columns) {
            s.add(c.toString());
        }
        return "DataTableSpec" + s;
    }
}
