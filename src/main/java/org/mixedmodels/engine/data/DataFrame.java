package org.mixedmodels.engine.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mixedmodels.engine.MixedModelException;

/**
 * An immutable table of equally long, uniquely named columns: the engine's input.
 *
 * <p>Besides its own columns the table answers R's {@code factor(x)} and {@code as.factor(x)} as the formula
 * writes them: column {@code x} as categorical, its labels exactly as written, under the name
 * {@code factor(x)} (so coefficients are named as R names them, {@code factor(x)185}). A column actually
 * named {@code factor(x)} takes precedence.
 */
public final class DataFrame {
    /** {@code factor(x)} or {@code as.factor(x)}; group 2 is the column. */
    private static final Pattern FACTOR_CALL = Pattern.compile("(factor|as\\.factor)\\((.+)\\)");

    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final Map<String, Column> derived = new ConcurrentHashMap<>();
    private final int rowCount;

    public DataFrame(List<? extends Column> columns) {
        int n = columns.isEmpty() ? 0 : columns.get(0).size();
        for (Column c : columns) {
            if (c.size() != n) {
                throw new MixedModelException("Column '" + c.name() + "' has " + c.size()
                        + " rows but column '" + columns.get(0).name() + "' has " + n + ".");
            }
            if (this.columns.put(c.name(), c) != null) {
                throw new MixedModelException("The column name '" + c.name()
                        + "' occurs twice; give every column a unique name.");
            }
        }
        this.rowCount = n;
    }

    public int rowCount() {
        return rowCount;
    }

    public List<String> columnNames() {
        return Collections.unmodifiableList(new ArrayList<>(columns.keySet()));
    }

    /** Whether the table has the column, or the name is {@code factor(x)} of a column x it has. */
    public boolean hasColumn(String name) {
        return columns.containsKey(name) || factorOf(name) != null;
    }

    /**
     * The column a formula variable {@code factor(x)} or {@code as.factor(x)} reads, {@code x}, when the
     * table has no column of that exact name; otherwise null.
     */
    public String factorOf(String name) {
        if (columns.containsKey(name)) {
            return null;
        }
        Matcher m = FACTOR_CALL.matcher(name);
        if (m.matches() && columns.containsKey(m.group(2).strip())) {
            return m.group(2).strip();
        }
        return null;
    }

    /** The named column; an unknown name is an error that lists the table's columns. */
    public Column column(String name) {
        Column c = columns.get(name);
        if (c != null) {
            return c;
        }
        String source = factorOf(name);
        if (source != null) {
            return derived.computeIfAbsent(name, n -> categorical(columns.get(source), n));
        }
        Matcher m = FACTOR_CALL.matcher(name);
        throw new MixedModelException("Unknown column '" + (m.matches() ? m.group(2) : name)
                + "' in the formula. The table's columns are: " + String.join(", ", columns.keySet()) + ".");
    }

    /**
     * The table with the named columns categorical (SAS's CLASS statement, the Learner's "treat as
     * categorical"): numbers become levels labelled exactly as written ({@code 001}, {@code 1e3}); a text
     * column that looked numeric (see {@link NumericDoubt}) is thereby declared categorical. Other columns are
     * shared, not copied.
     *
     * @throws MixedModelException naming an unknown column and listing the table's columns
     */
    public DataFrame withCategorical(Collection<String> names) {
        if (names.isEmpty()) {
            return this;
        }
        for (String n : names) {
            if (!columns.containsKey(n)) {
                throw new MixedModelException("The column '" + n + "' declared categorical is not in the table;"
                        + " its columns are: " + String.join(", ", columns.keySet()) + ".");
            }
        }
        List<Column> out = new ArrayList<>();
        for (Column c : columns.values()) {
            out.add(names.contains(c.name()) ? categorical(c, c.name()) : c);
        }
        return new DataFrame(out);
    }

    /**
     * The table with the given missing-value tokens applied to its text columns (a table from KNIME, whose string
     * cells may hold {@code .} or {@code NULL}): in a text column those cells become missing and the column stays
     * text. A KNIME column's type is the user's declaration, so a string column is never re-typed as numbers here
     * (the nodes warn when one holds numbers only; KNIME's String to Number node converts it). Numeric columns are
     * kept as they are. How a node's "missing-value tokens" setting reaches the engine; {@link #withCategorical}
     * then applies a "treat as categorical" selection.
     */
    public DataFrame withMissingTokens(CsvOptions options) {
        List<Column> out = new ArrayList<>();
        for (Column c : columns.values()) {
            if (c instanceof CategoricalColumn cat) {
                String[] cells = null;
                for (int i = 0; i < c.size(); i++) {
                    String label = c.label(i);
                    if (label != null && options.isMissing(label)) {
                        if (cells == null) {
                            cells = new String[c.size()];
                            for (int k = 0; k < cells.length; k++) {
                                cells[k] = c.label(k);
                            }
                        }
                        cells[i] = null;
                    }
                }
                out.add(cells == null ? c : new CategoricalColumn(c.name(), cells, cat.numericDoubt()));
            } else {
                out.add(c);
            }
        }
        return new DataFrame(out);
    }

    private static Column categorical(Column c, String name) {
        if (c instanceof CategoricalColumn cat && name.equals(c.name())) {
            return cat.declaredCategorical();
        }
        String[] labels = new String[c.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = c.label(i);
        }
        return new CategoricalColumn(name, labels);
    }
}
