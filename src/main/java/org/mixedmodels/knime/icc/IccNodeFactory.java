package org.mixedmodels.knime.icc;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Intraclass Correlation node (description in IccNodeFactory.xml next to this class). */
public final class IccNodeFactory extends NodeFactory<IccNodeModel> {

    @Override
    public IccNodeModel createNodeModel() {
        return new IccNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<IccNodeModel> createNodeView(final int viewIndex, final IccNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Intraclass Correlation node has no views.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new IccNodeDialog();
    }
}
