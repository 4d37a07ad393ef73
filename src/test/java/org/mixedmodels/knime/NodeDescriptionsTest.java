package org.mixedmodels.knime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.StandInNodeContainer;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every node in plugin.xml has a description (next to its factory) that documents each of the node model's
 * input and output ports, in order, and an option or tab for a dialog if it has one.
 */
class NodeDescriptionsTest {

    @Test
    void descriptionsDocumentEveryPort() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document plugin = f.newDocumentBuilder().parse(Path.of("plugin.xml").toFile());
        NodeList nodes = plugin.getElementsByTagName("node");
        List<String> checked = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            String factory = ((Element)nodes.item(i)).getAttribute("factory-class");
            NodeFactory<?> nodeFactory = (NodeFactory<?>)Class.forName(factory).getDeclaredConstructor().newInstance();
            StandInNodeContainer model = new StandInNodeContainer(nodeFactory);
            Document d = f.newDocumentBuilder().parse(NodeDescriptionsTest.class.getResourceAsStream(
                "/" + factory.replace('.', '/') + ".xml"));
            NodeList in = d.getElementsByTagNameNS("*", "inPort");
            NodeList out = d.getElementsByTagNameNS("*", "outPort");
            assertEquals(model.inputCount(), in.getLength(), factory + " input ports");
            assertEquals(model.outputCount(), out.getLength(), factory + " output ports");
            for (int p = 0; p < in.getLength(); p++) {
                assertEquals(Integer.toString(p), ((Element)in.item(p)).getAttribute("index"), factory + " inPort order");
            }
            for (int p = 0; p < out.getLength(); p++) {
                assertEquals(Integer.toString(p), ((Element)out.item(p)).getAttribute("index"), factory + " outPort order");
            }
            checked.add(factory);
        }
        assertEquals(8, checked.size(), checked.toString());
        assertTrue(checked.contains("org.mixedmodels.knime.tests.MixedModelTestsNodeFactory"));
    }
}
