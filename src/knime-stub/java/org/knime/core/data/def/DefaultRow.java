package org.knime.core.data.def;

import java.util.Iterator;
import java.util.List;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataRow;
import org.knime.core.data.RowKey;

/** Stand-in for KNIME's array-backed row. */
public class DefaultRow implements DataRow {
    private final RowKey key;
    private final DataCell[] cells;

    public DefaultRow(final RowKey key, final DataCell... cells) {
        this.key = key;
        this.cells = cells.clone();
    }

    public DefaultRow(final String key, final DataCell... cells) {
        this(new RowKey(key), cells);
    }

    public DefaultRow(final RowKey key, final List<DataCell> cells) {
        this(key, cells.toArray(new DataCell[0]));
    }

    public DefaultRow(final String key, final List<DataCell> cells) {
        this(new RowKey(key), cells);
    }

    public DefaultRow(final RowKey key, final double... values) {
        this(key, toCells(values));
    }

    public DefaultRow(final String key, final double... values) {
        this(new RowKey(key), values);
    }

    private static DataCell[] toCells(final double[] values) {
        DataCell[] c = new DataCell[values.length];
        for (int i = 0; i < values.length; i++) {
            c[i] = new DoubleCell(values[i]);
        }
        return c;
    }

    @Override
    public final int getNumCells() {
        return cells.length;
    }

    @Override
    public final RowKey getKey() {
        return key;
    }

    @Override
    public final DataCell getCell(final int index) {
        return cells[index];
    }

    @Override
    public Iterator<DataCell> iterator() {
        return List.of(cells).iterator();
    }

    @Override
    public String toString() {
        return key + ": " + List.of(cells);
    }
}
