package org.knime.core.node;

import java.awt.Component;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import javax.swing.JComponent;

import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectRoundTrip;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;

/**
 * Runs a node the way KNIME does: model from the factory, settings through KNIME's XML format (validate, then
 * load), configure with input specs, execute (output table specs must equal what configure promised), save
 * and load internals and output port objects, reset. Lives in KNIME's package to reach the protected node
 * methods, as KNIME's own framework does.
 */
public final class NodeHarness<T extends NodeModel> {
    private final NodeFactory<T> factory;
    private final T model;
    private ExecutionContext exec = new ExecutionContext();
    private PortObjectSpec[] configuredSpecs;

    private NodeHarness(final NodeFactory<T> factory) {
        this.factory = factory;
        this.model = factory.createNodeModel();
    }

    public static <T extends NodeModel> NodeHarness<T> of(final NodeFactory<T> factory) {
        return new NodeHarness<>(factory);
    }

    public T model() {
        return model;
    }

    /** The node's current settings, as KNIME saves them. */
    public NodeSettings settings() {
        NodeSettings s = new NodeSettings("model");
        model.saveSettingsTo(s);
        return s;
    }

    /** Loads settings after a trip through KNIME's settings XML, validating first as KNIME does. */
    public void loadSettings(final NodeSettingsRO settings) throws InvalidSettingsException {
        NodeSettingsRO read = xmlRoundTrip(settings);
        model.validateSettings(read);
        model.loadValidatedSettingsFrom(read);
    }

    public static NodeSettingsRO xmlRoundTrip(final NodeSettingsRO settings) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            settings.saveToXML(out);
            return NodeSettings.loadFromXML(new ByteArrayInputStream(out.toByteArray()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public PortObjectSpec[] configure(final PortObjectSpec... inSpecs) throws InvalidSettingsException {
        PortType[] in = model.inPortTypes();
        if (inSpecs.length != in.length) {
            throw new IllegalArgumentException("The node has " + in.length + " input ports");
        }
        model.setWarningMessage(null);
        configuredSpecs = model.configure(asKnimePassesThem(inSpecs, in));
        if (configuredSpecs.length != model.outPortTypes().length) {
            throw new AssertionError("configure returned " + configuredSpecs.length + " specs for "
                + model.outPortTypes().length + " output ports");
        }
        return configuredSpecs.clone();
    }

    /**
     * The input specs as KNIME passes them to configure and to the dialog: an unconnected (null) port of a required
     * table gets an empty DataTableSpec, an unconnected optional port stays null ([core] NodeModel.configureModel,
     * Node.java where the dialog's specs are made: "Rather empty ones than null").
     */
    static PortObjectSpec[] asKnimePassesThem(final PortObjectSpec[] specs, final PortType[] types) {
        PortObjectSpec[] out = specs.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null && types[i].equals(BufferedDataTable.TYPE) && !types[i].isOptional()) {
                out[i] = new DataTableSpec();
            }
        }
        return out;
    }

    /**
     * Configures with the inputs' specs, executes, checks the outputs against the output port types and the
     * configured table specs, and round-trips every output port object through its registered serializer.
     */
    public PortObject[] execute(final PortObject... inputs) throws Exception {
        PortObjectSpec[] specs = Stream.of(inputs).map(p -> p == null ? null : p.getSpec()).toArray(PortObjectSpec[]::new);
        configure(specs);
        exec = new ExecutionContext();
        PortObject[] out = model.execute(inputs, exec);
        PortType[] types = model.outPortTypes();
        for (int i = 0; i < out.length; i++) {
            if (!types[i].acceptsPortObjectClass(out[i].getClass())) {
                throw new AssertionError("Output " + i + " is a " + out[i].getClass() + ", not " + types[i]);
            }
            if (configuredSpecs[i] instanceof DataTableSpec && !configuredSpecs[i].equals(out[i].getSpec())) {
                throw new AssertionError("Output " + i + ": configure promised " + configuredSpecs[i]
                    + " but execute produced " + out[i].getSpec());
            }
            if (!(out[i] instanceof BufferedDataTable)) {
                out[i] = PortObjectRoundTrip.saveAndLoad(out[i]);
            }
        }
        saveAndLoadInternals();
        return out;
    }

