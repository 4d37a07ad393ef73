package org.knime.core.node.port.image;

import java.awt.Dimension;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.io.IOException;
import java.util.zip.ZipEntry;

import javax.swing.JComponent;
import javax.swing.JScrollPane;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.data.image.ImageContent;
import org.knime.core.data.image.png.PNGImageContent;
import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.port.AbstractPortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortObjectZipInputStream;
import org.knime.core.node.port.PortObjectZipOutputStream;
import org.knime.core.node.port.PortType;
import org.knime.core.node.port.PortTypeRegistry;

/**
 * Stand-in for KNIME's image port object: an image content (PNG) and its spec. Saved as one zip entry named after
 * the content class, as KNIME does; only PNG content is known to the stand-in (KNIME also reads registered
 * image content factories).
 */
public class ImagePortObject extends AbstractPortObject {
    public static final class Serializer extends AbstractPortObjectSerializer<ImagePortObject> {
    }

    public static final PortType TYPE = PortTypeRegistry.getInstance().getPortType(ImagePortObject.class);

    public static final PortType TYPE_OPTIONAL = PortTypeRegistry.getInstance().getPortType(ImagePortObject.class, true);

    private ImageContent m_content;

    private ImagePortObjectSpec m_spec;

    public ImagePortObject() {
        // no op
    }

    public ImagePortObject(final ImageContent content, final ImagePortObjectSpec spec) {
        if (spec == null || content == null) {
            throw new NullPointerException("Argument must not be null.");
        }
        m_content = content;
        m_spec = spec;
    }

    public DataCell toDataCell() {
        DataCell result = m_content.toImageCell();
        return m_spec.getDataType().equals(result.getType()) ? result : DataType.getMissingCell();
    }

    @Override
    public String getSummary() {
        return m_content.getSummary();
    }

    @Override
    public ImagePortObjectSpec getSpec() {
        return m_spec;
    }

    @Override
    public JComponent[] getViews() {
        @SuppressWarnings("serial")
        JComponent c = new JComponent() {
            @Override
            protected void paintComponent(final Graphics g) {
                super.paintComponent(g);
                m_content.paint((Graphics2D)g, getWidth(), getHeight());
            }

            @Override
            public Dimension getPreferredSize() {
                return m_content.getPreferredSize();
            }
        };
        JScrollPane jsp = new JScrollPane(c);
        jsp.setName("Image");
        return new JComponent[]{jsp};
    }

    @Override
    protected void load(final PortObjectZipInputStream in, final PortObjectSpec spec, final ExecutionMonitor exec)
        throws IOException, CanceledExecutionException {
        ZipEntry nextEntry = in.getNextEntry();
        String contentClName = nextEntry == null ? null : nextEntry.getName();
        if (!PNGImageContent.class.getName().equals(contentClName)) {
            throw new IOException("No image content factory for class name '" + contentClName + "' registered.");
        }
        m_content = new PNGImageContent(in);
        m_spec = (ImagePortObjectSpec)spec;
    }

    @Override
    protected void save(final PortObjectZipOutputStream out, final ExecutionMonitor exec)
        throws IOException, CanceledExecutionException {
        out.putNextEntry(new ZipEntry(m_content.getClass().getName()));
        m_content.save(out);
        out.closeEntry();
    }
}
