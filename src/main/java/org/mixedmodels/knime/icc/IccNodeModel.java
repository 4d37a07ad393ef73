package org.mixedmodels.knime.icc;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.missing;
import static org.mixedmodels.knime.data.Cells.number;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.reliability.IccForm;
import org.mixedmodels.engine.reliability.IccForms;
import org.mixedmodels.engine.reliability.MixedModelIcc;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * Intraclass correlation of a long table (one row per measurement): the mixed-model ICC from a REML random
 * intercept per subject, which allows any number of measurements per subject, with a parametric bootstrap
 * interval; and with a rater (or session, scan) column the six Shrout-Fleiss / McGraw-Wong ANOVA forms, which
 * need every subject rated once by every rater.
 */
final class IccNodeModel extends StatelessNodeModel {
    private IccSettings settings = new IccSettings();

    IccNodeModel() {
        super(1, 1);
    }

    static DataTableSpec outputSpec() {
        return new DataTableSpec("Intraclass correlation", column("Form", StringCell.TYPE),
            column("Description", StringCell.TYPE), column("ICC", DoubleCell.TYPE), column("Lower", DoubleCell.TYPE),
            column("Upper", DoubleCell.TYPE), column("F", DoubleCell.TYPE), column("df1", DoubleCell.TYPE),
            column("df2", DoubleCell.TYPE), column("p", DoubleCell.TYPE), column("Var. between", DoubleCell.TYPE),
            column("Var. within", DoubleCell.TYPE), column("Interpretation", StringCell.TYPE));
    }

    @Override
    protected DataTableSpec[] configure(final DataTableSpec[] inSpecs) throws InvalidSettingsException {
        check(inSpecs[0]);
        return new DataTableSpec[] {outputSpec()};
    }

    private void check(final DataTableSpec spec) throws InvalidSettingsException {
        settings.validate();
        List<String> columns = new ArrayList<>(List.of(settings.subjectColumn, settings.valueColumn));
        if (settings.hasRater()) {
            columns.add(settings.raterColumn);
        }
        TableToDataFrame.checkColumnsExist(spec, columns, "chosen in the dialog");
        TableToDataFrame.requireNumeric(spec, settings.valueColumn, "value");
        settings.typing.check(spec, java.util.Map.of(settings.valueColumn, "value"));
    }

    @Override
    protected BufferedDataTable[] execute(final BufferedDataTable[] inData, final ExecutionContext exec)
        throws Exception {
        check(inData[0].getDataTableSpec());
        Set<String> columns = new LinkedHashSet<>(List.of(settings.subjectColumn, settings.valueColumn));
        Set<String> categorical = new LinkedHashSet<>(List.of(settings.subjectColumn));
        if (settings.hasRater()) {
            columns.add(settings.raterColumn);
            categorical.add(settings.raterColumn);
        }
        DataFrame data = TableToDataFrame.convert(inData[0], columns, categorical, settings.typing,
            exec.createSubProgress(0.1));
        IccForms.Result forms = null;
        MixedModelIcc.Result mixed;
        try {
            if (settings.hasRater()) {
                forms = IccForms.compute(data, settings.subjectColumn, settings.valueColumn, settings.raterColumn,
                    settings.confidenceLevel);
            }
            exec.setMessage("Mixed-model ICC and its bootstrap interval");
            exec.checkCanceled();
            mixed = MixedModelIcc.estimate(data, settings.subjectColumn, settings.valueColumn,
                new MixedModelIcc.Options(List.of(), settings.bootstrapReplicates, settings.seed,
                    settings.confidenceLevel));
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        if (!mixed.warnings().isEmpty()) {
            setWarningMessage(String.join("\n", mixed.warnings()));
        }
        BufferedDataContainer c = exec.createDataContainer(outputSpec());
        long row = 0;
        if (forms != null) {
            for (IccForm f : forms.forms()) {
                double[] components = anovaComponents(forms, f.type());
                c.addRowToTable(new DefaultRow(RowKey.createRowKey(row++), new StringCell(f.type().label()),
                    new StringCell(f.type().shroutFleiss() + ": " + f.type().description()), number(f.icc()),
                    number(f.lower()), number(f.upper()), number(f.f()), number(f.df1()), number(f.df2()),
                    number(f.p()), number(components[0]), number(components[1]),
                    new StringCell(f.interpretation().label())));
            }
        }
        DataCell none = missing();
        c.addRowToTable(new DefaultRow(RowKey.createRowKey(row), new StringCell("Mixed model"),
            new StringCell("REML random intercept per subject: between / (between + within)"
                + (mixed.bootstrap() == null ? "" : "; parametric bootstrap interval (" + mixed.bootstrap().used()
                    + " replicates, seed " + mixed.bootstrap().seed() + ")")),
            number(mixed.icc()), number(mixed.lower()), number(mixed.upper()), none, none, none, none,
            number(mixed.varBetween()), number(mixed.varWithin()), new StringCell(mixed.interpretation().label())));
        c.close();
        return new BufferedDataTable[] {c.getTable()};
    }

    /**
     * The variance components behind an ANOVA form (McGraw and Wong 1996, table 4): between subjects
     * (MSR - MSW) / k for the one-way forms, (MSR - MSE) / k for the two-way ones; within, the rest of a single
     * rating's variance: MSW (one-way), (MSC - MSE) / n + MSE (agreement), MSE (consistency).
     */
    private static double[] anovaComponents(final IccForms.Result r, final IccForm.Type type) {
        int k = r.raters();
        int n = r.subjects();
        String label = type.label();
        if (label.startsWith("ICC1")) {
            return new double[] {(r.msr() - r.msw()) / k, r.msw()};
        }
        double between = (r.msr() - r.mse()) / k;
        return label.startsWith("ICC2") ? new double[] {between, (r.msc() - r.mse()) / n + r.mse()}
            : new double[] {between, r.mse()};
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        IccSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = IccSettings.loadFrom(s);
    }
}
