package org.mixedmodels.knime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory;
import org.mixedmodels.knime.predictor.MixedModelPredictorNodeFactory;

/**
 * The example workflow in {@code test-workflows/} is well formed as KNIME reads it (workflow.knime, one
 * settings.xml per node with factory and bundle information, connections between existing nodes), and its
 * Learner and Predictor settings run: the nodes, loaded with those settings, reproduce lme4 on its data.
 */
class TestWorkflowsTest {
    private static final Path WORKFLOW = Path.of("test-workflows", "Mixed Model sleepstudy");

    private static NodeSettingsRO read(final Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return NodeSettings.loadFromXML(in);
        }
    }

    @Test
    void workflowIsWellFormedAndItsNodesRun() throws Exception {
        NodeSettingsRO workflow = read(WORKFLOW.resolve("workflow.knime"));
        assertEquals("5.1.0", workflow.getString("version"));
        NodeSettingsRO nodes = workflow.getNodeSettings("nodes");
        List<Integer> ids = new ArrayList<>();
        NodeSettingsRO learnerSettings = null;
        NodeSettingsRO predictorSettings = null;
        for (String key : nodes.keySet()) {
            NodeSettingsRO node = nodes.getNodeSettings(key);
            ids.add(node.getInt("id"));
            NodeSettingsRO settings = read(WORKFLOW.resolve(node.getString("node_settings_file")));
            for (String required : List.of("factory", "node-name", "node-bundle-name", "node-bundle-symbolic-name",
                "node-bundle-vendor")) {
                assertFalse(settings.getString(required).isBlank(), required);
            }
            String factory = settings.getString("factory");
            if (factory.equals(MixedModelLearnerNodeFactory.class.getName())) {
                learnerSettings = settings.getNodeSettings("model");
            } else if (factory.equals(MixedModelPredictorNodeFactory.class.getName())) {
                predictorSettings = settings.getNodeSettings("model");
            }
        }
        NodeSettingsRO connections = workflow.getNodeSettings("connections");
        for (String key : connections.keySet()) {
            NodeSettingsRO c = connections.getNodeSettings(key);
            assertTrue(ids.contains(c.getInt("sourceID")) && ids.contains(c.getInt("destID")), key);
            assertTrue(c.getInt("sourcePort") >= 1 && c.getInt("destPort") >= 1, "port 0 is the variable port");
        }

        BufferedDataTable data =
            KnimeTables.of(CsvReader.read(WORKFLOW.resolve("data").resolve("sleepstudy.csv")));
        var learner = NodeHarness.of(new MixedModelLearnerNodeFactory());
        learner.loadSettings(learnerSettings);
        PortObject[] learned = learner.execute(data);
        var predictor = NodeHarness.of(new MixedModelPredictorNodeFactory());
        predictor.loadSettings(predictorSettings);
        BufferedDataTable predicted = (BufferedDataTable)predictor.execute(learned[0], data)[0];
        double[] expected = ReferenceCase.load("sleepstudy_slopes").numbers("fitted_conditional_first");
        double[] actual = KnimeTables.doubles(predicted, "Prediction (Reaction)");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], 1e-6, "fitted " + i);
        }
    }
}
