package org.knime.core.node.config.base;

/** Stand-in for KNIME's write access to a settings tree (bundle org.knime.core.util). */
public interface ConfigBaseWO {
    String getKey();

    ConfigBase addConfigBase(String key);

    void addString(String key, String value);

    void addStringArray(String key, String... values);

    void addDouble(String key, double value);

    void addDoubleArray(String key, double... values);

    void addInt(String key, int value);

    void addIntArray(String key, int... values);

    void addLong(String key, long value);

    void addLongArray(String key, long... values);

    void addBoolean(String key, boolean value);

    void addBooleanArray(String key, boolean... values);
}
