package org.mixedmodels.knime.diagnostics;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeFactory;
import org.knime.core.node.NodeView;

/** The Mixed Model Diagnostics node (description in MixedModelDiagnosticsNodeFactory.xml next to this class). */
public final class MixedModelDiagnosticsNodeFactory extends NodeFactory<MixedModelDiagnosticsNodeModel> {

    @Override
    public MixedModelDiagnosticsNodeModel createNodeModel() {
        return new MixedModelDiagnosticsNodeModel();
    }

    @Override
    protected int getNrNodeViews() {
        return 0;
    }

    @Override
    public NodeView<MixedModelDiagnosticsNodeModel> createNodeView(final int viewIndex,
        final MixedModelDiagnosticsNodeModel nodeModel) {
        throw new IndexOutOfBoundsException("The Mixed Model Diagnostics node has no views; its plots are image ports.");
    }

    @Override
    protected boolean hasDialog() {
        return true;
    }

    @Override
    protected NodeDialogPane createNodeDialogPane() {
        return new MixedModelDiagnosticsNodeDialog();
    }
}
