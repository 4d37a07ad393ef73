package org.knime.core.data;

/** Stand-in for KNIME's table row. */
public interface DataRow extends Iterable<DataCell> {
    int getNumCells();

    RowKey getKey();

    DataCell getCell(int index);
}
