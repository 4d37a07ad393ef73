package org.mixedmodels.knime.joint;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.number;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.knime.core.data.DataColumnSpec;
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
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.joint.JointCoefficient;
import org.mixedmodels.engine.joint.JointFitResult;
import org.mixedmodels.engine.joint.JointModel;
import org.mixedmodels.engine.joint.JointModelSpec;
import org.mixedmodels.engine.joint.SubjectRandomEffects;
import org.mixedmodels.engine.joint.SurvivalPrediction;
import org.mixedmodels.knime.data.CancelableFit;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * Fits the joint model of a longitudinal marker and time to an event sharing random effects (the engine's
 * {@link JointModel}, as R's JM): the longitudinal table (one row per measurement) and the survival table (one row
 * per subject) in; coefficient tables, fit statistics, per-subject random effects and dynamic survival predictions
 * out.
 */
final class JointModelNodeModel extends StatelessNodeModel {
    private JointModelSettings settings = new JointModelSettings();

    JointModelNodeModel() {
        super(2, 5);
    }

    static DataTableSpec coefficientSpec(final String name) {
        return new DataTableSpec(name, column("Term", StringCell.TYPE), column("Estimate", DoubleCell.TYPE),
            column("Std. Error", DoubleCell.TYPE), column("z value", DoubleCell.TYPE), column("Pr(>|z|)", DoubleCell.TYPE));
    }

    static DataTableSpec statisticsSpec() {
        return new DataTableSpec("Fit statistics", column("Statistic", StringCell.TYPE), column("Value", DoubleCell.TYPE));
    }

    static DataTableSpec randomEffectsSpec() {
        return new DataTableSpec("Random effects", column("Subject", StringCell.TYPE), column("Term", StringCell.TYPE),
            column("Mode", DoubleCell.TYPE), column("Posterior mean", DoubleCell.TYPE));
    }

    static DataTableSpec predictionsSpec() {
        return new DataTableSpec("Survival predictions", column("Subject", StringCell.TYPE),
            column("Last measurement time", DoubleCell.TYPE), column("Horizon", DoubleCell.TYPE),
            column("Survival probability", DoubleCell.TYPE));
    }

    @Override
    protected DataTableSpec[] configure(final DataTableSpec[] inSpecs) throws InvalidSettingsException {
        check(inSpecs[0], inSpecs[1]);
        return new DataTableSpec[] {coefficientSpec("Longitudinal coefficients"), coefficientSpec("Event coefficients"),
            statisticsSpec(), randomEffectsSpec(), predictionsSpec()};
    }

    private Formula check(final DataTableSpec longitudinal, final DataTableSpec survival) throws InvalidSettingsException {
        settings.validate();
        Formula formula = FormulaParser.parse(settings.longitudinalFormula);
        if (formula.randomTerms().size() != 1 || formula.randomTerms().get(0).grouping().size() != 1) {
            throw new InvalidSettingsException("The longitudinal formula needs exactly one random-effects term grouped by "
                + "the subject, e.g. (obstime | patient).");
        }
        String subject = formula.randomTerms().get(0).grouping().get(0);
        if (longitudinal != null) {
            TableToDataFrame.checkColumnsExist(longitudinal, formula.variables(), "(in the longitudinal formula)");
            TableToDataFrame.checkColumnsExist(longitudinal, List.of(settings.timeColumn), "(the measurement time)");
            TableToDataFrame.requireNumeric(longitudinal, settings.timeColumn, "measurement time");
            TableToDataFrame.requireNumeric(longitudinal, formula.response(), "longitudinal response");
        }
        if (survival != null) {
            TableToDataFrame.checkColumnsExist(survival, List.of(subject, settings.survivalTimeColumn,
                settings.eventColumn), "(the survival table needs the subject, event time and event columns)");
            TableToDataFrame.requireNumeric(survival, settings.survivalTimeColumn, "event time");
            TableToDataFrame.requireNumeric(survival, settings.eventColumn, "event indicator (1 event, 0 censored)");
        }
        if (longitudinal != null && survival != null) {
            Map<String, String> numeric = new HashMap<>();
            numeric.put(formula.response(), "longitudinal response");
            numeric.put(settings.timeColumn, "measurement time");
            numeric.put(settings.survivalTimeColumn, "event time");
            numeric.put(settings.eventColumn, "event indicator");
            settings.typing.check(both(longitudinal, survival), numeric);
        }
        return formula;
    }

    /** The columns of the first table, then those of the second it lacks: where a categorical choice may be. */
    static DataTableSpec both(final DataTableSpec first, final DataTableSpec second) {
        List<DataColumnSpec> columns = new ArrayList<>();
        first.forEach(columns::add);
        for (DataColumnSpec c : second) {
            if (!first.containsName(c.getName())) {
                columns.add(c);
            }
        }
        return new DataTableSpec(columns.toArray(DataColumnSpec[]::new));
    }

    /** The survival formula's covariates (the engine reads it as {@code time ~ rhs}); none if it does not parse. */
    private List<String> survivalCovariates() {
        String f = settings.survivalFormula.strip();
        String rhs = f.substring(f.indexOf('~') + 1);
        try {
            Formula survival = FormulaParser.parse(JointModelNodeModel.quote(settings.survivalTimeColumn) + " ~ " + rhs);
            return TableToDataFrame.predictors(survival);
        } catch (MixedModelException e) {
            return List.of(); // the engine reports the formula's error
        }
    }

