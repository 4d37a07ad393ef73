package org.mixedmodels.knime.dialog;

import javax.swing.border.Border;

import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;

import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;

import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.mixedmodels.knime.data.TableToDataFrame;

/** A dialog tab of labelled rows, top-aligned, and the column choosers the nodes' dialogs share. */
public final class FormPanel extends JPanel {
    private static final long serialVersionUID = 1L;
    private int y;

    public FormPanel() {
        super(new GridBagLayout());
    }

    /** A row: the label on the left, the component stretched on the right. */
    public FormPanel row(final String label, final JComponent c) {
        GridBagConstraints g = new GridBagConstraints();
        g.gridy = y++;
        g.insets = new Insets(4, 6, 4, 6);
        g.anchor = GridBagConstraints.NORTHWEST;
        g.gridx = 0;
        add(new JLabel(label), g);
        g.gridx = 1;
        g.weightx = 1;
        g.fill = GridBagConstraints.HORIZONTAL;
        add(c, g);
        return this;
    }

    /** Pushes the rows to the top; call last. */
    public FormPanel finish() {
        GridBagConstraints g = new GridBagConstraints();
        g.gridy = y++;
        g.weighty = 1;
        add(new JPanel(), g);
        return this;
    }

    /** KNIME's column combo box (type icons), offering the numeric columns only if asked. */
    public static ColumnSelectionComboxBox column(final boolean numericOnly) {
        return new ColumnSelectionComboxBox((Border)null, new ColumnFilter() {
            @Override
            public boolean includeColumn(final DataColumnSpec c) {
                return !numericOnly || TableToDataFrame.isNumeric(c);
            }

            @Override
            public String allFilteredMsg() {
                return numericOnly ? "The input table has no numeric column." : "The input table has no columns.";
            }
        });
    }

    /**
     * Fills KNIME's column combo box with the table's columns and selects {@code selected}, or the first column
     * that fits if it is not in the table (KNIME's box would take the last); fails if no column fits.
     */
    public static void fillColumns(final ColumnSelectionComboxBox box, final DataTableSpec spec, final String selected)
        throws NotConfigurableException {
        box.update(spec, selected);
        if (selected == null || !spec.containsName(selected) || !selected.equals(box.getSelectedColumn())) {
            box.setSelectedIndex(0);
        }
    }

    /** The chosen column, or "" for none. */
    public static String chosenColumn(final ColumnSelectionComboxBox box) {
        return box.getSelectedColumn() == null ? "" : box.getSelectedColumn();
    }
}
