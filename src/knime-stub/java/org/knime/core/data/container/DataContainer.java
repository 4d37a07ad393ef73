package org.knime.core.data.container;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTable;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.RowIterator;
import org.knime.core.data.RowKey;

/**
 * Stand-in for KNIME's row container: collects rows in memory and checks what KNIME checks on add (cell
 * count, cell types against the spec, unique row keys).
 */
public class DataContainer {
    private final DataTableSpec spec;
    private final List<DataRow> rows = new ArrayList<>();
    private final Set<RowKey> keys = new HashSet<>();
    private boolean closed;

    public DataContainer(final DataTableSpec spec) {
        this.spec = spec;
    }

    public void addRowToTable(final DataRow row) {
        if (closed) {
            throw new IllegalStateException("Container is closed");
        }
        if (row.getNumCells() != spec.getNumColumns()) {
            throw new IllegalArgumentException("Row " + row.getKey() + " has " + row.getNumCells()
                + " cells, the spec " + spec.getNumColumns());
        }
        for (int i = 0; i < row.getNumCells(); i++) {
            DataCell c = row.getCell(i);
            if (!c.isMissing() && !spec.getColumnSpec(i).getType().getCellClass().isInstance(c)) {
                throw new IllegalArgumentException("Runtime type of cell " + i + " in row " + row.getKey() + " ("
                    + c.getType() + ") does not match column type " + spec.getColumnSpec(i).getType());
            }
        }
        if (!keys.add(row.getKey())) {
            throw new IllegalArgumentException("Duplicate row key \"" + row.getKey() + "\"");
        }
        rows.add(row);
    }

    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    public long size() {
        return rows.size();
    }

    public DataTableSpec getTableSpec() {
        return spec;
    }

    public DataTable getTable() {
        if (!closed) {
            throw new IllegalStateException("Container not closed");
        }
        List<DataRow> copy = Collections.unmodifiableList(rows);
        return new DataTable() {
            @Override
            public DataTableSpec getDataTableSpec() {
                return spec;
            }

            @Override
            public RowIterator iterator() {
                return iteratorOver(copy);
            }
        };
    }

    static CloseableRowIterator iteratorOver(final List<DataRow> rows) {
        return new CloseableRowIterator() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < rows.size();
            }

            @Override
            public DataRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return rows.get(next++);
            }

            @Override
            public void close() {
                next = rows.size();
            }
        };
    }
}
