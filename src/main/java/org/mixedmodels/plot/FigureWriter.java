package org.mixedmodels.plot;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.svg.SVGGraphics2D;

/**
 * Renders a {@link Figure} to PNG (Java2D into an image; works headless) or SVG (JFreeSVG's {@link SVGGraphics2D},
 * text kept as text).
 */
public final class FigureWriter {
    /** The default image size, in pixels. */
    public static final int DEFAULT_WIDTH = 900;
    public static final int DEFAULT_HEIGHT = 650;
    /** Smallest and largest image side accepted (a smaller image cannot hold its labels). */
    public static final int MIN_SIZE = 200;
    public static final int MAX_SIZE = 8_000;

    /** The output formats. */
    public enum Format {
        PNG, SVG;

        public String extension() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Format parse(String name) {
            for (Format f : values()) {
                if (f.extension().equals(name.strip().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new org.mixedmodels.engine.MixedModelException("The image format must be png or svg, not '" + name
                    + "'.");
        }
    }

    private FigureWriter() {
    }

    static void checkSize(int width, int height) {
        if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE) {
            throw new org.mixedmodels.engine.MixedModelException("The image size must be between " + MIN_SIZE + " and "
                    + MAX_SIZE + " pixels a side; got " + width + " x " + height + ".");
        }
    }

    /** The figure as PNG bytes. */
    public static byte[] png(Figure figure, int width, int height) {
        checkSize(width, height);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = image.createGraphics();
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        try {
            figure.draw(g2, new Rectangle2D.Double(0, 0, width, height));
        } finally {
            g2.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The figure as an SVG document. */
    public static String svg(Figure figure, int width, int height) {
        checkSize(width, height);
        SVGGraphics2D g2 = new SVGGraphics2D(width, height);
        figure.draw(g2, new Rectangle2D.Double(0, 0, width, height));
        return g2.getSVGDocument();
    }

    /** Writes the figure to {@code file} in {@code format}. */
    public static void write(Figure figure, Format format, int width, int height, Path file) throws IOException {
        if (format == Format.PNG) {
            Files.write(file, png(figure, width, height));
        } else {
            Files.writeString(file, svg(figure, width, height), StandardCharsets.UTF_8);
        }
    }
}
