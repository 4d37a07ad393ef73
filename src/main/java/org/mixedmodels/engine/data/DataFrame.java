package org.mixedmodels.engine.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;

/** An immutable table of equally long, uniquely named columns: the engine's input. */
public final class DataFrame {
    private final Map<String, Column> columns = new LinkedHashMap<>();
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

    public boolean hasColumn(String name) {
        return columns.containsKey(name);
    }

    /** The named column; an unknown name is an error that lists the table's columns. */
    public Column column(String name) {
        Column c = columns.get(name);
        if (c == null) {
            throw new MixedModelException("Unknown column '" + name + "' in the formula. The table's columns are: "
                    + String.join(", ", columns.keySet()) + ".");
        }
        return c;
    }
}
