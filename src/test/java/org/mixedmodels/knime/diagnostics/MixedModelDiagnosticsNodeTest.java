package org.mixedmodels.knime.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.knime.core.data.DataRow;
import org.knime.core.data.image.png.PNGImageContent;
import org.knime.core.data.image.png.PNGImageValue;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.image.ImagePortObject;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.diagnostics.Residuals;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.DialogRendering;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;

/** The Mixed Model Diagnostics node through the harness: residual table against the engine, image ports. */
class MixedModelDiagnosticsNodeTest {
    private static final String SLEEP = "Reaction ~ Days + (Days | Subject)";
    private static final String MMRM = "change ~ baseline + arm * visit + us(visit | subject)";

    static NodeHarness<MixedModelDiagnosticsNodeModel> node(final MixedModelDiagnosticsSettings s)
        throws InvalidSettingsException {
        NodeHarness<MixedModelDiagnosticsNodeModel> h = NodeHarness.of(new MixedModelDiagnosticsNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(NodeHarness.xmlRoundTrip(settings));
        return h;
    }

    static MixedModelPortObject model(final FitResult fit) {
        return new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
    }

    private static BufferedImage image(final PortObject port) throws Exception {
        assertTrue(port instanceof ImagePortObject, port.getClass().toString());
        assertEquals(PNGImageContent.TYPE, ((ImagePortObject)port).getSpec().getDataType());
        byte[] png = ((PNGImageValue)((ImagePortObject)port).toDataCell()).getImageContent().getByteArray();
        assertTrue(png.length > 1000, "a non-empty PNG");
        assertArrayEquals(new byte[] {(byte)0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4), "PNG signature");
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static double[] values(final NumericColumn c) {
        double[] v = new double[c.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = c.value(i);
        }
        return v;
    }

    @Test
    void sleepStudyResidualTableMatchesTheEngineAndEveryPlotIsAnImage() throws Exception {
        DataFrame data = ReferenceCase.data("data/sleepstudy.csv");
        FitResult fit = LinearMixedModel.fit(SLEEP, data, FitOptions.reml());
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        s.width = 640;
        s.height = 480;
        BufferedDataTable in = KnimeTables.of(data);
        NodeHarness<MixedModelDiagnosticsNodeModel> h = node(s);
        PortObject[] out = h.execute(model(fit), in);
        assertEquals(1 + PlotKind.values().length, out.length);

        BufferedDataTable table = (BufferedDataTable)out[0];
        List<String> inKeys = new ArrayList<>();
        in.forEach(r -> inKeys.add(r.getKey().getString()));
        List<String> outKeys = new ArrayList<>();
        for (DataRow r : table) {
            outKeys.add(r.getKey().getString());
        }
        assertEquals(inKeys, outKeys, "keyed and ordered as the input");
        Residuals engine = Residuals.of(fit);
        double[] y = values((NumericColumn)data.column("Reaction"));
        double[] fitted = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.FITTED);
        double[] residual = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.RESIDUAL);
        double[] scaled = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.SCALED);
        double[] marginal = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.MARGINAL);
        double[] population = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.FITTED_MARGINAL);
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i] - fitted[i], residual[i], 1e-9 * Math.abs(y[i]), "residual = y - fitted, row " + i);
            assertEquals(y[i] - population[i], marginal[i], 1e-9 * Math.abs(y[i]), "marginal = y - X beta, row " + i);
            // the refit on the port's table is the same fit: the same numbers to the optimizer's reproducibility
            assertEquals(engine.scaled()[i], scaled[i], 1e-6, "scaled residual, row " + i);
        }
        for (int k = 1; k < out.length; k++) {
            BufferedImage img = image(out[k]);
            assertEquals(640, img.getWidth(), "width of " + PlotKind.values()[k - 1]);
            assertEquals(480, img.getHeight(), "height of " + PlotKind.values()[k - 1]);
        }
        // the sleep study has no categorical fixed effect and no residual structure: those two plots say why
        assertNotNull(h.warning());
        assertTrue(h.warning().contains("no categorical fixed effect"), h.warning());
        assertTrue(h.warning().contains("no residual covariance structure"), h.warning());
    }

    @Test
    void rowsLeftOutGetMissingCellsAndKeepTheirPlace() throws Exception {
        DataFrame full = ReferenceCase.data("data/sleepstudy.csv");
        double[] reaction = values((NumericColumn)full.column("Reaction"));
        BitSet missing = new BitSet();
        missing.set(4);
        List<Column> columns = new ArrayList<>();
        for (String name : full.columnNames()) {
            columns.add(name.equals("Reaction") ? new NumericColumn("Reaction", reaction, missing)
                : full.column(name));
        }
        DataFrame data = new DataFrame(columns);
        FitResult fit = LinearMixedModel.fit(SLEEP, data, FitOptions.reml());
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        java.util.Arrays.fill(s.plots, false);
        PortObject[] out = node(s).execute(model(fit), KnimeTables.of(data));
        BufferedDataTable table = (BufferedDataTable)out[0];
        assertEquals(180, table.size());
        double[] residual = KnimeTables.doubles(table, MixedModelDiagnosticsNodeModel.RESIDUAL);
        assertTrue(Double.isNaN(residual[4]), "the row without a response");
        assertFalse(Double.isNaN(residual[5]));
        assertEquals(reaction[5] - fit.fittedConditional()[4], residual[5], 1e-9 * reaction[5],
            "the next row is the model frame's fifth");
        for (int k = 1; k < out.length; k++) {
            assertEquals(FigureWriter.DEFAULT_WIDTH, image(out[k]).getWidth(), "unselected plots are still images");
        }
    }

    @Test
    void mmrmDrawsLsMeansAndCorrelationAndNamedSubjects() throws Exception {
        DataFrame data = ReferenceCase.data("data/mmrm_trial.csv");
        FitResult fit = LinearMixedModel.fit(MMRM, data,
            FitOptions.reml().withLevelOrders(Map.of("visit", List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12"))));
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        s.subjects = new String[] {"M002", "M005"};
        NodeHarness<MixedModelDiagnosticsNodeModel> h = node(s);
        PortObject[] out = h.execute(model(fit), KnimeTables.of(data));
        assertEquals(data.rowCount(), ((BufferedDataTable)out[0]).size());
        // only the caterpillar plot does not apply (no random effects)
        assertTrue(h.warning().contains("no random effects"), h.warning());
        assertFalse(h.warning().contains("no residual covariance structure"), h.warning());
        double[] scaled = KnimeTables.doubles((BufferedDataTable)out[0], MixedModelDiagnosticsNodeModel.SCALED);
        double ss = 0;
        for (double v : scaled) {
            ss += v * v;
        }
        // scaled residuals have unit variance under the model: their mean square is near (n - p) / n
        assertEquals(1.0, ss / scaled.length, 0.15, "mean square of the scaled residuals");
    }

    /**
     * A group-specific fit, {@code us(AVISIT | ARMCD / USUBJID)}: the correlation port shows one heat map per arm,
     * titled by the arm, each with that arm's correlations (the fit's covariance of the group, to rounding), and the
     * node's image is the figure drawn from the fit (pixel for pixel), not the first arm's alone.
     */
    @Test
    void groupSpecificCorrelationShowsEachGroup() throws Exception {
        DataFrame data = org.mixedmodels.engine.data.CsvReader.read(ReferenceCase.root().resolve("sas-fev")
            .resolve("fev_data.csv"));
        FitResult fit = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + us(AVISIT | ARMCD / USUBJID)", data,
            FitOptions.reml());
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        java.util.Arrays.fill(s.plots, false);
        s.plots[PlotKind.CORRELATION.ordinal()] = true;
        s.width = 1200;
        s.height = 600;
        PortObject[] out = node(s).execute(model(fit), KnimeTables.of(data));
        BufferedImage shown = image(out[1 + PlotKind.CORRELATION.ordinal()]);

        org.mixedmodels.plot.Figure figure = org.mixedmodels.plot.DiagnosticPlots.figure(PlotKind.CORRELATION, fit,
            s.options());
        assertEquals(2, figure.panels().size(), "one panel per arm");
        assertTrue(figure.title().endsWith("by ARMCD"), figure.title());
        List<String> arms = fit.residual().groups();
        assertEquals(List.of("PBO", "TRT"), arms);
        double[][][] corr = new double[2][][];
        for (int g = 0; g < 2; g++) {
            org.jfree.chart.JFreeChart panel = figure.panels().get(g);
            assertEquals("ARMCD = " + arms.get(g), panel.getTitle().getText());
            assertTrue(figure.subtitle().contains("ARMCD = " + arms.get(g) + ": residual SD by AVISIT"),
                figure.subtitle());
            double[][] cov = fit.residual().covariance(g, new int[] {0, 1, 2, 3}, new double[] {0, 1, 2, 3}, null,
                fit.sigma());
            org.jfree.data.xy.XYZDataset z = (org.jfree.data.xy.XYZDataset)panel.getXYPlot().getDataset();
            corr[g] = new double[4][4];
            for (int k = 0; k < 16; k++) {
                int a = (int)z.getYValue(0, k);
                int b = (int)z.getXValue(0, k);
                corr[g][a][b] = z.getZValue(0, k);
                assertEquals(cov[a][b] / Math.sqrt(cov[a][a] * cov[b][b]), corr[g][a][b], 1e-12, "arm " + g);
            }
        }
        assertTrue(Math.abs(corr[0][0][1] - corr[1][0][1]) > 1e-3, "the arms' correlations differ");
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(org.mixedmodels.plot.FigureWriter.png(figure,
            s.width, s.height)));
        assertEquals(expected.getWidth(), shown.getWidth());
        for (int x = 0; x < shown.getWidth(); x += 3) {
            for (int y = 0; y < shown.getHeight(); y += 3) {
                assertEquals(expected.getRGB(x, y), shown.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void settingsAreValidatedAndTheDialogRoundTrips() throws Exception {
        MixedModelDiagnosticsSettings s = new MixedModelDiagnosticsSettings();
        s.width = 50;
        assertThrows(InvalidSettingsException.class, () -> node(s));
        DataFrame data = ReferenceCase.data("data/sleepstudy.csv");
        MixedModelPortObject port = model(LinearMixedModel.fit(SLEEP, data, FitOptions.reml()));
        MixedModelDiagnosticsSettings d = new MixedModelDiagnosticsSettings();
        d.plots[PlotKind.QQ.ordinal()] = false;
        d.subjects = new String[] {"308", "309"};
        d.height = 700;
        NodeSettings saved = new NodeSettings("model");
        d.saveTo(saved);
        NodeHarness<MixedModelDiagnosticsNodeModel> h = NodeHarness.of(new MixedModelDiagnosticsNodeFactory());
        NodeDialogPane dialog = h.dialog(saved, port.getSpec(), KnimeTables.of(data).getDataTableSpec());
        MixedModelDiagnosticsSettings back = MixedModelDiagnosticsSettings.loadFrom(NodeHarness.saveDialog(dialog));
        assertFalse(back.draws(PlotKind.QQ));
        assertTrue(back.draws(PlotKind.CATERPILLAR));
        assertArrayEquals(new String[] {"308", "309"}, back.subjects);
        assertEquals(700, back.height);
        assertEquals(1, DialogRendering.render(dialog, "diagnostics"));

        MixedModelDiagnosticsSettings unknown = new MixedModelDiagnosticsSettings();
        unknown.subjects = new String[] {"308", "nobody"};
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> node(unknown).execute(port, KnimeTables.of(data)));
        assertTrue(e.getMessage().contains("'nobody' is not a level of the subject factor 'Subject'"), e.getMessage());
    }
}
