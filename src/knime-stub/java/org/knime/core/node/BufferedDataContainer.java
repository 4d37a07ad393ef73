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
            java.util.List<org.knime.core.data.DataRow> rows = new java.util.ArrayList<>();
            super.getTable().forEach(rows::add);
            table = new BufferedDataTable(getTableSpec(), rows);
        }
        return table;
    }
}
