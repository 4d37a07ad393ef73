package org.mixedmodels.knime.designeffect;

import javax.swing.ButtonGroup;
import javax.swing.DefaultListModel;
import javax.swing.JComboBox;
import javax.swing.JList;
import javax.swing.JRadioButton;
import javax.swing.JScrollPane;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.util.ColumnSelectionComboxBox;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.knime.dialog.FormPanel;
import org.mixedmodels.knime.dialog.TypingPanel;

/**
 * The Design Effect node's dialog: from the table's columns, or planning values; the "Reading" tab has the Learner's
 * missing-value tokens and numeric columns treated as categorical.
 */
final class DesignEffectNodeDialog extends NodeDialogPane {
    private final JRadioButton fromData = new JRadioButton("From the input table");
    private final JRadioButton planning = new JRadioButton("Planning: given ICC and cluster size");
    private final ColumnSelectionComboxBox cluster = FormPanel.column(false);
    private final ColumnSelectionComboxBox value = FormPanel.column(true);
    private final DefaultListModel<String> columns = new DefaultListModel<>();
    private final JList<String> fixed = new JList<>(columns);
    private final JSpinner icc = new JSpinner(new SpinnerNumberModel(0.05, 0.0, 1.0, 0.01));
    private final JSpinner clusterSize = new JSpinner(new SpinnerNumberModel(5.0, 1.0, 1e9, 1.0));
    private final JSpinner sampleSize = new JSpinner(new SpinnerNumberModel(100.0, 1.0, 1e12, 10.0));
    private final JSpinner cv = new JSpinner(new SpinnerNumberModel(0.0, 0.0, 100.0, 0.05));
    final TypingPanel typing = new TypingPanel();

    DesignEffectNodeDialog() {
        ButtonGroup mode = new ButtonGroup();
        mode.add(fromData);
        mode.add(planning);
        fixed.setVisibleRowCount(5);
        fixed.setToolTipText("Columns to adjust the ICC for (e.g. treatment); optional");
        icc.setEditor(new JSpinner.NumberEditor(icc, "0.####"));
        addTab("Options", new FormPanel().row("", fromData).row("Cluster column", cluster).row("Outcome column", value)
            .row("Adjust for", new JScrollPane(fixed)).row("", planning).row("ICC", icc)
            .row("Mean cluster size", clusterSize).row("Total sample size n", sampleSize)
            .row("CV of cluster sizes", cv).finish());
        addTab("Reading", new FormPanel().row("Missing value tokens", typing.missingTokens)
            .row("", typing.categorical).finish());
        fromData.addActionListener(e -> updateEnabled());
        planning.addActionListener(e -> updateEnabled());
    }

    private void updateEnabled() {
        boolean data = fromData.isSelected();
        cluster.setEnabled(data);
        value.setEnabled(data);
        fixed.setEnabled(data);
        icc.setEnabled(!data);
        clusterSize.setEnabled(!data);
        sampleSize.setEnabled(!data);
        cv.setEnabled(!data);
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final PortObjectSpec[] specs)
        throws NotConfigurableException {
        DesignEffectSettings s;
        try {
            s = DesignEffectSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new DesignEffectSettings();
        }
        DataTableSpec spec = specs[0] instanceof DataTableSpec t ? t : null;
        columns.clear();
        if (spec != null) {
            FormPanel.fillColumns(cluster, spec, s.clusterColumn);
            FormPanel.fillColumns(value, spec, s.valueColumn);
            for (DataColumnSpec c : spec) {
                columns.addElement(c.getName());
            }
            fixed.setSelectedIndices(java.util.Arrays.stream(s.fixedColumns).mapToInt(columns::indexOf)
                .filter(i -> i >= 0).toArray());
        } else {
            cluster.removeAllItems();
            value.removeAllItems();
        }
        fromData.setSelected(s.fromData && spec != null);
        planning.setSelected(!fromData.isSelected());
        fromData.setEnabled(spec != null);
        icc.setValue(s.icc);
        clusterSize.setValue(s.clusterSize);
        sampleSize.setValue(s.sampleSize);
        cv.setValue(s.clusterSizeCv);
        typing.load(spec == null ? new DataTableSpec() : spec, s.typing);
        updateEnabled();
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        DesignEffectSettings s = new DesignEffectSettings();
        s.fromData = fromData.isSelected();
        s.clusterColumn = FormPanel.chosenColumn(cluster);
        s.valueColumn = FormPanel.chosenColumn(value);
        s.fixedColumns = fixed.getSelectedValuesList().toArray(String[]::new);
        s.icc = ((Number)icc.getValue()).doubleValue();
        s.clusterSize = ((Number)clusterSize.getValue()).doubleValue();
        s.sampleSize = ((Number)sampleSize.getValue()).doubleValue();
        s.clusterSizeCv = ((Number)cv.getValue()).doubleValue();
        s.typing = typing.typing();
        s.validate();
        s.saveTo(settings);
    }
}
