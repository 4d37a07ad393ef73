package org.knime.core.data;

/** Stand-in for KNIME's {@code LongValue} value interface. */
public interface LongValue extends DataValue {
    long getLongValue();
}
