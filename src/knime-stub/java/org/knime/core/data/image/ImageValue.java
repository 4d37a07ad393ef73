package org.knime.core.data.image;

import org.knime.core.data.DataValue;

/** Stand-in for KNIME's value interface of image cells. */
public interface ImageValue extends DataValue {
    public ImageContent getImageContent();

    public String getImageExtension();
}
