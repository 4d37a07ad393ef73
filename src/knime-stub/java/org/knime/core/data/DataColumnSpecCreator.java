package org.knime.core.data;

/** Stand-in for KNIME's column spec builder. */
public final class DataColumnSpecCreator {
    private String name;
    private DataType type;
    private DataColumnDomain domain;

    public DataColumnSpecCreator(final String name, final DataType type) {
        this.name = name;
        this.type = type;
    }

    public DataColumnSpecCreator(final DataColumnSpec spec) {
        this(spec.getName(), spec.getType());
        domain = spec.getDomain();
    }

    public void setName(final String name) {
        this.name = name;
    }

    public void setType(final DataType type) {
        this.type = type;
    }

    public void setDomain(final DataColumnDomain domain) {
        this.domain = domain;
    }

    public DataColumnSpec createSpec() {
        return new DataColumnSpec(name, type, domain);
    }
}
