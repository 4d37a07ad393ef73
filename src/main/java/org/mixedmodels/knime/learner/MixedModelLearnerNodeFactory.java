package org.mixedmodels.knime.learner;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Mixed Model Learner node (description in MixedModelLearnerNodeFactory.xml next to this class). */
public final class MixedModelLearnerNodeFactory extends NodeFactory<MixedModelLearnerNodeModel> {

    @Override
    public MixedModelLearnerNodeModel createNodeModel() {
        return new MixedModelLearnerNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<MixedModelLearnerNodeModel> createNodeView(final int viewIndex,
        final MixedModelLearnerNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Mixed Model Learner has no views; see the model port's view.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new MixedModelLearnerNodeDialog();
    }
}
