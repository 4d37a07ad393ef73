package org.mixedmodels.knime.icc;

import javax.swing.border.Border;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.node.util.ColumnFilter;
import org.knime.core.node.util.ColumnSelectionComboxBox;
import org.knime.core.node.util.ColumnSelectionPanel;
import org.mixedmodels.knime.dialog.FormPanel;
import org.mixedmodels.knime.dialog.TypingPanel;

/**
 * The ICC node's dialog: the columns, and the bootstrap interval's replicates, seed and level; the "Reading" tab
 * has the Learner's missing-value tokens and numeric columns treated as categorical.
 */
final class IccNodeDialog extends NodeDialogPane {
    private final ColumnSelectionComboxBox subject = FormPanel.column(false);
    private final ColumnSelectionComboxBox value = FormPanel.column(true);
    /** KNIME's column chooser with a "<none>" entry, as KNIME's own dialogs offer an optional column. */
    final ColumnSelectionPanel rater = new ColumnSelectionPanel((Border)null, new ColumnFilter() {
        @Override
        public boolean includeColumn(final DataColumnSpec c) {
            return true;
        }

        @Override
        public String allFilteredMsg() {
            return "The input table has no columns.";
        }
    }, true);
    private final JSpinner replicates = new JSpinner(new SpinnerNumberModel(1000, 0, 100_000, 100));
    private final JSpinner seed = new JSpinner(new SpinnerNumberModel(Long.valueOf(20240101L), Long.valueOf(0L),
        Long.valueOf(Long.MAX_VALUE), Long.valueOf(1L)));
    private final JSpinner level = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));
    final TypingPanel typing = new TypingPanel();

    IccNodeDialog() {
        rater.setToolTipText("Rater, session or scan: with it, the six Shrout-Fleiss forms (complete data only)");
        replicates.setToolTipText("Parametric bootstrap replicates for the mixed-model ICC's interval; 0 for none");
        level.setEditor(new JSpinner.NumberEditor(level, "0.###"));
        seed.setEditor(new JSpinner.NumberEditor(seed, "0"));
        addTab("Options", new FormPanel().row("Subject column", subject).row("Value column", value)
            .row("Rater column (optional)", rater).row("Bootstrap replicates", replicates).row("Seed", seed)
            .row("Confidence level", level).finish());
        addTab("Reading", new FormPanel().row("Missing value tokens", typing.missingTokens)
            .row("", typing.categorical).finish());
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final DataTableSpec[] specs)
        throws NotConfigurableException {
        DataTableSpec spec = specs[0];
        if (spec == null || spec.getNumColumns() < 2) {
            throw new NotConfigurableException("Connect a table with a subject column and a numeric value column.");
        }
        IccSettings s;
        try {
            s = IccSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new IccSettings();
        }
        FormPanel.fillColumns(subject, spec, s.subjectColumn);
        FormPanel.fillColumns(value, spec, s.valueColumn);
        rater.update(spec, s.raterColumn);
        if (value.getItemCount() == 0) {
            throw new NotConfigurableException("The input table has no numeric column to use as the value.");
        }
        replicates.setValue(s.bootstrapReplicates);
        seed.setValue(s.seed);
        level.setValue(s.confidenceLevel);
        typing.load(spec, s.typing);
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        IccSettings s = new IccSettings();
        s.subjectColumn = FormPanel.chosenColumn(subject);
        s.valueColumn = FormPanel.chosenColumn(value);
        s.raterColumn = rater.getSelectedColumn() == null ? "" : rater.getSelectedColumn();
        s.bootstrapReplicates = ((Number)replicates.getValue()).intValue();
        s.seed = ((Number)seed.getValue()).longValue();
        s.confidenceLevel = ((Number)level.getValue()).doubleValue();
        s.typing = typing.typing();
        s.validate();
        s.saveTo(settings);
    }
}
