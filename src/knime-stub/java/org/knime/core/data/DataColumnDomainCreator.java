package org.knime.core.data;

import java.util.Set;

/** Stand-in for KNIME's domain builder. */
public class DataColumnDomainCreator {
    private Set<DataCell> values;
    private DataCell lower;
    private DataCell upper;

    public DataColumnDomainCreator() {
    }

    public DataColumnDomainCreator(final Set<? extends DataCell> values) {
        setValues(values);
    }

    public DataColumnDomainCreator(final DataCell lower, final DataCell upper) {
        this.lower = lower;
        this.upper = upper;
    }

    @SuppressWarnings("unchecked")
    public void setValues(final Set<? extends DataCell> values) {
        this.values = (Set<DataCell>)values;
    }

    public void setLowerBound(final DataCell lower) {
        this.lower = lower;
    }

    public void setUpperBound(final DataCell upper) {
        this.upper = upper;
    }

    public DataColumnDomain createDomain() {
        return new DataColumnDomain(lower, upper, values);
    }
}
