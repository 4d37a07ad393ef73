package org.mixedmodels.knime.learner;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.swing.BorderFactory;
import javax.swing.DefaultListModel;
import javax.swing.JCheckBox;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JSpinner;
import javax.swing.JTextArea;
import javax.swing.JTextField;
import javax.swing.ListSelectionModel;
import javax.swing.SpinnerNumberModel;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * The Learner's dialog. The "Model" tab builds the formula from choices (response, fixed effects,
 * interactions, grouping columns, random slopes) and shows it; "Edit formula" lets the user type any
 * formula instead. "Residual covariance" adds a structure within subject (AR(1), unstructured, ...). The
 * "Options" tab holds the method, df method, confidence level, reference levels and level orders.
 */
final class MixedModelLearnerNodeDialog extends NodeDialogPane {
    private final JComboBox<String> response = new JComboBox<>();
    private final DefaultListModel<String> columns = new DefaultListModel<>();
    private final JList<String> fixed = list(columns);
    private final JTextField interactions = new JTextField(30);
    private final JList<String> grouping = list(columns);
    private final JCheckBox nested = new JCheckBox("Nest the grouping columns in the order selected (a/b)");
    private final JList<String> slopes = list(columns);
    private final JCheckBox correlated = new JCheckBox("Correlated intercept and slopes", true);
    private final JCheckBox typeFormula = new JCheckBox("Edit formula");
    private final JTextField formula = new JTextField(40);
    private final JLabel formulaStatus = new JLabel(" ");
    private final JComboBox<String> method = new JComboBox<>(new String[] {"REML", "ML"});
    private final JComboBox<String> dfMethod = new JComboBox<>(
        Arrays.stream(DfMethod.values()).map(DfMethod::label).toArray(String[]::new));
    private final JSpinner confidence = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));
    private final JTextArea references = new JTextArea(4, 30);
    private final JTextArea levelOrders = new JTextArea(3, 30);
    /** "code: description" items; the code before the colon is what the formula uses. */
    private final JComboBox<String> residualStructure = new JComboBox<>(new String[] {
        "none: independent residuals", "ar1: AR(1) over the ordered visits", "ar1h: AR(1), a variance per visit",
        "cs: compound symmetry", "csh: compound symmetry, a variance per visit", "toep: Toeplitz",
        "us: unstructured (MMRM)", "sp_exp: exponential in numeric time", "diag: independent, a variance per visit"});
    private final JComboBox<String> residualTime = new JComboBox<>();
    private final JComboBox<String> residualSubject = new JComboBox<>();
    /** Selection order of the grouping list, which decides the nesting order. */
    private final List<String> groupingOrder = new ArrayList<>();
    private boolean loading;

    MixedModelLearnerNodeDialog() {
        addTab("Model", modelTab());
        addTab("Residual covariance", residualTab());
        addTab("Options", optionsTab());
    }

    private static JList<String> list(final DefaultListModel<String> model) {
        JList<String> l = new JList<>(model);
        l.setSelectionMode(ListSelectionModel.MULTIPLE_INTERVAL_SELECTION);
        l.setVisibleRowCount(6);
        return l;
    }

    private JPanel modelTab() {
        JPanel p = new JPanel(new GridBagLayout());
        Row r = new Row(p);
        r.add("Response", response);
        r.add("Fixed effects", scroll(fixed));
        interactions.setToolTipText("Interaction terms separated by commas, e.g. time:arm, dose:time");
        r.add("Interactions", interactions);
        r.add("Grouping columns", scroll(grouping));
        r.add("", nested);
        r.add("Random slopes", scroll(slopes));
        r.add("", correlated);
        JPanel formulaPanel = new JPanel(new GridBagLayout());
        formulaPanel.setBorder(BorderFactory.createTitledBorder("Formula"));
        Row f = new Row(formulaPanel);
        f.add("", typeFormula);
        f.add("Formula", formula);
        formulaStatus.setForeground(new Color(0xB00020));
        f.add("", formulaStatus);
        r.wide(formulaPanel);
        Runnable update = this::updateFormula;
        response.addActionListener(e -> update.run());
        fixed.addListSelectionListener(e -> update.run());
        grouping.addListSelectionListener(e -> {
            List<String> selected = grouping.getSelectedValuesList();
            groupingOrder.retainAll(selected);
            selected.stream().filter(s -> !groupingOrder.contains(s)).forEach(groupingOrder::add);
            update.run();
        });
        slopes.addListSelectionListener(e -> update.run());
        nested.addActionListener(e -> update.run());
        correlated.addActionListener(e -> update.run());
        typeFormula.addActionListener(e -> update.run());
        interactions.getDocument().addDocumentListener(onChange(update));
        formula.getDocument().addDocumentListener(onChange(this::checkFormula));
        return p;
    }

    private JPanel residualTab() {
        JPanel p = new JPanel(new GridBagLayout());
        Row r = new Row(p);
        residualStructure.setToolTipText("Correlated residuals within subject, as nlme, SAS PROC MIXED and mmrm fit them");
        r.add("Structure", residualStructure);
        residualTime.setToolTipText("The visit column (categorical or numeric; numeric times for sp_exp)");
        r.add("Visit / time column", residualTime);
        residualSubject.setToolTipText("Rows of different subjects are independent; random effects must be grouped by it");
        r.add("Subject column", residualSubject);
        r.fill();
        Runnable update = this::updateFormula;
        residualStructure.addActionListener(e -> update.run());
        residualTime.addActionListener(e -> update.run());
        residualSubject.addActionListener(e -> update.run());
        return p;
    }

    private String residualCode() {
        String item = (String)residualStructure.getSelectedItem();
        return item == null ? MixedModelLearnerSettings.NO_RESIDUAL_STRUCTURE : item.substring(0, item.indexOf(':'));
    }

    private void selectResidualCode(final String code) {
        for (int i = 0; i < residualStructure.getItemCount(); i++) {
            if (residualStructure.getItemAt(i).startsWith(code + ":")) {
                residualStructure.setSelectedIndex(i);
            }
        }
    }

    private JPanel optionsTab() {
        JPanel p = new JPanel(new GridBagLayout());
        Row r = new Row(p);
        r.add("Estimation", method);
        r.add("Degrees of freedom", dfMethod);
        confidence.setEditor(new JSpinner.NumberEditor(confidence, "0.###"));
        r.add("Confidence level", confidence);
        references.setToolTipText("One per line: column=level, e.g. treatment=placebo");
        r.add("Reference levels (column=level)", scroll(references));
        levelOrders.setToolTipText("One per line: column=level1,level2,..., e.g. visit=WEEK2,WEEK4,WEEK8,WEEK12 "
            + "(otherwise levels are sorted)");
        r.add("Level order (column=levels)", scroll(levelOrders));
        r.fill();
        return p;
    }

    private static JScrollPane scroll(final JComponent c) {
        JScrollPane s = new JScrollPane(c);
        s.setPreferredSize(new Dimension(320, 110));
        return s;
    }

    private static DocumentListener onChange(final Runnable r) {
        return new DocumentListener() {
            @Override
            public void insertUpdate(final DocumentEvent e) {
                r.run();
            }

            @Override
            public void removeUpdate(final DocumentEvent e) {
                r.run();
            }

            @Override
            public void changedUpdate(final DocumentEvent e) {
                r.run();
            }
        };
    }

    /** Shows the formula the builder describes, unless the user edits it by hand. */
    private void updateFormula() {
        boolean typed = typeFormula.isSelected();
        formula.setEditable(typed);
        for (JComponent c : new JComponent[] {response, fixed, interactions, grouping, nested, slopes, correlated,
            residualStructure, residualTime, residualSubject}) {
            c.setEnabled(!typed);
        }
        if (!typed && !loading) {
            formula.setText(builtFormula());
        }
        checkFormula();
    }

    private String builtFormula() {
        String y = (String)response.getSelectedItem();
        return y == null ? "" : MixedModelLearnerSettings.buildFormula(y, fixed.getSelectedValuesList(),
            interactions.getText(), groupingOrder, nested.isSelected(), slopes.getSelectedValuesList(),
            correlated.isSelected(), residualCode(), selected(residualTime), selected(residualSubject));
    }

    private static String selected(final JComboBox<String> box) {
        return box.getSelectedItem() == null ? "" : (String)box.getSelectedItem();
    }

    private void checkFormula() {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = formula.getText();
        try {
            s.parsedFormula();
            formulaStatus.setText(" ");
        } catch (InvalidSettingsException e) {
            formulaStatus.setText("<html>" + escape(e.getMessage()) + "</html>");
        }
    }

    private static String escape(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final DataTableSpec[] specs)
        throws NotConfigurableException {
        DataTableSpec spec = specs[0];
        if (spec == null || spec.getNumColumns() == 0) {
            throw new NotConfigurableException("Connect a table with a numeric response column first.");
        }
        MixedModelLearnerSettings s;
        try {
            s = MixedModelLearnerSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new MixedModelLearnerSettings(); // first opening: defaults
        }
        loading = true;
        try {
            response.removeAllItems();
            residualTime.removeAllItems();
            residualSubject.removeAllItems();
            columns.clear();
            for (DataColumnSpec c : spec) {
                if (TableToDataFrame.isNumeric(c)) {
                    response.addItem(c.getName());
                }
                columns.addElement(c.getName());
                residualTime.addItem(c.getName());
                residualSubject.addItem(c.getName());
            }
            if (response.getItemCount() == 0) {
                throw new NotConfigurableException("The input table has no numeric column to use as the response.");
            }
            if (spec.containsName(s.response)) {
                response.setSelectedItem(s.response);
            }
            select(fixed, s.fixedColumns);
            interactions.setText(s.interactions);
            groupingOrder.clear();
            Arrays.stream(s.groupingColumns).filter(spec::containsName).forEach(groupingOrder::add);
            select(grouping, s.groupingColumns);
            nested.setSelected(s.nested);
            select(slopes, s.randomSlopes);
            correlated.setSelected(s.correlatedSlopes);
            typeFormula.setSelected(s.useTypedFormula);
            formula.setText(s.useTypedFormula || !s.formula.isBlank() ? s.formula : builtFormula());
            method.setSelectedItem(s.method);
            dfMethod.setSelectedItem(s.dfMethod);
            confidence.setValue(s.confidenceLevel);
            references.setText(String.join("\n", s.referenceLevels));
            levelOrders.setText(String.join("\n", s.levelOrders));
            selectResidualCode(s.residualStructure);
            if (spec.containsName(s.residualTime)) {
                residualTime.setSelectedItem(s.residualTime);
            }
            if (spec.containsName(s.residualSubject)) {
                residualSubject.setSelectedItem(s.residualSubject);
            } else if (s.groupingColumns.length > 0 && spec.containsName(s.groupingColumns[0])) {
                residualSubject.setSelectedItem(s.groupingColumns[0]);
            }
        } finally {
            loading = false;
        }
        updateFormula();
    }

    private void select(final JList<String> list, final String[] names) {
        List<Integer> indices = new ArrayList<>();
        for (String n : names) {
            int i = columns.indexOf(n);
            if (i >= 0) {
                indices.add(i);
            }
        }
        list.setSelectedIndices(indices.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.useTypedFormula = typeFormula.isSelected();
        s.formula = s.useTypedFormula ? formula.getText().trim() : builtFormula();
        s.response = response.getSelectedItem() == null ? "" : (String)response.getSelectedItem();
        s.fixedColumns = fixed.getSelectedValuesList().toArray(String[]::new);
        s.interactions = interactions.getText().trim();
        s.groupingColumns = groupingOrder.toArray(String[]::new);
        s.nested = nested.isSelected();
        s.randomSlopes = slopes.getSelectedValuesList().toArray(String[]::new);
        s.correlatedSlopes = correlated.isSelected();
        s.method = (String)method.getSelectedItem();
        s.dfMethod = (String)dfMethod.getSelectedItem();
        s.confidenceLevel = ((Number)confidence.getValue()).doubleValue();
        s.referenceLevels = Arrays.stream(references.getText().split("\\R")).map(String::trim)
            .filter(l -> !l.isEmpty()).toArray(String[]::new);
        s.levelOrders = Arrays.stream(levelOrders.getText().split("\\R")).map(String::trim)
            .filter(l -> !l.isEmpty()).toArray(String[]::new);
        s.residualStructure = residualCode();
        s.residualTime = selected(residualTime);
        s.residualSubject = selected(residualSubject);
        s.validate();
        s.saveTo(settings);
    }

    /** Label-and-component rows in a GridBagLayout. */
    private static final class Row {
        private final JPanel panel;
        private int y;

        Row(final JPanel panel) {
            this.panel = panel;
        }

        void add(final String label, final JComponent c) {
            GridBagConstraints g = new GridBagConstraints();
            g.gridy = y++;
            g.insets = new Insets(4, 6, 4, 6);
            g.anchor = GridBagConstraints.NORTHWEST;
            g.gridx = 0;
            panel.add(new JLabel(label), g);
            g.gridx = 1;
            g.weightx = 1;
            g.fill = GridBagConstraints.HORIZONTAL;
            panel.add(c, g);
        }

        void wide(final JComponent c) {
            GridBagConstraints g = new GridBagConstraints();
            g.gridy = y++;
            g.gridx = 0;
            g.gridwidth = 2;
            g.weightx = 1;
            g.insets = new Insets(8, 4, 4, 4);
            g.fill = GridBagConstraints.HORIZONTAL;
            panel.add(c, g);
            fill();
        }

        /** Pushes the rows to the top. */
        void fill() {
            GridBagConstraints g = new GridBagConstraints();
            g.gridy = y++;
            g.weighty = 1;
            panel.add(new JPanel(), g);
        }
    }
}
