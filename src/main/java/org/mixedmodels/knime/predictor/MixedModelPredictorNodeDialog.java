package org.mixedmodels.knime.predictor;

import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;

import javax.swing.JCheckBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.JTextField;
import javax.swing.SpinnerNumberModel;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;

/** The Predictor's dialog: prediction column name, the optional columns and, for GLMMs, the scale. */
final class MixedModelPredictorNodeDialog extends NodeDialogPane {
    private final JCheckBox hasCustomName = new JCheckBox("Change prediction column name");
    private final JTextField customName = new JTextField(24);
    private final JCheckBox population = new JCheckBox("Append population-level prediction (fixed effects only)");
    private final JCheckBox standardError = new JCheckBox("Append standard error of the population prediction");
    private final JCheckBox interval = new JCheckBox("Append prediction interval for a new observation");
    private final JSpinner level = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));
    private final JCheckBox estimateNewGroups =
        new JCheckBox("Estimate random effects of new groups from their rows (needs the response column)");
    /** GLMMs: log odds or log rates instead of probabilities or rates. */
    final JCheckBox linkScale = new JCheckBox("GLMM: predict on the link scale (log odds, log rate) instead of the "
        + "response scale (probability, rate)");
    private String response = "response";
    private boolean generalized;

    MixedModelPredictorNodeDialog() {
        JPanel p = new JPanel(new GridBagLayout());
        int y = 0;
        add(p, y++, hasCustomName, customName);
        add(p, y++, population, null);
        add(p, y++, standardError, null);
        level.setEditor(new JSpinner.NumberEditor(level, "0.###"));
        add(p, y++, interval, labelled("Level", level));
        add(p, y++, estimateNewGroups, null);
        add(p, y++, linkScale, null);
        GridBagConstraints fill = new GridBagConstraints();
        fill.gridy = y;
        fill.weighty = 1;
        p.add(new JPanel(), fill);
        hasCustomName.addActionListener(e -> updateEnabled());
        interval.addActionListener(e -> updateEnabled());
        addTab("Options", p);
    }

    private static JPanel labelled(final String label, final JComponent c) {
        JPanel p = new JPanel();
        p.add(new JLabel(label));
        p.add(c);
        return p;
    }

    private static void add(final JPanel p, final int y, final JComponent left, final JComponent right) {
        GridBagConstraints g = new GridBagConstraints();
        g.gridy = y;
        g.gridx = 0;
        g.anchor = GridBagConstraints.WEST;
        g.insets = new Insets(4, 6, 4, 6);
        p.add(left, g);
        if (right != null) {
            g.gridx = 1;
            g.weightx = 1;
            p.add(right, g);
        }
    }

    private void updateEnabled() {
        customName.setEnabled(hasCustomName.isSelected());
        if (!hasCustomName.isSelected()) {
            customName.setText("Prediction (" + response + ")");
        }
        level.setEnabled(interval.isSelected());
        // a GLMM: its interval is the confidence interval of the population mean; new groups are not estimated
        linkScale.setEnabled(generalized);
        estimateNewGroups.setEnabled(!generalized);
        interval.setText(generalized ? "Append confidence interval of the population prediction"
            : "Append prediction interval for a new observation");
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final PortObjectSpec[] specs)
        throws NotConfigurableException {
        if (specs[0] instanceof MixedModelPortObjectSpec model) {
            response = model.response();
            generalized = model.isGeneralized();
        }
        MixedModelPredictorSettings s;
        try {
            s = MixedModelPredictorSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new MixedModelPredictorSettings();
        }
        hasCustomName.setSelected(s.hasCustomName);
        customName.setText(s.hasCustomName ? s.customName : s.predictionName(response));
        population.setSelected(s.includePopulation);
        standardError.setSelected(s.includeStandardError);
        interval.setSelected(s.includeInterval);
        level.setValue(s.intervalLevel);
        estimateNewGroups.setSelected(s.estimateNewGroups);
        linkScale.setSelected(s.linkScale);
        updateEnabled();
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.hasCustomName = hasCustomName.isSelected();
        s.customName = s.hasCustomName ? customName.getText().trim() : "";
        s.includePopulation = population.isSelected();
        s.includeStandardError = standardError.isSelected();
        s.includeInterval = interval.isSelected();
        s.intervalLevel = ((Number)level.getValue()).doubleValue();
        s.estimateNewGroups = estimateNewGroups.isSelected() && !generalized;
        s.linkScale = linkScale.isSelected();
        s.validate();
        s.saveTo(settings);
    }
}
