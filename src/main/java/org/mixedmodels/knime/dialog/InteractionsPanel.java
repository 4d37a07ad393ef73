package org.mixedmodels.knime.dialog;

import java.awt.BorderLayout;
import java.awt.FlowLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.border.Border;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;

/**
 * Interaction terms chosen from the table's columns instead of typed: two of KNIME's column combo boxes (the
 * response left out), "Add" puts {@code a:b} in the list, "Remove" takes the selected terms out. Saved as the
 * settings' comma-separated {@code interactions} text.
 */
public final class InteractionsPanel extends JPanel {
    private static final long serialVersionUID = 1L;

    private final DefaultListModel<String> terms = new DefaultListModel<>();
    private final JList<String> list = new JList<>(terms);
    private final JButton add = new JButton("Add");
    private final JButton remove = new JButton("Remove");
    private String response = "";
    private final ColumnFilter notResponse = new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return !c.getName().equals(response);
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no column besides the response.";
        }
    };
    private final ColumnSelectionComboxBox first = new ColumnSelectionComboxBox((Border)null, notResponse);
    private final ColumnSelectionComboxBox second = new ColumnSelectionComboxBox((Border)null, notResponse);
    private final List<Runnable> listeners = new ArrayList<>();

    public InteractionsPanel() {
        super(new BorderLayout(4, 4));
        JPanel choose = new JPanel(new FlowLayout(FlowLayout.LEFT, 4, 0));
        choose.add(first);
        choose.add(new JLabel(":"));
        choose.add(second);
        choose.add(add);
        choose.add(remove);
        list.setVisibleRowCount(3);
        add(choose, BorderLayout.NORTH);
        add(new JScrollPane(list), BorderLayout.CENTER);
        add.addActionListener(e -> {
            String a = first.getSelectedColumn();
            String b = second.getSelectedColumn();
            if (a != null && b != null && !a.equals(b) && !terms.contains(a + ":" + b)
                && !terms.contains(b + ":" + a)) {
                terms.addElement(a + ":" + b);
                changed();
            }
        });
        remove.addActionListener(e -> {
            list.getSelectedValuesList().forEach(terms::removeElement);
            changed();
        });
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** Runs {@code r} after every added or removed term. */
    public void onChange(final Runnable r) {
        listeners.add(r);
    }

    /** Offers the spec's columns except the response. */
    public void update(final DataTableSpec spec, final String responseColumn) {
        response = responseColumn == null ? "" : responseColumn;
        try {
            first.update(spec, first.getSelectedColumn());
            second.update(spec, second.getSelectedColumn());
        } catch (NotConfigurableException e) {
            // only the response: nothing to interact; the list keeps the saved terms
        }
    }

    /** The terms, comma-separated (e.g. "time:arm, dose:time"). */
    public String getText() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            out.add(terms.get(i));
        }
        return String.join(", ", out);
    }

    /** Shows saved terms (separated by commas or semicolons). */
    public void setText(final String text) {
        terms.clear();
        Arrays.stream(text.split("[,;]")).map(String::trim).filter(t -> !t.isEmpty()).forEach(terms::addElement);
    }

    /** For tests: adds {@code a:b} as the Add button does. */
    public void addTerm(final String a, final String b) {
        first.setSelectedColumn(a);
        second.setSelectedColumn(b);
        add.doClick();
    }

    @Override
    public void setEnabled(final boolean enabled) {
        super.setEnabled(enabled);
        for (javax.swing.JComponent c : new javax.swing.JComponent[] {first, second, add, remove, list}) {
            c.setEnabled(enabled);
        }
    }
}
