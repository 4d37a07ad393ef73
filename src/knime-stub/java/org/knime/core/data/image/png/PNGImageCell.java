package org.knime.core.data.image.png;

import org.knime.core.data.DataCell;

/** Stand-in for KNIME's PNG image cell (KNIME also has a blob cell for large images). */
public class PNGImageCell extends DataCell implements PNGImageValue {
    private static final long serialVersionUID = 1L;

    private final PNGImageContent m_content;

    PNGImageCell(final PNGImageContent content) {
        if (content == null) {
            throw new NullPointerException("Argument must not be null.");
        }
        m_content = content;
    }

    @Override
    public PNGImageContent getImageContent() {
        return m_content;
    }

    @Override
    public String toString() {
        return m_content.getSummary();
    }

    @Override
    protected boolean equalsDataCell(final DataCell dc) {
        return m_content.equals(((PNGImageCell)dc).m_content);
    }

    @Override
    public int hashCode() {
        return m_content.hashCode();
    }

    @Override
    public String getImageExtension() {
        return "png";
    }
}
