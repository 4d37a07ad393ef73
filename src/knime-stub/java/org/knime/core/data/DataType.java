package org.knime.core.data;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** Stand-in for KNIME's column type: the cell class, compatible with every value interface it implements. */
public final class DataType {
    private static final Map<Class<? extends DataCell>, DataType> TYPES = new ConcurrentHashMap<>();
    static final DataType MISSING = new DataType(MissingCell.class);
    private static final DataCell MISSING_CELL = new MissingCell(null);

    private final Class<? extends DataCell> cellClass;

    private DataType(final Class<? extends DataCell> cellClass) {
        this.cellClass = cellClass;
    }

    public static DataCell getMissingCell() {
        return MISSING_CELL;
    }

    public static DataType getType(final Class<? extends DataCell> cell) {
        return TYPES.computeIfAbsent(Objects.requireNonNull(cell), DataType::new);
    }

    public boolean isCompatible(final Class<? extends DataValue> valueClass) {
        return valueClass.isAssignableFrom(cellClass);
    }

    public Class<? extends DataCell> getCellClass() {
        return cellClass;
    }

    @Override
    public String toString() {
        return cellClass.getSimpleName().replace("Cell", "");
    }
}
