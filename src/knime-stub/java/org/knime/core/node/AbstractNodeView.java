package org.knime.core.node;

/** Stand-in for KNIME's base class of node views. */
public abstract class AbstractNodeView<T extends AbstractNodeView.ViewableModel> {
    /** What a view shows (KNIME: NodeModel and others). */
    public interface ViewableModel {
    }

    private final T model;

    protected AbstractNodeView(final T model) {
        this.model = model;
    }

    protected final T getViewableModel() {
        return model;
    }

    protected abstract void modelChanged();
}
