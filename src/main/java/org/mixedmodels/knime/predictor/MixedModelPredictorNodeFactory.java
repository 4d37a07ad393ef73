package org.mixedmodels.knime.predictor;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Mixed Model Predictor node (description in MixedModelPredictorNodeFactory.xml next to this class). */
public final class MixedModelPredictorNodeFactory extends NodeFactory<MixedModelPredictorNodeModel> {

    @Override
    public MixedModelPredictorNodeModel createNodeModel() {
        return new MixedModelPredictorNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<MixedModelPredictorNodeModel> createNodeView(final int viewIndex,
        final MixedModelPredictorNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Mixed Model Predictor has no views.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new MixedModelPredictorNodeDialog();
    }
}
