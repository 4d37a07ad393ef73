package org.knime.core.data.container;

import java.util.Iterator;

import org.knime.core.data.DataRow;

/** Stand-in for KNIME's row iterator. */
public abstract class RowIterator implements Iterator<DataRow> {
    @Override
    public abstract boolean hasNext();

    @Override
    public abstract DataRow next();
}
