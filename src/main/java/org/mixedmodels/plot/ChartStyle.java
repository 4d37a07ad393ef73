package org.mixedmodels.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Stroke;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.TextTitle;

/** Fonts, colours and strokes shared by the plots. */
final class ChartStyle {
    /** Logical fonts: Java maps SansSerif to an installed sans font (DejaVu Sans on Debian) and SVG to sans-serif. */
    static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font PANEL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font ANNOTATION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    static final Color TEXT_GREY = new Color(0x444444);
    static final Color GRID = new Color(0xdddddd);
    static final Color REFERENCE = new Color(0x555555);
    /** Okabe and Ito's colour-blind-safe palette (blue first). */
    static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000)};
    static final Stroke REFERENCE_STROKE = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);
    static final Stroke LINE = new BasicStroke(1.6f);
    static final Stroke DASHED_LINE = new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[] {5f, 3f}, 0f);

    private ChartStyle() {
    }

    static Paint colour(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** A panel: the plot with a small title, white background, light grid, readable axes. */
    static JFreeChart panel(String title, XYPlot plot, boolean legend) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlinePaint(new Color(0x999999));
        axis(plot.getDomainAxis());
        axis(plot.getRangeAxis());
        JFreeChart chart = new JFreeChart(null, PANEL_FONT, plot, legend);
        if (title != null) {
            TextTitle t = new TextTitle(title, PANEL_FONT);
            chart.setTitle(t);
        }
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        if (legend) {
            chart.getLegend().setItemFont(LABEL_FONT);
            chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
        }
        return chart;
    }

    static void axis(ValueAxis axis) {
        if (axis != null) {
            axis.setLabelFont(LABEL_FONT);
            axis.setTickLabelFont(TICK_FONT);
            axis.setLabelPaint(TEXT_GREY);
        }
    }
}
