package org.knime.core.data;

/** Stand-in for KNIME's marker interface of all cell values. */
public interface DataValue {
}