    private static String quote(final String column) {
        return column.matches("[A-Za-z.][A-Za-z0-9._]*") ? column : "`" + column + "`";
    }

    @Override
    protected BufferedDataTable[] execute(final BufferedDataTable[] inData, final ExecutionContext exec)
        throws Exception {
        Formula formula = check(inData[0].getDataTableSpec(), inData[1].getDataTableSpec());
        Set<String> groupings = formula.groupingVariables();
        DataFrame longitudinal = TableToDataFrame.convert(inData[0], names(inData[0].getDataTableSpec()), groupings,
            settings.typing, exec.createSubProgress(0.05));
        DataFrame survival = TableToDataFrame.convert(inData[1], names(inData[1].getDataTableSpec()), groupings,
            settings.typing, exec.createSubProgress(0.05));
        List<String> warnings = new ArrayList<>(TableToDataFrame.stringColumnsOfNumbers(inData[0].getDataTableSpec(),
            longitudinal, TableToDataFrame.predictors(formula)));
        warnings.addAll(TableToDataFrame.stringColumnsOfNumbers(inData[1].getDataTableSpec(), survival,
            survivalCovariates()));
        JointModelSpec spec = JointModelSpec.of(settings.longitudinalFormula, settings.timeColumn,
            settings.survivalTimeColumn, settings.eventColumn, settings.survivalFormula.trim(), settings.baseline())
            .withReferenceLevels(settings.referenceLevelMap()).withHorizons(settings.horizonList());
        ExecutionContext fitExec = exec.createSubExecutionContext(0.9);
        JointFitResult fit;
        try {
            fit = CancelableFit.run(fitExec, 100, "Maximizing the joint likelihood",
                monitor -> JointModel.fit(longitudinal, survival, spec, monitor));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        warnings.addAll(fit.warnings());
        if (!warnings.isEmpty()) {
            setWarningMessage(String.join("\n", warnings));
        }
        return new BufferedDataTable[] {coefficients(fit.longitudinal(), "Longitudinal coefficients", exec),
            coefficients(fit.event(), "Event coefficients", exec), statistics(fit, exec), randomEffects(fit, exec),
            predictions(fit, exec)};
    }

    private static List<String> names(final DataTableSpec spec) {
        List<String> names = new ArrayList<>();
        spec.forEach(c -> names.add(c.getName()));
        return names;
    }

    private static BufferedDataTable coefficients(final List<JointCoefficient> rows, final String name,
        final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(coefficientSpec(name));
        long i = 0;
        for (JointCoefficient r : rows) {
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(i++), new StringCell(r.term()), number(r.estimate()),
                number(r.se()), number(r.z()), number(r.p())));
        }
        c.close();
        return c.getTable();
    }

    private static BufferedDataTable statistics(final JointFitResult fit, final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(statisticsSpec());
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {"Log-likelihood", fit.logLik()});
        rows.add(new Object[] {"AIC", fit.aic()});
        rows.add(new Object[] {"BIC", fit.bic()});
        rows.add(new Object[] {"Residual SD (sigma)", fit.sigma()});
        List<String> re = fit.randomEffectNames();
        double[][] d = fit.randomEffectsCovariance();
        for (int a = 0; a < re.size(); a++) {
            for (int b = a; b < re.size(); b++) {
                rows.add(new Object[] {a == b ? "Var(" + re.get(a) + ")" : "Cov(" + re.get(a) + ", " + re.get(b) + ")",
                    d[a][b]});
            }
        }
        rows.add(new Object[] {"Subjects", (double)fit.subjects()});
        rows.add(new Object[] {"Measurements", (double)fit.nobs()});
        rows.add(new Object[] {"Events", (double)fit.events()});
        rows.add(new Object[] {"Parameters", (double)fit.parameterCount()});
        rows.add(new Object[] {"Gauss-Hermite points per random effect", (double)fit.ghPoints()});
        rows.add(new Object[] {"Converged", fit.converged() ? 1.0 : 0.0});
        long i = 0;
        for (Object[] r : rows) {
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(i++), new StringCell((String)r[0]),
                number((Double)r[1])));
        }
        c.close();
        return c.getTable();
    }

    private static BufferedDataTable randomEffects(final JointFitResult fit, final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(randomEffectsSpec());
        long i = 0;
        for (SubjectRandomEffects r : fit.ranef()) {
            for (int k = 0; k < fit.randomEffectNames().size(); k++) {
                c.addRowToTable(new DefaultRow(RowKey.createRowKey(i++), new StringCell(r.subject()),
                    new StringCell(fit.randomEffectNames().get(k)), number(r.mode()[k]), number(r.posteriorMean()[k])));
            }
        }
        c.close();
        return c.getTable();
    }

    private static BufferedDataTable predictions(final JointFitResult fit, final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(predictionsSpec());
        long i = 0;
        for (SurvivalPrediction p : fit.predictions()) {
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(i++), new StringCell(p.subject()), number(p.lastTime()),
                number(p.horizon()), number(p.probability())));
        }
        c.close();
        return c.getTable();
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        JointModelSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = JointModelSettings.loadFrom(s);
    }
}
