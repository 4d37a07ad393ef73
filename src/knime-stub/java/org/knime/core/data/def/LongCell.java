package org.knime.core.data.def;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.data.LongValue;
import org.knime.core.data.DoubleValue;

/** Stand-in for KNIME's {@code LongCell}. */
public class LongCell extends DataCell implements LongValue, DoubleValue {
    private static final long serialVersionUID = 1L;

    public static final DataType TYPE = DataType.getType(LongCell.class);

    private final long value;

    public LongCell(final long value) {
        this.value = value;
    }

    @Override
    public long getLongValue() {
        return value;
    }

    @Override
    public double getDoubleValue() {
        return value;
    }

    @Override
    public String toString() {
        return String.valueOf(value);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    protected boolean equalsDataCell(final DataCell dc) {
        return value == ((LongCell)dc).value;
    }
}
