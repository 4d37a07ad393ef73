package org.knime.core.node.config;

import java.io.IOException;
import java.io.InputStream;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.config.base.ConfigBase;

/** Stand-in for KNIME's config tree. */
public abstract class Config extends ConfigBase implements ConfigRO, ConfigWO {

    protected Config(final String key) {
        super(key);
    }

    @Override
    public abstract Config getInstance(String key);

    @Override
    public final Config getConfig(final String key) throws InvalidSettingsException {
        return (Config)getConfigBase(key);
    }

    @Override
    public final Config addConfig(final String key) {
        return (Config)addConfigBase(key);
    }

    /** Reads KNIME settings XML into a new config of {@code config}'s class. */
    protected static Config loadFromXML(final Config config, final InputStream in) throws IOException {
        return (Config)ConfigBase.loadFromXML(config, in);
    }
}
