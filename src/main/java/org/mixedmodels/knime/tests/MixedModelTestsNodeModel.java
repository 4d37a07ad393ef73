package org.mixedmodels.knime.tests;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.number;
import static org.mixedmodels.knime.data.Cells.text;

import java.util.List;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.StringCell;
import org.knime.core.node.BufferedDataContainer;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.ExecutionContext;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.inference.RobustCovariance;
import org.mixedmodels.engine.inference.TermTest;
import org.mixedmodels.knime.data.CancelableFit;
import org.mixedmodels.knime.data.Cells;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;
import org.mixedmodels.knime.port.ModelRefit;

/**
 * Type III F tests, LS means and pairwise or treatment-versus-control contrasts of a fitted mixed model (lmerTest's
 * anova, emmeans' emmeans, pairs and contrast(emm, "trt.vs.ctrl")), with Satterthwaite or Kenward-Roger df; the
 * model is refitted on its training table, which must be the Learner's.
 */
final class MixedModelTestsNodeModel extends StatelessNodeModel {
    private MixedModelTestsSettings settings = new MixedModelTestsSettings();

    MixedModelTestsNodeModel() {
        super(new PortType[] {MixedModelPortObject.TYPE, BufferedDataTable.TYPE},
            new PortType[] {BufferedDataTable.TYPE, BufferedDataTable.TYPE, BufferedDataTable.TYPE});
    }

    static DataTableSpec typeIIISpec() {
        return new DataTableSpec("Type III tests", column("Term", StringCell.TYPE), column("NumDF", DoubleCell.TYPE),
            column("DenDF", DoubleCell.TYPE), column("F", DoubleCell.TYPE), column("Pr(>F)", DoubleCell.TYPE),
            column(COVARIANCE_COLUMN, StringCell.TYPE), column(ROBUST_TEST_COLUMN, StringCell.TYPE));
    }

    static DataTableSpec meansSpec() {
        return new DataTableSpec("LS means", column("Level", StringCell.TYPE), column("Estimate", DoubleCell.TYPE),
            column("SE", DoubleCell.TYPE), column("df", DoubleCell.TYPE), column("Lower CI", DoubleCell.TYPE),
            column("Upper CI", DoubleCell.TYPE), column(COVARIANCE_COLUMN, StringCell.TYPE));
    }

    /**
     * Which multi-df test a row is, with a sandwich covariance: {@code eigen} or {@code htz}, as the CLI's JSON
     * {@code robust_test}; missing with the model-based covariance (the test is lmerTest's). Appended last so that
     * tables of older workflows keep their columns' places.
     */
    static final String ROBUST_TEST_COLUMN = "Robust test";

    /** Which covariance of the fixed effects the tests use, as the CLI's JSON {@code vcov} field names it. */
    static final String COVARIANCE_COLUMN = "Covariance";

    static DataTableSpec pairsSpec() {
        return new DataTableSpec("Pairwise contrasts", column("Contrast", StringCell.TYPE), column("By", StringCell.TYPE),
            column("Estimate", DoubleCell.TYPE), column("SE", DoubleCell.TYPE), column("df", DoubleCell.TYPE),
            column("t", DoubleCell.TYPE), column("p", DoubleCell.TYPE), column("p (Tukey)", DoubleCell.TYPE),
            column("p (Bonferroni)", DoubleCell.TYPE), column("p (Holm)", DoubleCell.TYPE),
            column("Lower CI", DoubleCell.TYPE), column("Upper CI", DoubleCell.TYPE),
            column(COVARIANCE_COLUMN, StringCell.TYPE), column(DUNNETT_COLUMN, DoubleCell.TYPE));
    }

