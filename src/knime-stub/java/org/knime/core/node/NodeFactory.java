package org.knime.core.node;

/** Stand-in for KNIME's node factory: creates a node's model, dialog and views. */
public abstract class NodeFactory<T extends NodeModel> {

    /** What kind of node this is (the node description's {@code type}). */
    public enum NodeType {
        Source, Sink, Learner, Predictor, Manipulator, Visualizer, Widget, LoopStart, LoopEnd, ScopeStart,
        ScopeEnd, QuickForm, Configuration, Container, Meta, Subnode, VirtualIn, VirtualOut, Missing, Unknown,
        Other
    }

    protected NodeFactory() {
    }

    protected NodeFactory(final boolean lazyInitialization) {
    }

    public abstract T createNodeModel();

    protected abstract int getNrNodeViews();

    public abstract NodeView<T> createNodeView(int viewIndex, T nodeModel);

    protected abstract boolean hasDialog();

    protected abstract NodeDialogPane createNodeDialogPane();

    public NodeType getType() {
        return NodeType.Other;
    }
}
