package org.knime.core.node.util;

import org.knime.core.data.DataColumnSpec;

/** Stand-in for KNIME's filter of the columns a column component offers. */
public interface ColumnFilter {
    boolean includeColumn(DataColumnSpec colSpec);

    String allFilteredMsg();
}
