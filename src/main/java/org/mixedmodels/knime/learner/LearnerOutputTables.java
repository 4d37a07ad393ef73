package org.mixedmodels.knime.learner;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.missing;
import static org.mixedmodels.knime.data.Cells.number;
import static org.mixedmodels.knime.data.Cells.text;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.data.RowKey;
import org.knime.core.data.def.BooleanCell;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.def.IntCell;
import org.knime.core.data.def.StringCell;
import org.knime.core.node.BufferedDataContainer;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.ExecutionContext;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.Term;
import org.mixedmodels.engine.glmm.GlmmResult;
import org.mixedmodels.engine.inference.CoefficientTest;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * The Learner's four tables: their specs (known at configure where possible) and their rows; for a GLMM the fixed
 * effects have z tests and the fit statistics glmer's.
 */
final class LearnerOutputTables {

    private LearnerOutputTables() {
    }

    static DataTableSpec fixedEffectsSpec() {
        return new DataTableSpec("Fixed effects", column("Term", StringCell.TYPE), column("Estimate", DoubleCell.TYPE),
            column("Std. Error", DoubleCell.TYPE), column("df", DoubleCell.TYPE), column("t value", DoubleCell.TYPE),
            column("Pr(>|t|)", DoubleCell.TYPE), column("Lower CI", DoubleCell.TYPE),
            column("Upper CI", DoubleCell.TYPE), column(COVARIANCE_COLUMN, StringCell.TYPE));
    }

    /** A GLMM's fixed effects: Wald z tests and intervals, as glmer's summary (no df). */
    static DataTableSpec glmmFixedEffectsSpec() {
        return new DataTableSpec("Fixed effects", column("Term", StringCell.TYPE), column("Estimate", DoubleCell.TYPE),
            column("Std. Error", DoubleCell.TYPE), column("z value", DoubleCell.TYPE),
            column("Pr(>|z|)", DoubleCell.TYPE), column("Lower CI", DoubleCell.TYPE),
            column("Upper CI", DoubleCell.TYPE));
    }

    /** Which covariance of the fixed effects the SEs use, as the CLI's JSON {@code vcov} field names it. */
    static final String COVARIANCE_COLUMN = "Covariance";

    static DataTableSpec varianceComponentsSpec() {
        return new DataTableSpec("Variance components", column("Group", StringCell.TYPE),
            column("Term", StringCell.TYPE), column("Term 2", StringCell.TYPE), column("Variance", DoubleCell.TYPE),
            column("Std. Dev.", DoubleCell.TYPE), column("Correlation", DoubleCell.TYPE));
    }

    /**
     * Group, Level, then one column per random-effect column (BLUPs) and one per conditional SD. The columns
     * are known before the fit unless a random slope is categorical (its names depend on the levels); then
     * null, as KNIME allows.
     */
    static DataTableSpec randomEffectsSpec(final Formula formula, final DataTableSpec input) {
        List<String> columns = randomEffectColumns(formula, input);
        return columns == null ? null : randomEffectsSpec(columns);
    }

    private static DataTableSpec randomEffectsSpec(final List<String> columns) {
        List<DataColumnSpec> specs = new ArrayList<>();
        specs.add(column("Group", StringCell.TYPE));
        specs.add(column("Level", StringCell.TYPE));
        columns.forEach(c -> specs.add(column(c, DoubleCell.TYPE)));
        columns.forEach(c -> specs.add(column("Cond. SD " + c, DoubleCell.TYPE)));
        return new DataTableSpec("Random effects", specs.toArray(DataColumnSpec[]::new));
    }

    /** Random-effect column names in formula order, or null when they depend on factor levels. */
    static List<String> randomEffectColumns(final Formula formula, final DataTableSpec input) {
        Set<String> columns = new LinkedHashSet<>();
        for (RandomTerm r : formula.randomTerms()) {
            if (r.intercept()) {
                columns.add("(Intercept)");
            }
            for (Term t : r.effects()) {
                for (String v : t.variables()) {
                    DataColumnSpec c = input.getColumnSpec(v);
                    if (c == null || !TableToDataFrame.isNumeric(c)) {
                        return null;
                    }
                }
                columns.add(t.label());
            }
        }
        return new ArrayList<>(columns);
    }

