package org.mixedmodels.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemSource;
import org.jfree.chart.block.RectangleConstraint;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.Size2D;
import org.jfree.data.Range;

/**
 * One image: a title (what is plotted), a subtitle (the model formula), a grid of chart panels and an optional
 * legend shared by the panels, or, when the plot does not apply to the model, the reason in place of the panels.
 * It draws on any {@link Graphics2D}, so the same figure becomes a PNG or an SVG ({@link FigureWriter}).
 *
 * @param kind the plot
 * @param title the title
 * @param subtitle the model formula (and what the panels show)
 * @param panels the charts, in reading order
 * @param columns panels per row
 * @param legend the items of the shared legend (a panel's plot), or null
 * @param message why the plot is empty, or null
 */
public record Figure(PlotKind kind, String title, String subtitle, List<JFreeChart> panels, int columns,
        LegendItemSource legend, String message) {

    private static final double MARGIN = 8;

    public Figure {
        panels = List.copyOf(panels);
    }

    /** A figure that says why the plot is not drawn for this model. */
    public static Figure notApplicable(PlotKind kind, String subtitle, String reason) {
        return new Figure(kind, kind.title(), subtitle, List.of(), 1, null, reason);
    }

    public boolean applicable() {
        return message == null;
    }

    /** Draws the figure into {@code area}. */
    public void draw(Graphics2D g2, Rectangle2D area) {
        g2.setPaint(Color.WHITE);
        g2.fill(area);
        double width = area.getWidth() - 2 * MARGIN;
        double y = area.getY() + MARGIN;
        y += drawTitle(g2, new TextTitle(title, ChartStyle.TITLE_FONT), area.getX() + MARGIN, y, width);
        if (subtitle != null) {
            TextTitle sub = new TextTitle(subtitle, ChartStyle.SUBTITLE_FONT);
            sub.setPaint(ChartStyle.TEXT_GREY);
            y += drawTitle(g2, sub, area.getX() + MARGIN, y, width);
        }
        double bottom = area.getMaxY() - MARGIN;
        if (message != null) {
            TextTitle m = new TextTitle(message, ChartStyle.LABEL_FONT);
            m.setPaint(ChartStyle.TEXT_GREY);
            drawTitle(g2, m, area.getX() + 3 * MARGIN, y + (bottom - y) / 3, width - 4 * MARGIN);
            return;
        }
        if (legend != null) {
            LegendTitle l = new LegendTitle(legend);
            l.setItemFont(ChartStyle.LABEL_FONT);
            l.setPosition(RectangleEdge.BOTTOM);
            l.setMargin(new RectangleInsets(4, 0, 0, 0));
            Size2D size = l.arrange(g2, new RectangleConstraint(new Range(0, width), new Range(0, area.getHeight() / 4)));
            l.draw(g2, new Rectangle2D.Double(area.getX() + MARGIN + (width - size.width) / 2, bottom - size.height,
                    size.width, size.height));
            bottom -= size.height;
        }
        int cols = Math.max(1, Math.min(columns, panels.size()));
        int rows = (panels.size() + cols - 1) / cols;
        double cellWidth = width / cols;
        double cellHeight = (bottom - y) / Math.max(rows, 1);
        for (int p = 0; p < panels.size(); p++) {
            int r = p / cols;
            int c = p % cols;
            panels.get(p).draw(g2, new Rectangle2D.Double(area.getX() + MARGIN + c * cellWidth, y + r * cellHeight,
                    cellWidth, cellHeight));
        }
    }

    /** Draws a title across {@code width} (wrapping long text) and returns the height used. */
    private static double drawTitle(Graphics2D g2, TextTitle t, double x, double y, double width) {
        t.setHorizontalAlignment(HorizontalAlignment.CENTER);
        t.setMargin(new RectangleInsets(2, 0, 2, 0));
        Size2D size = t.arrange(g2, new RectangleConstraint(new Range(0, width), new Range(0, 200)));
        t.draw(g2, new Rectangle2D.Double(x, y, width, size.height));
        return size.height;
    }
}
