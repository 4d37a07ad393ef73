package org.knime.core.node.port;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.zip.ZipEntry;

import javax.xml.parsers.DocumentBuilderFactory;

import org.knime.core.node.ExecutionMonitor;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Saves a port object and its spec with the serializers that {@code plugin.xml} registers for its class and
 * loads them back, as KNIME does when a workflow is saved and reopened.
 */
public final class PortObjectRoundTrip {
    private PortObjectRoundTrip() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T extends PortObject> T saveAndLoad(final T object) throws Exception {
        Element portType = registration(object.getClass().getName());
        PortObjectSpec.PortObjectSpecSerializer specSerializer = (PortObjectSpec.PortObjectSpecSerializer)Class
            .forName(portType.getAttribute("specSerializer")).getConstructor().newInstance();
        PortObject.PortObjectSerializer serializer = (PortObject.PortObjectSerializer)Class
            .forName(portType.getAttribute("objectSerializer")).getConstructor().newInstance();

        ByteArrayOutputStream specBytes = new ByteArrayOutputStream();
        try (PortObjectSpecZipOutputStream out = new PortObjectSpecZipOutputStream(specBytes)) {
            specSerializer.savePortObjectSpec(object.getSpec(), out);
        }
        ByteArrayOutputStream objectBytes = new ByteArrayOutputStream();
        try (PortObjectZipOutputStream out = new PortObjectZipOutputStream(objectBytes)) {
            serializer.savePortObject(object, out, new ExecutionMonitor());
        }
        PortObjectSpec spec;
        try (PortObjectSpecZipInputStream in =
            new PortObjectSpecZipInputStream(new ByteArrayInputStream(specBytes.toByteArray()))) {
            spec = specSerializer.loadPortObjectSpec(in);
        }
        try (PortObjectZipInputStream in =
            new PortObjectZipInputStream(new ByteArrayInputStream(objectBytes.toByteArray()))) {
            return (T)serializer.loadPortObject(in, spec, new ExecutionMonitor());
        }
    }

    /** The saved {@code content.xml} of a port object, as text. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static String savedContent(final PortObject object) throws Exception {
        Element portType = registration(object.getClass().getName());
        PortObject.PortObjectSerializer serializer = (PortObject.PortObjectSerializer)Class
            .forName(portType.getAttribute("objectSerializer")).getConstructor().newInstance();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PortObjectZipOutputStream out = new PortObjectZipOutputStream(bytes)) {
            serializer.savePortObject(object, out, new ExecutionMonitor());
        }
        try (PortObjectZipInputStream in = new PortObjectZipInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            ZipEntry e = in.getNextEntry();
            return e.getName() + "\n" + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static Element registration(final String objectClass) throws Exception {
        try (InputStream in = PortObjectRoundTrip.class.getClassLoader().getResourceAsStream("plugin.xml")) {
            if (in == null) {
                throw new AssertionError("plugin.xml is not on the class path");
            }
            NodeList types = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)
                .getElementsByTagName("portType");
            for (int i = 0; i < types.getLength(); i++) {
                Element e = (Element)types.item(i);
                if (e.getAttribute("objectClass").equals(objectClass)) {
                    return e;
                }
            }
        }
        if (objectClass.equals("org.knime.core.node.port.image.ImagePortObject")) {
            // KNIME's own image port type, registered by org.knime.core's plugin.xml (not ours)
            Element core = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument().createElement("portType");
            core.setAttribute("objectClass", objectClass);
            core.setAttribute("objectSerializer", objectClass + "$Serializer");
            core.setAttribute("specSerializer", "org.knime.core.node.port.image.ImagePortObjectSpec$Serializer");
            return core;
        }
        throw new AssertionError("plugin.xml registers no port type for " + objectClass);
    }
}
