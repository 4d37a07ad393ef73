package org.mixedmodels.knime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.File;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The packaged bundle ({@code target/mixed-models-<version>.jar}) is what a user drops into KNIME's
 * {@code dropins/}: this checks what KNIME AP 5.x needs from it (see shared/knime-api-facts.md sections 3-5).
 */
class BundleJarIT {
    private static JarFile jar;

    @BeforeAll
    static void open() throws Exception {
        String path = System.getProperty("bundle.jar");
        assertNotNull(path, "run through maven-failsafe (mvn verify), which passes -Dbundle.jar");
        jar = new JarFile(new File(path));
    }

    @AfterAll
    static void close() throws Exception {
        jar.close();
    }

    private static Document xml(final String entry) throws Exception {
        JarEntry e = jar.getJarEntry(entry);
        assertNotNull(e, entry + " is missing from the bundle");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        try (InputStream in = jar.getInputStream(e)) {
            return f.newDocumentBuilder().parse(in);
        }
    }

    private static boolean hasClass(final String className) {
        return jar.getJarEntry(className.replace('.', '/') + ".class") != null;
    }

    /**
     * The distributed fit (the separate artifact mixed-models-spark in spark/) never reaches the bundle: no Spark,
     * Scala or Hadoop class, no such jar under lib/, and none of the Spark module's classes.
     */
    @Test
    void sparkNeverReachesTheBundle() throws Exception {
        List<String> offending = new ArrayList<>();
        jar.stream().map(JarEntry::getName).forEach(name -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("org/apache/spark/") || name.startsWith("scala/") || name.startsWith("org/apache/hadoop/")
                    || name.startsWith("org/mixedmodels/spark/")
                    || (lower.startsWith("lib/") && (lower.contains("spark") || lower.contains("scala")
                            || lower.contains("hadoop")))) {
                offending.add(name);
            }
        });
        assertTrue(offending.isEmpty(), "Spark in the KNIME bundle: " + offending);
        String classPath = jar.getManifest().getMainAttributes().getValue("Bundle-ClassPath");
        assertFalse(classPath.toLowerCase(java.util.Locale.ROOT).contains("spark"), classPath);
    }

    @Test
    void manifestIsAnOsgiBundleForKnime5() throws Exception {
        Attributes m = jar.getManifest().getMainAttributes();
        assertEquals("2", m.getValue("Bundle-ManifestVersion"));
        assertEquals("org.mixedmodels.knime;singleton:=true", m.getValue("Bundle-SymbolicName"));
        assertEquals(System.getProperty("project.version").replace("-SNAPSHOT", ""), m.getValue("Bundle-Version"));
        assertEquals("JavaSE-17", m.getValue("Bundle-RequiredExecutionEnvironment"));
        String require = m.getValue("Require-Bundle");
        assertTrue(require.contains("org.knime.core;bundle-version=\"[5.0.0,6.0.0)\""), require);
        assertTrue(require.contains("org.apache.commons.math3;bundle-version=\"[3.3.0,4.0.0)\""), require);
        for (String entry : m.getValue("Bundle-ClassPath").split(",")) {
            String e = entry.trim();
            if (!e.equals(".")) {
                assertNotNull(jar.getJarEntry(e), "Bundle-ClassPath entry " + e + " is not in the jar");
            }
        }
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/ejml-ddense"), "EJML embedded");
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/ejml-dsparse"), "EJML sparse embedded");
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/jfreechart-"), "JFreeChart embedded (the plots)");
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/org.jfree.svg-"), "JFreeSVG embedded");
    }

    @Test
    void holdsNothingOfTheKnimeStandIn() {
        List<String> knime = new ArrayList<>();
        jar.stream().filter(e -> e.getName().startsWith("org/knime/")
            || e.getName().startsWith("org/mixedmodels/workflows/")).forEach(e -> knime.add(e.getName()));
        assertEquals(List.of(), knime, "the stand-in and the headless workflow runner stay out of the bundle");
    }

    /** No jar the build makes (the bundle, the command-line jar) holds the KNIME stand-in or the runner. */
    @Test
    void noBuiltJarHoldsTheStandIn() throws Exception {
        File[] jars = new File(System.getProperty("bundle.jar")).getParentFile()
            .listFiles((dir, name) -> name.endsWith(".jar"));
        assertNotNull(jars);
        assertTrue(jars.length >= 2, "the bundle and the command-line jar");
        for (File f : jars) {
            try (JarFile j = new JarFile(f)) {
                List<String> standIn = new ArrayList<>();
                j.stream().filter(e -> e.getName().startsWith("org/knime/")
                    || e.getName().startsWith("org/mixedmodels/workflows/")).forEach(e -> standIn.add(e.getName()));
                assertEquals(List.of(), standIn, f.getName() + " must not hold the KNIME stand-in");
            }
        }
    }

    @Test
    void classesRunOnJava17() throws Exception {
        for (JarEntry e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
            try (DataInputStream in = new DataInputStream(jar.getInputStream(e))) {
                in.readInt();
                in.readUnsignedShort();
                int major = in.readUnsignedShort();
                assertTrue(major <= 61, e.getName() + " has class file version " + major + " (> Java 17)");
            }
        }
    }

    @Test
    void pluginXmlRegistersCategoryNodesAndPortType() throws Exception {
        Document plugin = xml("plugin.xml");
        Element category = (Element)plugin.getElementsByTagName("category").item(0);
        assertEquals("/community", category.getAttribute("path"));
        assertEquals("false", category.getAttribute("locked"));
        assertNotNull(jar.getJarEntry(category.getAttribute("icon")), "category icon");
        String categoryPath = "/community/" + category.getAttribute("level-id");

        NodeList nodes = plugin.getElementsByTagName("node");
        assertEquals(8, nodes.getLength(),
            "Learner, Predictor, ICC, Design Effect, Comparison, Tests, Joint Model, Diagnostics");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element node = (Element)nodes.item(i);
            assertEquals(categoryPath, node.getAttribute("category-path"));
            String factory = node.getAttribute("factory-class");
            assertTrue(hasClass(factory), factory);
            checkNodeDescription(factory);
        }

        Element port = (Element)plugin.getElementsByTagName("portType").item(0);
        for (String attribute : List.of("objectClass", "objectSerializer", "specClass", "specSerializer")) {
            assertTrue(hasClass(port.getAttribute(attribute)), attribute + " " + port.getAttribute(attribute));
        }
        assertTrue(port.getAttribute("color").matches("#[0-9a-fA-F]{6}"));
    }

    /** {@code <Factory>.xml} next to the factory, namespace v4.1, with its 16x16 icon beside it. */
    private static void checkNodeDescription(final String factory) throws Exception {
        String dir = factory.substring(0, factory.lastIndexOf('.')).replace('.', '/');
        Document d = xml(factory.replace('.', '/') + ".xml");
        Element root = d.getDocumentElement();
        assertEquals("knimeNode", root.getLocalName());
        assertEquals("http://knime.org/node/v4.1", root.getNamespaceURI());
        String type = root.getAttribute("type");
        assertTrue(List.of("Learner", "Predictor", "Other").contains(type), type);
        String icon = dir + "/" + root.getAttribute("icon").replaceFirst("^\\./", "");
        JarEntry iconEntry = jar.getJarEntry(icon);
        assertNotNull(iconEntry, icon);
        try (InputStream in = jar.getInputStream(iconEntry)) {
            BufferedImage img = ImageIO.read(in);
            assertEquals(16, img.getWidth());
            assertEquals(16, img.getHeight());
        }
        assertFalse(d.getElementsByTagNameNS("*", "shortDescription").item(0).getTextContent().isBlank());
        // every port the node model has is described: NodeDescriptionsTest compares the counts with the models
        assertTrue(d.getElementsByTagNameNS("*", "outPort").getLength() >= 1, factory + " output ports");
    }
}
