package org.mixedmodels.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.IntervalXYDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYZDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mixedmodels.engine.diagnostics.QuantilePlotData;
import org.mixedmodels.engine.diagnostics.Residuals;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;

/** What the plots show, read back from the charts' datasets, against the engine; and the image files. */
class DiagnosticPlotsTest {
    private static FitResult sleep;
    private static FitResult mmrm;
    private static final DiagnosticPlots.Options OPTIONS = DiagnosticPlots.Options.defaults();

    @BeforeAll
    static void fit() {
        sleep = LinearMixedModel.fit("Reaction ~ Days + (Days | Subject)", ReferenceCase.data("data/sleepstudy.csv"),
                FitOptions.reml());
        mmrm = LinearMixedModel.fit("change ~ baseline + arm * visit + us(visit | subject)",
                ReferenceCase.data("data/mmrm_trial.csv"),
                FitOptions.reml().withLevelOrders(Map.of("visit", List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12"))));
    }

    private static final Map<String, Figure> FIGURES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Each default figure drawn once per run (the MMRM's LS means need Satterthwaite df: seconds). */
    private static Figure figure(PlotKind kind, FitResult fit) {
        return FIGURES.computeIfAbsent(kind + (fit == sleep ? "sleep" : "mmrm"),
                k -> DiagnosticPlots.figure(kind, fit, OPTIONS));
    }

    private static XYPlot plot(Figure f, int panel) {
        return ((JFreeChart) f.panels().get(panel)).getXYPlot();
    }

    /** Every (x, y) point of every series of a dataset. */
    private static List<double[]> points(XYDataset d) {
        List<double[]> p = new ArrayList<>();
        for (int s = 0; s < d.getSeriesCount(); s++) {
            for (int i = 0; i < d.getItemCount(s); i++) {
                p.add(new double[] {d.getXValue(s, i), d.getYValue(s, i)});
            }
        }
        return p;
    }

    @Test
    void residualPlotShowsPearsonResidualsAgainstFittedValues() {
        Figure f = figure(PlotKind.RESIDUALS, sleep);
        assertTrue(f.applicable());
        assertTrue(f.subtitle().contains("Reaction ~ Days + (Days | Subject)"), "the formula in the title");
        Residuals r = Residuals.of(sleep);
        double[] y = sleep.design().response();
        List<double[]> points = points(plot(f, 0).getDataset());
        assertEquals(r.size(), points.size());
        for (int i = 0; i < r.size(); i++) {
            double[] p = points.get(i);
            assertEquals(r.fitted()[i], p[0], 0, "x is the fitted value");
            // y is the Pearson residual: (y - fitted) / sigma for independent residuals
            assertEquals((y[i] - r.fitted()[i]) / sleep.sigma(), p[1], 1e-9, "y is (y - fitted) / sigma");
        }
        List<String> named = plot(f, 0).getAnnotations().stream()
                .filter(a -> a instanceof org.jfree.chart.annotations.XYTextAnnotation)
                .map(a -> ((org.jfree.chart.annotations.XYTextAnnotation) a).getText().strip()).toList();
        // the three largest |Pearson residuals| of the sleep study (lme4's plot shows the same outliers)
        assertEquals(List.of("Subject 332, row 57", "Subject 308, row 8", "Subject 332, row 60"), named);
        assertEquals(0.0, plot(f, 0).getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND).iterator().next() instanceof
                org.jfree.chart.plot.ValueMarker m ? m.getValue() : Double.NaN, 0, "reference line at 0");
    }

    @Test
    void ppointsAreRs() {
        // R: ppoints(5) and ppoints(12)
        assertArrayEquals(new double[] {0.1190476190476190, 0.3095238095238095, 0.5, 0.6904761904761905,
            0.8809523809523809}, QuantilePlotData.ppoints(5), 1e-15);
        double[] p12 = QuantilePlotData.ppoints(12);
        assertEquals(0.5 / 12, p12[0], 1e-15);
        assertEquals(11.5 / 12, p12[11], 1e-15);
    }

    @Test
    void qqPointsAreSortedResidualsAgainstNormalQuantiles() {
        Figure f = figure(PlotKind.QQ, sleep);
        assertEquals(3, f.panels().size(), "residuals, Subject (Intercept), Subject Days");
        XYDataset d = plot(f, 0).getDataset();
        double[] pearson = Residuals.of(sleep).pearson().clone();
        Arrays.sort(pearson);
        double[] p = QuantilePlotData.ppoints(pearson.length);
        org.apache.commons.math3.distribution.NormalDistribution normal =
                new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1);
        assertEquals(pearson.length, d.getItemCount(0));
        for (int i = 0; i < pearson.length; i++) {
            assertEquals(pearson[i], d.getYValue(0, i), 0, "sorted sample");
            assertEquals(normal.inverseCumulativeProbability(p[i]), d.getXValue(0, i), 1e-12, "normal quantile");
            if (i > 0) {
                assertTrue(d.getYValue(0, i) >= d.getYValue(0, i - 1));
            }
        }
        // the BLUP panels: 18 subjects' intercepts, sorted
        XYDataset ranef = plot(f, 1).getDataset();
        assertEquals(18, ranef.getItemCount(0));
        double[] intercepts = sleep.randomEffects().stream().filter(e -> e.term().equals("(Intercept)"))
                .mapToDouble(RandomEffect::value).sorted().toArray();
        for (int i = 0; i < 18; i++) {
            assertEquals(intercepts[i], ranef.getYValue(0, i), 0);
        }
        // qqline through the quartiles (R's qqline): at the normal quartiles it passes through the sample quartiles
        QuantilePlotData q = QuantilePlotData.of("x", new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, List.of("a", "b", "c",
                "d", "e", "f", "g", "h", "i"));
        double z = normal.inverseCumulativeProbability(0.75);
        assertEquals(3, q.intercept() - q.slope() * z, 1e-12, "first quartile (type 7)");
        assertEquals(7, q.intercept() + q.slope() * z, 1e-12, "third quartile");
    }

    @Test
    void caterpillarIntervalsAreBlupPlusMinusZTimesCondsd() {
        Figure f = figure(PlotKind.CATERPILLAR, sleep);
        assertEquals(2, f.panels().size());
        double z = 1.959963984540054; // qnorm(0.975)
        for (int panel = 0; panel < 2; panel++) {
            String term = panel == 0 ? "(Intercept)" : "Days";
            IntervalXYDataset d = (IntervalXYDataset) plot(f, panel).getDataset();
            int items = 0;
            for (int s = 0; s < d.getSeriesCount(); s++) {
                for (int i = 0; i < d.getItemCount(s); i++, items++) {
                    double blup = d.getXValue(s, i);
                    RandomEffect e = sleep.randomEffects().stream().filter(r -> r.term().equals(term)
                            && Math.abs(r.value() - blup) <= 1e-12 * Math.abs(blup)).findFirst().orElseThrow();
                    assertEquals(e.value() - z * e.condsd(), d.getStartXValue(s, i), 1e-9 * e.condsd(), "lower");
                    assertEquals(e.value() + z * e.condsd(), d.getEndXValue(s, i), 1e-9 * e.condsd(), "upper");
                    boolean excludes = d.getStartXValue(s, i) > 0 || d.getEndXValue(s, i) < 0;
                    assertEquals(excludes, s == 1, "series 1 holds the intervals that exclude 0");
                }
            }
            assertEquals(18, items);
        }
        assertFalse(figure(PlotKind.CATERPILLAR, mmrm).applicable(), "no random effects");
    }

    @Test
    void trajectoriesShowTheSubjectsRows() {
        Figure f = DiagnosticPlots.figure(PlotKind.TRAJECTORIES, sleep, OPTIONS.withSubjects(List.of("309"), 9));
        assertEquals(1, f.panels().size());
        XYDataset d = plot(f, 0).getDataset();
        assertEquals(3, d.getSeriesCount(), "observed, fitted, population");
        int[] rows = java.util.stream.IntStream.range(0, sleep.nobs())
                .filter(i -> sleep.design().frame().factor("Subject").levels()
                        .get(sleep.design().frame().factor("Subject").code(i)).equals("309")).toArray();
        assertEquals(10, rows.length);
        for (int k = 0; k < rows.length; k++) {
            assertEquals(sleep.design().frame().numeric("Days")[rows[k]], d.getXValue(0, k), 0, "days");
            assertEquals(sleep.design().response()[rows[k]], d.getYValue(0, k), 0, "observed");
            assertEquals(sleep.fittedConditional()[rows[k]], d.getYValue(1, k), 0, "conditional fit");
            assertEquals(sleep.fittedPopulation()[rows[k]], d.getYValue(2, k), 0, "population fit");
        }
        assertEquals(9, figure(PlotKind.TRAJECTORIES, sleep).panels().size(), "the first 9");
    }

    @Test
    void lsMeansAreTheEnginesWithTheirIntervals() {
        Figure f = figure(PlotKind.LSMEANS, mmrm);
        assertTrue(f.applicable());
        IntervalXYDataset d = (IntervalXYDataset) plot(f, 0).getDataset();
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(mmrm, List.of("visit"), List.of("arm"),
                DfMethod.SATTERTHWAITE, 0.95);
        assertEquals(2, d.getSeriesCount(), "arm = active, arm = placebo");
        for (int arm = 0; arm < 2; arm++) {
            for (int visit = 0; visit < 4; visit++) {
                EstimatedMarginalMeans.Mean m = emm.means().get(arm * 4 + visit);
                assertEquals(m.estimate(), d.getYValue(arm, visit), 0);
                assertEquals(m.lower(), d.getStartYValue(arm, visit), 0);
                assertEquals(m.upper(), d.getEndYValue(arm, visit), 0);
                assertEquals(visit, d.getXValue(arm, visit), 0.3, "at its visit, dodged");
            }
        }
        assertFalse(figure(PlotKind.LSMEANS, sleep).applicable(), "no factor");
    }

    @Test
    void correlationHeatMapIsTheStructuresCorrelation() {
        Figure f = figure(PlotKind.CORRELATION, mmrm);
        XYZDataset d = (XYZDataset) plot(f, 0).getDataset();
        double[][] cov = mmrm.residual().covariance(mmrm.sigma());
        assertEquals(16, d.getItemCount(0));
        for (int i = 0; i < 16; i++) {
            int col = (int) d.getXValue(0, i);
            int row = (int) d.getYValue(0, i);
            assertEquals(cov[row][col] / Math.sqrt(cov[row][row] * cov[col][col]), d.getZValue(0, i), 1e-12);
        }
        assertFalse(figure(PlotKind.CORRELATION, sleep).applicable());
    }

    @ParameterizedTest
    @EnumSource(PlotKind.class)
    void imagesArePngAndSvgOfTheRequestedSize(PlotKind kind) throws Exception {
        for (FitResult fit : List.of(sleep, mmrm)) {
            Figure f = figure(kind, fit);
            byte[] png = FigureWriter.png(f, 700, 420);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(700, img.getWidth());
            assertEquals(420, img.getHeight());
            assertTrue(notBlank(img), "something is drawn");
            String svg = FigureWriter.svg(f, 700, 420);
            DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
            xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false); // offline
            Element root = xml.newDocumentBuilder().parse(new InputSource(new StringReader(svg))).getDocumentElement();
            assertEquals("svg", root.getTagName());
            assertEquals(700, Double.parseDouble(root.getAttribute("width")), 0);
            assertEquals(420, Double.parseDouble(root.getAttribute("height")), 0);
            assertTrue(svg.contains("<text"), "text is kept as text");
        }
    }

    /** At least 1% of the pixels are not white. */
    private static boolean notBlank(BufferedImage img) {
        int ink = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                ink += (img.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
            }
        }
        return ink > img.getWidth() * img.getHeight() / 400;
    }

    @Test
    void badSizesAndNamesAreRefusedClearly() {
        Figure f = figure(PlotKind.RESIDUALS, sleep);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> FigureWriter.png(f, 10, 400));
        assertTrue(e.getMessage().contains("between 200 and 8000"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> PlotKind.parseList("residuals,histogram"));
        assertTrue(e.getMessage().contains("Unknown plot 'histogram'"), e.getMessage());
        assertEquals(List.of(PlotKind.QQ, PlotKind.RESIDUALS), PlotKind.parseList("qq, residuals,qq"));
    }
}
