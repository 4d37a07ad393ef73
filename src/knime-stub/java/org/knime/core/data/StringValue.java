package org.knime.core.data;

/** Stand-in for KNIME's {@code StringValue} value interface. */
public interface StringValue extends DataValue {
    String getStringValue();
}
