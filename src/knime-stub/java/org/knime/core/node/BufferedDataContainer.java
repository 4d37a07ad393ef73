package org.knime.core.node;

import org.knime.core.data.DataTableSpec;
import org.knime.core.data.container.DataContainer;

/** Stand-in for KNIME's container that produces a {@link BufferedDataTable}; created by the execution context. */
public class BufferedDataContainer extends DataContainer {
    private BufferedDataTable table;

    BufferedDataContainer(final DataTableSpec spec) {
        super(spec);
    }

    @Override
    public BufferedDataTable getTable() {
        if (!isClosed()) {
            throw new IllegalStateException("Container not closed");
        }
        if (table == null) {
            table = new BufferedDataTable(getTableSpec(), rows());
        }
        return table;
    }
}
