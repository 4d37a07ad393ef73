package org.knime.core.node.config;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.config.base.ConfigBase;

/** Stand-in for KNIME's config tree. */
public abstract class Config extends ConfigBase implements ConfigRO, ConfigWO {

    public Config(final String key) {
        super(key);
    }

    @Override
    public Config getConfig(final String key) throws InvalidSettingsException {
        return (Config)getChild(key);
    }

    @Override
    public Config addConfig(final String key) {
        return (Config)addChild(key);
    }
}
