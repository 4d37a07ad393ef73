package org.mixedmodels.engine.data;

/** A categorical (text) column; a null entry is a missing value. */
public final class CategoricalColumn implements Column {
    private final String name;
    private final String[] values;

    public CategoricalColumn(String name, String[] values) {
        this.name = name;
        this.values = values;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public boolean isMissing(int row) {
        return values[row] == null;
    }

    @Override
    public String label(int row) {
        return values[row];
    }
}
