package org.knime.core.node.util.filter;

import java.awt.BorderLayout;
import java.awt.Dimension;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.GridLayout;
import java.awt.Insets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.swing.BorderFactory;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextField;
import javax.swing.ListCellRenderer;
import javax.swing.event.ChangeEvent;
import javax.swing.event.ChangeListener;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;

/**
 * Stand-in for KNIME's include/exclude filter panel: an Exclude and an Include list, each with a search field
 * that narrows it, the buttons "&gt;", "&gt;&gt;", "&lt;", "&lt;&lt;", and names that can be hidden (not offered in
 * either list).
 *
 * @param <T> the listed items (KNIME: column specs, flow variables, strings)
 */
@SuppressWarnings("serial")
public abstract class NameFilterPanel<T> extends JPanel {
    private final List<String> order = new ArrayList<>();
    private final Set<String> included = new LinkedHashSet<>();
    private final Set<String> hidden = new LinkedHashSet<>();
    private final DefaultListModel<T> excludeModel = new DefaultListModel<>();
    private final DefaultListModel<T> includeModel = new DefaultListModel<>();
    private final JList<T> excludeList = new JList<>(excludeModel);
    private final JList<T> includeList = new JList<>(includeModel);
    private final JTextField excludeSearch = new JTextField(10);
    private final JTextField includeSearch = new JTextField(10);
    private final JPanel excludePanel = new JPanel(new BorderLayout(0, 3));
    private final JPanel includePanel = new JPanel(new BorderLayout(0, 3));
    private final List<ChangeListener> listeners = new ArrayList<>();

    protected NameFilterPanel() {
        super(new GridBagLayout());
        excludePanel.setBorder(BorderFactory.createTitledBorder("Exclude"));
        includePanel.setBorder(BorderFactory.createTitledBorder("Include"));
        side(excludePanel, excludeSearch, excludeList);
        side(includePanel, includeSearch, includeList);
        JPanel buttons = new JPanel(new GridLayout(4, 1, 0, 4));
        buttons.add(button(">", () -> move(excludeList.getSelectedValuesList(), true)));
        buttons.add(button(">>", () -> move(visible(excludeModel), true)));
        buttons.add(button("<", () -> move(includeList.getSelectedValuesList(), false)));
        buttons.add(button("<<", () -> move(visible(includeModel), false)));
        GridBagConstraints c = new GridBagConstraints();
        c.fill = GridBagConstraints.BOTH;
        c.weightx = 1;
        c.weighty = 1;
        add(excludePanel, c);
        c.weightx = 0;
        c.fill = GridBagConstraints.NONE;
        c.insets = new Insets(0, 6, 0, 6);
        add(buttons, c);
        c.weightx = 1;
        c.fill = GridBagConstraints.BOTH;
        c.insets = new Insets(0, 0, 0, 0);
        add(includePanel, c);
    }

    /** The item of a name (KNIME: the column spec of a column name). */
    protected abstract T getTforName(String name);

    /** The name of an item. */
    protected abstract String getNameForT(T t);

    /** The renderer of both lists (deprecated in KNIME 5.x in favour of a table renderer; still abstract). */
    @Deprecated
    @SuppressWarnings("rawtypes")
    protected abstract ListCellRenderer getListCellRenderer();

    private void side(final JPanel panel, final JTextField search, final JList<T> list) {
        search.setToolTipText("Search: shows the names that contain the text");
        search.getDocument().addDocumentListener(new DocumentListener() {
            @Override
            public void insertUpdate(final DocumentEvent e) {
                refill();
            }

            @Override
            public void removeUpdate(final DocumentEvent e) {
                refill();
            }

            @Override
            public void changedUpdate(final DocumentEvent e) {
                refill();
            }
        });
        list.setVisibleRowCount(5);
        JScrollPane scroll = new JScrollPane(list);
        scroll.setPreferredSize(new Dimension(150, 96));
        panel.add(search, BorderLayout.NORTH);
        panel.add(scroll, BorderLayout.CENTER);
    }

    private static JButton button(final String text, final Runnable action) {
        JButton b = new JButton(text);
        b.setMargin(new Insets(1, 6, 1, 6));
        b.addActionListener(e -> action.run());
        return b;
    }

    private List<T> visible(final DefaultListModel<T> model) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < model.size(); i++) {
            out.add(model.get(i));
        }
        return out;
    }

    private void move(final List<T> items, final boolean include) {
        for (T t : items) {
            String name = getNameForT(t);
            if (include) {
                included.add(name);
            } else {
                included.remove(name);
            }
        }
        refill();
        ChangeEvent e = new ChangeEvent(this);
        new ArrayList<>(listeners).forEach(l -> l.stateChanged(e));
    }


    private void refill() {
        excludeModel.clear();
        includeModel.clear();
        String ex = excludeSearch.getText().toLowerCase();
        String in = includeSearch.getText().toLowerCase();
        for (String name : order) {
            if (hidden.contains(name)) {
                continue;
            }
            boolean isIncluded = included.contains(name);
            if (name.toLowerCase().contains(isIncluded ? in : ex)) {
                (isIncluded ? includeModel : excludeModel).addElement(getTforName(name));
            }
        }
    }

    /** The lists: {@code names} in their order, {@code ins} included, the others excluded; hiding is reset. */
    @SuppressWarnings({"unchecked", "deprecation"})
    public void update(final List<String> ins, final List<String> exs, final String[] names) {
        excludeList.setCellRenderer(getListCellRenderer());
        includeList.setCellRenderer(getListCellRenderer());
        order.clear();
        order.addAll(Arrays.asList(names));
        included.clear();
        included.addAll(ins);
        included.retainAll(order);
        hidden.clear();
        refill();
    }

    public void loadConfiguration(final NameFilterConfiguration config, final String[] names) {
        update(Arrays.asList(config.includes()), Arrays.asList(config.excludes()), names);
    }

    public void saveConfiguration(final NameFilterConfiguration config) {
        List<String> ex = new ArrayList<>(order);
        ex.removeAll(getIncludedNamesAsSet());
        config.setLists(getIncludedNamesAsSet().toArray(String[]::new), ex.toArray(String[]::new));
    }

    /** The included names that are not hidden, in the lists' order. */
    public Set<String> getIncludedNamesAsSet() {
        Set<String> out = new LinkedHashSet<>();
        for (String name : order) {
            if (included.contains(name) && !hidden.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public void hideNames(final T... names) {
        for (T t : names) {
            hidden.add(getNameForT(t));
        }
        refill();
    }

    public void resetHiding() {
        hidden.clear();
        refill();
    }

    public void addChangeListener(final ChangeListener listener) {
        listeners.add(listener);
    }

    public void setIncludeTitle(final String title) {
        includePanel.setBorder(BorderFactory.createTitledBorder(title));
    }

    public void setExcludeTitle(final String title) {
        excludePanel.setBorder(BorderFactory.createTitledBorder(title));
    }

    @Override
    public void setEnabled(final boolean enabled) {
        super.setEnabled(enabled);
        for (JList<T> l : List.of(excludeList, includeList)) {
            l.setEnabled(enabled);
        }
        excludeSearch.setEnabled(enabled);
        includeSearch.setEnabled(enabled);
    }
}
