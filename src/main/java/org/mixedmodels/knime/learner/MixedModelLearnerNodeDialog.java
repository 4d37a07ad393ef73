package org.mixedmodels.knime.learner;

import java.awt.Color;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.swing.BorderFactory;
import javax.swing.JCheckBox;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.JTextField;
import javax.swing.SpinnerNumberModel;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;

import javax.swing.border.Border;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.IntValue;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;
import org.knime.core.node.util.ColumnSelectionPanel;
import org.knime.core.node.util.filter.NameFilterConfiguration;
import org.knime.core.node.util.filter.column.DataColumnSpecFilterConfiguration;
import org.knime.core.node.util.filter.column.DataColumnSpecFilterPanel;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.knime.data.TableToDataFrame;
import org.mixedmodels.knime.dialog.InteractionsPanel;
import org.mixedmodels.knime.dialog.LevelsTable;

/**
 * The Learner's dialog. The "Model" tab builds the formula from choices (response, fixed effects,
 * interactions, grouping columns, random slopes) and shows it; "Edit formula" lets the user type any
 * formula instead. "Residual covariance" adds a structure within subject (AR(1), unstructured, ...), optionally with
 * parameters per level of a group column and a residual variance by a factor (varident). The
 * "Options" tab holds the method, df method, confidence level, missing values and their tokens, the covariance of
 * the fixed effects, the numeric columns treated as categorical, reference levels and level orders.
 * "Distribution" chooses the family (gaussian, or binomial and Poisson GLMMs) and its options ({@link GlmmPanel}).
 */
