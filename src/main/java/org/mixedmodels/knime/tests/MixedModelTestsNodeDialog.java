package org.mixedmodels.knime.tests;

import java.util.Arrays;

import javax.swing.DefaultListModel;
import javax.swing.JComboBox;
import javax.swing.JList;
import javax.swing.JScrollPane;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.NotConfigurableException;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.knime.dialog.FormPanel;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;

/**
 * The Mixed Model Tests node's dialog: LS-means and by factors among the model's predictors, df, the covariance of
 * the fixed effects and the multi-df test with a sandwich, level.
 */
final class MixedModelTestsNodeDialog extends NodeDialogPane {
    private final DefaultListModel<String> predictors = new DefaultListModel<>();
    private final JList<String> specs = new JList<>(predictors);
    private final JList<String> by = new JList<>(predictors);
    final JComboBox<String> dfMethod = new JComboBox<>(
        Arrays.stream(DfMethod.values()).map(DfMethod::label).toArray(String[]::new));
    /** Model-based, CR0 or CR2 sandwich covariance of the fixed effects. */
    final JComboBox<String> vcov = new JComboBox<>(
        Arrays.stream(CovarianceType.values()).map(CovarianceType::label).toArray(String[]::new));
    /** With a sandwich: the eigen-contrast Wald F test or clubSandwich's HTZ test (the CLI's --robust-test). */
    final JComboBox<String> robustTest = new JComboBox<>(
        new String[] {MixedModelTestsSettings.EIGEN, MixedModelTestsSettings.HTZ});
    private final JSpinner level = new JSpinner(new SpinnerNumberModel(0.95, 0.5, 0.999, 0.01));
    /** Pairwise, or each level minus the reference level (emmeans' trt.vs.ctrl). */
    final JComboBox<String> contrasts = new JComboBox<>(Arrays.stream(EstimatedMarginalMeans.Contrasts.values())
        .map(EstimatedMarginalMeans.Contrasts::label).toArray(String[]::new));

    MixedModelTestsNodeDialog() {
        specs.setVisibleRowCount(5);
        by.setVisibleRowCount(5);
        specs.setToolTipText("Categorical predictors whose levels' LS means are compared (e.g. treatment)");
        by.setToolTipText("Compare within each level of these (e.g. visit); optional");
        vcov.setToolTipText("model: (X'V^-1X)^-1; empirical: the sandwich by subject (CR0); empirical-cr2: "
            + "Bell-McCaffrey's bias-reduced sandwich with its Satterthwaite df (CR2)");
        robustTest.setToolTipText("Multi-df tests with a sandwich covariance: eigen, the Wald F test with df from its "
            + "eigen-contrasts; htz, clubSandwich's HTZ test (Hotelling's T^2 with Zhang's df; needs satterthwaite df)");
        level.setEditor(new JSpinner.NumberEditor(level, "0.###"));
        contrasts.setToolTipText("pairwise: every pair of levels (Tukey); trt.vs.ctrl: each level minus the reference "
            + "level, the Learner's (Dunnett, emmeans' dunnettx; unadjusted p too)");
        addTab("Options", new FormPanel().row("LS means of", new JScrollPane(specs)).row("By", new JScrollPane(by))
            .row("Contrasts", contrasts).row("Degrees of freedom", dfMethod).row("Covariance of the fixed effects", vcov)
            .row("Robust multi-df test", robustTest).row("Confidence level", level).finish());
    }

    @Override
    protected void loadSettingsFrom(final NodeSettingsRO settings, final PortObjectSpec[] specsIn)
        throws NotConfigurableException {
        if (!(specsIn[0] instanceof MixedModelPortObjectSpec model)) {
            throw new NotConfigurableException("Connect a mixed model from a Mixed Model Learner first.");
        }
        MixedModelTestsSettings s;
        try {
            s = MixedModelTestsSettings.loadFrom(settings);
        } catch (InvalidSettingsException e) {
            s = new MixedModelTestsSettings();
        }
        predictors.clear();
        model.predictors().forEach(predictors::addElement);
        select(specs, s.specs);
        select(by, s.by);
        dfMethod.setSelectedItem(s.dfMethod);
        vcov.setSelectedItem(s.vcov);
        robustTest.setSelectedItem(s.robustTest);
        contrasts.setSelectedItem(s.contrasts);
        level.setValue(s.confidenceLevel);
    }

    private void select(final JList<String> list, final String[] names) {
        list.setSelectedIndices(Arrays.stream(names).mapToInt(predictors::indexOf).filter(i -> i >= 0).toArray());
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO settings) throws InvalidSettingsException {
        MixedModelTestsSettings s = new MixedModelTestsSettings();
        s.specs = specs.getSelectedValuesList().toArray(String[]::new);
        s.by = by.getSelectedValuesList().toArray(String[]::new);
        s.dfMethod = (String)dfMethod.getSelectedItem();
        s.vcov = (String)vcov.getSelectedItem();
        s.robustTest = (String)robustTest.getSelectedItem();
        s.contrasts = (String)contrasts.getSelectedItem();
        s.confidenceLevel = ((Number)level.getValue()).doubleValue();
        s.validate();
        s.saveTo(settings);
    }
}
