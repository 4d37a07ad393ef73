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

    /** Deprecated for removal since KNIME 5.6 (Swing dialogs and views retired); still abstract. */
    @Deprecated(since = "5.6", forRemoval = true)
    public abstract NodeView<T> createNodeView(int viewIndex, T nodeModel);

    /** Deprecated for removal since KNIME 5.6 (Swing dialogs and views retired); still abstract. */
    @Deprecated(since = "5.6", forRemoval = true)
    protected abstract boolean hasDialog();

    /** Deprecated for removal since KNIME 5.6 (Swing dialogs and views retired); still abstract. */
    @Deprecated(since = "5.6", forRemoval = true)
    protected abstract NodeDialogPane createNodeDialogPane();

    public NodeType getType() {
        return NodeType.Other;
    }
}
