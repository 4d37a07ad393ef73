package org.knime.core.data;

import java.util.Objects;

/** Stand-in for KNIME's column description: name, type and domain. */
public final class DataColumnSpec {
    private final String name;
    private final DataType type;
    private final DataColumnDomain domain;

    DataColumnSpec(final String name, final DataType type, final DataColumnDomain domain) {
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.domain = domain == null ? new DataColumnDomainCreator().createDomain() : domain;
    }

    public String getName() {
        return name;
    }

    public DataType getType() {
        return type;
    }

    public DataColumnDomain getDomain() {
        return domain;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof DataColumnSpec && ((DataColumnSpec)o).name.equals(name)
            && ((DataColumnSpec)o).type.equals(type);
    }

    @Override
    public int hashCode() {
        return name.hashCode() ^ type.hashCode();
    }

    @Override
    public String toString() {
        return name + " (" + type + ")";
    }
}
