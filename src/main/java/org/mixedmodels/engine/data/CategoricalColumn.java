package org.mixedmodels.engine.data;

/**
 * A categorical (text) column; a null entry is a missing value. Labels are kept exactly as written
 * ({@code 001} stays {@code 001}), so that levels join back to the input.
 */
public final class CategoricalColumn implements Column {
    private final String name;
    private final String[] values;
    private final NumericDoubt numericDoubt;

    public CategoricalColumn(String name, String[] values) {
        this(name, values, null);
    }

    /**
     * @param numericDoubt when most values are numbers: which cells are not (the model frame refuses the
     *     column unless it is declared categorical); null otherwise
     */
    public CategoricalColumn(String name, String[] values, NumericDoubt numericDoubt) {
        this.name = name;
        this.values = values;
        this.numericDoubt = numericDoubt;
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

    /** Non-null when the column is numeric except for a few cells: see {@link NumericDoubt}. */
    public NumericDoubt numericDoubt() {
        return numericDoubt;
    }

    /** The same column declared categorical: the doubt is settled, the labels unchanged. */
    public CategoricalColumn declaredCategorical() {
        return numericDoubt == null ? this : new CategoricalColumn(name, values, null);
    }
}
