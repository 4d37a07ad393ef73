package org.mixedmodels.knime.data;

import java.io.File;

import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.NodeModel;
import org.knime.core.node.port.PortType;

/**
 * A node model that keeps nothing between executions: its results live in its output ports only, so reset and
 * the internals are no-ops. The nodes of this extension extend it.
 */
public abstract class StatelessNodeModel extends NodeModel {

    protected StatelessNodeModel(final int nrInDataPorts, final int nrOutDataPorts) {
        super(nrInDataPorts, nrOutDataPorts);
    }

    protected StatelessNodeModel(final PortType[] inPortTypes, final PortType[] outPortTypes) {
        super(inPortTypes, outPortTypes);
    }

    @Override
    protected void reset() {
        // nothing kept between executions
    }

    @Override
    protected void loadInternals(final File nodeInternDir, final ExecutionMonitor exec) {
        // no internals: everything is in the output ports
    }

    @Override
    protected void saveInternals(final File nodeInternDir, final ExecutionMonitor exec) {
        // no internals: everything is in the output ports
    }
}
