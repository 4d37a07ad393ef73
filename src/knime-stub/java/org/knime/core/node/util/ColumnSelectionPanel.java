package org.knime.core.node.util;

import java.awt.Dimension;
import java.awt.event.ActionListener;

import javax.swing.BoxLayout;
import javax.swing.JComboBox;
import javax.swing.JPanel;
import javax.swing.border.Border;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataColumnSpecCreator;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.node.NotConfigurableException;

/**
 * Stand-in for KNIME's column chooser panel (the name is KNIME's): a combo box of the columns of a spec that pass a
 * filter, with their type icons, optionally led by a "&lt;none&gt;" entry (a column spec named uniquely in the spec,
 * of the missing cell's type) for an optional column. As KNIME: {@link #update} selects the named column, else
 * "&lt;none&gt;" when offered, else the last column; {@link #getSelectedColumn} is null for "&lt;none&gt;".
 */
@SuppressWarnings("serial")
public class ColumnSelectionPanel extends JPanel {
    private static final String NONE_OPTION_LABEL = "<none>";

    private final JComboBox<DataColumnSpec> chooser = new JComboBox<>();
    private final ColumnFilter columnFilter;
    private final boolean addNoneColOption;
    private DataColumnSpec noneColSpec;
    private DataTableSpec spec;

    public ColumnSelectionPanel(final Border border, final ColumnFilter columnFilter) {
        this(border, columnFilter, false);
    }

    public ColumnSelectionPanel(final Border border, final ColumnFilter columnFilter, final boolean addNoneCol) {
        setLayout(new BoxLayout(this, BoxLayout.Y_AXIS));
        if (columnFilter == null) {
            throw new NullPointerException("ColumnFilter must not be null");
        }
        this.columnFilter = columnFilter;
        if (border != null) {
            setBorder(border);
        }
        chooser.setRenderer(new DataColumnSpecListCellRenderer());
        chooser.setMinimumSize(new Dimension(100, 25));
        chooser.setMaximumSize(new Dimension(Integer.MAX_VALUE, 25));
        addNoneColOption = addNoneCol;
        add(chooser);
    }

    public final void update(final DataTableSpec sp, final String selColName) throws NotConfigurableException {
        spec = sp;
        chooser.removeAllItems();
        if (addNoneColOption) {
            String noneOption = DataTableSpec.getUniqueColumnName(sp, NONE_OPTION_LABEL);
            noneColSpec = new DataColumnSpecCreator(noneOption, DataType.getMissingCell().getType()).createSpec();
            chooser.addItem(noneColSpec);
            chooser.setToolTipText("Select " + noneOption + " for no column");
        }
        DataColumnSpec selectMe = null;
        if (sp != null) {
            for (DataColumnSpec current : sp) {
                if (columnFilter.includeColumn(current)) {
                    chooser.addItem(current);
                    if (current.getName().equals(selColName)) {
                        selectMe = current;
                    }
                }
            }
            if (selectMe != null) {
                chooser.setSelectedItem(selectMe);
            } else if (addNoneColOption) {
                chooser.setSelectedItem(noneColSpec);
            } else if (chooser.getItemCount() > 0) {
                chooser.setSelectedIndex(chooser.getItemCount() - 1);
            }
        }
        if (chooser.getItemCount() == 0) {
            throw new NotConfigurableException(columnFilter.allFilteredMsg());
        }
    }

    public final DataColumnSpec getSelectedColumnAsSpec() {
        DataColumnSpec selected = (DataColumnSpec)chooser.getSelectedItem();
        if (selected == null || addNoneColOption && selected.equals(noneColSpec)) {
            return null;
        }
        return selected;
    }

    public final String getSelectedColumn() {
        DataColumnSpec selected = getSelectedColumnAsSpec();
        return selected != null ? selected.getName() : null;
    }

    public final void setSelectedColumn(final String columnName) {
        if (addNoneColOption && noneColSpec != null && columnName == null) {
            chooser.setSelectedItem(noneColSpec);
            return;
        }
        if (spec != null) {
            chooser.setSelectedItem(spec.getColumnSpec(columnName));
        }
    }

    public int getNrItemsInList() {
        return chooser.getModel().getSize();
    }

    @Override
    public void setEnabled(final boolean enabled) {
        chooser.setEnabled(enabled);
    }

    @Override
    public boolean isEnabled() {
        return chooser.isEnabled();
    }

    public void addActionListener(final ActionListener l) {
        chooser.addActionListener(l);
    }
}