final class MixedModelLearnerNodeDialog extends NodeDialogPane {
    /** Numeric columns (KNIME's column combo box, with type icons). */
    private final ColumnSelectionComboxBox response = new ColumnSelectionComboxBox((Border)null, NUMERIC);
    /** KNIME's include/exclude column filters, with type icons and search; the response is hidden in them. */
    private final DataColumnSpecFilterPanel fixed = filter("Fixed effects");
    /** Interaction terms chosen from two columns at a time. */
    final InteractionsPanel interactions = new InteractionsPanel();
    private final DataColumnSpecFilterPanel grouping = filter("Grouping columns");
    private final JCheckBox nested = new JCheckBox("Nest the grouping columns in the order included (a/b)");
    private final DataColumnSpecFilterPanel slopes = filter("Random slopes");
    final JCheckBox failOnMissing = new JCheckBox("Fail on missing values");
    /** Numeric columns read as levels (SAS CLASS, R's factor()); only numeric columns are offered. */
    final DataColumnSpecFilterPanel categorical = filter("Treat as categorical");
    /** Texts that mean "missing" in string columns, comma-separated (R's na.strings). */
    final JTextField missingTokens = new JTextField("NA", 20);
    /** With a sandwich: the eigen-contrast Wald F test or clubSandwich's HTZ test of the Type III tests. */
    final JComboBox<String> robustTest = new JComboBox<>(
        new String[] {MixedModelLearnerSettings.EIGEN, MixedModelLearnerSettings.HTZ});
    /** Model-based, CR0 or CR2 sandwich covariance of the fixed effects. */
    final JComboBox<String> vcov = new JComboBox<>(
        Arrays.stream(CovarianceType.values()).map(CovarianceType::label).toArray(String[]::new));
    private final JCheckBox correlated = new JCheckBox("Correlated intercept and slopes", true);
    private final JCheckBox typeFormula = new JCheckBox("Edit formula");
    private final JTextField formula = new JTextField(40);
    private final JLabel formulaStatus = new JLabel(" ");
    final JComboBox<String> method = new JComboBox<>(new String[] {"REML", "ML"});
    final JComboBox<String> dfMethod = new JComboBox<>(
        Arrays.stream(DfMethod.values()).map(DfMethod::label).toArray(String[]::new));
    private final JSpinner confidence = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));
    /** Reference level and level order per categorical column, chosen from the column's domain values. */
    final LevelsTable levels = new LevelsTable();
    /** "code: description" items; the code before the colon is what the formula uses (README's structures table). */
    final JComboBox<String> residualStructure = new JComboBox<>(new String[] {
        "none: independent residuals", "ar1: AR(1) over the ordered visits (SAS AR(1))",
        "ar1h: AR(1), a variance per visit (SAS ARH(1))", "cs: compound symmetry (SAS CS)",
        "csh: compound symmetry, a variance per visit (SAS CSH)", "toep: Toeplitz (SAS TOEP)",
        "toeph: Toeplitz, a variance per visit (SAS TOEPH)", "adh: ante-dependence, a variance per visit (SAS ANTE(1))",
        "arma11: ARMA(1,1) over the ordered visits (SAS ARMA(1,1))", "us: unstructured (MMRM; SAS UN)",
        "diag: independent, a variance per visit (SAS UN(1))", "sp_exp: exponential in numeric time (SAS SP(EXP))",
        "sp_gau: Gaussian in numeric time (SAS SP(GAU))",
        "sp_exp_nugget: exponential with a nugget (SAS SP(EXP) LOCAL)",
        "sp_gau_nugget: Gaussian with a nugget (SAS SP(GAU) LOCAL)"});
    /** The structure's parameters per level of this column (SAS GROUP=, us(visit | arm / subject)); optional. */
    final ColumnSelectionPanel residualGroup = new ColumnSelectionPanel((Border)null, ANY_COLUMN, true);
    /** A residual variance per level of this column (nlme varIdent, varident(sex | subject)); optional. */
    final ColumnSelectionPanel residualVarianceBy = new ColumnSelectionPanel((Border)null, ANY_COLUMN, true);
    private final ColumnSelectionComboxBox residualTime = new ColumnSelectionComboxBox((Border)null, ANY);
    private final ColumnSelectionComboxBox residualSubject = new ColumnSelectionComboxBox((Border)null, ANY);
    private DataTableSpec spec = new DataTableSpec();
    /** Selection order of the grouping list, which decides the nesting order. */
    private final List<String> groupingOrder = new ArrayList<>();
    private boolean loading;
    /** Family, link, trials, offset and nAGQ (a GLMM as glmer). */
    final GlmmPanel distribution = new GlmmPanel();

    MixedModelLearnerNodeDialog() {
        addTab("Model", modelTab());
        addTab("Residual covariance", residualTab());
        addTab("Options", optionsTab());
        addTab("Distribution", distribution.panel());
    }

    /** Numeric columns: the response. */
    private static final ColumnFilter NUMERIC = new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return TableToDataFrame.isNumeric(c);
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no numeric column to use as the response.";
        }
    };

    /** Every column, for the optional residual choices (which have a "<none>" entry). */
    private static final ColumnFilter ANY_COLUMN = new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return true;
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no columns.";
        }
    };

    private static final ColumnFilter ANY = new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return true;
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no columns.";
        }
    };

    private static DataColumnSpecFilterPanel filter(final String title) {
        DataColumnSpecFilterPanel f = new DataColumnSpecFilterPanel();
        f.setIncludeTitle(title);
        f.setExcludeTitle("Available");
        return f;
    }

    /** The columns a filter panel includes, in the table's order. */
    private static List<String> included(final DataColumnSpecFilterPanel f) {
        return new ArrayList<>(f.getIncludedNamesAsSet());
    }

    /** Shows the spec's columns in a filter, those named included. */
    private void load(final DataColumnSpecFilterPanel f, final String[] names) {
        DataColumnSpecFilterConfiguration c = new DataColumnSpecFilterConfiguration("columns");
        List<String> in = Arrays.stream(names).filter(spec::containsName).toList();
        List<String> ex = Arrays.stream(spec.getColumnNames()).filter(n -> !in.contains(n)).toList();
        c.loadDefaults(in.toArray(String[]::new), ex.toArray(String[]::new),
            NameFilterConfiguration.EnforceOption.EnforceInclusion);
        f.loadConfiguration(c, spec);
    }

    private JPanel modelTab() {
        JPanel p = new JPanel(new GridBagLayout());
        Row r = new Row(p);
        r.add("Response", response);
        r.wide(fixed, false);
        interactions.setToolTipText("Choose two columns and press Add for their interaction, e.g. arm:visit");
        r.add("Interactions", interactions);
        r.wide(grouping, false);
        r.add("", nested);
        r.wide(slopes, false);
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
        response.addActionListener(e -> {
            hideResponse();
            interactions.update(spec, response.getSelectedColumn());
            update.run();
        });
        fixed.addChangeListener(e -> update.run());
        grouping.addChangeListener(e -> {
            List<String> selected = included(grouping);
            groupingOrder.retainAll(selected);
            selected.stream().filter(s -> !groupingOrder.contains(s)).forEach(groupingOrder::add);
            update.run();
        });
        slopes.addChangeListener(e -> update.run());
        nested.addActionListener(e -> update.run());
        correlated.addActionListener(e -> update.run());
        typeFormula.addActionListener(e -> update.run());
        interactions.onChange(update);
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
        residualGroup.setToolTipText("Each level of this column (constant within subject, e.g. the arm) gets its own "
            + "structure parameters: us(visit | arm / subject), SAS GROUP=arm");
        r.add("Parameters per level of", residualGroup);
        residualVarianceBy.setToolTipText("The residual variance differs by the levels of this column (nlme's varIdent):"
            + " + varident(sex | subject); alone (structure none) or next to the structure");
        r.add("Residual variance by", residualVarianceBy);
        r.fill();
        Runnable update = this::updateFormula;
        residualStructure.addActionListener(e -> update.run());
        residualTime.addActionListener(e -> update.run());
        residualSubject.addActionListener(e -> update.run());
        residualGroup.addActionListener(e -> update.run());
        residualVarianceBy.addActionListener(e -> update.run());
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
        failOnMissing.setToolTipText("Fail on a missing value in a model column; otherwise such rows are left out "
            + "and counted in a warning");
        r.add("Missing values", failOnMissing);
        missingTokens.setToolTipText("Texts in string cells that are missing values, comma-separated (e.g. NA, ., "
            + "NULL); empty and KNIME's missing cells are always missing");
        r.add("Missing value tokens", missingTokens);
        vcov.setToolTipText("model: (X'V^-1X)^-1; empirical: the sandwich by subject (CR0, SAS EMPIRICAL); "
            + "empirical-cr2: Bell-McCaffrey's bias-reduced sandwich with its Satterthwaite df (clubSandwich CR2)");
        r.add("Covariance of the fixed effects", vcov);
        robustTest.setToolTipText("Type III tests with a sandwich covariance: eigen, the Wald F test with df from its "
            + "eigen-contrasts; htz, clubSandwich's HTZ test (needs satterthwaite df)");
        r.add("Robust multi-df test", robustTest);
        categorical.setToolTipText("Numeric columns whose values are levels (treatment, visit or site codes), as "
            + "SAS's CLASS statement or R's factor()");
        r.wide(categorical, false);
        r.wide(levels.panel(), true);
        // a numeric column ticked "treat as categorical" gets a reference level and level order as well
        categorical.addChangeListener(e -> {
            if (!loading) {
                levels.setNumericCategorical(included(categorical));
            }
        });
        return p;
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
            residualStructure, residualTime, residualSubject, residualGroup, residualVarianceBy}) {
            c.setEnabled(!typed);
        }
        if (!typed && !loading) {
            formula.setText(builtFormula());
        }
        checkFormula();
    }

    private String builtFormula() {
        String y = response.getSelectedColumn();
        return y == null ? "" : MixedModelLearnerSettings.buildFormula(y, withoutResponse(included(fixed)),
            interactions.getText(), withoutResponse(groupingOrder), nested.isSelected(),
            withoutResponse(included(slopes)), correlated.isSelected(), residualCode(), selected(residualTime),
            selected(residualSubject), optional(residualGroup), optional(residualVarianceBy));
    }

    private List<String> withoutResponse(final List<String> names) {
        return names.stream().filter(n -> !n.equals(response.getSelectedColumn())).toList();
    }

    /** The optional column chosen, empty for "<none>". */
    private static String optional(final ColumnSelectionPanel box) {
        return box.getSelectedColumn() == null ? "" : box.getSelectedColumn();
    }

    private static String selected(final ColumnSelectionComboxBox box) {
        return box.getSelectedColumn() == null ? "" : box.getSelectedColumn();
    }

    /** The response is not offered as a fixed effect, grouping column, slope, visit or subject. */
    private void hideResponse() {
        DataColumnSpec y = spec.getColumnSpec(String.valueOf(response.getSelectedColumn()));
        for (DataColumnSpecFilterPanel f : List.of(fixed, grouping, slopes)) {
            f.resetHiding();
            if (y != null) {
                f.hideNames(y);
            }
        }
        categorical.resetHiding();
        categorical.hideNames(java.util.stream.StreamSupport.stream(spec.spliterator(), false)
            .filter(c -> !TableToDataFrame.isNumeric(c) || c.equals(y)).toArray(DataColumnSpec[]::new));
        try {
            ColumnFilter notResponse = new ColumnFilter() {
                @Override
                public boolean includeColumn(final DataColumnSpec c) {
                    return y == null || !c.getName().equals(y.getName());
                }

                @Override
                public String allFilteredMsg() {
                    return "The input table has no column besides the response.";
                }
            };
            residualTime.setColumnFilter(notResponse);
            residualSubject.setColumnFilter(notResponse);
        } catch (NotConfigurableException e) {
            // a table with the response only: the Learner's configure reports what is missing
        }
    }

    /**
     * The visit column a user expects by default, never the response or the subject: a categorical (string) or
     * integer column named like a visit or time (visit, time, week, day, month, period, occasion, hour), else the
     * first integer column, else the first categorical one.
     */
    private String defaultVisit(final String subject) {
        List<DataColumnSpec> candidates = new ArrayList<>();
        for (DataColumnSpec c : spec) {
            boolean integer = c.getType().isCompatible(IntValue.class)
                && !c.getType().isCompatible(org.knime.core.data.BooleanValue.class);
            if ((!TableToDataFrame.isNumeric(c) || integer) && !c.getName().equals(response.getSelectedColumn())
                && !c.getName().equals(subject)) {
                candidates.add(c);
            }
        }
        java.util.regex.Pattern timeLike = java.util.regex.Pattern.compile(
            "(?i).*(visit|time|week|day|month|period|occasion|hour).*");
        return candidates.stream().filter(c -> timeLike.matcher(c.getName()).matches()).findFirst()
            .or(() -> candidates.stream().filter(c -> TableToDataFrame.isNumeric(c)).findFirst())
            .or(() -> candidates.stream().findFirst()).map(DataColumnSpec::getName).orElse(null);
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
        spec = specs[0];
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
            // first opening: the first numeric column (KNIME's combo box would select the last)
            String firstNumeric = java.util.stream.StreamSupport.stream(spec.spliterator(), false)
                .filter(TableToDataFrame::isNumeric).map(DataColumnSpec::getName).findFirst().orElse(null);
            response.update(spec, spec.containsName(s.response) ? s.response : firstNumeric);
            residualTime.update(spec, s.residualTime);
            residualSubject.update(spec, s.residualSubject);
            residualGroup.update(spec, s.residualGroup);
            residualVarianceBy.update(spec, s.residualVarianceBy);
            load(fixed, s.fixedColumns);
            interactions.setText(s.interactions);
            interactions.update(spec, response.getSelectedColumn());
            groupingOrder.clear();
            Arrays.stream(s.groupingColumns).filter(spec::containsName).forEach(groupingOrder::add);
            load(grouping, s.groupingColumns);
            nested.setSelected(s.nested);
            load(slopes, s.randomSlopes);
            load(categorical, s.categoricalColumns);
            hideResponse();
            correlated.setSelected(s.correlatedSlopes);
            typeFormula.setSelected(s.useTypedFormula);
            formula.setText(s.useTypedFormula || !s.formula.isBlank() ? s.formula : builtFormula());
            method.setSelectedItem(s.method);
            dfMethod.setSelectedItem(s.dfMethod);
            confidence.setValue(s.confidenceLevel);
            failOnMissing.setSelected(s.failOnMissing);
            missingTokens.setText(s.missingTokens);
            vcov.setSelectedItem(s.vcov);
            robustTest.setSelectedItem(s.robustTest);
            try {
                levels.load(spec, List.of(s.categoricalColumns), s.referenceLevelMap(), s.levelOrderMap());
            } catch (InvalidSettingsException e) {
                levels.load(spec, java.util.Map.of(), java.util.Map.of()); // unreadable entries: start afresh
            }
            selectResidualCode(s.residualStructure);
            distribution.load(spec, s);
            if (spec.containsName(s.residualSubject)) {
                residualSubject.setSelectedColumn(s.residualSubject);
            } else if (s.groupingColumns.length > 0 && spec.containsName(s.groupingColumns[0])) {
                residualSubject.setSelectedColumn(s.groupingColumns[0]);
            }
            if (spec.containsName(s.residualTime) && !s.residualTime.equals(response.getSelectedColumn())) {
                residualTime.setSelectedColumn(s.residualTime);
            } else if (defaultVisit(selected(residualSubject)) != null) {
                residualTime.setSelectedColumn(defaultVisit(selected(residualSubject)));
            }
        } finally {
            loading = false;
        }
        updateFormula();
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.useTypedFormula = typeFormula.isSelected();
        s.formula = s.useTypedFormula ? formula.getText().trim() : builtFormula();
        s.response = selected(response);
        s.fixedColumns = withoutResponse(included(fixed)).toArray(String[]::new);
        s.interactions = interactions.getText().trim();
        s.groupingColumns = withoutResponse(groupingOrder).toArray(String[]::new);
        s.nested = nested.isSelected();
        s.randomSlopes = withoutResponse(included(slopes)).toArray(String[]::new);
        s.correlatedSlopes = correlated.isSelected();
        s.method = (String)method.getSelectedItem();
        s.dfMethod = (String)dfMethod.getSelectedItem();
        s.confidenceLevel = ((Number)confidence.getValue()).doubleValue();
        s.referenceLevels = levels.referenceLevels();
        s.levelOrders = levels.levelOrders();
        s.failOnMissing = failOnMissing.isSelected();
        s.categoricalColumns = withoutResponse(included(categorical)).stream()
            .filter(c -> TableToDataFrame.isNumeric(spec.getColumnSpec(c))).toArray(String[]::new);
        s.missingTokens = missingTokens.getText().trim();
        s.vcov = (String)vcov.getSelectedItem();
        s.robustTest = (String)robustTest.getSelectedItem();
        s.residualStructure = residualCode();
        s.residualTime = selected(residualTime);
        s.residualSubject = selected(residualSubject);
        s.residualGroup = optional(residualGroup);
        s.residualVarianceBy = optional(residualVarianceBy);
        distribution.save(s);
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
            wide(c, true);
        }

        /** A component over both columns; {@code last} pushes the rows above it to the top. */
        void wide(final JComponent c, final boolean last) {
            GridBagConstraints g = new GridBagConstraints();
            g.gridy = y++;
            g.gridx = 0;
            g.gridwidth = 2;
            g.weightx = 1;
            g.insets = new Insets(4, 4, 4, 4);
            g.fill = GridBagConstraints.HORIZONTAL;
            panel.add(c, g);
            if (last) {
                fill();
            }
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
