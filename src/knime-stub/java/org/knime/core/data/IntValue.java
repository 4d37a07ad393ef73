package org.knime.core.data;

/** Stand-in for KNIME's {@code IntValue} value interface. */
public interface IntValue extends DataValue {
    int getIntValue();
}
