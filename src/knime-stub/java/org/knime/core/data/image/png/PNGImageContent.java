package org.knime.core.data.image.png;

import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.data.image.ImageContent;

/** Stand-in for KNIME's PNG image content: the PNG file's bytes, decoded on demand. */
public class PNGImageContent implements ImageContent {

    public static final DataType TYPE = DataType.getType(PNGImageCell.class);

    private byte[] m_imageBytes;

    public PNGImageContent() {
        // no-arg, required by ImageContent
    }

    public PNGImageContent(final byte[] imageBytes) {
        if (imageBytes == null) {
            throw new NullPointerException("Argument must not be null.");
        }
        m_imageBytes = imageBytes;
        getImageInternal(imageBytes); // as KNIME: bytes that are not an image are refused here
    }

    public PNGImageContent(final InputStream is) throws IOException {
        this(is.readAllBytes());
    }

    public byte[] getByteArrayReference() {
        return m_imageBytes;
    }

    public byte[] getByteArray() {
        return Arrays.copyOf(m_imageBytes, m_imageBytes.length);
    }

    public Image getImage() {
        return getImageInternal(m_imageBytes);
    }

    private static Image getImageInternal(final byte[] array) {
        try {
            BufferedImage bufImage = ImageIO.read(new ByteArrayInputStream(array));
            if (bufImage == null) {
                throw new IllegalArgumentException("ImageIO returned null while reading image bytes");
            }
            return bufImage;
        } catch (IOException e) {
            throw new IllegalArgumentException("Image can't be read", e);
        }
    }

    @Override
    public void paint(final Graphics2D g, final int width, final int height) {
        g.drawImage(getImage(), 0, 0, width, height, null);
    }

    @Override
    public void save(final OutputStream output) throws IOException {
        output.write(m_imageBytes);
    }

    @Override
    public DataCell toImageCell() {
        return new PNGImageCell(this);
    }

    @Override
    public Dimension getPreferredSize() {
        Image image = getImage();
        return new Dimension(image.getWidth(null), image.getHeight(null));
    }

    @Override
    public String getSummary() {
        Dimension dim = getPreferredSize();
        String summary = "PNG Image " + dim.width + " x " + dim.height + " with ";
        if (m_imageBytes.length < 1000) {
            return summary + m_imageBytes.length + " B";
        } else {
            return summary + (m_imageBytes.length / 1024) + " KB";
        }
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(m_imageBytes);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof PNGImageContent c && getClass() == o.getClass() && Arrays.equals(m_imageBytes, c.m_imageBytes);
    }
}
