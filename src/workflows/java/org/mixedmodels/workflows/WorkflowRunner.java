package org.mixedmodels.workflows;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeModel;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.StandInNodeContainer;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortType;
import org.knime.core.node.port.image.ImagePortObject;
import org.knime.core.data.image.png.PNGImageValue;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;

/**
 * Runs a KNIME workflow directory headless, as KNIME's batch executor would, on the KNIME API stand-in: reads
 * {@code workflow.knime} and each node's {@code settings.xml}, executes the nodes in dependency order (KNIME's
 * CSV Reader by reading its configured file, our nodes for real), and prints every output table. Any other node
 * stops the run with a message naming it. Ports are handled by their declared {@link PortType}s, as KNIME does: a
 * connection whose object the input port does not accept is refused, an output the output port does not accept
 * fails the node, and an image port ({@link ImagePortObject#TYPE}) is printed as its size and the port's name from
 * the node description instead of a table; with {@code -D}{@value #IMAGES_PROPERTY}{@code =DIR} its PNG is also
 * written to {@code DIR}. It runs from the build's classes, where the stand-in is compiled (it is never packaged):
 * {@code mvn -B -q compile exec:java [-Dexec.args="'WORKFLOW_DIR'"]}.
 */
public final class WorkflowRunner {
    /** KNIME's CSV Reader (up to 5.10), read by the runner itself. */
    public static final String CSV_READER = "org.knime.base.node.io.filehandling.csv.reader.CSVTableReaderNodeFactory";
    /** KNIME's "relative to the workflow data area": the workflow's {@code data/} folder. */
    public static final String WORKFLOW_DATA_AREA = "knime.workflow.data";
    /** KNIME's "relative to the current workflow". */
    public static final String WORKFLOW_RELATIVE = "knime.workflow";
    /** The workflow run when none is named. */
    public static final String DEFAULT_WORKFLOW = "test-workflows/11 MMRM unstructured covariance";
    /** System property naming a folder to write the image ports' PNGs to (unset: none are written). */
    public static final String IMAGES_PROPERTY = "workflow.images";

    /** One node of the workflow: its id, name and saved settings. */
    public record Node(int id, String name, String factory, NodeSettingsRO settings) {
    }

    /** A connection between data ports (0-based: KNIME's port i+1 is data port i). */
    public record Connection(int source, int sourcePort, int dest, int destPort) {
    }

    /** An output port: its declared type and its name in the node description (null for the CSV Reader). */
    public record Port(PortType type, String name) {
        /** Whether this is an image port (KNIME's {@link ImagePortObject#TYPE} or its optional variant). */
        public boolean isImage() {
            return ImagePortObject.class.isAssignableFrom(type.getPortObjectClass());
        }
    }

    /** What a run produced: per node (in execution order) its outputs, their ports and warning. */
    public record Result(List<Node> nodes, Map<Integer, PortObject[]> outputs, Map<Integer, Port[]> ports,
        Map<Integer, String> warnings) {
        /** The outputs of the first node of this name (e.g. "Mixed Model Learner"). */
        public PortObject[] outputs(final String nodeName) {
            for (Node n : nodes) {
                if (n.name().equals(nodeName)) {
                    return outputs.get(n.id());
                }
            }
            throw new IllegalArgumentException("The workflow has no node named '" + nodeName + "'.");
        }
    }

    private WorkflowRunner() {
    }