    private void saveAndLoadInternals() throws IOException, CanceledExecutionException {
        File dir = Files.createTempDirectory("node-internals").toFile();
        try {
            model.saveInternals(dir, new ExecutionMonitor());
            model.loadInternals(dir, new ExecutionMonitor());
        } finally {
            try (Stream<java.nio.file.Path> files = Files.walk(dir.toPath())) {
                files.sorted(Comparator.reverseOrder()).map(java.nio.file.Path::toFile).forEach(File::delete);
            }
        }
    }

    /** Executes with the cancel button already pressed. */
    public PortObject[] executeCanceled(final PortObject... inputs) throws Exception {
        PortObjectSpec[] specs = Stream.of(inputs).map(p -> p == null ? null : p.getSpec()).toArray(PortObjectSpec[]::new);
        configure(specs);
        exec = new ExecutionContext();
        exec.cancel();
        return model.execute(inputs, exec);
    }

    /** Executes and presses cancel at the given check of the cancel button (0 = the first). */
    public PortObject[] executeCanceledAfter(final int checks, final PortObject... inputs) throws Exception {
        PortObjectSpec[] specs = Stream.of(inputs).map(p -> p == null ? null : p.getSpec()).toArray(PortObjectSpec[]::new);
        configure(specs);
        exec = new ExecutionContext();
        exec.cancelAfterChecks(checks);
        return model.execute(inputs, exec);
    }

    /**
     * Executes and presses cancel when a progress message matches {@code message} (as a user watching the node's
     * progress would); the cancel takes effect at the node's next check of the button.
     */
    public PortObject[] executeCanceledWhen(final java.util.function.Predicate<String> message,
        final PortObject... inputs) throws Exception {
        PortObjectSpec[] specs = Stream.of(inputs).map(p -> p == null ? null : p.getSpec()).toArray(PortObjectSpec[]::new);
        configure(specs);
        exec = new ExecutionContext();
        exec.cancelWhen(message);
        return model.execute(inputs, exec);
    }

    /** The progress messages of the last execution, in order. */
    public List<String> messages() {
        return exec.messages();
    }

    public void reset() {
        model.reset();
        model.setWarningMessage(null);
    }

    public String warning() {
        return model.warningMessage();
    }

    public double progress() {
        return exec.progress();
    }

    // ---- tables

    /** Iterators over the table neither closed nor run to the end. */
    public static int openIterators(final BufferedDataTable table) {
        return table.openIterators();
    }

    public static BufferedDataTable table(final DataTableSpec spec, final List<? extends DataRow> rows) {
        BufferedDataContainer c = new ExecutionContext().createDataContainer(spec);
        rows.forEach(c::addRowToTable);
        c.close();
        return c.getTable();
    }

    // ---- dialogs

    /** The factory's dialog with these settings loaded for these input specs. */
    public NodeDialogPane dialog(final NodeSettingsRO settings, final PortObjectSpec... specs)
        throws NotConfigurableException {
        NodeDialogPane dialog = factory.createNodeDialogPane();
        dialog.loadSettingsFrom(settings, asKnimePassesThem(specs, model.inPortTypes()));
        dialog.onOpen();
        return dialog;
    }

    /** What the dialog saves when the user presses OK. */
    public static NodeSettings saveDialog(final NodeDialogPane dialog) throws InvalidSettingsException {
        NodeSettings s = new NodeSettings("model");
        dialog.saveSettingsTo(s);
        return s;
    }

    /** The dialog's tabs as KNIME shows them. */
    public static JComponent dialogPanel(final NodeDialogPane dialog) {
        return dialog.tabbedPane();
    }

    public static java.util.Map<String, Component> dialogTabs(final NodeDialogPane dialog) {
        return dialog.tabs();
    }
}
