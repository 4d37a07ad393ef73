package org.knime.core.node.port;

import java.io.IOException;

import javax.swing.JComponent;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;

/** Stand-in for KNIME's port object: what flows along a connection after execution. */
public interface PortObject {

    String getSummary();

    PortObjectSpec getSpec();

    JComponent[] getViews();

    /** Writes and reads port objects of one class. */
    abstract static class PortObjectSerializer<T extends PortObject> {
        public abstract void savePortObject(T portObject, PortObjectZipOutputStream out, ExecutionMonitor exec)
            throws IOException, CanceledExecutionException;

        public abstract T loadPortObject(PortObjectZipInputStream in, PortObjectSpec spec, ExecutionMonitor exec)
            throws IOException, CanceledExecutionException;
    }
}
