package org.mixedmodels.knime.comparison;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.missing;
import static org.mixedmodels.knime.data.Cells.number;

import java.util.ArrayList;
import java.util.List;

import org.knime.core.data.DataTableSpec;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.IntCell;
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
import org.mixedmodels.engine.inference.ModelComparison;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;
import org.mixedmodels.knime.port.ModelRefit;

/**
 * Likelihood-ratio comparison of nested mixed models, as lme4's {@code anova(m1, m2)}: two (or three) models
 * from Learners and the table they were trained on; REML fits that differ in their fixed effects, or models fitted
 * by different criteria, are refitted by ML first, and the table says so.
 */
final class ModelComparisonNodeModel extends StatelessNodeModel {

    ModelComparisonNodeModel() {
        super(new PortType[] {MixedModelPortObject.TYPE, MixedModelPortObject.TYPE, BufferedDataTable.TYPE,
            MixedModelPortObject.TYPE_OPTIONAL}, new PortType[] {BufferedDataTable.TYPE});
    }

    static DataTableSpec outputSpec() {
        return new DataTableSpec("Likelihood-ratio tests", column("Model", StringCell.TYPE),
            column("Criterion", StringCell.TYPE), column("Parameters", IntCell.TYPE), column("AIC", DoubleCell.TYPE),
            column("BIC", DoubleCell.TYPE), column("Log-likelihood", DoubleCell.TYPE),
            column("Deviance", DoubleCell.TYPE), column("Chi-square", DoubleCell.TYPE), column("df", IntCell.TYPE),
            column("Pr(>Chisq)", DoubleCell.TYPE));
    }

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        List<MixedModelPortObjectSpec> models = new ArrayList<>();
        for (int i : new int[] {0, 1, 3}) {
            if (inSpecs[i] instanceof MixedModelPortObjectSpec m) {
                models.add(m);
            }
        }
        for (MixedModelPortObjectSpec m : models) {
            if (!m.response().equals(models.get(0).response())) {
                throw new InvalidSettingsException("The models have different responses ('" + models.get(0).response()
                    + "' and '" + m.response() + "'); a likelihood-ratio test compares models of the same response.");
            }
        }
        return new PortObjectSpec[] {outputSpec()};
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        configure(new PortObjectSpec[] {inObjects[0].getSpec(), inObjects[1].getSpec(), inObjects[2].getSpec(),
            inObjects[3] == null ? null : inObjects[3].getSpec()});
        List<FittedModel> models = new ArrayList<>();
        org.mixedmodels.knime.data.ColumnTyping typing = null;
        for (int i : new int[] {0, 1, 3}) {
            if (inObjects[i] instanceof MixedModelPortObject m) {
                ModelRefit.requireLinear(m, "Mixed Model Comparison");
                models.add(m.model());
                if (typing != null && !typing.equals(m.typing())) {
                    // models compared on different readings of the table are not nested
                    throw new InvalidSettingsException("The models read the table differently (treat-as-categorical "
                        + "columns " + typing.categorical() + " and missing tokens " + typing.missingTokens()
                        + " versus " + m.typing().categorical() + " and " + m.typing().missingTokens()
                        + "); set the same choices in the Learners.");
                }
                typing = m.typing();
            }
        }
        BufferedDataTable table = (BufferedDataTable)inObjects[2];
        boolean allMl = models.stream().allMatch(m -> m.method().equals(FitOptions.Method.ML.name()));
        boolean mixed = !allMl && models.stream().anyMatch(m -> m.method().equals(FitOptions.Method.ML.name()));
        // Models fitted by different criteria are compared on ML likelihoods, as lme4's anova.
        FitOptions.Method method = mixed ? FitOptions.Method.ML : null;
        List<String> formulas = new ArrayList<>();
        List<FitResult> fits = new ArrayList<>();
        DataFrame data = ModelRefit.data(models, table, typing, exec.createSubProgress(0.1));
        for (FittedModel m : models) {
            exec.checkCanceled();
            exec.setMessage("Refitting " + m.formula());
            formulas.add(m.formula());
            fits.add(ModelRefit.refit(m, data, method, exec.createSubProgress(0.8 / models.size())));
        }
        ModelComparison c;
        try {
            c = ModelComparison.of(formulas, fits, data,
                new FitOptions(mixed ? FitOptions.Method.ML : FitOptions.Method.valueOf(models.get(0).method()),
                    java.util.Map.of()));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        String criterion = c.method().name() + (c.refitted() || mixed ? " (refitted)" : "");
        if (c.refitted() || mixed) {
            setWarningMessage("The models were refitted by maximum likelihood: REML likelihoods are comparable only "
                + "between models with the same fixed effects.");
        }
        BufferedDataContainer out = exec.createDataContainer(outputSpec());
        for (int k = 0; k < c.formulas().size(); k++) {
            out.addRowToTable(new DefaultRow(RowKey.createRowKey((long)k), new StringCell(c.formulas().get(k)),
                new StringCell(criterion), new IntCell(c.npar()[k]), number(c.aic()[k]), number(c.bic()[k]),
                number(c.logLik()[k]), number(c.deviance()[k]), number(c.chisq()[k]),
                k == 0 ? missing() : new IntCell(c.df()[k]), number(c.p()[k])));
        }
        out.close();
        return new PortObject[] {out.getTable()};
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        // no settings
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) {
        // no settings
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) {
        // no settings
    }
}
