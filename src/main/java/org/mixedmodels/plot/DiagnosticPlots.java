package org.mixedmodels.plot;

import java.awt.Color;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.diagnostics.MeanProfile;
import org.mixedmodels.engine.diagnostics.QuantilePlotData;
import org.mixedmodels.engine.diagnostics.RandomEffectIntervals;
import org.mixedmodels.engine.diagnostics.ResidualCorrelation;
import org.mixedmodels.engine.diagnostics.Residuals;
import org.mixedmodels.engine.diagnostics.SubjectSeries;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.inference.DfMethod;

/**
 * The diagnostic plots of a fitted model, drawn with JFreeChart from the numbers of
 * {@link org.mixedmodels.engine.diagnostics}: what lme4's {@code plot(fit)} and {@code dotplot(ranef(fit))}, nlme's
 * {@code qqnorm} and {@code augPred}, emmeans' {@code emmip} and SAS PROC MIXED's ODS graphics show.
 */
public final class DiagnosticPlots {

    /**
     * What to draw.
     *
     * @param subjects the subjects whose series are drawn (empty: the first {@code maxSubjects} in level order)
     * @param maxSubjects at most this many subject panels
     * @param level coverage of the intervals (BLUPs, LS means)
     * @param labelled how many of the most extreme points get their row named
     */
    public record Options(List<String> subjects, int maxSubjects, double level, int labelled) {
        public Options {
            subjects = List.copyOf(subjects);
            if (maxSubjects < 1) {
                throw new MixedModelException("Show at least one subject; got " + maxSubjects + ".");
            }
            if (!(level > 0 && level < 1)) {
                throw new MixedModelException("The interval level must be between 0 and 1; got " + level + ".");
            }
        }

        public static Options defaults() {
            return new Options(List.of(), 9, 0.95, 3);
        }

        public Options withSubjects(List<String> chosen, int max) {
            return new Options(chosen, max, level, labelled);
        }
    }

    /** Factors with more levels than this are not used to colour points (too many colours to tell apart). */
    static final int MAX_COLOUR_LEVELS = 8;
    /** Above this many levels the caterpillar's level names are not printed (they would overlap). */
    static final int MAX_LEVEL_LABELS = 60;

    private DiagnosticPlots() {
    }

    /** The figure of {@code kind}; a "not applicable" figure when the model has nothing to show for it. */
    public static Figure figure(PlotKind kind, FitResult fit, Options options) {
        String formula = fit.design().frame().formula().source();
        try {
            return switch (kind) {
                case RESIDUALS -> residuals(fit, formula, options);
                case QQ -> qq(fit, formula, options);
                case CATERPILLAR -> caterpillar(fit, formula, options);
                case TRAJECTORIES -> trajectories(fit, formula, options);
                case LSMEANS -> lsmeans(fit, formula, options);
                case CORRELATION -> correlation(fit, formula);
            };
        } catch (NotApplicable e) {
            return Figure.notApplicable(kind, formula, e.getMessage());
        }
    }

