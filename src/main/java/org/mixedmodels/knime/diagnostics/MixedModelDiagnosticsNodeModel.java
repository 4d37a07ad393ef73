package org.mixedmodels.knime.diagnostics;

import static org.mixedmodels.knime.data.Cells.column;
import static org.mixedmodels.knime.data.Cells.number;

import java.util.ArrayList;
import java.util.List;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.container.CloseableRowIterator;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.DoubleCell;
import org.knime.core.data.image.png.PNGImageContent;
import org.knime.core.node.BufferedDataContainer;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.ExecutionContext;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;
import org.knime.core.node.port.image.ImagePortObject;
import org.knime.core.node.port.image.ImagePortObjectSpec;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.diagnostics.Residuals;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.knime.data.Cells;
import org.mixedmodels.knime.data.StatelessNodeModel;
import org.mixedmodels.knime.data.TableToDataFrame;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.knime.port.MixedModelPortObjectSpec;
import org.mixedmodels.knime.port.ModelRefit;
import org.mixedmodels.plot.DiagnosticPlots;
import org.mixedmodels.plot.Figure;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;

/**
 * Residuals, fitted values and diagnostic plots of a fitted mixed model: the model is refitted on its training
 * table (which must be the Learner's), the residuals computed by the engine's diagnostics and the plots drawn by
 * {@link DiagnosticPlots}; each plot leaves on its own image port (PNG), in {@link PlotKind} order, after the
 * residuals table.
 */
final class MixedModelDiagnosticsNodeModel extends StatelessNodeModel {
    /** Output columns, in order. */
    static final String FITTED = "Fitted";
    static final String FITTED_MARGINAL = "Fitted (population)";
    static final String RESIDUAL = "Residual";
    static final String PEARSON = "Pearson residual";
    static final String NORMALIZED = "Normalized residual";
    static final String MARGINAL = "Marginal residual";
    static final String MARGINAL_PEARSON = "Marginal Pearson residual";
    static final String SCALED = "Scaled residual";

    private MixedModelDiagnosticsSettings settings = new MixedModelDiagnosticsSettings();

    MixedModelDiagnosticsNodeModel() {
        super(new PortType[] {MixedModelPortObject.TYPE, BufferedDataTable.TYPE}, outPorts());
    }

    private static PortType[] outPorts() {
        PortType[] out = new PortType[1 + PlotKind.values().length];
        out[0] = BufferedDataTable.TYPE;
        for (int i = 1; i < out.length; i++) {
            out[i] = ImagePortObject.TYPE;
        }
        return out;
    }

    static DataTableSpec residualSpec() {
        return new DataTableSpec("Residuals", column(FITTED, DoubleCell.TYPE), column(FITTED_MARGINAL, DoubleCell.TYPE),
            column(RESIDUAL, DoubleCell.TYPE), column(PEARSON, DoubleCell.TYPE), column(NORMALIZED, DoubleCell.TYPE),
            column(MARGINAL, DoubleCell.TYPE), column(MARGINAL_PEARSON, DoubleCell.TYPE), column(SCALED, DoubleCell.TYPE));
    }

    private static ImagePortObjectSpec imageSpec() {
        return new ImagePortObjectSpec(PNGImageContent.TYPE);
    }

    @Override
    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        settings.validate();
        if (inSpecs[0] instanceof MixedModelPortObjectSpec model && inSpecs[1] instanceof DataTableSpec table) {
            TableToDataFrame.checkColumnsExist(table, model.parsedFormula().variables(), "(used by the model '"
                + model.formula() + "')");
        }
        PortObjectSpec[] out = new PortObjectSpec[1 + PlotKind.values().length];
        out[0] = residualSpec();
        for (int i = 1; i < out.length; i++) {
            out[i] = imageSpec();
        }
        return out;
    }

    @Override
    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        configure(new PortObjectSpec[] {inObjects[0].getSpec(), inObjects[1].getSpec()});
        MixedModelPortObject model = (MixedModelPortObject)inObjects[0];
        ModelRefit.requireLinear(model, "Mixed Model Diagnostics");
        BufferedDataTable table = (BufferedDataTable)inObjects[1];
        DataFrame data = ModelRefit.data(List.of(model.model()), table, model.typing(), exec.createSubProgress(0.1));
        exec.setMessage("Refitting the model");
        FitResult fit = ModelRefit.refit(model.model(), data, null, exec.createSubProgress(0.2));
        exec.checkCanceled();
        exec.setMessage("Residuals");
        Residuals residuals = Residuals.of(fit);
        List<String> warnings = new ArrayList<>(residuals.warnings());
        BufferedDataTable residualTable = residualTable(table, residuals, exec);
        PortObject[] out = new PortObject[1 + PlotKind.values().length];
        out[0] = residualTable;
        DiagnosticPlots.Options options = settings.options();
        PlotKind[] kinds = PlotKind.values();
        for (int k = 0; k < kinds.length; k++) {
            exec.checkCanceled();
            exec.setProgress(0.3 + 0.7 * k / kinds.length, "Drawing " + kinds[k].title());
            Figure figure;
            try {
                figure = settings.draws(kinds[k]) ? DiagnosticPlots.figure(kinds[k], fit, options)
                    : Figure.notApplicable(kinds[k], model.model().formula(), "Not selected in the node's dialog.");
            } catch (MixedModelException e) {
                throw new InvalidSettingsException(e.getMessage(), e);
            }
            if (settings.draws(kinds[k]) && !figure.applicable()) {
                warnings.add(kinds[k].title() + ": " + figure.message());
            }
            out[1 + k] = new ImagePortObject(new PNGImageContent(FigureWriter.png(figure, settings.width,
                settings.height)), imageSpec());
        }
        if (!warnings.isEmpty()) {
            setWarningMessage(String.join("\n", warnings));
        }
        return out;
    }

    /** One row per input row, with the input's key; rows the model left out (missing values) get missing cells. */
    private static BufferedDataTable residualTable(final BufferedDataTable table, final Residuals r,
        final ExecutionContext exec) throws Exception {
        int[] frameRowOf = new int[(int)table.size()];
        java.util.Arrays.fill(frameRowOf, -1);
        for (int i = 0; i < r.size(); i++) {
            frameRowOf[r.dataRows()[i]] = i;
        }
        BufferedDataContainer c = exec.createDataContainer(residualSpec());
        int row = 0;
        try (CloseableRowIterator it = table.iterator()) {
            while (it.hasNext()) {
                DataRow in = it.next();
                int i = frameRowOf[row++];
                DataCell[] cells = new DataCell[8];
                if (i < 0) {
                    java.util.Arrays.fill(cells, Cells.missing());
                } else {
                    double[] values = {r.fitted()[i], r.fittedMarginal()[i], r.raw()[i], r.pearson()[i],
                        r.normalized()[i], r.marginalRaw()[i], r.marginalPearson()[i], r.scaled()[i]};
                    for (int v = 0; v < values.length; v++) {
                        cells[v] = number(values[v]);
                    }
                }
                c.addRowToTable(new DefaultRow(in.getKey(), cells));
            }
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
        MixedModelDiagnosticsSettings.loadFrom(s).validate();
    }

    @Override
    protected void loadValidatedSettingsFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        settings = MixedModelDiagnosticsSettings.loadFrom(s);
    }
}
