package org.knime.core.node.util;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataValue;

/** Stand-in for KNIME's column filter by value class: a column passes if its type is compatible with one. */
public class DataValueColumnFilter implements ColumnFilter {
    private final List<Class<? extends DataValue>> classes;

    @SafeVarargs
    public DataValueColumnFilter(final Class<? extends DataValue>... filterValueClasses) {
        this(Arrays.asList(filterValueClasses));
    }

    public DataValueColumnFilter(final Collection<Class<? extends DataValue>> filterValueClasses) {
        if (filterValueClasses == null || filterValueClasses.isEmpty()) {
            throw new IllegalArgumentException("Classes must not be null or empty");
        }
        classes = List.copyOf(filterValueClasses);
    }

    @Override
    public boolean includeColumn(final DataColumnSpec colSpec) {
        return classes.stream().anyMatch(c -> colSpec.getType().isCompatible(c));
    }

    @Override
    public String allFilteredMsg() {
        return "No column in spec compatible to " + String.join(", ", classes.stream().map(Class::getSimpleName)
            .toList()) + ".";
    }
}
