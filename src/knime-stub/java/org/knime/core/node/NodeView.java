package org.knime.core.node;

import java.awt.Component;

/** Stand-in for KNIME's Swing node view. */
public abstract class NodeView<T extends NodeModel> extends AbstractNodeView<T> {
    private Component component;

    protected NodeView(final T model) {
        super(model);
    }

    protected T getNodeModel() {
        return getViewableModel();
    }

    protected abstract void onClose();

    protected abstract void onOpen();

    protected final void setComponent(final Component comp) {
        component = comp;
    }

    Component component() {
        return component;
    }
}
