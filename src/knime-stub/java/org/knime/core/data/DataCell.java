package org.knime.core.data;

import java.io.Serializable;

/** Stand-in for KNIME's abstract table cell. */
public abstract class DataCell implements DataValue, Serializable {
    private static final long serialVersionUID = 1L;

    public final DataType getType() {
        return this instanceof MissingCell ? DataType.MISSING : DataType.getType(getClass());
    }

    public boolean isMissing() {
        return false;
    }

    @Override
    public abstract String toString();

    @Override
    public abstract int hashCode();

    protected abstract boolean equalsDataCell(DataCell dc);

    @Override
    public final boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DataCell) || o.getClass() != getClass()) {
            return false;
        }
        return equalsDataCell((DataCell)o);
    }
}
