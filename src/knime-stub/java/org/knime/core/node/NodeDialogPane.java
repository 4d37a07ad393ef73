package org.knime.core.node;

import java.awt.Component;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.swing.JTabbedPane;

import org.knime.core.data.DataTableSpec;
import org.knime.core.node.port.PortObjectSpec;

/** Stand-in for KNIME's Swing node dialog: tabs of components that load and save node settings. */
public abstract class NodeDialogPane {
    private final Map<String, Component> tabs = new LinkedHashMap<>();

    protected NodeDialogPane() {
    }

    protected abstract void saveSettingsTo(NodeSettingsWO settings) throws InvalidSettingsException;

    protected void loadSettingsFrom(final NodeSettingsRO settings, final PortObjectSpec[] specs)
        throws NotConfigurableException {
        DataTableSpec[] tableSpecs = new DataTableSpec[specs.length];
        for (int i = 0; i < specs.length; i++) {
            tableSpecs[i] = specs[i] instanceof DataTableSpec ? (DataTableSpec)specs[i] : null;
        }
        loadSettingsFrom(settings, tableSpecs);
    }

    protected void loadSettingsFrom(final NodeSettingsRO settings, final DataTableSpec[] specs)
        throws NotConfigurableException {
        throw new NotConfigurableException("NodeDialogPane.loadSettingsFrom() implementation missing!");
    }

    protected final void addTab(final String title, final Component component) {
        tabs.put(title, component);
    }

    protected final void addTab(final String title, final Component component, final boolean wrapInScrollPane) {
        tabs.put(title, component);
    }

    public void onOpen() {
    }

    public void onClose() {
    }

    public void onCancel() {
    }

    /** Stand-in only: the tabs as KNIME would lay them out. */
    JTabbedPane tabbedPane() {
        JTabbedPane pane = new JTabbedPane();
        tabs.forEach(pane::addTab);
        return pane;
    }

    Map<String, Component> tabs() {
        return tabs;
    }
}
