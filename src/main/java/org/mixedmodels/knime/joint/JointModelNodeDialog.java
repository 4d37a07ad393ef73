package org.mixedmodels.knime.joint;

import java.util.Arrays;

import javax.swing.JComboBox;
import javax.swing.JTextField;

import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnSelectionComboxBox;
import org.mixedmodels.knime.dialog.FormPanel;
import org.mixedmodels.knime.dialog.LevelsTable;
import org.mixedmodels.knime.dialog.TypingPanel;

/**
 * The Joint Model Learner's dialog: the two submodels, the linking columns, the baseline and the horizons; the
 * "Reading" tab has the Learner's missing-value tokens and numeric columns (of either table) treated as categorical.
 */
final class JointModelNodeDialog extends NodeDialogPane {
    private final JTextField longitudinalFormula = new JTextField(36);
    private final ColumnSelectionComboxBox time = FormPanel.column(true);
    private final ColumnSelectionComboxBox survivalTime = FormPanel.column(true);
    private final ColumnSelectionComboxBox event = FormPanel.column(true);
    private final JTextField survivalFormula = new JTextField(24);
    private final JComboBox<String> baseline = new JComboBox<>(new String[] {"weibull", "piecewise"});
    private final JTextField horizons = new JTextField(24);
    /** Reference levels chosen from the columns' domain values (of both tables). */
    final LevelsTable references = new LevelsTable(false);
    final TypingPanel typing = new TypingPanel();

    JointModelNodeDialog() {
        longitudinalFormula.setToolTipText("lme4 notation with one random-effects term by subject, e.g. "
            + "CD4 ~ obstime + obstime:drug + (obstime | patient)");
        survivalFormula.setToolTipText("Baseline covariates of the hazard, e.g. ~ drug (or ~ 1)");
        horizons.setToolTipText("Times at which to predict each subject's survival, comma-separated, e.g. 6, 12");
        addTab("Options", new FormPanel().row("Longitudinal formula", longitudinalFormula)
            .row("Measurement time (longitudinal table)", time).row("Event time (survival table)", survivalTime)
            .row("Event indicator (survival table)", event).row("Survival formula", survivalFormula)
            .row("Baseline hazard", baseline).row("Prediction horizons", horizons)
            .row("Reference levels", references.panel()).finish());
        addTab("Reading", new FormPanel().row("Missing value tokens", typing.missingTokens)
            .row("", typing.categorical).finish());
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final DataTableSpec[] specs)
        throws NotConfigurableException {
        // KNIME passes an unconnected table port as an empty spec (null only for an optional port)
        for (int i = 0; i < 2; i++) {
            if (specs[i] == null || specs[i].getNumColumns() == 0) {
                throw new NotConfigurableException("Connect the " + (i == 0 ? "longitudinal" : "survival")
                    + " table (input " + (i + 1) + ") first; it has no columns.");
            }
        }
        JointModelSettings s;
        try {
            s = JointModelSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new JointModelSettings();
        }
        longitudinalFormula.setText(s.longitudinalFormula);
        FormPanel.fillColumns(time, specs[0], s.timeColumn);
        FormPanel.fillColumns(survivalTime, specs[1], s.survivalTimeColumn);
        FormPanel.fillColumns(event, specs[1], s.eventColumn);
        survivalFormula.setText(s.survivalFormula);
        baseline.setSelectedItem(s.baseline);
        horizons.setText(String.join(", ", Arrays.stream(s.horizons).mapToObj(JointModelNodeDialog::format).toList()));
        typing.load(JointModelNodeModel.both(specs[0], specs[1]), s.typing);
        try {
            references.load(JointModelNodeModel.both(specs[1], specs[0]), s.referenceLevelMap(), java.util.Map.of());
        } catch (InvalidSettingsException e) {
            references.load(JointModelNodeModel.both(specs[1], specs[0]), java.util.Map.of(), java.util.Map.of());
        }
    }

    private static String format(final double v) {
        return v == Math.rint(v) ? Long.toString((long)v) : Double.toString(v);
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        JointModelSettings s = new JointModelSettings();
        s.longitudinalFormula = longitudinalFormula.getText().trim();
        s.timeColumn = FormPanel.chosenColumn(time);
        s.survivalTimeColumn = FormPanel.chosenColumn(survivalTime);
        s.eventColumn = FormPanel.chosenColumn(event);
        s.survivalFormula = survivalFormula.getText().trim();
        s.baseline = (String)baseline.getSelectedItem();
        try {
            s.horizons = Arrays.stream(horizons.getText().split("[,;\\s]+")).filter(t -> !t.isBlank())
                .mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException("Prediction horizons must be numbers separated by commas, e.g. 6, 12; got '"
                + horizons.getText() + "'.", e);
        }
        s.referenceLevels = references.referenceLevels();
        s.typing = typing.typing();
        s.validate();
        s.saveTo(settings);
    }
}
