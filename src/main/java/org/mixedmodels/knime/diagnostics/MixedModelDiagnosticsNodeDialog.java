package org.mixedmodels.knime.diagnostics;

import java.util.Arrays;

import javax.swing.BoxLayout;
import javax.swing.JCheckBox;
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
import org.mixedmodels.knime.dialog.FormPanel;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;

/** The Diagnostics node's dialog: the plots to draw, the subjects to show, image size and interval level. */
final class MixedModelDiagnosticsNodeDialog extends NodeDialogPane {
    private final JCheckBox[] plots = new JCheckBox[PlotKind.values().length];
    private final JTextField subjects = new JTextField(24);
    private final JSpinner maxSubjects = new JSpinner(new SpinnerNumberModel(9, 1, 100, 1));
    private final JSpinner width = new JSpinner(new SpinnerNumberModel(FigureWriter.DEFAULT_WIDTH,
        FigureWriter.MIN_SIZE, FigureWriter.MAX_SIZE, 50));
    private final JSpinner height = new JSpinner(new SpinnerNumberModel(FigureWriter.DEFAULT_HEIGHT,
        FigureWriter.MIN_SIZE, FigureWriter.MAX_SIZE, 50));
    private final JSpinner level = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));

    MixedModelDiagnosticsNodeDialog() {
        JPanel checks = new JPanel();
        checks.setLayout(new BoxLayout(checks, BoxLayout.Y_AXIS));
        for (PlotKind k : PlotKind.values()) {
            plots[k.ordinal()] = new JCheckBox(k.title());
            checks.add(plots[k.ordinal()]);
        }
        subjects.setToolTipText("Subjects whose observed and fitted series are drawn, comma-separated (e.g. 308, 309);"
            + " empty: the first ones in level order");
        level.setEditor(new JSpinner.NumberEditor(level, "0.###"));
        addTab("Options", new FormPanel().row("Plots", checks).row("Subjects to show", subjects)
            .row("Number of subjects", maxSubjects).row("Image width (pixels)", width)
            .row("Image height (pixels)", height).row("Interval level", level).finish());
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final PortObjectSpec[] specs)
        throws NotConfigurableException {
        if (!(specs[0] instanceof MixedModelPortObjectSpec)) {
            throw new NotConfigurableException("Connect a mixed model from a Mixed Model Learner first.");
        }
        MixedModelDiagnosticsSettings s;
        try {
            s = MixedModelDiagnosticsSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new MixedModelDiagnosticsSettings();
        }
        for (PlotKind k : PlotKind.values()) {
            plots[k.ordinal()].setSelected(s.draws(k));
        }
        subjects.setText(String.join(", ", s.subjects));
        maxSubjects.setValue(s.maxSubjects);
        width.setValue(s.width);
        height.setValue(s.height);
        level.setValue(s.confidenceLevel);
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        for (PlotKind k : PlotKind.values()) {
            s.plots[k.ordinal()] = plots[k.ordinal()].isSelected();
        }
        s.subjects = Arrays.stream(subjects.getText().split(",")).map(String::strip).filter(x -> !x.isEmpty())
            .toArray(String[]::new);
        s.maxSubjects = ((Number)maxSubjects.getValue()).intValue();
        s.width = ((Number)width.getValue()).intValue();
        s.height = ((Number)height.getValue()).intValue();
        s.confidenceLevel = ((Number)level.getValue()).doubleValue();
        s.validate();
        s.saveTo(settings);
    }
}