    /**
     * emmeans' dunnettx p of a treatment-versus-control contrast (missing for pairwise ones, whose family has Tukey's
     * p instead); appended last so that tables of older workflows keep their columns' places.
     */
    static final String DUNNETT_COLUMN = "p (Dunnett)";

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        settings.validate();
        if (inSpecs[0] instanceof MixedModelPortObjectSpec model) {
            for (String f : concat(settings.specs, settings.by)) {
                if (!model.predictors().contains(f)) {
                    throw new InvalidSettingsException("'" + f + "' is not a predictor of the model '" + model.formula()
                        + "'; choose among " + String.join(", ", model.predictors()) + ".");
                }
            }
            try {
                // a sandwich clusters by one grouping factor: refused here, not after the refit
                RobustCovariance.requireClusters(model.parsedFormula(), settings.covariance());
            } catch (MixedModelException e) {
                throw new InvalidSettingsException(e.getMessage(), e);
            }
        }
        return new PortObjectSpec[] {typeIIISpec(), meansSpec(), pairsSpec()};
    }

    private static List<String> concat(final String[] a, final String[] b) {
        List<String> all = new java.util.ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all;
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        configure(new PortObjectSpec[] {inObjects[0].getSpec(), inObjects[1].getSpec()});
        MixedModelPortObject model = (MixedModelPortObject)inObjects[0];
        ModelRefit.requireLinear(model, "Mixed Model Tests");
        DfMethod ddf = settings.dfMethod();
        CovarianceType vcov = settings.covariance();
        StringCell vcovCell = new StringCell(vcov.label());
        boolean htz = settings.htz();
        if ((ddf == DfMethod.KENWARD_ROGER || ddf == DfMethod.KENWARD_ROGER_LINEAR)
            && !model.model().method().equals(FitOptions.Method.REML.name())) {
            throw new InvalidSettingsException("Kenward-Roger degrees of freedom are defined for REML fits only; the "
                + "model was fitted by ML. Choose satterthwaite, or refit the model by REML.");
        }
        DataFrame data = ModelRefit.data(List.of(model.model()), (BufferedDataTable)inObjects[1], model.typing(),
            exec.createSubProgress(0.1));
        exec.setMessage("Refitting the model");
        FitResult fit = ModelRefit.refit(model.model(), data, null, exec.createSubProgress(0.5));
        exec.checkCanceled();
        exec.setMessage("Type III tests");
        FixedEffectsInference inference;
        EstimatedMarginalMeans emm = null;
        try {
            // the df computations show their steps and stop on cancel (seconds on large data)
            inference = CancelableFit.inference(exec.createSubProgress(0.2),
                monitor -> FixedEffectsInference.of(fit, ddf, settings.confidenceLevel, vcov, htz, monitor));
            if (settings.specs.length > 0) {
                exec.setMessage("LS means");
                EstimatedMarginalMeans.Contrasts family = settings.contrasts();
                emm = CancelableFit.inference(exec.createSubProgress(0.2),
                    monitor -> EstimatedMarginalMeans.of(fit, List.of(settings.specs), List.of(settings.by), ddf,
                        settings.confidenceLevel, vcov, family, monitor));
            }
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        if (!inference.warnings().isEmpty()) {
            setWarningMessage(String.join("\n", inference.warnings()));
        }
        DataCell testCell = vcov == CovarianceType.MODEL ? Cells.missing()
            : new StringCell(htz ? MixedModelTestsSettings.HTZ : MixedModelTestsSettings.EIGEN);
        BufferedDataContainer anova = exec.createDataContainer(typeIIISpec());
        long row = 0;
        for (TermTest t : inference.typeIII()) {
            anova.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(t.term()), number(t.numDf()),
                number(t.denDf()), number(t.f()), number(t.p()), vcovCell, testCell));
        }
        anova.close();
        BufferedDataContainer means = exec.createDataContainer(meansSpec());
        BufferedDataContainer pairs = exec.createDataContainer(pairsSpec());
        if (emm != null) {
            row = 0;
            for (EstimatedMarginalMeans.Mean m : emm.means()) {
                means.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(m.level()),
                    number(m.estimate()), number(m.se()), number(m.df()), number(m.lower()), number(m.upper()), vcovCell));
            }
            row = 0;
            for (EstimatedMarginalMeans.Difference d : emm.differences()) {
                pairs.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(d.contrast()),
                    text(d.by()), number(d.estimate()), number(d.se()), number(d.df()), number(d.t()), number(d.p()),
                    number(d.pTukey()), number(d.pBonferroni()), number(d.pHolm()), number(d.lower()),
                    number(d.upper()), vcovCell, number(d.pDunnett())));
            }
        }
        means.close();
        pairs.close();
        return new PortObject[] {anova.getTable(), means.getTable(), pairs.getTable()};
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelTestsSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = MixedModelTestsSettings.loadFrom(s);
    }
}
