package org.knime.core.data;

/** Stand-in for KNIME's missing cell, optionally with the reason it is missing. */
public final class MissingCell extends DataCell {
    private static final long serialVersionUID = 1L;
    private final String error;

    public MissingCell(final String error) {
        this.error = error;
    }

    public String getError() {
        return error;
    }

    @Override
    public boolean isMissing() {
        return true;
    }

    @Override
    public String toString() {
        return "?";
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    protected boolean equalsDataCell(final DataCell dc) {
        return true;
    }
}