    static DataTableSpec fitStatisticsSpec(final Formula formula) {
        List<DataColumnSpec> specs = new ArrayList<>();
        specs.add(column("Method", StringCell.TYPE));
        specs.add(column("Observations", IntCell.TYPE));
        for (String g : groupNames(formula)) {
            specs.add(column("Groups: " + g, IntCell.TYPE));
        }
        specs.add(column("Log-likelihood", DoubleCell.TYPE));
        specs.add(column("AIC", DoubleCell.TYPE));
        specs.add(column("BIC", DoubleCell.TYPE));
        specs.add(column("REML criterion or deviance", DoubleCell.TYPE));
        specs.add(column("Residual SD", DoubleCell.TYPE));
        specs.add(column("Parameters", IntCell.TYPE));
        specs.add(column("Singular", BooleanCell.TYPE));
        specs.add(column("Converged", BooleanCell.TYPE));
        specs.add(column("Optimizer evaluations", IntCell.TYPE));
        return new DataTableSpec("Fit statistics", specs.toArray(DataColumnSpec[]::new));
    }

    /** A GLMM's fit statistics, as glmer's summary and the CLI's JSON give them. */
    static DataTableSpec glmmFitStatisticsSpec(final Formula formula) {
        List<DataColumnSpec> specs = new ArrayList<>();
        specs.add(column("Family", StringCell.TYPE));
        specs.add(column("Link", StringCell.TYPE));
        specs.add(column("Method", StringCell.TYPE));
        specs.add(column("nAGQ", IntCell.TYPE));
        specs.add(column("Observations", IntCell.TYPE));
        for (String g : groupNames(formula)) {
            specs.add(column("Groups: " + g, IntCell.TYPE));
        }
        specs.add(column("Log-likelihood", DoubleCell.TYPE));
        specs.add(column("AIC", DoubleCell.TYPE));
        specs.add(column("BIC", DoubleCell.TYPE));
        specs.add(column("Deviance", DoubleCell.TYPE));
        specs.add(column("df.resid", IntCell.TYPE));
        specs.add(column("Marginal log-likelihood", DoubleCell.TYPE));
        specs.add(column("Pearson chi-square", DoubleCell.TYPE));
        specs.add(column("Overdispersion ratio", DoubleCell.TYPE));
        specs.add(column("Parameters", IntCell.TYPE));
        specs.add(column("Singular", BooleanCell.TYPE));
        specs.add(column("Converged", BooleanCell.TYPE));
        specs.add(column("Optimizer evaluations", IntCell.TYPE));
        return new DataTableSpec("Fit statistics", specs.toArray(DataColumnSpec[]::new));
    }

