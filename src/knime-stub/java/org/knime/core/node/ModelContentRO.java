package org.knime.core.node;

import org.knime.core.node.config.ConfigRO;

/** Stand-in for KNIME's read-only {@code ModelContent}. */
public interface ModelContentRO extends ConfigRO {
    ModelContentRO getModelContent(String key) throws InvalidSettingsException;
}
