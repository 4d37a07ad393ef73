package org.mixedmodels.knime.port;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.InvalidSettingsException;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.knime.data.CancelableFit;
import org.mixedmodels.knime.data.ColumnTyping;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * Refits a model from a mixed-model port on its training table, for the analyses that need the data as well as
 * the estimates (Type III tests, LS means, likelihood-ratio tests with ML refits). The factor levels keep the
 * saved order (so reference levels and visit orders are the Learner's), and the refit must reproduce the saved
 * log-likelihood: a different table is refused.
 */
public final class ModelRefit {
    /** Relative agreement of the refit's log-likelihood with the saved one that identifies the training data. */
    static final double SAME_DATA_TOLERANCE = 1e-6;

    private ModelRefit() {
    }

    /**
     * Refuses a GLMM port in a node that refits linear mixed models (Tests, Diagnostics, Comparison), saying which
     * analyses a GLMM has.
     */
    public static void requireLinear(final MixedModelPortObject port, final String node)
        throws InvalidSettingsException {
        if (port != null && port.isGeneralized()) {
            throw new InvalidSettingsException("The " + node + " node takes linear mixed models; this model is a "
                + port.glmm().family() + " GLMM (" + port.model().formula() + "). Its Wald z tests are in the Learner's "
                + "fixed-effects table and its predictions come from the Mixed Model Predictor.");
        }
    }

    /** The columns of the table the models need, grouping columns read as categories. */
    public static DataFrame data(final List<FittedModel> models, final BufferedDataTable table,
        final ExecutionMonitor exec) throws InvalidSettingsException, CanceledExecutionException {
        return data(models, table, ColumnTyping.DEFAULT, exec);
    }

    /** As above, the table read with the Learner's categorical columns and missing tokens. */
    public static DataFrame data(final List<FittedModel> models, final BufferedDataTable table,
        final ColumnTyping typing, final ExecutionMonitor exec)
        throws InvalidSettingsException, CanceledExecutionException {
        Set<String> columns = new LinkedHashSet<>();
        Set<String> groupings = new LinkedHashSet<>();
        for (FittedModel model : models) {
            Formula formula = model.parsedFormula();
            TableToDataFrame.checkColumnsExist(table.getDataTableSpec(), formula.variables(), "(used by the model '"
                + formula.source() + "')");
            columns.addAll(formula.variables());
            groupings.addAll(formula.groupingVariables());
        }
        return TableToDataFrame.convert(table, columns, groupings, typing, exec);
    }

    /**
     * The model refitted to {@code data} by {@code method} (the saved one if null), checked against the port; the
     * optimizer's evaluations are shown as progress on {@code exec}, which can cancel the refit (a large unstructured
     * MMRM takes minutes).
     */
    public static FitResult refit(final FittedModel model, final DataFrame data, final FitOptions.Method method,
        final ExecutionMonitor exec) throws InvalidSettingsException, CanceledExecutionException {
        Map<String, List<String>> orders = new LinkedHashMap<>(model.factorLevels());
        if (model.residual() != null && data.hasColumn(model.residual().timeName())
            && data.column(model.residual().timeName()) instanceof CategoricalColumn) {
            orders.putIfAbsent(model.residual().timeName(), model.residual().visits());
        }
        FitOptions.Method saved = FitOptions.Method.valueOf(model.method());
        FitResult fit;
        FitResult same;
        try {
            same = CancelableFit.run(exec, 50, "Refitting the model",
                monitor -> LinearMixedModel.fit(model.formula(), data, new FitOptions(saved, Map.of(), orders), monitor));
            fit = method == null || method == saved ? same
                : CancelableFit.run(exec, 50, "Refitting the model by " + method.name(),
                    monitor -> LinearMixedModel.fit(same.design(), new FitOptions(method, Map.of(), orders), monitor));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException("The model '" + model.formula() + "' cannot be refitted to this table: "
                + e.getMessage() + " Connect the table the Learner was trained on.", e);
        }
        Double logLik = model.statistics().get("logLik");
        Double nobs = model.statistics().get("nobs");
        if (logLik != null && nobs != null && (same.nobs() != nobs.intValue()
            || Math.abs(same.logLik() - logLik) > SAME_DATA_TOLERANCE * Math.max(1, Math.abs(logLik)))) {
            throw new InvalidSettingsException("The table is not the one the model '" + model.formula()
                + "' was trained on: refitted to it, the model has " + same.nobs() + " rows and log-likelihood "
                + same.logLik() + ", the saved model " + nobs.intValue() + " rows and " + logLik
                + ". Connect the Learner's input table.");
        }
        return fit;
    }
}
