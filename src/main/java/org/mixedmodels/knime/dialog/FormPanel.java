package org.mixedmodels.knime.dialog;

import javax.swing.border.Border;

import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;

import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;

import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.mixedmodels.knime.data.TableToDataFrame;

/** A dialog tab of labelled rows, top-aligned, and the column choosers the nodes' dialogs share. */
public final class FormPanel extends JPanel {
    private static final long serialVersionUID = 1L;
    /** The entry of an optional column chooser that means "no column". */
    public static final String NONE = "<none>";
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

    /**
     * Fills a column chooser with the table's columns (numeric ones only if asked; {@link #NONE} first if the
     * choice is optional) and selects {@code selected} if present.
     */
    public static void fill(final JComboBox<String> box, final DataTableSpec spec, final boolean numericOnly,
        final boolean optional, final String selected) {
        box.removeAllItems();
        if (optional) {
            box.addItem(NONE);
        }
        for (DataColumnSpec c : spec) {
            if (!numericOnly || TableToDataFrame.isNumeric(c)) {
                box.addItem(c.getName());
            }
        }
        if (selected != null && !selected.isEmpty()) {
            box.setSelectedItem(selected);
        }
    }

    /** The chosen column, or "" for none. */
    public static String chosen(final JComboBox<String> box) {
        Object item = box.getSelectedItem();
        return item == null || NONE.equals(item) ? "" : (String)item;
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
