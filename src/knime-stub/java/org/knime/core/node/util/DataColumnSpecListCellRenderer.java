package org.knime.core.node.util;

import java.awt.Component;

import javax.swing.DefaultListCellRenderer;
import javax.swing.JList;

import org.knime.core.data.DataColumnSpec;

/** Stand-in for KNIME's list renderer of columns: the column name with its type icon. */
public class DataColumnSpecListCellRenderer extends DefaultListCellRenderer {
    private static final long serialVersionUID = 1L;

    public DataColumnSpecListCellRenderer() {
    }

    @Override
    public Component getListCellRendererComponent(final JList<?> list, final Object value, final int index,
        final boolean isSelected, final boolean cellHasFocus) {
        super.getListCellRendererComponent(list, value, index, isSelected, cellHasFocus);
        if (value instanceof DataColumnSpec spec) {
            setText(spec.getName());
            setIcon(spec.getType().getIcon());
        }
        return this;
    }
}
