package org.mixedmodels.knime.predictor;

import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;

/** The Predictor with its default settings, for tests of other nodes' packages. */
public final class PredictorAccess {
    private PredictorAccess() {
    }

    /** The Predictor's output table for the model and table. */
    public static BufferedDataTable predict(final PortObject model, final BufferedDataTable table) throws Exception {
        NodeHarness<MixedModelPredictorNodeModel> h = NodeHarness.of(new MixedModelPredictorNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        new MixedModelPredictorSettings().saveTo(settings);
        h.loadSettings(settings);
        return (BufferedDataTable)h.execute(model, table)[0];
    }
}
