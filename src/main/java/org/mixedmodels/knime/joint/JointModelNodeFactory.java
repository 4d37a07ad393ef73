package org.mixedmodels.knime.joint;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Joint Model Learner node (description in JointModelNodeFactory.xml next to this class). */
public final class JointModelNodeFactory extends NodeFactory<JointModelNodeModel> {

    @Override
    public JointModelNodeModel createNodeModel() {
        return new JointModelNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<JointModelNodeModel> createNodeView(final int viewIndex, final JointModelNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Joint Model Learner node has no views.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new JointModelNodeDialog();
    }
}
