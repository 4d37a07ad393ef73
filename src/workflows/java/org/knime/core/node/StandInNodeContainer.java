package org.knime.core.node;

import java.util.List;

import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;

/**
 * The headless workflow runner's hold on one node (stand-in only, never packaged into the bundle; real KNIME's
 * NodeContainer does this): settings validated then loaded, configure, execute. It lives in KNIME's package to
 * reach the protected node methods, as KNIME's framework does; node code never uses it.
 */
public final class StandInNodeContainer {
    private final NodeModel model;

    public StandInNodeContainer(final NodeFactory<? extends NodeModel> factory) {
        this.model = factory.createNodeModel();
    }

    /** Validates, then loads, the node's model settings, as KNIME does when a workflow is loaded. */
    public void loadSettings(final NodeSettingsRO settings) throws InvalidSettingsException {
        model.validateSettings(settings);
        model.loadValidatedSettingsFrom(settings);
    }

    public int inputCount() {
        return model.inPortTypes().length;
    }

    public int outputCount() {
        return model.outPortTypes().length;
    }

    public PortType inputType(final int index) {
        return model.inPortTypes()[index];
    }

    /** The port type of output {@code index} (0-based data port), as the node model declares it. */
    public PortType outputType(final int index) {
        return model.outPortTypes()[index];
    }

    /** The node's model settings as it saves them (after {@link #loadSettings}: what it loaded). */
    public void saveSettings(final NodeSettingsWO settings) {
        model.saveSettingsTo(settings);
    }

    /** Configures with the inputs' specs (null for an unconnected optional port), then executes. */
    public PortObject[] execute(final PortObject[] inputs) throws Exception {
        PortObjectSpec[] specs = new PortObjectSpec[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            specs[i] = inputs[i] == null ? null : inputs[i].getSpec();
        }
        model.setWarningMessage(null);
        PortType[] types = model.inPortTypes();
        for (int i = 0; i < specs.length; i++) {
            // as KNIME: a required table port without a spec gets an empty one, an optional one stays null
            if (specs[i] == null && types[i].equals(BufferedDataTable.TYPE) && !types[i].isOptional()) {
                specs[i] = new DataTableSpec();
            }
        }
        model.configure(specs);
        return model.execute(inputs, new ExecutionContext());
    }

    /** A table of the given rows, as a reader node would create it. */
    public static BufferedDataTable table(final DataTableSpec spec, final List<? extends DataRow> rows) {
        BufferedDataContainer c = new ExecutionContext().createDataContainer(spec);
        rows.forEach(c::addRowToTable);
        c.close();
        return c.getTable();
    }

    /** The warning the last execution set, or null. */
    public String warning() {
        return model.warningMessage();
    }
}
