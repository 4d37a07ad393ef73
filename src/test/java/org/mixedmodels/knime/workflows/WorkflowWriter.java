package org.mixedmodels.knime.workflows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.knime.core.node.NodeSettings;
import org.knime.core.node.NodeSettingsWO;

/**
 * Writes a KNIME workflow directory as KNIME AP 5.0, the oldest AP the bundle supports (MANIFEST.MF:
 * org.knime.core [5.0.0,6.0.0)), saves it (see ../shared/knime-api-facts.md, section 6): {@code workflow.knime}
 * (format 4.1.0, the newest AP 5.0 knows; created by 5.0.0, so no 5.x AP takes it for a future workflow) with
 * nodes, connections and annotations, one {@code Name (#id)/settings.xml} per node in state IDLE with factory and
 * bundle information and a node annotation, the description in {@code workflowset.meta} (read for format 4.1.0 by
 * AP 5.0 and, through {@code WorkflowMetadata.fromWorkflowSetMeta}, by AP 5.1 and newer) and in
 * {@code workflow-metadata.xml} (the file AP 5.1 and newer write when they save the workflow in format 5.1.0), and
 * the data files under {@code data/} (read relative to the workflow data area).
 */
final class WorkflowWriter {
    /** Bundle of our nodes, as the MANIFEST says. */
    static final String[] OUR_BUNDLE = {"Mixed Models for KNIME", "org.mixedmodels.knime", "Mixed Models for KNIME",
        "0.1.0"};
    /** The KNIME AP that writes these workflows: the oldest the bundle supports. */
    static final String CREATED_BY = "5.0.0";
    /** The newest workflow format AP 5.0 reads and writes ([core] 5.0.0 FileWorkflowPersistor.VERSION_LATEST). */
    static final String FORMAT = "4.1.0";
    static final String[] KNIME_BASE = {"KNIME Base Nodes", "org.knime.base", "KNIME AG, Zurich, Switzerland",
        CREATED_BY};
    /** The feature KNIME's own nodes come in (our bundle is installed from dropins/, without a feature). */
    static final String[] KNIME_BASE_FEATURE = {"KNIME Base nodes", "org.knime.features.base.feature.group",
        "KNIME AG, Zurich, Switzerland", CREATED_BY};

    record Node(int id, String name, String factory, String[] bundle, Consumer<NodeSettingsWO> model, int outPorts,
        String annotation, int x, int y) {
    }

    private final String title;
    private final String description;
    private final List<Node> nodes = new ArrayList<>();
    private final List<int[]> connections = new ArrayList<>();
    private final List<Path> dataFiles = new ArrayList<>();
    private final java.util.Map<String, String> dataTexts = new java.util.LinkedHashMap<>();

    WorkflowWriter(final String title, final String description) {
        this.title = title;
        this.description = description;
    }

    String title() {
        return title;
    }

    WorkflowWriter node(final Node n) {
        nodes.add(n);
        return this;
    }

    /** Output port {@code fromPort} (1-based data port) of node {@code from} to input {@code toPort} of {@code to}. */
    WorkflowWriter connect(final int from, final int fromPort, final int to, final int toPort) {
        connections.add(new int[] {from, fromPort, to, toPort});
        return this;
    }

    WorkflowWriter data(final Path file) {
        dataFiles.add(file);
        return this;
    }

    /** A data file written from text (a reference file rewritten for KNIME's CSV Reader). */
    WorkflowWriter data(final String fileName, final String text) {
        dataTexts.put(fileName, text);
        return this;
    }

