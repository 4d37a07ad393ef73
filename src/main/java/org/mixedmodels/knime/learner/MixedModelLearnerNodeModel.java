package org.mixedmodels.knime.learner;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.knime.core.data.DataTableSpec;
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
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.ResidualTerm;
import org.mixedmodels.engine.glmm.GeneralizedLinearMixedModel;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.GlmmResult;
import org.mixedmodels.engine.prediction.GlmmModel;
import org.mixedmodels.engine.report.GlmmReport;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.report.FitReport;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.knime.data.CancelableFit;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;

/**
 * Fits a linear mixed model to the input table (the engine's {@link LinearMixedModel}), or with the binomial or
 * Poisson family a GLMM ({@link GeneralizedLinearMixedModel}, as lme4's glmer), and outputs the model and its
 * tables: fixed effects with tests and intervals, variance components, random effects per group level, and fit
 * statistics.
 */
final class MixedModelLearnerNodeModel extends StatelessNodeModel {
    /** Share of the progress bar for reading the table; the fit takes the rest. */
    private static final double READ_SHARE = 0.1;

    private MixedModelLearnerSettings settings = new MixedModelLearnerSettings();

    MixedModelLearnerNodeModel() {
        super(new PortType[] {BufferedDataTable.TYPE}, new PortType[] {MixedModelPortObject.TYPE,
            BufferedDataTable.TYPE, BufferedDataTable.TYPE, BufferedDataTable.TYPE, BufferedDataTable.TYPE});
    }

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        DataTableSpec input = (DataTableSpec)inSpecs[0];
        Formula formula = checkAgainst(input);
        if (settings.isGeneralized()) {
            GlmmOptions o = settings.glmmOptions();
            return new PortObjectSpec[] {MixedModelPortObjectSpec.of(formula, o.family().rName(), o.offset()),
                LearnerOutputTables.glmmFixedEffectsSpec(), LearnerOutputTables.varianceComponentsSpec(),
                LearnerOutputTables.randomEffectsSpec(formula, input), LearnerOutputTables.glmmFitStatisticsSpec(formula)};
        }
        return new PortObjectSpec[] {MixedModelPortObjectSpec.of(formula), LearnerOutputTables.fixedEffectsSpec(),
            LearnerOutputTables.varianceComponentsSpec(), LearnerOutputTables.randomEffectsSpec(formula, input),
            LearnerOutputTables.fitStatisticsSpec(formula)};
    }

    /** Everything that can be checked before the fit, with messages that say what to change. */
    private Formula checkAgainst(final DataTableSpec input) throws InvalidSettingsException {
        settings.validate();
        Formula formula = settings.parsedFormula();
        if (formula.randomTerms().isEmpty() && formula.residualTerms().isEmpty()) {
            throw new InvalidSettingsException("The formula '" + formula.source() + "' has no random effects; add "
                + "a grouping column, e.g. '+ (1 | subject)', or a residual covariance structure within subject, "
                + "e.g. '+ ar1(visit | subject)'. For a model without either use KNIME's Linear Regression Learner.");
        }
        // one structure and one varident term of the same subject at most: the formula parser checks it
        TableToDataFrame.checkColumnsExist(input, formula.variables(), "used in the formula");
        TableToDataFrame.requireNumeric(input, formula.response(), "response");
        if (settings.isGeneralized()) {
            checkGlmmColumns(input, formula, settings.glmmOptions());
        }
        for (ResidualTerm residual : formula.residualTerms()) {
            for (RandomTerm r : formula.randomTerms()) {
                if (!r.grouping().equals(List.of(residual.subject()))) {
                    throw new InvalidSettingsException("The random effects are grouped by '" + String.join("/",
                        r.grouping()) + "', but the residual structure by '" + residual.subject() + "'. With a residual "
                        + "covariance structure, random effects must be grouped by its subject column.");
                }
            }
        }
        settings.typing().check(input, Map.of(formula.response(), "response"));
        for (String column : settings.levelOrderMap().keySet()) {
            if (!formula.variables().contains(column)) {
                throw new InvalidSettingsException("A level order is set for column '" + column
                    + "', which the formula does not use; remove it or add the column to the model.");
            }
        }
        for (Map.Entry<String, String> ref : settings.referenceLevelMap().entrySet()) {
            String column = ref.getKey();
            if (!formula.variables().contains(column)) {
                throw new InvalidSettingsException("A reference level is set for column '" + column
                    + "', which the formula does not use; remove it or add the column to the model.");
            }
            if (TableToDataFrame.isNumeric(input.getColumnSpec(column))
                && !formula.groupingVariables().contains(column)
                && !List.of(settings.categoricalColumns).contains(column)) {
                throw new InvalidSettingsException("A reference level is set for the numeric column '" + column
                    + "'; reference levels apply to categorical columns only (string columns, or numeric ones chosen "
                    + "in \"Treat as categorical\").");
            }
        }
        return formula;
    }

    /** A GLMM's trials and offset columns exist and are numeric; no residual covariance term. */
    private static void checkGlmmColumns(final DataTableSpec input, final Formula formula, final GlmmOptions o)
        throws InvalidSettingsException {
        if (!formula.residualTerms().isEmpty()) {
            throw new InvalidSettingsException("The formula '" + formula.source() + "' has a residual covariance term; "
                + "a " + o.family().rName() + " GLMM has none (its variance follows from the family). Remove it, or "
                + "choose the gaussian family.");
        }
        for (String[] column : new String[][] {{o.trials(), "trials"}, {o.offset(), "offset"}}) {
            if (column[0] == null) {
                continue;
            }
            if (!input.containsName(column[0])) {
                throw new InvalidSettingsException("The " + column[1] + " column '" + column[0] + "' is not in the input"
                    + " table; choose another on the Distribution tab.");
            }
            TableToDataFrame.requireNumeric(input, column[0], column[1]);
        }
    }

    /** The GLMM's columns: the formula's, the trials and the offset. */
    private static List<String> glmmColumns(final Formula formula, final GlmmOptions o) {
        List<String> columns = new ArrayList<>(formula.variables());
        for (String c : new String[] {o.trials(), o.offset()}) {
            if (c != null && !columns.contains(c)) {
                columns.add(c);
            }
        }
        return columns;
    }

    /** The first missing value in a model column, with its row (number and ID), as an error. */
    private static void failOnMissing(final BufferedDataTable table, final DataFrame data,
        final java.util.Collection<String> columns) throws InvalidSettingsException {
        for (int i = 0; i < data.rowCount(); i++) {
            for (String c : columns) {
                if (data.column(c).isMissing(i)) {
                    String key = "";
                    try (org.knime.core.data.container.CloseableRowIterator rows = table.iterator()) {
                        for (int k = 0; k <= i && rows.hasNext(); k++) {
                            key = rows.next().getKey().getString();
                        }
                    }
                    throw new InvalidSettingsException("Row " + (i + 1) + " ('" + key + "') has a missing value in "
                        + "column '" + c + "', and the Learner is set to fail on missing values. Filter or impute "
                        + "the missing values (e.g. with the Missing Value node), or untick \"Fail on missing values\" "
                        + "to leave such rows out.");
                }
            }
        }
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        BufferedDataTable table = (BufferedDataTable)inObjects[0];
        Formula formula = checkAgainst(table.getDataTableSpec());
        if (settings.isGeneralized()) {
            return executeGlmm(table, formula, settings.glmmOptions(), exec);
        }
        DataFrame data = TableToDataFrame.convert(table, formula.variables(), formula.groupingVariables(),
            settings.typing(), exec.createSubProgress(READ_SHARE));
        if (settings.failOnMissing) {
            failOnMissing(table, data, formula.variables());
        }
        ExecutionContext fitExec = exec.createSubExecutionContext(1 - READ_SHARE);
        FitResult fit;
        try {
            Design design = Design.build(formula, data, settings.referenceLevelMap(), settings.levelOrderMap());
            FitOptions options = new FitOptions(settings.fitMethod(), settings.referenceLevelMap(),
                settings.levelOrderMap());
            // the optimizer needs tens to hundreds of evaluations for typical models
            fit = CancelableFit.run(fitExec, 50, "Optimizing", monitor -> LinearMixedModel.fit(design, options, monitor));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        // the fit is done; what is left (Satterthwaite or Kenward-Roger df, tables) is shown as the last tenth
        exec.setProgress(0.9, "Tests and intervals");
        FixedEffectsInference inference;
        try {
            DfMethod dfMethod = settings.dfMethod();
            CovarianceType covariance = settings.covariance();
            boolean robustTest = settings.robustTest();
            // Satterthwaite's Hessian or Kenward-Roger's sums take seconds on large data: shown step by step, cancellable
            inference = CancelableFit.inference(exec.createSubProgress(0.1), monitor -> FixedEffectsInference.of(fit,
                dfMethod, settings.confidenceLevel, covariance, robustTest, monitor));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        List<String> warnings = new ArrayList<>(
            TableToDataFrame.stringColumnsOfNumbers(table.getDataTableSpec(), data, TableToDataFrame.predictors(formula)));
        warnings.addAll(fit.warnings());
        warnings.addAll(inference.warnings());
        Set<String> unique = new LinkedHashSet<>(warnings);
        if (!unique.isEmpty()) {
            setWarningMessage(String.join("\n", unique));
        }
        FittedModel model = FittedModel.of(fit);
        String report = FitReport.text(fit, inference, formula.source(),
            new FitReport.Source("input table", null), null, List.of(), true);
        return new PortObject[] {new MixedModelPortObject(model, new ArrayList<>(unique), settings.typing(), report),
            LearnerOutputTables.fixedEffects(inference.coefficients(), inference.covariance(), exec),
            LearnerOutputTables.varianceComponents(fit.varCorr(), fit.residual(), exec),
            LearnerOutputTables.randomEffects(model,
                LearnerOutputTables.randomEffectColumns(formula, table.getDataTableSpec()), exec),
            LearnerOutputTables.fitStatistics(fit, formula, exec)};
    }

    /**
     * A binomial or Poisson GLMM (the engine's {@link GeneralizedLinearMixedModel}, as glmer): the model port with
     * the family, glmer's fixed-effects table with z tests, variance components, conditional modes, fit statistics.
     * The trials and offset columns are read as the formula's; a missing offset is an error (the engine's message).
     */
    private PortObject[] executeGlmm(final BufferedDataTable table, final Formula formula, final GlmmOptions options,
        final ExecutionContext exec) throws Exception {
        List<String> columns = glmmColumns(formula, options);
        DataFrame data = TableToDataFrame.convert(table, columns, formula.groupingVariables(), settings.typing(),
            exec.createSubProgress(READ_SHARE));
        if (settings.failOnMissing) {
            failOnMissing(table, data, columns);
        }
        exec.setMessage("Fitting the " + options.family().rName() + " GLMM");
        GlmmResult fit;
        try {
            // the optimizer's evaluations show progress and honour the cancel button, as for linear models
            fit = CancelableFit.run(exec.createSubExecutionContext(1 - READ_SHARE), 100,
                "Fitting the " + options.family().rName() + " GLMM",
                monitor -> GeneralizedLinearMixedModel.fit(formula, data, options, monitor));
        } catch (MixedModelException | IllegalArgumentException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        exec.checkCanceled();
        Set<String> unique = new LinkedHashSet<>(fit.warnings());
        if (!unique.isEmpty()) {
            setWarningMessage(String.join("\n", unique));
        }
        GlmmModel model = GlmmModel.of(fit, options);
        String report = GlmmReport.text(fit, formula.source(), options, new GlmmReport.Source("input table"));
        return new PortObject[] {new MixedModelPortObject(model, new ArrayList<>(unique), settings.typing(), report),
            LearnerOutputTables.glmmFixedEffects(fit, settings.confidenceLevel, exec),
            LearnerOutputTables.varianceComponents(fit.varCorr(), null, exec),
            LearnerOutputTables.randomEffects(model.linearPredictor(),
                LearnerOutputTables.randomEffectColumns(formula, table.getDataTableSpec()), exec),
            LearnerOutputTables.glmmFitStatistics(fit, formula, exec)};
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelLearnerSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = MixedModelLearnerSettings.loadFrom(s);
    }
}
