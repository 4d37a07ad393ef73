package org.knime.core.data;

/** Stand-in for KNIME's {@code NominalValue} value interface. */
public interface NominalValue extends DataValue {

}
