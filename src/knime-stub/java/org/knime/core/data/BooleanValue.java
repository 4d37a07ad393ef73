package org.knime.core.data;

/** Stand-in for KNIME's {@code BooleanValue} value interface. */
public interface BooleanValue extends DataValue {
    boolean getBooleanValue();
}