    void write(final Path dir) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        for (Path f : dataFiles) {
            Files.copy(f, dir.resolve("data").resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (java.util.Map.Entry<String, String> t : dataTexts.entrySet()) {
            Files.writeString(dir.resolve("data").resolve(t.getKey()), t.getValue(), java.nio.charset.StandardCharsets.UTF_8);
        }
        NodeSettings wf = new NodeSettings("workflow.knime");
        wf.addString("created_by", CREATED_BY);
        wf.addBoolean("created_by_nightly", false);
        wf.addString("version", FORMAT);
        wf.addString("name", null);
        NodeSettingsWO author = wf.addNodeSettings("authorInformation");
        author.addString("authored-by", "Mixed Models for KNIME");
        author.addString("authored-when", "2026-11-25 00:00:00 +0000");
        author.addString("lastEdited-by", null);
        author.addString("lastEdited-when", null);
        wf.addString("customDescription", null);
        wf.addString("state", "IDLE");
        wf.addNodeSettings("workflow_credentials");
        NodeSettingsWO ns = wf.addNodeSettings("nodes");
        for (Node n : nodes) {
            NodeSettingsWO c = ns.addNodeSettings("node_" + n.id());
            c.addInt("id", n.id());
            c.addString("node_settings_file", n.name() + " (#" + n.id() + ")/settings.xml");
            c.addBoolean("node_is_meta", false);
            c.addString("node_type", "NativeNode");
            c.addString("ui_classname", "org.knime.core.node.workflow.NodeUIInformation");
            NodeSettingsWO bounds = c.addNodeSettings("ui_settings").addNodeSettings("extrainfo.node.bounds");
            int[] b = {n.x(), n.y(), 90, 80};
            bounds.addInt("array-size", 4);
            for (int i = 0; i < 4; i++) {
                bounds.addInt(Integer.toString(i), b[i]);
            }
            writeNode(dir, n);
        }
        NodeSettingsWO cs = wf.addNodeSettings("connections");
        for (int i = 0; i < connections.size(); i++) {
            int[] c = connections.get(i);
            NodeSettingsWO k = cs.addNodeSettings("connection_" + i);
            k.addInt("sourceID", c[0]);
            k.addInt("destID", c[2]);
            k.addInt("sourcePort", c[1]);
            k.addInt("destPort", c[3]);
        }
        NodeSettingsWO annotations = wf.addNodeSettings("annotations");
        annotation(annotations.addNodeSettings("annotation_0"), title + "\n\n" + description, 40, 20,
            60 + 200 * (nodes.size() - 1) + 120, 130, 15985099);
        try (OutputStream out = Files.newOutputStream(dir.resolve("workflow.knime"))) {
            wf.saveToXML(out);
        }
        Files.writeString(dir.resolve("workflowset.meta"), meta(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("workflow-metadata.xml"), metadataXml(), StandardCharsets.UTF_8);
    }

    private static void writeNode(final Path dir, final Node n) throws IOException {
        NodeSettings s = new NodeSettings("settings.xml");
        s.addString("node_file", "settings.xml");
        s.addNodeSettings("flow_stack");
        s.addNodeSettings("internal_node_subsettings").addString("memory_policy", "CacheSmallInMemory");
        n.model().accept(s.addNodeSettings("model"));
        s.addString("customDescription", null);
        s.addString("state", "IDLE");
        s.addString("factory", n.factory());
        s.addString("node-name", n.name());
        s.addString("node-bundle-name", n.bundle()[0]);
        s.addString("node-bundle-symbolic-name", n.bundle()[1]);
        s.addString("node-bundle-vendor", n.bundle()[2]);
        s.addString("node-bundle-version", n.bundle()[3]);
        if (n.bundle() == KNIME_BASE) {
            s.addString("node-feature-name", KNIME_BASE_FEATURE[0]);
            s.addString("node-feature-symbolic-name", KNIME_BASE_FEATURE[1]);
            s.addString("node-feature-vendor", KNIME_BASE_FEATURE[2]);
            s.addString("node-feature-version", KNIME_BASE_FEATURE[3]);
        }
        s.addNodeSettings("factory_settings");
        if (n.bundle() == KNIME_BASE) {
            // the CSV Reader's ports as created (no file system connection port), as KNIME saves it
            NodeSettingsWO creation = s.addNodeSettings("node_creation_config");
            creation.addNodeSettings("File System Connection");
            creation.addNodeSettings("Data Table");
        }
        s.addString("name", n.name());
        s.addBoolean("hasContent", false);
        s.addBoolean("isInactive", false);
        NodeSettingsWO ports = s.addNodeSettings("ports");
        for (int i = 1; i <= n.outPorts(); i++) {
            NodeSettingsWO p = ports.addNodeSettings("port_" + i);
            p.addInt("index", i);
            p.addString("port_dir_location", null);
        }
        NodeSettingsWO fs = s.addNodeSettings("filestores");
        fs.addString("file_store_location", null);
        fs.addString("file_store_id", null);
        annotation(s.addNodeSettings("nodeAnnotation"), n.annotation(), n.x() - 60, n.y() + 85, 210, 60, 16777215);
        Path nodeDir = dir.resolve(n.name() + " (#" + n.id() + ")");
        Files.createDirectories(nodeDir);
        try (OutputStream out = Files.newOutputStream(nodeDir.resolve("settings.xml"))) {
            s.saveToXML(out);
        }
    }

    /** KNIME's annotation block (AnnotationData: text, colours, bounds, alignment, font, version, styles). */
    private static void annotation(final NodeSettingsWO a, final String text, final int x, final int y, final int w,
        final int h, final int bgcolor) {
        a.addString("text", text);
        a.addString("contentType", "text/plain");
        a.addInt("bgcolor", bgcolor);
        a.addInt("x-coordinate", x);
        a.addInt("y-coordinate", y);
        a.addInt("width", w);
        a.addInt("height", h);
        a.addString("alignment", "LEFT");
        a.addInt("borderSize", 0);
        a.addInt("borderColor", bgcolor);
        a.addInt("defFontSize", 9);
        a.addInt("annotation-version", 20230412);
        a.addNodeSettings("styles");
    }

    /**
     * {@code workflow-metadata.xml} in KNIME's metadata format 1.0 ([shared] {@code metadata-1.0.xsd}: author,
     * created, last-modified, description, in this order; content-type text/plain).
     */
    private String metadataXml() {
        String text = (title + "\n\n" + description).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<workflow-metadata content-type=\"text/plain\" "
            + "xmlns=\"http://www.knime.org/core/node/workflow/metadata/v1.0\">\n"
            + "    <author>Mixed Models for KNIME</author>\n"
            + "    <created>2026-11-25T00:00:00.000Z</created>\n"
            + "    <last-modified>2026-11-25T00:00:00.000Z</last-modified>\n"
            + "    <description>" + text + "</description>\n"
            + "</workflow-metadata>\n";
    }

    private String meta() {
        String comments = (title + "\n\n" + description).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", "&#13;\n");
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KNIMEMetaInfo nrOfElements=\"3\">\n"
            + "    <element form=\"text\" read-only=\"false\" name=\"Author\">Mixed Models for KNIME</element>\n"
            + "    <element form=\"date\" name=\"Creation Date\" read-only=\"false\">25/11/2026</element>\n"
            + "    <element form=\"multiline\" name=\"Comments\" read-only=\"false\">" + comments + "</element>\n"
            + "</KNIMEMetaInfo>\n";
    }
}
