package org.mixedmodels.knime.learner;

import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.util.ArrayList;
import java.util.List;

import javax.swing.JCheckBox;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;
import javax.swing.border.Border;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.Link;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * The Learner's "Distribution" tab: the response's family (gaussian for the linear mixed model, binomial or Poisson
 * for a GLMM as lme4's glmer), the link, a trials column (binomial successes out of trials), an offset column and
 * the number of adaptive Gauss-Hermite points (nAGQ). Kept apart from the other tabs so that the dialog's other
 * parts change independently.
 */
final class GlmmPanel {
    /** The link combo's first item: the family's canonical link. */
    static final String DEFAULT_LINK = "default (logit for binomial, log for poisson)";

    final JComboBox<String> family = new JComboBox<>(new String[] {MixedModelLearnerSettings.GAUSSIAN,
        Family.BINOMIAL.rName(), Family.POISSON.rName()});
    final JComboBox<String> link = new JComboBox<>();
    final JCheckBox useTrials = new JCheckBox("Successes out of trials; trials column:");
    final ColumnSelectionComboxBox trials = new ColumnSelectionComboxBox((Border)null, NUMERIC);
    final JCheckBox useOffset = new JCheckBox("Offset (added to the linear predictor, e.g. log exposure):");
    final ColumnSelectionComboxBox offset = new ColumnSelectionComboxBox((Border)null, NUMERIC);
    final JSpinner nAGQ = new JSpinner(new SpinnerNumberModel(1, 1, 100, 1));
    private final JPanel panel = new JPanel(new GridBagLayout());
    /** Whether the table has a numeric column for the trials and offset boxes. */
    private boolean numericColumns;

    private static final ColumnFilter NUMERIC = new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return TableToDataFrame.isNumeric(c);
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no numeric column.";
        }
    };

    GlmmPanel() {
        int y = 0;
        family.setToolTipText("gaussian: a linear mixed model (lme4's lmer); binomial: a 0/1 response or successes out "
            + "of trials; poisson: counts (lme4's glmer)");
        add("Family", family, y++);
        link.setToolTipText("The link between the linear predictor and the mean; the default is the canonical link");
        add("Link", link, y++);
        useTrials.setToolTipText("The response counts successes out of the trials in this column (glmer's "
            + "cbind(successes, trials - successes)); without it a binomial response must be 0 or 1");
        add(useTrials, trials, y++);
        useOffset.setToolTipText("A column added to the linear predictor with coefficient 1 (glmer's offset), e.g. the "
            + "log of the time at risk for event rates");
        add(useOffset, offset, y++);
        nAGQ.setToolTipText("1: Laplace approximation; more: adaptive Gauss-Hermite quadrature with that many points "
            + "(one random intercept only, as glmer's nAGQ)");
        add("Quadrature points (nAGQ)", nAGQ, y++);
        GridBagConstraints g = new GridBagConstraints();
        g.gridy = y;
        g.weighty = 1;
        panel.add(new JPanel(), g);
        family.addActionListener(e -> update());
        useTrials.addActionListener(e -> update());
        useOffset.addActionListener(e -> update());
        fillLinks(MixedModelLearnerSettings.GAUSSIAN, "");
        update();
    }

    JPanel panel() {
        return panel;
    }

    private void add(final String label, final JComponent c, final int y) {
        add(new JLabel(label), c, y);
    }

    private void add(final JComponent label, final JComponent c, final int y) {
        GridBagConstraints g = new GridBagConstraints();
        g.gridy = y;
        g.insets = new Insets(4, 6, 4, 6);
        g.anchor = GridBagConstraints.NORTHWEST;
        g.gridx = 0;
        panel.add(label, g);
        g.gridx = 1;
        g.weightx = 1;
        g.fill = GridBagConstraints.HORIZONTAL;
        panel.add(c, g);
    }

    private String familyName() {
        return String.valueOf(family.getSelectedItem());
    }

    /** The links the family takes, the chosen one selected (the default when it does not go with the family). */
    private void fillLinks(final String familyName, final String chosen) {
        List<String> items = new ArrayList<>();
        items.add(DEFAULT_LINK);
        if (!MixedModelLearnerSettings.GAUSSIAN.equals(familyName)) {
            Family.of(familyName).links().forEach(l -> items.add(l.rName()));
        }
        link.removeAllItems();
        items.forEach(link::addItem);
        link.setSelectedItem(items.contains(chosen) ? chosen : DEFAULT_LINK);
    }

    /** Enables what the family uses: the link, trials (binomial), offset and nAGQ for GLMMs. */
    private void update() {
        boolean glmm = !MixedModelLearnerSettings.GAUSSIAN.equals(familyName());
        Object chosen = link.getSelectedItem();
        if (glmm != (link.getItemCount() > 1) || glmm && link.getItemCount() - 1 != Family.of(familyName()).links().size()) {
            fillLinks(familyName(), chosen == null ? "" : chosen.toString());
        }
        link.setEnabled(glmm);
        boolean binomial = Family.BINOMIAL.rName().equals(familyName());
        useTrials.setEnabled(binomial && numericColumns);
        trials.setEnabled(binomial && useTrials.isSelected() && numericColumns);
        useOffset.setEnabled(glmm && numericColumns);
        offset.setEnabled(glmm && useOffset.isSelected() && numericColumns);
        nAGQ.setEnabled(glmm);
    }

    void load(final DataTableSpec spec, final MixedModelLearnerSettings s) {
        String f = s.isGeneralized() ? s.family.toLowerCase(java.util.Locale.ROOT) : MixedModelLearnerSettings.GAUSSIAN;
        family.setSelectedItem(f);
        if (!f.equals(family.getSelectedItem())) {
            family.setSelectedItem(MixedModelLearnerSettings.GAUSSIAN); // an unknown family: start afresh
        }
        fillLinks(familyName(), s.link);
        try {
            trials.update(spec, s.trialsColumn);
            offset.update(spec, s.offsetColumn);
            numericColumns = true;
        } catch (NotConfigurableException e) {
            numericColumns = false; // no numeric column: neither trials nor offset can be chosen
        }
        useTrials.setSelected(!s.trialsColumn.isBlank() && spec.containsName(s.trialsColumn));
        useOffset.setSelected(!s.offsetColumn.isBlank() && spec.containsName(s.offsetColumn));
        nAGQ.setValue(Math.max(1, Math.min(100, s.nAGQ)));
        update();
    }

    void save(final MixedModelLearnerSettings s) {
        s.family = familyName();
        Object l = link.getSelectedItem();
        s.link = l == null || DEFAULT_LINK.equals(l) ? "" : l.toString();
        boolean binomial = Family.BINOMIAL.rName().equals(s.family);
        boolean glmm = !MixedModelLearnerSettings.GAUSSIAN.equals(s.family);
        s.trialsColumn = binomial && useTrials.isSelected() && trials.getSelectedColumn() != null
            ? trials.getSelectedColumn() : "";
        s.offsetColumn = glmm && useOffset.isSelected() && offset.getSelectedColumn() != null
            ? offset.getSelectedColumn() : "";
        s.nAGQ = ((Number)nAGQ.getValue()).intValue();
    }

    /** The link chosen, for tests: its R name or empty for the default. */
    String selectedLink() {
        Object l = link.getSelectedItem();
        return l == null || DEFAULT_LINK.equals(l) ? "" : Link.of(l.toString()).rName();
    }
}
