package org.knime.core.node;

/** Stand-in for KNIME's base class of node views. */
public abstract class AbstractNodeView<T extends NodeModel> {
    private final T model;

    protected AbstractNodeView(final T model) {
        this.model = model;
    }

    protected T getNodeModel() {
        return model;
    }

    protected abstract void modelChanged();
}
