package org.knime.core.node.port;

import java.io.OutputStream;
import java.util.zip.ZipOutputStream;

/** Stand-in for KNIME's zip stream of a saved port; only the framework creates it. */
public class PortObjectZipOutputStream extends ZipOutputStream {
    PortObjectZipOutputStream(final OutputStream stream) {
        super(stream);
    }
}
