package org.knime.core.data;

import org.knime.core.data.container.RowIterator;

/** Stand-in for KNIME's readable table. */
public interface DataTable extends Iterable<DataRow> {
    DataTableSpec getDataTableSpec();

    @Override
    RowIterator iterator();
}
