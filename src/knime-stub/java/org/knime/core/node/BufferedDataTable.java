package org.knime.core.node;

import java.util.List;
import java.util.NoSuchElementException;

import javax.swing.JComponent;

import org.knime.core.data.DataRow;
import org.knime.core.data.DataTable;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.container.CloseableRowIterator;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortType;
import org.knime.core.node.port.PortTypeRegistry;

/** Stand-in for KNIME's node output table: an immutable in-memory row list. */
public final class BufferedDataTable implements DataTable, PortObject {

    public static final PortType TYPE = PortTypeRegistry.getInstance().getPortType(BufferedDataTable.class);

    public static final PortType TYPE_OPTIONAL =
        PortTypeRegistry.getInstance().getPortType(BufferedDataTable.class, true);

    private final DataTableSpec spec;
    private final List<DataRow> rows;
    /** Iterators neither closed nor run to the end (a real table's iterators hold file handles until then). */
    private final java.util.concurrent.atomic.AtomicInteger openIterators =
        new java.util.concurrent.atomic.AtomicInteger();

    BufferedDataTable(final DataTableSpec spec, final List<DataRow> rows) {
        this.spec = spec;
        this.rows = List.copyOf(rows);
    }

    @Override
    public DataTableSpec getDataTableSpec() {
        return spec;
    }

    @Override
    public DataTableSpec getSpec() {
        return spec;
    }

    @Override
    public CloseableRowIterator iterator() {
        openIterators.incrementAndGet();
        return new CloseableRowIterator() {
            private int next;
            private boolean released;

            private void release() {
                if (!released) {
                    released = true;
                    openIterators.decrementAndGet();
                }
            }

            @Override
            public boolean hasNext() {
                if (next < rows.size()) {
                    return true;
                }
                release();
                return false;
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
                release();
            }
        };
    }

    int openIterators() {
        return openIterators.get();
    }

    public long size() {
        return rows.size();
    }

    @Deprecated
    public int getRowCount() {
        return rows.size();
    }

    @Override
    public String getSummary() {
        return "Rows: " + rows.size() + ", Cols: " + spec.getNumColumns();
    }

    @Override
    public JComponent[] getViews() {
        return new JComponent[0];
    }
}
