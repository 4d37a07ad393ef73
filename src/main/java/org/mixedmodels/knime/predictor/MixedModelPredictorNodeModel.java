package org.mixedmodels.knime.predictor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataColumnSpecCreator;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.data.MissingCell;
import org.knime.core.data.container.CloseableRowIterator;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
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
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.prediction.GlmmPrediction;
import org.mixedmodels.engine.prediction.Prediction;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;

/**
 * Appends a mixed model's predictions to a table: conditional on the group levels seen in training (the
 * population prediction for levels not seen), and optionally the population prediction, its standard error
 * and a prediction interval (the engine's {@link Prediction}). For a GLMM ({@link GlmmPrediction}) the predictions
 * are probabilities or rates (or, on the link scale, log odds or log rates), the offset column taken from the table;
 * the interval is the population prediction's confidence interval.
 */
final class MixedModelPredictorNodeModel extends StatelessNodeModel {
    private MixedModelPredictorSettings settings = new MixedModelPredictorSettings();

    MixedModelPredictorNodeModel() {
        super(new PortType[] {MixedModelPortObject.TYPE, BufferedDataTable.TYPE},
            new PortType[] {BufferedDataTable.TYPE});
    }

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        settings.validate();
        MixedModelPortObjectSpec model = (MixedModelPortObjectSpec)inSpecs[0];
        DataTableSpec table = (DataTableSpec)inSpecs[1];
        if (model == null || table == null) {
            return new PortObjectSpec[] {null};
        }
        check(model, table);
        return new PortObjectSpec[] {new DataTableSpec(table, appendedSpec(model, table))};
    }

    private void check(final MixedModelPortObjectSpec model, final DataTableSpec table)
        throws InvalidSettingsException {
        TableToDataFrame.checkColumnsExist(table, model.predictors(), "(a predictor of the model)");
        TableToDataFrame.checkColumnsExist(table, model.groupingColumns(), "(a grouping column of the model)");
        if (model.isGeneralized()) {
            if (model.offset() != null) {
                TableToDataFrame.checkColumnsExist(table, List.of(model.offset()), "(the model's offset column)");
            }
            if (settings.estimateNewGroups) {
                throw new InvalidSettingsException("Estimating the random effects of new groups is available for linear "
                    + "mixed models only; this model is a " + model.family() + " GLMM. Untick \"Estimate random effects "
                    + "of new groups from their rows\" (new groups then get population predictions).");
            }
            return;
        }
        if (settings.estimateNewGroups) {
            DataColumnSpec y = table.getColumnSpec(model.response());
            if (y == null || !TableToDataFrame.isNumeric(y)) {
                throw new InvalidSettingsException("Estimating random effects for new groups needs the response "
                    + "column '" + model.response() + "' (numeric) in the table; add it or untick \"Estimate "
                    + "random effects of new groups from their rows\".");
            }
        }
    }

    private DataTableSpec appendedSpec(final MixedModelPortObjectSpec model, final DataTableSpec table) {
        String response = model.response();
        List<String> names = new ArrayList<>();
        if (model.isGeneralized()) {
            // a GLMM: the response (or link) scale; its interval is the population mean's confidence interval
            String scale = settings.linkScale ? "linear predictor" : "prediction";
            names.add(settings.glmmPredictionName(response));
            if (settings.includePopulation) {
                names.add("Population " + scale + " (" + response + ")");
            }
            if (settings.includeStandardError) {
                names.add("SE of population linear predictor (" + response + ")");
            }
            if (settings.includeInterval) {
                String pct = percent(settings.intervalLevel);
                names.add("Lower " + pct + " confidence limit of population " + scale + " (" + response + ")");
                names.add("Upper " + pct + " confidence limit of population " + scale + " (" + response + ")");
            }
        } else {
            names.add(settings.predictionName(response));
            if (settings.includePopulation) {
                names.add("Population prediction (" + response + ")");
            }
            if (settings.includeStandardError) {
                names.add("SE of population prediction (" + response + ")");
            }
            if (settings.includeInterval) {
                String pct = percent(settings.intervalLevel);
                names.add("Lower " + pct + " prediction limit (" + response + ")");
                names.add("Upper " + pct + " prediction limit (" + response + ")");
            }
        }
        DataColumnSpec[] specs = new DataColumnSpec[names.size()];
        DataTableSpec sofar = table;
        for (int i = 0; i < specs.length; i++) {
            specs[i] = new DataColumnSpecCreator(DataTableSpec.getUniqueColumnName(sofar, names.get(i)),
                DoubleCell.TYPE).createSpec();
            sofar = new DataTableSpec(sofar, new DataTableSpec(specs[i]));
        }
        return new DataTableSpec(specs);
    }

    private static String percent(final double level) {
        double p = level * 100;
        return (p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p)) + "%";
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        MixedModelPortObject model = (MixedModelPortObject)inObjects[0];
        BufferedDataTable table = (BufferedDataTable)inObjects[1];
        MixedModelPortObjectSpec modelSpec = model.getSpec();
        check(modelSpec, table.getDataTableSpec());
        Set<String> columns = new LinkedHashSet<>(modelSpec.predictors());
        columns.addAll(modelSpec.groupingColumns());
        if (table.getDataTableSpec().containsName(modelSpec.response())) {
            columns.add(modelSpec.response());
        }
        if (model.isGeneralized() && model.glmm().offset() != null) {
            columns.add(model.glmm().offset());
        }
        // read as the Learner read its table: the same categorical columns and missing tokens
        DataFrame data = TableToDataFrame.convert(table, columns, Set.copyOf(modelSpec.groupingColumns()),
            model.typing(), exec.createSubProgress(0.3));
        Columns p;
        try {
            p = model.isGeneralized() ? Columns.of(GlmmPrediction.of(model.glmm(), data, settings.intervalLevel, true),
                settings.linkScale) : Columns.of(Prediction.of(model.model(), data, settings.intervalLevel,
                    settings.estimateNewGroups));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        DataTableSpec appended = appendedSpec(modelSpec, table.getDataTableSpec());
        BufferedDataContainer out = exec.createDataContainer(new DataTableSpec(table.getDataTableSpec(), appended));
        int i = 0;
        int incomplete = 0;
        long n = table.size();
        // closed also when the user cancels (KNIME's iterators hold open files until closed)
        try (CloseableRowIterator rows = table.iterator()) {
            while (rows.hasNext()) {
                DataRow row = rows.next();
                if (i % 1000 == 0) {
                    exec.checkCanceled();
                    exec.setProgress(0.3 + 0.7 * i / Math.max(1, n));
                }
                List<DataCell> cells = new ArrayList<>(row.getNumCells() + appended.getNumColumns());
                row.forEach(cells::add);
                String reason = Double.isNaN(p.conditional()[i]) ? missingReason(data, modelSpec, i) : null;
                cells.add(number(p.conditional()[i], reason));
                if (settings.includePopulation) {
                    cells.add(number(p.population()[i], reason));
                }
                if (settings.includeStandardError) {
                    cells.add(number(p.standardError()[i], reason));
                }
                if (settings.includeInterval) {
                    String intervalReason = reason != null ? reason
                        : model.isGeneralized() ? null : intervalReason(model, data, i);
                    cells.add(number(p.lower()[i], intervalReason));
                    cells.add(number(p.upper()[i], intervalReason));
                }
                if (Double.isNaN(p.conditional()[i])) {
                    incomplete++;
                }
                out.addRowToTable(new DefaultRow(row.getKey(), cells));
                i++;
            }
        }
        out.close();
        setWarningMessage(warning(p, incomplete));
        return new PortObject[] {out.getTable()};
    }

    /**
     * The appended columns' values, from the linear model's {@link Prediction} or the GLMM's {@link GlmmPrediction}
     * on the chosen scale.
     */
    private record Columns(double[] conditional, double[] population, double[] standardError, double[] lower,
        double[] upper, int rowsWithNewLevels, int estimatedLevels) {

        static Columns of(final Prediction p) {
            return new Columns(p.conditional(), p.population(), p.standardError(), p.lower(), p.upper(),
                p.rowsWithNewLevels(), p.newLevelModes().values().stream().mapToInt(m -> m.size()).sum());
        }

        static Columns of(final GlmmPrediction p, final boolean link) {
            return new Columns(link ? p.conditionalLink() : p.conditionalResponse(),
                link ? p.populationLink() : p.populationResponse(), p.populationStandardError(), p.populationLower(link),
                p.populationUpper(link), p.rowsWithNewLevels(), 0);
        }
    }

    private String warning(final Columns p, final int incomplete) {
        List<String> w = new ArrayList<>();
        if (p.rowsWithNewLevels() > 0) {
            w.add(p.rowsWithNewLevels() + " row(s) belong to group levels not seen in training; their predictions "
                + "are population-level (random effects of those levels set to 0)"
                + (settings.estimateNewGroups ? " because their response is missing." : "."));
        }
        int estimated = p.estimatedLevels();
        if (estimated > 0) {
            w.add("Random effects of " + estimated + " new group level(s) were estimated from their own rows.");
        }
        if (incomplete > 0) {
            w.add(incomplete + " row(s) have a missing value in a column the model needs; their predictions are "
                + "missing.");
        }
        return w.isEmpty() ? null : String.join("\n", w);
    }

    private static DataCell number(final double v, final String reason) {
        return Double.isNaN(v) ? (reason == null ? DataType.getMissingCell() : new MissingCell(reason)) : new DoubleCell(v);
    }

    /** Why row i has no prediction: the first column the model needs that is missing (or not finite) there. */
    private static String missingReason(final DataFrame data, final MixedModelPortObjectSpec spec, final int i) {
        List<String> needed = new ArrayList<>(spec.predictors());
        needed.addAll(spec.groupingColumns());
        if (spec.offset() != null) {
            needed.add(spec.offset());
        }
        for (String column : needed) {
            if (data.hasColumn(column)) {
                Column c = data.column(column);
                if (c.isMissing(i) || c instanceof NumericColumn num && !Double.isFinite(num.value(i))) {
                    return "no prediction: column '" + column + "' is missing in this row";
                }
            }
        }
        return null;
    }

    /** Why a predicted row has no interval: its visit was not seen in training (residual structures). */
    private static String intervalReason(final MixedModelPortObject model, final DataFrame data, final int i) {
        org.mixedmodels.engine.fit.ResidualFit r = model.model().residual();
        if (r == null || !data.hasColumn(r.timeName())) {
            return null;
        }
        return "no interval: visit '" + data.column(r.timeName()).label(i) + "' of '" + r.timeName()
            + "' was not seen in training, so its residual variance is unknown";
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelPredictorSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = MixedModelPredictorSettings.loadFrom(s);
    }
}
