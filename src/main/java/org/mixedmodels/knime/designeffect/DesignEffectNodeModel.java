package org.mixedmodels.knime.designeffect;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.number;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
import org.mixedmodels.engine.reliability.DesignEffect;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * Design effect and effective sample size of clustered data (animals in cages, patients in sites): from a
 * table (the ICC of a REML random-intercept model of the outcome, adjusted for optional columns) or, with no
 * table, from a given ICC and cluster size for planning.
 */
final class DesignEffectNodeModel extends StatelessNodeModel {
    private DesignEffectSettings settings = new DesignEffectSettings();

    DesignEffectNodeModel() {
        super(new PortType[] {BufferedDataTable.TYPE_OPTIONAL}, new PortType[] {BufferedDataTable.TYPE});
    }

    static DataTableSpec outputSpec() {
        return new DataTableSpec("Design effect", column("Source", StringCell.TYPE), column("ICC", DoubleCell.TYPE),
            column("Clusters", DoubleCell.TYPE), column("n", DoubleCell.TYPE),
            column("Mean cluster size", DoubleCell.TYPE), column("CV of cluster sizes", DoubleCell.TYPE),
            column("Design effect", DoubleCell.TYPE), column("Effective n", DoubleCell.TYPE),
            column("Design effect (unequal sizes)", DoubleCell.TYPE),
            column("Effective n (unequal sizes)", DoubleCell.TYPE));
    }

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        check((DataTableSpec)inSpecs[0]);
        return new PortObjectSpec[] {outputSpec()};
    }

    private void check(final DataTableSpec spec) throws InvalidSettingsException {
        settings.validate();
        if (!settings.fromData) {
            return;
        }
        if (spec == null) {
            throw new InvalidSettingsException("Connect a table with the cluster and outcome columns, or choose "
                + "planning with a given ICC and cluster size.");
        }
        Set<String> columns = new LinkedHashSet<>(List.of(settings.clusterColumn, settings.valueColumn));
        columns.addAll(Arrays.asList(settings.fixedColumns));
        TableToDataFrame.checkColumnsExist(spec, columns, "chosen in the dialog");
        TableToDataFrame.requireNumeric(spec, settings.valueColumn, "outcome");
        settings.typing.check(spec, java.util.Map.of(settings.valueColumn, "outcome"));
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        BufferedDataTable table = (BufferedDataTable)inObjects[0];
        check(table == null ? null : table.getDataTableSpec());
        DesignEffect.Result r;
        String source;
        List<String> warnings = new java.util.ArrayList<>();
        try {
            if (settings.fromData) {
                Set<String> columns = new LinkedHashSet<>(List.of(settings.clusterColumn, settings.valueColumn));
                columns.addAll(Arrays.asList(settings.fixedColumns));
                DataFrame data = TableToDataFrame.convert(table, columns, Set.of(settings.clusterColumn),
                    settings.typing, exec.createSubProgress(0.2));
                warnings.addAll(TableToDataFrame.stringColumnsOfNumbers(table.getDataTableSpec(), data,
                    List.of(settings.fixedColumns)));
                r = DesignEffect.fromData(data, settings.clusterColumn, settings.valueColumn,
                    List.of(settings.fixedColumns));
                source = "REML random intercept per " + settings.clusterColumn
                    + (settings.fixedColumns.length == 0 ? "" : ", adjusted for " + String.join(", ",
                        settings.fixedColumns));
                warnings.addAll(r.iccEstimate().warnings());
            } else {
                r = DesignEffect.plan(settings.icc, settings.clusterSize, settings.sampleSize, settings.clusterSizeCv);
                source = "given ICC and cluster size (planning)";
            }
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        if (!warnings.isEmpty()) {
            setWarningMessage(String.join("\n", warnings));
        }
        BufferedDataContainer c = exec.createDataContainer(outputSpec());
        c.addRowToTable(new DefaultRow(RowKey.createRowKey(0L), new StringCell(source), number(r.icc()),
            number(r.clusters()), number(r.n()), number(r.meanClusterSize()), number(r.cvClusterSize()),
            number(r.designEffect()), number(r.effectiveN()), number(r.designEffectUnequal()),
            number(r.effectiveNUnequal())));
        c.close();
        return new PortObject[] {c.getTable()};
    }

    @Override
    protected void saveSettingsTo(final NodeSettingsWO s) {
        settings.saveTo(s);
    }

    @Override
    protected void validateSettings(final NodeSettingsRO s) throws InvalidSettingsException {
        DesignEffectSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = DesignEffectSettings.loadFrom(s);
    }
}
