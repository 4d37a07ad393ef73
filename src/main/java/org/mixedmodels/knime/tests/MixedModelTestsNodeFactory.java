package org.mixedmodels.knime.tests;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Mixed Model Tests node (description in MixedModelTestsNodeFactory.xml next to this class). */
public final class MixedModelTestsNodeFactory extends NodeFactory<MixedModelTestsNodeModel> {

    @Override
    public MixedModelTestsNodeModel createNodeModel() {
        return new MixedModelTestsNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<MixedModelTestsNodeModel> createNodeView(final int viewIndex, final MixedModelTestsNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Mixed Model Tests node has no views.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new MixedModelTestsNodeDialog();
    }
}
