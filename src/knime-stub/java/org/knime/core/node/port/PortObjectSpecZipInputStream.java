package org.knime.core.node.port;

import java.io.InputStream;
import java.util.zip.ZipInputStream;

/** Stand-in for KNIME's zip stream of a saved port; only the framework creates it. */
public class PortObjectSpecZipInputStream extends ZipInputStream {
    PortObjectSpecZipInputStream(final InputStream stream) {
        super(stream);
    }
}
