package org.knime.core.data.def;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.data.StringValue;
import org.knime.core.data.NominalValue;

/** Stand-in for KNIME's {@code StringCell}. */
public final class StringCell extends DataCell implements StringValue, NominalValue {
    private static final long serialVersionUID = 1L;

    public static final DataType TYPE = DataType.getType(StringCell.class);

    private final String value;

    public StringCell(final String value) {
        this.value = java.util.Objects.requireNonNull(value);
    }

    @Override
    public String getStringValue() {
        return value;
    }

    @Override
    public String toString() {
        return String.valueOf(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    protected boolean equalsDataCell(final DataCell dc) {
        return value.equals(((StringCell)dc).value);
    }
}
