package org.mixedmodels.knime.dialog;

import java.awt.BorderLayout;
import java.awt.Dimension;
import java.awt.GridLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import javax.swing.BorderFactory;
import javax.swing.DefaultCellEditor;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JCheckBox;
import javax.swing.JComboBox;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTable;
import javax.swing.ListSelectionModel;
import javax.swing.table.AbstractTableModel;
import javax.swing.table.TableCellEditor;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * Reference level and level order per categorical column, chosen from the column's domain values (the possible
 * values KNIME's readers record): a table with one row per column (the reference level from a list of its levels;
 * the order, sorted unless set), and below it the levels of the selected column, which Up and Down reorder once
 * "Custom order" is ticked. Saved as the settings' {@code column=level} and {@code column=level1,level2,...}
 * entries.
 */
public final class LevelsTable {
    /** The reference of a column left at the first level (of the sorted or custom order). */
    public static final String FIRST_LEVEL = "(first level)";

    private static final class Row {
        final String column;
        final List<String> levels;
        /** A numeric column treated as categorical: its levels are numbers as the engine prints them. */
        final boolean numeric;
        String reference = FIRST_LEVEL;
        boolean custom;

        Row(final String column, final List<String> levels, final boolean numeric) {
            this.column = column;
            this.levels = levels;
            this.numeric = numeric;
        }

        List<String> sorted() {
            return sortedLevels(levels);
        }

        String order() {
            return custom ? String.join(", ", levels) : "sorted";
        }
    }

