package org.knime.core.node.config;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.config.base.ConfigBaseRO;

/** Stand-in for KNIME's read access to a config tree. */
public interface ConfigRO extends ConfigBaseRO {
    Config getConfig(String key) throws InvalidSettingsException;
}
