package org.knime.core.data.image.png;

import org.knime.core.data.image.ImageValue;

/** Stand-in for KNIME's value interface of PNG image cells. */
public interface PNGImageValue extends ImageValue {
    @Override
    public PNGImageContent getImageContent();
}
