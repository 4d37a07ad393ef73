package org.knime.core.node.util.filter.column;

import org.knime.core.node.util.filter.NameFilterConfiguration;

/** Stand-in for KNIME's configuration of a column filter. */
public final class DataColumnSpecFilterConfiguration extends NameFilterConfiguration {
    public DataColumnSpecFilterConfiguration(final String configRootName) {
        super(configRootName);
    }
}
