package org.mixedmodels.engine.data;

import java.util.BitSet;

/**
 * A numeric column. Missing cells are marked in a separate mask, so that a non-finite value that
 * was really in the data (NaN, Inf) can be reported as such instead of being silently dropped.
 */
public final class NumericColumn implements Column {
    private final String name;
    private final double[] values;
    private final BitSet missing;
    /** The text as written where it differs from {@link #format} of the value ({@code 001}, {@code 1e3}); or null. */
    private final String[] text;

    /** @param missing the rows with a missing value (the array's value there is ignored); not copied */
    public NumericColumn(String name, double[] values, BitSet missing) {
        this(name, values, missing, null);
    }

    /**
     * @param text per row the cell's text as written when it differs from {@link #format} of its value
     *     (null entries, or a null array, where it does not): the labels a level of this column gets when it
     *     is used as categorical, so that id {@code 001} stays {@code 001}; not copied
     */
    public NumericColumn(String name, double[] values, BitSet missing, String[] text) {
        this.name = name;
        this.values = values;
        this.missing = missing;
        this.text = text;
    }

    /** A column without missing values. */
    public NumericColumn(String name, double[] values) {
        this(name, values, new BitSet());
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
        return missing.get(row);
    }

    public double value(int row) {
        return values[row];
    }

    /**
     * The cell as written in the file ({@code 001}); for a column built from numbers alone, the number as R
     * prints a factor level made from it: whole numbers without a decimal point ({@code 308}, not
     * {@code 308.0}), others with up to 15 significant digits.
     */
    @Override
    public String label(int row) {
        if (missing.get(row)) {
            return null;
        }
        if (text != null && text[row] != null) {
            return text[row];
        }
        return format(values[row]);
    }

    /**
     * The labels of the given rows, as {@link #label} gives them, with one String per distinct value among the
     * rows whose text is not kept (a numeric id column of a million rows and 100,000 subjects formats 100,000
     * labels, not a million).
     */
    public String[] labels(int[] rows) {
        String[] out = new String[rows.length];
        java.util.HashMap<Long, String> formatted = new java.util.HashMap<>();
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            if (missing.get(r)) {
                continue;
            }
            if (text != null && text[r] != null) {
                out[i] = text[r];
                continue;
            }
            double v = values[r];
            out[i] = formatted.computeIfAbsent(Double.doubleToRawLongBits(v), bits -> format(v));
        }
        return out;
    }

    public static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = new java.math.BigDecimal(v).round(new java.math.MathContext(15)).stripTrailingZeros()
                .toPlainString();
        return s;
    }
}
