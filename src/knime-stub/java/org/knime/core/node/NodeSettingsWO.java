package org.knime.core.node;

import org.knime.core.node.config.ConfigWO;

/** Stand-in for KNIME's write-only {@code NodeSettings}. */
public interface NodeSettingsWO extends ConfigWO {
    NodeSettingsWO addNodeSettings(String key);
}
