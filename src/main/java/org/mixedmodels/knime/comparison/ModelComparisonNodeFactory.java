package org.mixedmodels.knime.comparison;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Mixed Model Comparison node (description in ModelComparisonNodeFactory.xml next to this class). */
public final class ModelComparisonNodeFactory extends NodeFactory<ModelComparisonNodeModel> {

    @Override
    public ModelComparisonNodeModel createNodeModel() {
        return new ModelComparisonNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<ModelComparisonNodeModel> createNodeView(final int viewIndex,
        final ModelComparisonNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Mixed Model Comparison node has no views.");
    }

    /** Nothing to configure: the models and the table say everything. */
    @Override
    protected boolean hasDialog() {
        return false;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        throw new UnsupportedOperationException("The Mixed Model Comparison node has no dialog.");
    }
}
