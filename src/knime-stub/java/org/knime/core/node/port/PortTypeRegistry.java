package org.knime.core.node.port;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Stand-in for KNIME's port type registry. As in KNIME, a saved port object's class is resolved only if some
 * bundle registers it as an {@code org.knime.core.PortType} extension: this version reads every
 * {@code plugin.xml} on the class path.
 */
public final class PortTypeRegistry {
    private static final PortTypeRegistry INSTANCE = new PortTypeRegistry();

    private final Map<Class<? extends PortObject>, PortType> types = new HashMap<>();
    private final Map<Class<? extends PortObject>, PortType> optionalTypes = new HashMap<>();
    private Set<String> registeredClasses;

    private PortTypeRegistry() {
    }

    public static PortTypeRegistry getInstance() {
        return INSTANCE;
    }

    public synchronized PortType getPortType(final Class<? extends PortObject> objectClass) {
        return types.computeIfAbsent(objectClass, c -> new PortType(c, false));
    }

    public synchronized PortType getPortType(final Class<? extends PortObject> objectClass, final boolean optional) {
        return optional ? optionalTypes.computeIfAbsent(objectClass, c -> new PortType(c, true))
            : getPortType(objectClass);
    }

    public Optional<Class<? extends PortObject>> getObjectClass(final String className) {
        return registeredClass(className, PortObject.class);
    }

    public Optional<Class<? extends PortObjectSpec>> getSpecClass(final String className) {
        return registeredClass(className, PortObjectSpec.class);
    }

    private <T> Optional<Class<? extends T>> registeredClass(final String className, final Class<T> kind) {
        if (!registeredClasses().contains(className)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Class.forName(className).asSubclass(kind));
        } catch (ClassNotFoundException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private synchronized Set<String> registeredClasses() {
        if (registeredClasses == null) {
            registeredClasses = new HashSet<>();
            registeredClasses.add("org.knime.core.node.BufferedDataTable");
            registeredClasses.add("org.knime.core.data.DataTableSpec");
            // registered by org.knime.core's own plugin.xml in KNIME
            registeredClasses.add("org.knime.core.node.port.image.ImagePortObject");
            registeredClasses.add("org.knime.core.node.port.image.ImagePortObjectSpec");
            try {
                Enumeration<URL> plugins = PortTypeRegistry.class.getClassLoader().getResources("plugin.xml");
                while (plugins.hasMoreElements()) {
                    readPluginXml(plugins.nextElement());
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read plugin.xml", e);
            }
        }
        return registeredClasses;
    }

    private void readPluginXml(final URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            NodeList portTypes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)
                .getElementsByTagName("portType");
            for (int i = 0; i < portTypes.getLength(); i++) {
                Element e = (Element)portTypes.item(i);
                registeredClasses.add(e.getAttribute("objectClass"));
                registeredClasses.add(e.getAttribute("specClass"));
            }
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException("Malformed " + url, e);
        }
    }
}