    /**
     * Levels in the engine's order: by value when all are numbers (R's order of a numeric column made a factor),
     * otherwise as text.
     */
    static List<String> sortedLevels(final java.util.Collection<String> levels) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(levels));
        if (sorted.stream().allMatch(l -> CsvReader.parseNumber(l, '.') != null)) {
            sorted.sort(java.util.Comparator.comparingDouble(l -> CsvReader.parseNumber(l, '.')));
        }
        return sorted;
    }

    /** A level typed for a numeric column, as the engine prints it: {@code 185.0} is {@code 185}. */
    static String asLevel(final String typed, final boolean numeric) {
        String t = typed.strip();
        Double d = numeric ? CsvReader.parseNumber(t, '.') : null;
        return d == null ? t : NumericColumn.format(d);
    }

    private final List<Row> rows = new ArrayList<>();
    private DataTableSpec spec = new DataTableSpec();
    private final Model model = new Model();
    private final JTable table = new JTable(model) {
        private static final long serialVersionUID = 1L;

        @Override
        public TableCellEditor getCellEditor(final int row, final int column) {
            if (column == 1) {
                JComboBox<String> box = new JComboBox<>();
                box.addItem(FIRST_LEVEL);
                rows.get(row).sorted().forEach(box::addItem);
                // a numeric column's levels are known only from its domain values; otherwise the user types one
                box.setEditable(rows.get(row).numeric);
                return new DefaultCellEditor(box);
            }
            return super.getCellEditor(row, column);
        }
    };
    private final DefaultListModel<String> orderModel = new DefaultListModel<>();
    private final JList<String> order = new JList<>(orderModel);
    private final JCheckBox custom = new JCheckBox("Custom order");
    private final JButton up = new JButton("Up");
    private final JButton down = new JButton("Down");
    private final JPanel panel = new JPanel(new BorderLayout(6, 6));

    private final class Model extends AbstractTableModel {
        private static final long serialVersionUID = 1L;

        @Override
        public int getRowCount() {
            return rows.size();
        }

        @Override
        public int getColumnCount() {
            return 3;
        }

        @Override
        public String getColumnName(final int c) {
            return new String[] {"Column", "Reference level", "Level order"}[c];
        }

        @Override
        public Object getValueAt(final int r, final int c) {
            Row row = rows.get(r);
            return c == 0 ? row.column : c == 1 ? row.reference : row.order();
        }

        @Override
        public boolean isCellEditable(final int r, final int c) {
            return c == 1;
        }

        @Override
        public void setValueAt(final Object value, final int r, final int c) {
            Row row = rows.get(r);
            String level = value == null ? "" : asLevel(value.toString(), row.numeric);
            row.reference = level.isEmpty() ? FIRST_LEVEL : level;
            if (row.numeric && !row.reference.equals(FIRST_LEVEL) && !row.levels.contains(row.reference)) {
                row.levels.add(row.reference);
            }
            fireTableCellUpdated(r, c);
        }
    }

    public LevelsTable() {
        this(true);
    }

    /** A table of reference levels, with the level order part if {@code withOrder}. */
    public LevelsTable(final boolean withOrder) {
        panel.setBorder(BorderFactory.createTitledBorder(withOrder
            ? "Reference levels and level order (categorical columns)" : "Reference levels (categorical columns)"));
        table.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        table.setRowHeight(22);
        table.setPreferredScrollableViewportSize(new Dimension(420, 90));
        table.getSelectionModel().addListSelectionListener(e -> showSelected());
        order.setVisibleRowCount(4);
        JPanel buttons = new JPanel(new GridLayout(3, 1, 0, 4));
        buttons.add(custom);
        buttons.add(up);
        buttons.add(down);
        JPanel orderPanel = new JPanel(new BorderLayout(6, 0));
        orderPanel.add(new JLabel("Levels of the selected column:"), BorderLayout.NORTH);
        orderPanel.add(new JScrollPane(order), BorderLayout.CENTER);
        orderPanel.add(buttons, BorderLayout.EAST);
        panel.add(new JScrollPane(table), BorderLayout.CENTER);
        if (withOrder) {
            panel.add(orderPanel, BorderLayout.SOUTH);
        } else {
            table.removeColumn(table.getColumnModel().getColumn(2));
        }
        custom.addActionListener(e -> {
            Row r = selected();
            if (r != null) {
                r.custom = custom.isSelected();
                if (!r.custom) {
                    List<String> s = r.sorted();
                    r.levels.clear();
                    r.levels.addAll(s);
                }
                refresh(r);
            }
        });
        up.addActionListener(e -> move(-1));
        down.addActionListener(e -> move(1));
    }

    public JPanel panel() {
        return panel;
    }

    private Row selected() {
        int i = table.getSelectedRow();
        return i < 0 ? null : rows.get(i);
    }

    private void showSelected() {
        Row r = selected();
        orderModel.clear();
        custom.setEnabled(r != null);
        if (r != null) {
            (r.custom ? r.levels : r.sorted()).forEach(orderModel::addElement);
            custom.setSelected(r.custom);
        }
        up.setEnabled(r != null && r.custom);
        down.setEnabled(r != null && r.custom);
    }

    private void move(final int step) {
        Row r = selected();
        int i = order.getSelectedIndex();
        if (r == null || !r.custom || i < 0 || i + step < 0 || i + step >= r.levels.size()) {
            return;
        }
        r.levels.add(i + step, r.levels.remove(i));
        refresh(r);
        order.setSelectedIndex(i + step);
    }

    private void refresh(final Row r) {
        int i = rows.indexOf(r);
        model.fireTableRowsUpdated(i, i);
        table.setRowSelectionInterval(i, i);
        showSelected();
    }

    /**
     * One row per categorical column of the spec with domain values (and per column named in the settings), its
     * levels the domain values; the saved reference levels and orders applied.
     */
    public void load(final DataTableSpec spec, final Map<String, String> references,
        final Map<String, List<String>> orders) {
        load(spec, List.of(), references, orders);
    }

    /**
     * As {@link #load(DataTableSpec, Map, Map)}, plus a row per numeric column treated as categorical, its levels
     * the domain values as the engine prints them ({@code 185}, not {@code 185.0}) where KNIME recorded them, the
     * reference typed otherwise.
     */
    public void load(final DataTableSpec tableSpec, final java.util.Collection<String> numericCategorical,
        final Map<String, String> references, final Map<String, List<String>> orders) {
        spec = tableSpec;
        rows.clear();
        Map<String, List<String>> levels = new LinkedHashMap<>();
        java.util.Set<String> numeric = new java.util.HashSet<>();
        for (DataColumnSpec c : spec) {
            boolean chosen = TableToDataFrame.isNumeric(c) && numericCategorical.contains(c.getName());
            boolean hasValues = c.getDomain() != null && c.getDomain().hasValues();
            if (chosen) {
                numeric.add(c.getName());
            }
            if (chosen || !TableToDataFrame.isNumeric(c) && hasValues) {
                List<String> values = new ArrayList<>();
                if (hasValues) {
                    for (DataCell v : c.getDomain().getValues()) {
                        values.add(chosen ? TableToDataFrame.label(v) : v.toString());
                    }
                }
                levels.put(c.getName(), values);
            }
        }
        for (String c : references.keySet()) {
            levels.computeIfAbsent(c, k -> new ArrayList<>(List.of(references.get(k))));
        }
        for (Map.Entry<String, List<String>> e : orders.entrySet()) {
            List<String> l = levels.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
            e.getValue().stream().filter(v -> !l.contains(v)).forEach(l::add);
        }
        for (Map.Entry<String, List<String>> e : levels.entrySet()) {
            Row r = new Row(e.getKey(), sortedLevels(e.getValue()), numeric.contains(e.getKey()));
            List<String> o = orders.get(e.getKey());
            if (o != null) {
                r.custom = true;
                List<String> rest = new ArrayList<>(r.levels);
                rest.removeAll(o);
                r.levels.clear();
                r.levels.addAll(o);
                r.levels.addAll(rest);
            }
            r.reference = references.getOrDefault(e.getKey(), FIRST_LEVEL);
            rows.add(r);
        }
        model.fireTableDataChanged();
        if (!rows.isEmpty()) {
            table.setRowSelectionInterval(0, 0);
        }
        showSelected();
    }

    /**
     * The rows again for another choice of numeric columns treated as categorical (the user ticked or unticked one),
     * keeping the references and orders chosen for the columns that stay.
     */
    public void setNumericCategorical(final java.util.Collection<String> numericCategorical) {
        stopEditing();
        Map<String, String> references = new LinkedHashMap<>();
        Map<String, List<String>> orders = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.numeric && !numericCategorical.contains(r.column)) {
                continue; // no longer categorical: its choices go with it
            }
            if (!r.reference.equals(FIRST_LEVEL)) {
                references.put(r.column, r.reference);
            }
            if (r.custom) {
                orders.put(r.column, new ArrayList<>(r.levels));
            }
        }
        load(spec, numericCategorical, references, orders);
    }

    /** {@code column=level} for the columns whose reference is not the first level. */
    public String[] referenceLevels() {
        stopEditing();
        return rows.stream().filter(r -> !r.reference.equals(FIRST_LEVEL)).map(r -> r.column + "=" + r.reference)
            .toArray(String[]::new);
    }

    /** {@code column=level1,level2,...} for the columns with a custom order. */
    public String[] levelOrders() {
        stopEditing();
        return rows.stream().filter(r -> r.custom).map(r -> r.column + "=" + String.join(",", r.levels))
            .toArray(String[]::new);
    }

    private void stopEditing() {
        if (table.isEditing()) {
            table.getCellEditor().stopCellEditing();
        }
    }

    /** For tests: sets a column's reference level as the user picks it in the table. */
    public void chooseReference(final String column, final String level) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).column.equals(column)) {
                model.setValueAt(level, i, 1);
            }
        }
    }

    /** For tests: the levels offered for a column's reference, in order. */
    public List<String> levels(final String column) {
        return rows.stream().filter(r -> r.column.equals(column)).findFirst().map(Row::sorted).orElse(List.of());
    }

    /** For tests: the columns listed, in order. */
    public List<String> columns() {
        return rows.stream().map(r -> r.column).toList();
    }
}
