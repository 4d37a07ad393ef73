package org.knime.core.node;

import java.io.IOException;
import java.io.InputStream;

import org.knime.core.node.config.Config;

/** Stand-in for KNIME's {@code ModelContent} tree, saved in KNIME's settings XML format. */
public final class ModelContent extends Config implements ModelContentRO, ModelContentWO {

    public ModelContent(final String key) {
        super(key);
    }

    @Override
    public Config getInstance(final String key) {
        return new ModelContent(key);
    }

    @Override
    public ModelContent getModelContent(final String key) throws InvalidSettingsException {
        return (ModelContent)getConfig(key);
    }

    @Override
    public ModelContentWO addModelContent(final String key) {
        return (ModelContent)addConfig(key);
    }

    public static ModelContentRO loadFromXML(final InputStream in) throws IOException {
        return (ModelContent)Config.loadFromXML(new ModelContent("ignored"), in);
    }
}