    /** A plot the model has nothing to show for. */
    private static final class NotApplicable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotApplicable(String message) {
            super(message, null, false, false);
        }
    }

    // ---- residuals vs fitted

    private static Figure residuals(FitResult fit, String formula, Options options) {
        Residuals r = Residuals.of(fit);
        List<String> labels = SubjectSeries.rowLabels(fit);
        String response = fit.design().frame().formula().response();
        Factor colour = colourFactor(fit);
        XYSeriesCollection data = new XYSeriesCollection();
        if (colour == null) {
            XYSeries s = new XYSeries("rows", false, true);
            for (int i = 0; i < r.size(); i++) {
                s.add(r.fitted()[i], r.pearson()[i]);
            }
            data.addSeries(s);
        } else {
            for (int l = 0; l < colour.levelCount(); l++) {
                XYSeries s = new XYSeries(colour.name() + " = " + colour.levels().get(l), false, true);
                for (int i = 0; i < r.size(); i++) {
                    if (colour.code(i) == l) {
                        s.add(r.fitted()[i], r.pearson()[i]);
                    }
                }
                data.addSeries(s);
            }
        }
        XYLineAndShapeRenderer points = pointRenderer(data.getSeriesCount());
        NumberAxis x = numberAxis("Fitted " + response + (fit.randomEffects().isEmpty() ? "" : " (with the BLUPs)"));
        NumberAxis y = numberAxis("Pearson residual (residual / residual SD)");
        XYPlot plot = new XYPlot(data, x, y, points);
        plot.addRangeMarker(reference(0));
        labelExtremes(plot, r.fitted(), r.pearson(), labels, options.labelled());
        JFreeChart chart = ChartStyle.panel(null, plot, false);
        return new Figure(PlotKind.RESIDUALS, "Residuals vs fitted: " + response, formula, List.of(chart), 1,
                colour == null ? null : plot, null);
    }

    /** A categorical fixed effect with few levels to colour the points by (an arm rather than a visit). */
    private static Factor colourFactor(FitResult fit) {
        ModelFrame frame = fit.design().frame();
        List<String> factors = MeanProfile.factors(fit);
        String time = fit.design().residual() == null ? null : fit.design().residual().timeName();
        for (String f : factors) {
            if (!f.equals(time) && frame.factor(f).levelCount() <= MAX_COLOUR_LEVELS) {
                return frame.factor(f);
            }
        }
        for (String f : factors) {
            if (frame.factor(f).levelCount() <= MAX_COLOUR_LEVELS) {
                return frame.factor(f);
            }
        }
        return null;
    }

    // ---- QQ plots

    private static Figure qq(FitResult fit, String formula, Options options) {
        Residuals r = Residuals.of(fit);
        List<JFreeChart> panels = new ArrayList<>();
        panels.add(qqPanel(QuantilePlotData.of("Pearson residuals", r.pearson(), SubjectSeries.rowLabels(fit)), 0,
                options));
        int colour = 1;
        for (RandomEffectIntervals g : RandomEffectIntervals.of(fit, options.level())) {
            for (int t = 0; t < g.terms().size(); t++) {
                panels.add(qqPanel(QuantilePlotData.of(g.group() + ": " + g.terms().get(t) + " (BLUPs)", g.blup()[t],
                        g.levels()), colour++, options));
            }
        }
        int columns = panels.size() <= 1 ? 1 : panels.size() <= 4 ? 2 : 3;
        return new Figure(PlotKind.QQ, panels.size() == 1 ? "Normal QQ plot of the residuals"
                : "Normal QQ plots of the residuals and random effects", formula, panels, columns, null, null);
    }

    private static JFreeChart qqPanel(QuantilePlotData q, int colour, Options options) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries points = new XYSeries("sample", false, true);
        for (int i = 0; i < q.sample().length; i++) {
            points.add(q.theoretical()[i], q.sample()[i]);
        }
        data.addSeries(points);
        XYSeries line = new XYSeries("qqline", true, true);
        if (q.sample().length >= 2) {
            double lo = q.theoretical()[0];
            double hi = q.theoretical()[q.theoretical().length - 1];
            line.add(lo, q.intercept() + q.slope() * lo);
            line.add(hi, q.intercept() + q.slope() * hi);
        }
        data.addSeries(line);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        renderer.setSeriesPaint(0, ChartStyle.colour(colour));
        renderer.setSeriesShape(0, new Ellipse2D.Double(-3, -3, 6, 6));
        renderer.setSeriesLinesVisible(1, true);
        renderer.setSeriesShapesVisible(1, false);
        renderer.setSeriesPaint(1, ChartStyle.REFERENCE);
        renderer.setSeriesStroke(1, ChartStyle.REFERENCE_STROKE);
        XYPlot plot = new XYPlot(data, numberAxis("Normal quantile"), numberAxis("Sample quantile"), renderer);
        double[] distance = IntStream.range(0, q.sample().length)
                .mapToDouble(i -> q.sample()[i] - (q.intercept() + q.slope() * q.theoretical()[i])).toArray();
        labelExtremes(plot, q.theoretical(), q.sample(), q.labels(), options.labelled(), distance);
        return ChartStyle.panel(q.title(), plot, false);
    }

    // ---- caterpillar

    private static Figure caterpillar(FitResult fit, String formula, Options options) {
        List<RandomEffectIntervals> groups = RandomEffectIntervals.of(fit, options.level());
        if (groups.isEmpty()) {
            throw new NotApplicable("The model has no random effects (only a residual structure): there are no BLUPs "
                    + "to draw.");
        }
        List<JFreeChart> panels = new ArrayList<>();
        XYPlot legendPlot = null;
        for (RandomEffectIntervals g : groups) {
            for (int t = 0; t < g.terms().size(); t++) {
                XYPlot plot = caterpillarPlot(g, t);
                legendPlot = legendPlot == null ? plot : legendPlot;
                panels.add(ChartStyle.panel(g.group() + ": " + g.terms().get(t), plot, false));
            }
        }
        String pct = percent(options.level());
        return new Figure(PlotKind.CATERPILLAR, "Random effects (BLUPs) with " + pct + " prediction intervals",
                formula + "   (BLUP \u00b1 " + String.format(Locale.ROOT, "%.2f", groups.get(0).z()) + " \u00d7 conditional SD;"
                        + " levels ordered by the first term)", panels, Math.min(panels.size(), 3), legendPlot, null);
    }

    private static XYPlot caterpillarPlot(RandomEffectIntervals g, int term) {
        XYIntervalSeries covers = new XYIntervalSeries("interval covers 0");
        XYIntervalSeries excludes = new XYIntervalSeries("interval excludes 0");
        for (int l = 0; l < g.levels().size(); l++) {
            double lo = g.lower(term, l);
            double hi = g.upper(term, l);
            (lo > 0 || hi < 0 ? excludes : covers).add(g.blup()[term][l], lo, hi, l, l, l);
        }
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        data.addSeries(covers);
        data.addSeries(excludes);
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(true);
        renderer.setDrawYError(false);
        renderer.setCapLength(0);
        renderer.setDefaultLinesVisible(false);
        boolean dense = g.levels().size() > MAX_LEVEL_LABELS; // thousands of levels: thin lines, small dots
        double r = dense ? 1.2 : 3;
        renderer.setErrorStroke(new java.awt.BasicStroke(dense ? 0.5f : 1f));
        for (int s = 0; s < 2; s++) {
            renderer.setSeriesPaint(s, ChartStyle.colour(s));
            renderer.setSeriesShape(s, new Ellipse2D.Double(-r, -r, 2 * r, 2 * r));
        }
        NumberAxis x = numberAxis("BLUP of " + g.terms().get(term));
        SymbolAxis y = new SymbolAxis(g.group(), g.levels().toArray(String[]::new));
        y.setGridBandsVisible(false);
        if (dense) {
            y.setTickLabelsVisible(false);
            y.setLabel(g.group() + " (" + g.levels().size() + " levels, ordered)");
        }
        y.setRange(-0.7, g.levels().size() - 0.3);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.addDomainMarker(reference(0));
        return plot;
    }

    // ---- trajectories

    private static Figure trajectories(FitResult fit, String formula, Options options) {
        SubjectSeries.Axes axes;
        try {
            axes = SubjectSeries.axes(fit);
        } catch (MixedModelException e) {
            throw new NotApplicable(e.getMessage());
        }
        List<SubjectSeries> series = SubjectSeries.of(fit, options.subjects(), options.maxSubjects());
        String response = fit.design().frame().formula().response();
        boolean random = !fit.randomEffects().isEmpty();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (SubjectSeries s : series) {
            for (double[] v : List.of(s.observed(), s.fitted(), s.fittedMarginal())) {
                for (double d : v) {
                    lo = Math.min(lo, d);
                    hi = Math.max(hi, d);
                }
            }
        }
        double pad = 0.06 * Math.max(hi - lo, Math.abs(hi) * 1e-6 + Double.MIN_NORMAL);
        List<JFreeChart> panels = new ArrayList<>();
        XYPlot legendPlot = null;
        for (SubjectSeries s : series) {
            XYSeriesCollection data = new XYSeriesCollection();
            XYSeries observed = new XYSeries("observed", false, true);
            XYSeries fitted = new XYSeries(random ? "fitted (with the subject's BLUPs)" : "fitted (fixed effects)", false,
                    true);
            XYSeries population = new XYSeries("population (fixed effects)", false, true);
            for (int i = 0; i < s.x().length; i++) {
                observed.add(s.x()[i], s.observed()[i]);
                fitted.add(s.x()[i], s.fitted()[i]);
                population.add(s.x()[i], s.fittedMarginal()[i]);
            }
            data.addSeries(observed);
            data.addSeries(fitted);
            if (random) { // without random effects the population curve is the fitted one
                data.addSeries(population);
            }
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
            renderer.setSeriesLinesVisible(0, false);
            renderer.setSeriesShapesVisible(0, true);
            renderer.setSeriesShape(0, new Ellipse2D.Double(-3, -3, 6, 6));
            renderer.setSeriesPaint(0, ChartStyle.colour(7));
            renderer.setSeriesPaint(1, ChartStyle.colour(0));
            renderer.setSeriesStroke(1, ChartStyle.LINE);
            renderer.setSeriesShapesVisible(1, true); // a subject seen once still shows its fitted value
            renderer.setSeriesShape(1, new Rectangle2D.Double(-2, -2, 4, 4));
            renderer.setSeriesPaint(2, ChartStyle.colour(1));
            renderer.setSeriesStroke(2, ChartStyle.DASHED_LINE);
            ValueAxis x;
            if (axes.timeLabels() != null) {
                x = symbolAxis(axes.timeName(), axes.timeLabels());
            } else if (axes.timeName() == null) { // no time: the rows in data order, counted 1, 2, ...
                NumberAxis order = numberAxis("row of " + axes.subjectName());
                order.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
                x = order;
            } else {
                x = numberAxis(axes.timeName());
            }
            NumberAxis y = numberAxis(response);
            y.setRange(lo - pad, hi + pad);
            XYPlot plot = new XYPlot(data, x, y, renderer);
            legendPlot = legendPlot == null ? plot : legendPlot;
            panels.add(ChartStyle.panel(axes.subjectName() + " " + s.subject(), plot, false));
        }
        int columns = (int) Math.ceil(Math.sqrt(panels.size()));
        int total = SubjectSeries.subjects(fit).size();
        String shown = options.subjects().isEmpty() && total > series.size()
                ? " (the first " + series.size() + " of " + total + ")" : "";
        return new Figure(PlotKind.TRAJECTORIES, "Observed and fitted " + response + " by " + axes.subjectName() + shown,
                formula, panels, columns, legendPlot, null);
    }

    // ---- LS means

    private static Figure lsmeans(FitResult fit, String formula, Options options) {
        MeanProfile m;
        try {
            m = MeanProfile.of(fit, DfMethod.SATTERTHWAITE, options.level());
        } catch (MixedModelException e) {
            throw new NotApplicable(e.getMessage());
        }
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        int traces = m.traceLevels().size();
        double dodge = traces > 1 ? Math.min(0.25, 0.5 / traces) : 0;
        for (int t = 0; t < traces; t++) {
            String name = m.traceFactor() == null ? "LS mean" : m.traceFactor() + " = " + m.traceLevels().get(t);
            XYIntervalSeries s = new XYIntervalSeries(name, false, true);
            double shift = (t - (traces - 1) / 2.0) * dodge;
            for (int x = 0; x < m.xLevels().size(); x++) {
                s.add(x + shift, x + shift, x + shift, m.estimate()[t][x], m.lower()[t][x], m.upper()[t][x]);
            }
            data.addSeries(s);
        }
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDrawYError(true);
        renderer.setDefaultLinesVisible(true);
        renderer.setCapLength(6);
        for (int t = 0; t < traces; t++) {
            renderer.setSeriesPaint(t, ChartStyle.colour(t));
            renderer.setSeriesStroke(t, ChartStyle.LINE);
            renderer.setSeriesShape(t, new Ellipse2D.Double(-4, -4, 8, 8));
        }
        String response = fit.design().frame().formula().response();
        SymbolAxis x = symbolAxis(m.xFactor(), m.xLevels());
        NumberAxis y = numberAxis("LS mean of " + response + " (" + percent(m.level()) + " CI)");
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = ChartStyle.panel(null, plot, false);
        String by = m.traceFactor() == null ? "" : " by " + m.traceFactor();
        return new Figure(PlotKind.LSMEANS, "LS means of " + response + " over " + m.xFactor() + by,
                formula + "   (" + percent(m.level()) + " confidence intervals, " + m.df().label() + " df)", List.of(chart),
                1, m.traceFactor() == null ? null : plot, null);
    }

    // ---- correlation heat map

    /**
     * The correlation heat map; with group-specific parameters ({@code us(visit | arm / subject)}) one panel per level
     * of the group factor, titled by it, side by side, and each level's residual SDs in the subtitle.
     */
    private static Figure correlation(FitResult fit, String formula) {
        List<ResidualCorrelation> all;
        try {
            all = ResidualCorrelation.byGroup(fit);
        } catch (MixedModelException e) {
            throw new NotApplicable(e.getMessage());
        }
        List<JFreeChart> panels = new ArrayList<>();
        StringBuilder sd = new StringBuilder();
        for (ResidualCorrelation c : all) {
            String name = c.group() == null ? null : c.groupFactor() + " = " + c.group();
            panels.add(correlationPanel(c, name));
            int t = c.visits().size();
            sd.append(sd.length() == 0 ? "" : "\n").append(name == null ? "" : name + ": ")
                    .append("residual SD by ").append(c.timeName()).append(": ");
            for (int a = 0; a < t && a < 12; a++) {
                sd.append(a == 0 ? "" : ", ").append(c.visits().get(a)).append(' ')
                        .append(String.format(Locale.ROOT, "%.3g", Math.sqrt(c.variance()[a])));
            }
        }
        ResidualCorrelation first = all.get(0);
        String by = first.groupFactor() == null ? "" : ", by " + first.groupFactor();
        return new Figure(PlotKind.CORRELATION, "Residual correlation within " + fit.design().residual().subject().name()
                + ": " + first.structure() + "(" + first.timeName() + ")" + by, formula + "\n" + sd, panels,
                Math.min(panels.size(), 3), null, null);
    }

    /** One heat map with its colour legend, titled by its group level (null without groups). */
    private static JFreeChart correlationPanel(ResidualCorrelation c, String title) {
        int t = c.visits().size();
        double[] xs = new double[t * t];
        double[] ys = new double[t * t];
        double[] zs = new double[t * t];
        XYPlot plot = new XYPlot();
        for (int a = 0; a < t; a++) {
            for (int b = 0; b < t; b++) {
                int k = a * t + b;
                xs[k] = b;
                ys[k] = a;
                zs[k] = c.correlation()[a][b];
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("correlation", new double[][] {xs, ys, zs});
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockAnchor(RectangleAnchor.CENTER);
        DivergingScale scale = new DivergingScale();
        renderer.setPaintScale(scale);
        SymbolAxis x = symbolAxis(c.timeName(), c.visits());
        SymbolAxis y = symbolAxis(c.timeName(), c.visits());
        y.setInverted(true);
        plot.setDataset(data);
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        plot.setRenderer(renderer);
        ChartStyle.axis(x);
        ChartStyle.axis(y);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        if (t <= 16) {
            java.awt.Font font = t <= 8 ? ChartStyle.LABEL_FONT : ChartStyle.ANNOTATION_FONT;
            for (int k = 0; k < t * t; k++) {
                XYTextAnnotation a = new XYTextAnnotation(String.format(Locale.ROOT, "%.2f", zs[k]), xs[k], ys[k]);
                a.setFont(font);
                a.setPaint(Math.abs(zs[k]) > 0.6 ? Color.WHITE : Color.BLACK);
                a.setTextAnchor(TextAnchor.CENTER);
                plot.addAnnotation(a);
            }
        }
        JFreeChart chart = ChartStyle.panel(title, plot, false);
        NumberAxis legendAxis = new NumberAxis("correlation");
        legendAxis.setRange(-1, 1);
        ChartStyle.axis(legendAxis);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setStripWidth(14);
        legend.setMargin(new RectangleInsets(30, 10, 30, 4));
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        return chart;
    }

    /** Blue (-1) to white (0) to red (+1). */
    static final class DivergingScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return -1;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double v = Math.max(-1, Math.min(1, Double.isNaN(value) ? 0 : value));
            Color end = v < 0 ? new Color(0x2166AC) : new Color(0xB2182B);
            double w = Math.abs(v);
            return new Color((int) Math.round(255 + (end.getRed() - 255) * w),
                    (int) Math.round(255 + (end.getGreen() - 255) * w), (int) Math.round(255 + (end.getBlue() - 255) * w));
        }
    }

    // ---- helpers

    private static NumberAxis numberAxis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        axis.setAutoRangeStickyZero(false); // margins on both sides even when the data start at 0 (Days)
        axis.setUpperMargin(0.08);
        axis.setLowerMargin(0.05);
        return axis;
    }

    private static SymbolAxis symbolAxis(String label, List<String> levels) {
        SymbolAxis axis = new SymbolAxis(label, levels.toArray(String[]::new));
        axis.setGridBandsVisible(false);
        axis.setRange(new Range(-0.5, levels.size() - 0.5));
        return axis;
    }

    private static ValueMarker reference(double at) {
        return new ValueMarker(at, ChartStyle.REFERENCE, ChartStyle.REFERENCE_STROKE);
    }

    private static XYLineAndShapeRenderer pointRenderer(int series) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        for (int s = 0; s < series; s++) {
            r.setSeriesPaint(s, ChartStyle.colour(s));
            r.setSeriesShape(s, new Ellipse2D.Double(-3, -3, 6, 6));
        }
        return r;
    }

    private static void labelExtremes(XYPlot plot, double[] x, double[] y, List<String> labels, int count) {
        labelExtremes(plot, x, y, labels, count, y);
    }

    /**
     * Names the {@code count} points of largest |distance| beside them, towards the middle of the plot (never past
     * its top or bottom); a label that would overlap an earlier one moves up (lower half of the plot) or down (upper
     * half), joined to its point by a thin line.
     */
    private static void labelExtremes(XYPlot plot, double[] x, double[] y, List<String> labels, int count,
            double[] distance) {
        double[] xr = finiteRange(x);
        double[] yr = finiteRange(y);
        double xMid = (xr[0] + xr[1]) / 2;
        double yMid = (yr[0] + yr[1]) / 2;
        double dxNear = 0.3 * (xr[1] - xr[0]);
        double dyNear = 0.06 * (yr[1] - yr[0]);
        Integer[] order = IntStream.range(0, x.length).filter(i -> Double.isFinite(distance[i])).boxed()
                .sorted(Comparator.comparingDouble(i -> -Math.abs(distance[i]))).toArray(Integer[]::new);
        List<double[]> placed = new ArrayList<>(); // label positions (x, y) already used
        double step = 0.075 * (yr[1] - yr[0]);
        for (int k = 0; k < Math.min(count, order.length); k++) {
            int i = order[k];
            boolean right = x[i] > xMid;
            double labelY = y[i];
            // move up (lower half) or down (upper half) past the labels already near this one
            for (int tries = 0; tries < count && near(placed, x[i], labelY, right, xMid, dxNear, dyNear); tries++) {
                labelY += y[i] < yMid ? step : -step;
            }
            XYTextAnnotation a = new XYTextAnnotation(" " + labels.get(i) + " ", x[i], labelY);
            a.setFont(ChartStyle.ANNOTATION_FONT);
            a.setPaint(ChartStyle.TEXT_GREY);
            a.setBackgroundPaint(new Color(255, 255, 255, 210)); // readable over the points it crosses
            a.setTextAnchor(right ? TextAnchor.HALF_ASCENT_RIGHT : TextAnchor.HALF_ASCENT_LEFT);
            plot.addAnnotation(a);
            if (labelY != y[i]) { // a thin line from the moved label to its point
                plot.addAnnotation(new org.jfree.chart.annotations.XYLineAnnotation(x[i], y[i], x[i], labelY,
                        new java.awt.BasicStroke(0.6f), ChartStyle.TEXT_GREY));
            }
            placed.add(new double[] {x[i], labelY});
        }
    }

    private static boolean near(List<double[]> placed, double x, double y, boolean right, double xMid, double dx,
            double dy) {
        for (double[] p : placed) {
            if ((p[0] > xMid) == right && Math.abs(p[0] - x) < dx && Math.abs(p[1] - y) < dy) {
                return true;
            }
        }
        return false;
    }

    private static double[] finiteRange(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            if (Double.isFinite(d)) {
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
            }
        }
        return new double[] {lo, hi};
    }

    private static String percent(double level) {
        double p = 100 * level;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p)) + "%";
    }

}
