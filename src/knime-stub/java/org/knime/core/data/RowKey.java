package org.knime.core.data;

import java.util.Objects;

/** Stand-in for KNIME's row identifier. */
public final class RowKey {
    private final String id;

    public RowKey(final String id) {
        this.id = Objects.requireNonNull(id);
    }

    public String getString() {
        return id;
    }

    /** Deprecated in KNIME: use {@link #createRowKey(long)}. */
    @Deprecated
    public static RowKey createRowKey(final int rowNumber) {
        return new RowKey("Row" + rowNumber);
    }

    public static RowKey createRowKey(final long rowNumber) {
        return new RowKey("Row" + rowNumber);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof RowKey && ((RowKey)o).id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
    }
}
