package org.knime.core.node.config;

import javax.swing.tree.TreeNode;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.config.base.ConfigBaseRO;

/** Stand-in for KNIME's read access to a config tree. */
public interface ConfigRO extends ConfigBaseRO, TreeNode, Iterable<String> {
    Config getConfig(String key) throws InvalidSettingsException;
}
