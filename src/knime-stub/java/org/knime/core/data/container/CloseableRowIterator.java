package org.knime.core.data.container;

import java.io.Closeable;

import org.knime.core.data.RowIterator;

/** Stand-in for KNIME's row iterator that releases resources on close. */
public abstract class CloseableRowIterator extends RowIterator implements Closeable {
    @Override
    public abstract void close();
}
