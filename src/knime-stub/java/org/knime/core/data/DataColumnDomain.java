package org.knime.core.data;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** Stand-in for KNIME's column domain: possible values (nominal columns) and bounds. */
public final class DataColumnDomain {
    private final Set<DataCell> values;
    private final DataCell lower;
    private final DataCell upper;

    DataColumnDomain(final DataCell lower, final DataCell upper, final Set<DataCell> values) {
        this.lower = lower;
        this.upper = upper;
        this.values = values == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(values));
    }

    public Set<DataCell> getValues() {
        return values;
    }

    public boolean hasValues() {
        return values != null;
    }

    public DataCell getLowerBound() {
        return lower;
    }

    public DataCell getUpperBound() {
        return upper;
    }

    public boolean hasBounds() {
        return lower != null && upper != null;
    }
}