    static BufferedDataTable glmmFixedEffects(final GlmmResult fit, final double level, final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(glmmFixedEffectsSpec());
        double z = new org.apache.commons.math3.distribution.NormalDistribution().inverseCumulativeProbability(
            (1 + level) / 2);
        long row = 0;
        for (GlmmResult.Coefficient t : fit.fixed()) {
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(t.term()), number(t.estimate()),
                number(t.se()), number(t.z()), number(t.p()), number(t.estimate() - z * t.se()),
                number(t.estimate() + z * t.se())));
        }
        c.close();
        return c.getTable();
    }

    static BufferedDataTable glmmFitStatistics(final GlmmResult fit, final Formula formula,
        final ExecutionContext exec) {
        List<DataCell> cells = new ArrayList<>();
        cells.add(new StringCell(fit.family()));
        cells.add(new StringCell(fit.link()));
        cells.add(new StringCell(fit.method()));
        cells.add(new IntCell(fit.nAGQ()));
        cells.add(new IntCell(fit.nobs()));
        for (String g : groupNames(formula)) {
            Integer n = fit.ngroups().get(g);
            cells.add(n == null ? missing() : new IntCell(n));
        }
        cells.add(number(fit.logLik()));
        cells.add(number(fit.aic()));
        cells.add(number(fit.bic()));
        cells.add(number(fit.deviance()));
        cells.add(new IntCell(fit.dfResid()));
        cells.add(number(fit.logLikAbsolute()));
        cells.add(number(fit.pearsonChiSquare()));
        cells.add(number(fit.overdispersionRatio()));
        cells.add(new IntCell(fit.parameterCount()));
        cells.add(fit.singular() ? BooleanCell.TRUE : BooleanCell.FALSE);
        cells.add(fit.converged() ? BooleanCell.TRUE : BooleanCell.FALSE);
        cells.add(new IntCell(fit.evaluations()));
        BufferedDataContainer c = exec.createDataContainer(glmmFitStatisticsSpec(formula));
        c.addRowToTable(new DefaultRow(RowKey.createRowKey(0L), cells));
        c.close();
        return c.getTable();
    }

    /** Grouping factors as lme4 names them ({@code Subject}, {@code neuron:subject}), in formula order. */
    static List<String> groupNames(final Formula formula) {
        Set<String> names = new LinkedHashSet<>();
        formula.randomTerms().forEach(r -> names.add(r.groupingName()));
        return new ArrayList<>(names);
    }

    static BufferedDataTable fixedEffects(final List<CoefficientTest> tests, final CovarianceType covariance,
        final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(fixedEffectsSpec());
        long row = 0;
        for (CoefficientTest t : tests) {
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(t.term()), number(t.estimate()),
                number(t.se()), number(t.df()), number(t.t()), number(t.p()), number(t.lower()), number(t.upper()),
                new StringCell(covariance.label())));
        }
        c.close();
        return c.getTable();
    }

    /**
     * The random-effects variances and covariances, the residual variance, and for a residual covariance
     * structure one group "Residual: structure(time | subject)" with phi or rho and the covariance matrix over
     * the visits (variances with SD, covariances with correlation), as nlme's summary shows it; with parameters per
     * level of a group factor one such group per level ("..., arm = placebo").
     */
    static BufferedDataTable varianceComponents(final List<VarCorrRow> rows, final ResidualFit residual,
        final ExecutionContext exec) {
        BufferedDataContainer c = exec.createDataContainer(varianceComponentsSpec());
        long row = 0;
        for (VarCorrRow v : rows) {
            boolean variance = v.var2() == null;
            c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(v.group()), text(v.var1()),
                text(v.var2()), number(v.vcov()), variance ? number(v.sdcor()) : missing(),
                variance ? missing() : number(v.sdcor())));
        }
        if (residual != null) {
            String term = "Residual: " + residual.structure() + "(" + residual.timeName() + " | "
                + (residual.groupFactor() == null ? "" : residual.groupFactor() + " / ") + residual.subjectName() + ")";
            if (residual.description().get("groups") instanceof Map<?, ?> groups) {
                // group-specific parameters (us(visit | arm / subject)): one block per level, as SAS prints one R
                // matrix per GROUP= level
                for (Map.Entry<?, ?> g : groups.entrySet()) {
                    row = residualBlock(c, row, new StringCell(term + ", " + residual.groupFactor() + " = " + g.getKey()),
                        (Map<?, ?>)g.getValue(), residual.visits());
                }
            } else {
                row = residualBlock(c, row, new StringCell(term), residual.description(), residual.visits());
            }
            if (residual.description().get("sd_ratios") instanceof Map<?, ?> ratios) {
                // varident: each stratum's residual SD over the reference stratum's, as nlme's varIdent prints its
                // coefficients (the reference's is 1); variance ratio = ratio^2
                StringCell group = new StringCell("Residual SD ratio by " + residual.description().get("variance_factor")
                    + " (varident)");
                for (Map.Entry<?, ?> r : ratios.entrySet()) {
                    double ratio = (Double)r.getValue();
                    c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), group, new StringCell(r.getKey().toString()),
                        missing(), number(ratio * ratio), number(ratio), missing()));
                }
            }
        }
        c.close();
        return c.getTable();
    }

    /** One structure's phi or rho and its covariance matrix over the visits (variances with SD, covariances with correlation). */
    private static long residualBlock(final BufferedDataContainer c, final long first, final StringCell group,
        final Map<?, ?> description, final List<String> visits) {
        long row = first;
        for (String parameter : List.of("phi", "rho")) {
            if (description.get(parameter) instanceof Double value) {
                c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), group, new StringCell(parameter),
                    missing(), missing(), missing(), number(value)));
            }
        }
        if (description.get("covariance") instanceof double[][] cov) {
            for (int i = 0; i < cov.length; i++) {
                for (int j = i; j < cov.length; j++) {
                    boolean variance = i == j;
                    c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), group,
                        new StringCell(visits.get(i)), variance ? missing() : new StringCell(visits.get(j)),
                        number(cov[i][j]), variance ? number(Math.sqrt(cov[i][i])) : missing(),
                        variance ? missing() : number(cov[i][j] / Math.sqrt(cov[i][i] * cov[j][j]))));
                }
            }
        }
        return row;
    }

    static BufferedDataTable randomEffects(final FittedModel model, final List<String> configuredColumns,
        final ExecutionContext exec) {
        List<String> columns = configuredColumns;
        Set<String> fitted = new LinkedHashSet<>();
        model.groups().forEach(g -> fitted.addAll(g.columns()));
        if (columns == null || !new LinkedHashSet<>(columns).equals(fitted)) {
            columns = new ArrayList<>(fitted);
        }
        BufferedDataContainer c = exec.createDataContainer(randomEffectsSpec(columns));
        long row = 0;
        for (FittedModel.Group g : model.groups()) {
            for (int level = 0; level < g.levels().size(); level++) {
                DataCell[] cells = new DataCell[2 + 2 * columns.size()];
                cells[0] = new StringCell(g.name());
                cells[1] = new StringCell(g.levels().get(level));
                for (int j = 0; j < columns.size(); j++) {
                    int k = g.columns().indexOf(columns.get(j));
                    cells[2 + j] = k < 0 ? missing() : number(g.modes()[level][k]);
                    cells[2 + columns.size() + j] = k < 0 ? missing() : number(g.conditionalSd()[level][k]);
                }
                c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), cells));
            }
        }
        c.close();
        return c.getTable();
    }

    static BufferedDataTable fitStatistics(final FitResult fit, final Formula formula, final ExecutionContext exec) {
        List<DataCell> cells = new ArrayList<>();
        cells.add(new StringCell(fit.method().name()));
        cells.add(new IntCell(fit.nobs()));
        for (String g : groupNames(formula)) {
            Integer n = fit.ngroups().get(g);
            cells.add(n == null ? missing() : new IntCell(n));
        }
        cells.add(number(fit.logLik()));
        cells.add(number(fit.aic()));
        cells.add(number(fit.bic()));
        cells.add(number(fit.objective()));
        cells.add(number(fit.sigma()));
        cells.add(new IntCell(fit.parameterCount()));
        cells.add(fit.singular() ? BooleanCell.TRUE : BooleanCell.FALSE);
        cells.add(fit.converged() ? BooleanCell.TRUE : BooleanCell.FALSE);
        cells.add(new IntCell(fit.optimizer().evaluations()));
        BufferedDataContainer c = exec.createDataContainer(fitStatisticsSpec(formula));
        c.addRowToTable(new DefaultRow(RowKey.createRowKey(0L), cells));
        c.close();
        return c.getTable();
    }
}
