package org.mixedmodels.knime.data;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataColumnSpecCreator;
import org.knime.core.data.DataType;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.StringCell;

/** Cells and column specs of the nodes' output tables. */
public final class Cells {
    private Cells() {
    }

    public static DataColumnSpec column(final String name, final DataType type) {
        return new DataColumnSpecCreator(name, type).createSpec();
    }

    /** NaN (a df of "none", an undefined p) shows as a missing cell, as KNIME's statistics nodes do. */
    public static DataCell number(final double v) {
        return Double.isNaN(v) ? missing() : new DoubleCell(v);
    }

    public static DataCell text(final String s) {
        return s == null ? missing() : new StringCell(s);
    }

    public static DataCell missing() {
        return DataType.getMissingCell();
    }
}
