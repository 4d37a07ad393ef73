package org.knime.core.node;

import org.knime.core.node.config.ConfigWO;

/** Stand-in for KNIME's write-only {@code ModelContent}. */
public interface ModelContentWO extends ConfigWO {
    ModelContentWO addModelContent(String key);
}
