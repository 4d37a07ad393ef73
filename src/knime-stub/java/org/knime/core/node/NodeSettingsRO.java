package org.knime.core.node;

import org.knime.core.node.config.ConfigRO;

/** Stand-in for KNIME's read-only {@code NodeSettings}. */
public interface NodeSettingsRO extends ConfigRO {
    NodeSettingsRO getNodeSettings(String key) throws InvalidSettingsException;
}
