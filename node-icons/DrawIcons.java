import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;

import javax.imageio.ImageIO;

/**
 * Draws the node icons (16x16 PNG): run {@code java node-icons/DrawIcons.java node-icons} from the repository
 * root. The motif is a mixed model's fan of per-group lines around a population line.
 */
public final class DrawIcons {
    private static final Color PURPLE = new Color(0x6d4c9e);
    private static final Color[] GROUPS = {new Color(0x4e9ad2), new Color(0xe07b39), new Color(0x4caf50)};

    public static void main(String[] args) throws IOException {
        File dir = new File(args.length > 0 ? args[0] : ".");
        write(learner(), new File(dir, "learner.png"));
        write(predictor(), new File(dir, "predictor.png"));
        write(category(), new File(dir, "category.png"));
        write(icc(), new File(dir, "icc.png"));
        write(designEffect(), new File(dir, "designeffect.png"));
        write(comparison(), new File(dir, "comparison.png"));
        write(tests(), new File(dir, "tests.png"));
        write(joint(), new File(dir, "joint.png"));
        write(diagnostics(), new File(dir, "diagnostics.png"));
    }

    private static Graphics2D canvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    /** Group lines with their points, and the population line in bold. */
    private static BufferedImage learner() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        double[][] lines = {{1.5, 11.5, 14.5, 3.5}, {1.5, 13.5, 14.5, 7.5}, {1.5, 9.5, 14.5, 1.5}};
        for (int i = 0; i < lines.length; i++) {
            g.setColor(GROUPS[i]);
            g.setStroke(new BasicStroke(1f));
            g.draw(new java.awt.geom.Line2D.Double(lines[i][0], lines[i][1], lines[i][2], lines[i][3]));
        }
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new java.awt.geom.Line2D.Double(1.5, 11.5, 14.5, 4.5));
        g.setColor(new Color(0x333333));
        g.fillRect(0, 15, 16, 1);
        g.fillRect(0, 0, 1, 16);
        g.dispose();
        return img;
    }

    /** The population line continued as a dashed forecast to a predicted point. */
    private static BufferedImage predictor() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        g.setColor(GROUPS[0]);
        g.setStroke(new BasicStroke(1f));
        g.draw(new java.awt.geom.Line2D.Double(1.5, 10.5, 8.5, 6.5));
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new java.awt.geom.Line2D.Double(1.5, 12.5, 8.5, 8.5));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {2f, 1.5f},
            0f));
        g.draw(new java.awt.geom.Line2D.Double(8.5, 8.5, 13.5, 5.5));
        g.setColor(GROUPS[1]);
        g.fillOval(11, 2, 5, 5);
        g.setColor(new Color(0x333333));
        g.fillRect(0, 15, 16, 1);
        g.fillRect(0, 0, 1, 16);
        g.dispose();
        return img;
    }

    /** Three nested levels: subjects within sites within the study. */
    private static BufferedImage category() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        g.setColor(PURPLE);
        g.fillOval(5, 0, 6, 6);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(8, 5, 3, 10);
        g.drawLine(8, 5, 13, 10);
        for (int i = 0; i < 2; i++) {
            g.setColor(GROUPS[i]);
            g.fillOval(i == 0 ? 0 : 10, 9, 6, 6);
        }
        g.dispose();
        return img;
    }

    /** Repeated measurements of three subjects: tight clusters, far apart (a high ICC). */
    private static BufferedImage icc() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        int[][] centres = {{4, 11}, {8, 4}, {12, 8}};
        for (int i = 0; i < centres.length; i++) {
            g.setColor(GROUPS[i]);
            g.fillOval(centres[i][0] - 3, centres[i][1] - 2, 3, 3);
            g.fillOval(centres[i][0], centres[i][1] - 1, 3, 3);
        }
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(1, 1, 14, 14);
        g.dispose();
        return img;
    }

    /** Clusters of units: the design effect shrinks the sample to fewer effective units. */
    private static BufferedImage designEffect() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        for (int c = 0; c < 2; c++) {
            g.setColor(GROUPS[c]);
            for (int i = 0; i < 4; i++) {
                g.fillOval(1 + 3 * (i % 2) + 7 * c, 1 + 3 * (i / 2), 3, 3);
            }
        }
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.drawLine(8, 8, 8, 13);
        g.drawLine(6, 11, 8, 13);
        g.drawLine(10, 11, 8, 13);
        g.fillOval(1, 13, 3, 3);
        g.fillOval(12, 13, 3, 3);
        g.dispose();
        return img;
    }

    /** Two nested model curves and a balance: the likelihood-ratio comparison. */
    private static BufferedImage comparison() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.drawLine(8, 2, 8, 14);
        g.drawLine(2, 5, 14, 3);
        g.drawLine(4, 14, 12, 14);
        g.setColor(GROUPS[0]);
        g.fillOval(0, 6, 5, 4);
        g.setColor(GROUPS[1]);
        g.fillOval(11, 4, 5, 4);
        g.dispose();
        return img;
    }

    /** Bars of LS means with intervals: the tests and marginal means. */
    private static BufferedImage tests() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        int[] heights = {6, 10, 8};
        for (int i = 0; i < heights.length; i++) {
            int x = 2 + 5 * i;
            g.setColor(GROUPS[i]);
            g.fillRect(x, 15 - heights[i], 3, heights[i]);
            g.setColor(PURPLE);
            g.drawLine(x + 1, 13 - heights[i], x + 1, 17 - heights[i]);
        }
        g.setColor(new Color(0x333333));
        g.fillRect(0, 15, 16, 1);
        g.dispose();
        return img;
    }

    /** A falling biomarker trajectory above a survival step curve: the two linked submodels. */
    private static BufferedImage joint() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        g.setColor(GROUPS[0]);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new java.awt.geom.Line2D.Double(1.5, 2.5, 14.5, 6.5));
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(1.5f));
        int[] xs = {1, 5, 5, 9, 9, 12, 12, 15};
        int[] ys = {9, 9, 11, 11, 13, 13, 14, 14};
        g.drawPolyline(xs, ys, xs.length);
        g.setColor(GROUPS[1]);
        g.drawLine(8, 5, 8, 10);
        g.dispose();
        return img;
    }

    private static void write(BufferedImage img, File file) throws IOException {
        if (!ImageIO.write(img, "png", file)) {
            throw new IOException("No PNG writer");
        }
    }

    /** Residuals scattered around the zero line, one far out marked: the residuals-versus-fitted plot. */
    private static BufferedImage diagnostics() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = canvas(img);
        g.setColor(PURPLE);
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {2f, 1.5f}, 0f));
        g.draw(new java.awt.geom.Line2D.Double(1.5, 8.5, 15.5, 8.5));
        int[][] points = {{3, 6}, {5, 10}, {7, 7}, {9, 10}, {11, 6}, {13, 9}};
        for (int i = 0; i < points.length; i++) {
            g.setColor(GROUPS[i % 2]);
            g.fillOval(points[i][0] - 1, points[i][1] - 1, 3, 3);
        }
        g.setColor(GROUPS[2]);
        g.fillOval(10, 1, 4, 4);
        g.setColor(new Color(0x333333));
        g.fillRect(0, 15, 16, 1);
        g.fillRect(0, 0, 1, 16);
        g.dispose();
        return img;
    }
}