    public static void main(final String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : DEFAULT_WORKFLOW);
        try {
            Result r = run(dir);
            print(r, System.out);
        } catch (Exception e) {
            System.err.println("Error: " + e.getMessage());
            System.exit(1);
        }
    }

    /** A workflow's {@code workflow.knime}. */
    public static NodeSettingsRO workflow(final Path dir) throws Exception {
        return read(dir.resolve("workflow.knime"));
    }

    /** A saved settings file (workflow.knime, settings.xml). */
    public static NodeSettingsRO read(final Path file) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new InvalidSettingsException("Missing file " + file + ".");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return NodeSettings.loadFromXML(in);
        }
    }

    /** The nodes of a workflow directory, in workflow.knime's order. */
    public static List<Node> nodes(final Path dir) throws Exception {
        NodeSettingsRO workflow = read(dir.resolve("workflow.knime"));
        NodeSettingsRO nodes = workflow.getNodeSettings("nodes");
        List<Node> out = new ArrayList<>();
        for (String key : nodes.keySet()) {
            NodeSettingsRO node = nodes.getNodeSettings(key);
            NodeSettingsRO settings = read(dir.resolve(node.getString("node_settings_file")));
            out.add(new Node(node.getInt("id"), settings.getString("name"), settings.getString("factory"), settings));
        }
        return out;
    }

    public static List<Connection> connections(final Path dir) throws Exception {
        NodeSettingsRO all = read(dir.resolve("workflow.knime")).getNodeSettings("connections");
        List<Connection> out = new ArrayList<>();
        for (String key : all.keySet()) {
            NodeSettingsRO c = all.getNodeSettings(key);
            out.add(new Connection(c.getInt("sourceID"), c.getInt("sourcePort") - 1, c.getInt("destID"),
                c.getInt("destPort") - 1));
        }
        return out;
    }

    /** Executes every node once its inputs are available. */
    public static Result run(final Path dir) throws Exception {
        List<Node> nodes = nodes(dir);
        List<Connection> connections = connections(dir);
        Map<Integer, PortObject[]> outputs = new LinkedHashMap<>();
        Map<Integer, Port[]> ports = new LinkedHashMap<>();
        Map<Integer, String> warnings = new LinkedHashMap<>();
        List<Node> order = new ArrayList<>();
        List<Node> pending = new ArrayList<>(nodes);
        while (!pending.isEmpty()) {
            Node ready = null;
            for (Node n : pending) {
                if (connections.stream().filter(c -> c.dest() == n.id()).allMatch(c -> outputs.containsKey(c.source()))) {
                    ready = n;
                    break;
                }
            }
            if (ready == null) {
                throw new InvalidSettingsException("The workflow's connections form a cycle among the nodes "
                    + pending.stream().map(Node::name).toList() + ".");
            }
            pending.remove(ready);
            order.add(ready);
            try {
                outputs.put(ready.id(), execute(dir, ready, connections, outputs, ports, warnings));
            } catch (Exception e) {
                throw new InvalidSettingsException("Node '" + ready.name() + "' (#" + ready.id() + ") failed: "
                    + e.getMessage(), e);
            }
        }
        return new Result(order, outputs, ports, warnings);
    }

    @SuppressWarnings("unchecked")
    private static PortObject[] execute(final Path dir, final Node node, final List<Connection> connections,
        final Map<Integer, PortObject[]> outputs, final Map<Integer, Port[]> ports, final Map<Integer, String> warnings)
        throws Exception {
        NodeSettingsRO model = node.settings().getNodeSettings("model");
        if (node.factory().equals(CSV_READER)) {
            ports.put(node.id(), new Port[] {new Port(BufferedDataTable.TYPE, null)});
            return new PortObject[] {readCsv(dir, model)};
        }
        if (!node.factory().startsWith("org.mixedmodels.knime.")) {
            throw new InvalidSettingsException("The headless runner executes KNIME's CSV Reader and the Mixed Models "
                + "nodes only, not " + node.factory() + ".");
        }
        NodeFactory<? extends NodeModel> factory = (NodeFactory<? extends NodeModel>)Class.forName(node.factory())
            .getDeclaredConstructor().newInstance();
        StandInNodeContainer container = new StandInNodeContainer(factory);
        container.loadSettings(model);
        PortObject[] inputs = new PortObject[container.inputCount()];
        for (Connection c : connections) {
            if (c.dest() == node.id()) {
                inputs[c.destPort()] = outputs.get(c.source())[c.sourcePort()];
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            PortType type = container.inputType(i);
            if (inputs[i] == null && !type.isOptional()) {
                throw new InvalidSettingsException("Input port " + (i + 1) + " is not connected.");
            }
            if (inputs[i] != null && !type.acceptsPortObjectClass(inputs[i].getClass())) {
                // KNIME refuses such a connection: the ports' types are incompatible
                throw new InvalidSettingsException("Input port " + (i + 1) + " takes " + type.getName()
                    + ", but its connection delivers " + inputs[i].getClass().getSimpleName() + ".");
            }
        }
        PortObject[] out = container.execute(inputs);
        String[] names = outPortNames(factory.getClass(), out.length);
        Port[] declared = new Port[out.length];
        for (int i = 0; i < out.length; i++) {
            declared[i] = new Port(container.outputType(i), names[i]);
            if (out[i] == null || !declared[i].type().acceptsPortObjectClass(out[i].getClass())) {
                // as KNIME's Node after execute: an output must be of its port's type
                throw new InvalidSettingsException("Output " + (i + 1) + " is " + (out[i] == null ? "missing"
                    : "a " + out[i].getClass().getSimpleName()) + ", not the port's " + declared[i].type().getName()
                    + ".");
            }
        }
        ports.put(node.id(), declared);
        if (container.warning() != null) {
            warnings.put(node.id(), container.warning());
        }
        return out;
    }

    /**
     * The CSV Reader's file, resolved as KNIME resolves it: relative to the workflow data area
     * ({@code knime.workflow.data}, the workflow's {@code data/} folder), relative to the workflow
     * ({@code knime.workflow}; a path into a workflow folder is refused as KNIME's workflow-aware file system refuses
     * it, knime-filehandling-core {@code LocalWorkflowAwareFileSystemProvider}), or a local absolute path. The
     * settings must hold every key KNIME AP 5.0 validates (else KNIME resets the reader to no file).
     */
    static BufferedDataTable readCsv(final Path dir, final NodeSettingsRO model) throws Exception {
        CsvReaderSettings.validate(model);
        Path file = CsvReaderSettings.resolve(dir, model);
        try {
            return Tables.of(CsvReader.read(file), file.getFileName().toString());
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    /**
     * The names of a node's output ports as its description ({@code <Factory>.xml} next to the factory, KNIME's node
     * description: {@code outPort index name}) gives them; null where it gives none.
     */
    static String[] outPortNames(final Class<?> factory, final int count) throws Exception {
        String[] names = new String[count];
        try (InputStream in = factory.getResourceAsStream(factory.getSimpleName() + ".xml")) {
            if (in == null) {
                return names;
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            NodeList ports = f.newDocumentBuilder().parse(in).getElementsByTagNameNS("*", "outPort");
            for (int k = 0; k < ports.getLength(); k++) {
                Element e = (Element)ports.item(k);
                int index = Integer.parseInt(e.getAttribute("index"));
                if (index >= 0 && index < count) {
                    names[index] = e.getAttribute("name");
                }
            }
        }
        return names;
    }

    /** The PNG bytes of an image port object (KNIME's image cell of its content). */
    public static byte[] png(final ImagePortObject image) {
        if (image.toDataCell() instanceof PNGImageValue v) {
            return v.getImageContent().getByteArray();
        }
        throw new IllegalArgumentException("The image is not a PNG: " + image.getSpec().getDataType() + ".");
    }

    /** {@code <node id>-<port> <node name> <port name>.png}, with characters unsafe in file names replaced. */
    static String imageFileName(final Node n, final int port, final String portName) {
        String name = n.id() + "-" + (port + 1) + " " + n.name() + (portName == null ? "" : " " + portName);
        return name.replaceAll("[^A-Za-z0-9 ._()-]", "_") + ".png";
    }

    /**
     * Every node's output tables (at most 20 rows each), image ports as their size and name, and warnings; with
     * {@code -D}{@value #IMAGES_PROPERTY}{@code =DIR} the images are written to {@code DIR} too.
     */
    public static void print(final Result r, final PrintStream out) {
        String images = System.getProperty(IMAGES_PROPERTY);
        try {
            print(r, out, images == null || images.isBlank() ? null : Path.of(images));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot write the images to " + images + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #print(Result, PrintStream)}, writing the image ports' PNGs to {@code images} unless it is null. */
    public static void print(final Result r, final PrintStream out, final Path images) throws java.io.IOException {
        for (Node n : r.nodes()) {
            PortObject[] o = r.outputs().get(n.id());
            Port[] ports = r.ports().get(n.id());
            for (int i = 0; i < o.length; i++) {
                if (ports[i].isImage()) {
                    ImagePortObject image = (ImagePortObject)o[i];
                    out.println("== " + n.name() + " (#" + n.id() + "), output " + (i + 1) + ": image"
                        + (ports[i].name() == null ? "" : " '" + ports[i].name() + "'"));
                    out.println(image.getSummary());
                    if (images != null) {
                        Path file = images.resolve(imageFileName(n, i, ports[i].name()));
                        Files.createDirectories(images);
                        Files.write(file, png(image));
                        out.println("Written to " + file);
                    }
                    out.println();
                    continue;
                }
                out.println("== " + n.name() + " (#" + n.id() + "), output " + (i + 1)
                    + (o[i] instanceof BufferedDataTable t ? ": " + t.getDataTableSpec().getName() : ""));
                if (o[i] instanceof BufferedDataTable t) {
                    Tables.print(t, 20, out);
                } else if (o[i] instanceof org.mixedmodels.knime.port.MixedModelPortObject m) {
                    out.print(m.summaryText());
                } else {
                    out.println(o[i].getSummary());
                }
                out.println();
            }
            if (r.warnings().containsKey(n.id())) {
                out.println("Warning (" + n.name() + "): " + r.warnings().get(n.id()));
                out.println();
            }
        }
    }
}
