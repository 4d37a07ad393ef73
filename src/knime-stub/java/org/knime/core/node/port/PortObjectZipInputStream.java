package org.knime.core.node.port;

import java.io.InputStream;
import java.util.zip.ZipInputStream;

/** Stand-in for KNIME's zip stream of a saved port; only the framework creates it. */
public class PortObjectZipInputStream extends ZipInputStream {
    PortObjectZipInputStream(final InputStream stream) {
        super(stream);
    }
}
