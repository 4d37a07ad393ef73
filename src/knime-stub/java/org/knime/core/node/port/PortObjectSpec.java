package org.knime.core.node.port;

import java.io.IOException;

import javax.swing.JComponent;

/** Stand-in for KNIME's port specification: what is known about a port before execution. */
public interface PortObjectSpec {

    JComponent[] getViews();

    /** Writes and reads port specs of one class. */
    abstract static class PortObjectSpecSerializer<T extends PortObjectSpec> {
        public abstract void savePortObjectSpec(T portObjectSpec, PortObjectSpecZipOutputStream out)
            throws IOException;

        public abstract T loadPortObjectSpec(PortObjectSpecZipInputStream in) throws IOException;
    }
}
