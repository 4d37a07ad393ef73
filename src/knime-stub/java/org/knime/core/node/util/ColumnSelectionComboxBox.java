package org.knime.core.node.util;

import javax.swing.JComboBox;
import javax.swing.border.Border;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataValue;
import org.knime.core.node.NotConfigurableException;

/**
 * Stand-in for KNIME's column combo box (the name is KNIME's): the columns of a spec that pass a filter, shown
 * with their type icons; {@link #update} fails if none passes.
 */
@SuppressWarnings({"rawtypes", "unchecked", "serial"})
public class ColumnSelectionComboxBox extends JComboBox {
    private ColumnFilter filter;
    private DataTableSpec spec;

    @SafeVarargs
    public ColumnSelectionComboxBox(final Border border, final Class<? extends DataValue>... filterValueClasses) {
        this(border, new DataValueColumnFilter(filterValueClasses));
    }

    public ColumnSelectionComboxBox(final Border border, final ColumnFilter columnFilter) {
        if (border != null) {
            setBorder(border);
        }
        filter = columnFilter;
        setRenderer(new DataColumnSpecListCellRenderer());
    }

    /**
     * As KNIME: the columns that pass the filter; the named one selected, else the last; fails if none passes
     * (also for a null spec).
     */
    public final void update(final DataTableSpec sp, final String selColName) throws NotConfigurableException {
        spec = sp;
        removeAllItems();
        DataColumnSpec selected = null;
        if (sp != null) {
            for (DataColumnSpec c : sp) {
                if (filter.includeColumn(c)) {
                    addItem(c);
                    if (c.getName().equals(selColName)) {
                        selected = c;
                    }
                }
            }
            setSelectedItem(null);
        }
        if (selected != null) {
            setSelectedItem(selected);
        } else if (getItemCount() > 0) {
            setSelectedIndex(getItemCount() - 1);
        }
        if (getItemCount() == 0) {
            throw new NotConfigurableException(filter.allFilteredMsg());
        }
    }

    public final String getSelectedColumn() {
        Object o = getSelectedItem();
        return o instanceof DataColumnSpec c ? c.getName() : null;
    }

    public final void setSelectedColumn(final String columnName) {
        for (int i = 0; i < getItemCount(); i++) {
            if (((DataColumnSpec)getItemAt(i)).getName().equals(columnName)) {
                setSelectedIndex(i);
                return;
            }
        }
    }

    public void setColumnFilter(final ColumnFilter columnFilter) throws NotConfigurableException {
        filter = columnFilter;
        if (spec != null) {
            update(spec, getSelectedColumn());
        }
    }
}
