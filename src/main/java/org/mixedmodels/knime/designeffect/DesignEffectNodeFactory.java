package org.mixedmodels.knime.designeffect;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Design Effect node (description in DesignEffectNodeFactory.xml next to this class). */
public final class DesignEffectNodeFactory extends NodeFactory<DesignEffectNodeModel> {

    @Override
    public DesignEffectNodeModel createNodeModel() {
        return new DesignEffectNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<DesignEffectNodeModel> createNodeView(final int viewIndex, final DesignEffectNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Design Effect node has no views.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new DesignEffectNodeDialog();
    }
}
