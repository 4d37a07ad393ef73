package org.knime.core.data.def;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.data.BooleanValue;
import org.knime.core.data.IntValue;
import org.knime.core.data.LongValue;
import org.knime.core.data.DoubleValue;
import org.knime.core.data.NominalValue;

/** Stand-in for KNIME's {@code BooleanCell}. */
public final class BooleanCell extends DataCell implements BooleanValue, IntValue, LongValue, DoubleValue, NominalValue {
    private static final long serialVersionUID = 1L;

    public static final DataType TYPE = DataType.getType(BooleanCell.class);

    public static final BooleanCell TRUE = new BooleanCell(true);

    public static final BooleanCell FALSE = new BooleanCell(false);

    /** Deprecated in KNIME (BooleanCellFactory.create or TRUE/FALSE instead). */
    @Deprecated
    public static final BooleanCell get(final boolean b) {
        return b ? TRUE : FALSE;
    }

    private final boolean value;

    private BooleanCell(final boolean value) {
        this.value = value;
    }

    @Override
    public boolean getBooleanValue() {
        return value;
    }

    @Override
    public int getIntValue() {
        return value ? 1 : 0;
    }

    @Override
    public long getLongValue() {
        return value ? 1 : 0;
    }

    @Override
    public double getDoubleValue() {
        return value ? 1 : 0;
    }

    @Override
    public String toString() {
        return String.valueOf(value);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(value);
    }

    @Override
    protected boolean equalsDataCell(final DataCell dc) {
        return value == ((BooleanCell)dc).value;
    }
}
