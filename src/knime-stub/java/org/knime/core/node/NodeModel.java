package org.knime.core.node;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;

import org.knime.core.data.DataTableSpec;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;

/** Stand-in for KNIME's node model: settings, configure (specs) and execute (data). */
public abstract class NodeModel implements AbstractNodeView.ViewableModel {
    private final PortType[] inPortTypes;
    private final PortType[] outPortTypes;
    private final NodeLogger logger = NodeLogger.getLogger(getClass());
    private String warningMessage;

    protected NodeModel(final int nrInDataPorts, final int nrOutDataPorts) {
        this(tablePorts(nrInDataPorts), tablePorts(nrOutDataPorts));
    }

    protected NodeModel(final PortType[] inPortTypes, final PortType[] outPortTypes) {
        this.inPortTypes = inPortTypes.clone();
        this.outPortTypes = outPortTypes.clone();
    }

    private static PortType[] tablePorts(final int n) {
        PortType[] p = new PortType[n];
        Arrays.fill(p, BufferedDataTable.TYPE);
        return p;
    }

    protected abstract void loadInternals(File nodeInternDir, ExecutionMonitor exec)
        throws IOException, CanceledExecutionException;

    protected abstract void saveInternals(File nodeInternDir, ExecutionMonitor exec)
        throws IOException, CanceledExecutionException;

    protected abstract void saveSettingsTo(NodeSettingsWO settings);

    protected abstract void validateSettings(NodeSettingsRO settings) throws InvalidSettingsException;

    protected abstract void loadValidatedSettingsFrom(NodeSettingsRO settings) throws InvalidSettingsException;

    protected abstract void reset();

    protected PortObject[] execute(final PortObject[] inObjects, final ExecutionContext exec) throws Exception {
        BufferedDataTable[] in = new BufferedDataTable[inObjects.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = (BufferedDataTable)inObjects[i];
        }
        return execute(in, exec);
    }

    protected BufferedDataTable[] execute(final BufferedDataTable[] inData, final ExecutionContext exec)
        throws Exception {
        throw new IOException("NodeModel.execute() implementation missing!");
    }

    protected PortObjectSpec[] configure(final PortObjectSpec[] inSpecs) throws InvalidSettingsException {
        DataTableSpec[] in = new DataTableSpec[inSpecs.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = (DataTableSpec)inSpecs[i];
        }
        return configure(in);
    }

    protected DataTableSpec[] configure(final DataTableSpec[] inSpecs) throws InvalidSettingsException {
        throw new InvalidSettingsException("NodeModel.configure() implementation missing!");
    }

    protected void onDispose() {
    }

    protected final void setWarningMessage(final String warningMessage) {
        this.warningMessage = warningMessage;
    }

    protected final NodeLogger getLogger() {
        return logger;
    }

    protected final int getNrInPorts() {
        return inPortTypes.length;
    }

    protected final int getNrOutPorts() {
        return outPortTypes.length;
    }

    /** Stand-in only: what the harness checks. */
    String warningMessage() {
        return warningMessage;
    }

    PortType[] inPortTypes() {
        return inPortTypes.clone();
    }

    PortType[] outPortTypes() {
        return outPortTypes.clone();
    }
}
