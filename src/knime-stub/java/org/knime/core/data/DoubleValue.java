package org.knime.core.data;

/** Stand-in for KNIME's {@code DoubleValue} value interface. */
public interface DoubleValue extends DataValue {
    double getDoubleValue();
}
