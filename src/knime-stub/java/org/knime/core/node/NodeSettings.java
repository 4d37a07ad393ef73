package org.knime.core.node;

import java.io.IOException;
import java.io.InputStream;

import org.knime.core.node.config.Config;

/** Stand-in for KNIME's {@code NodeSettings} tree, saved in KNIME's settings XML format. */
public final class NodeSettings extends Config implements NodeSettingsRO, NodeSettingsWO {

    public NodeSettings(final String key) {
        super(key);
    }

    @Override
    public Config getInstance(final String key) {
        return new NodeSettings(key);
    }

    @Override
    public NodeSettings getNodeSettings(final String key) throws InvalidSettingsException {
        return (NodeSettings)getConfig(key);
    }

    @Override
    public NodeSettingsWO addNodeSettings(final String key) {
        return (NodeSettings)addConfig(key);
    }

    public static NodeSettingsRO loadFromXML(final InputStream in) throws IOException {
        return (NodeSettings)Config.loadFromXML(new NodeSettings("ignored"), in);
    }
}
