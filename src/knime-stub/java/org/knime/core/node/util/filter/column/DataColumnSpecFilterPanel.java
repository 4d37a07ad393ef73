package org.knime.core.node.util.filter.column;

import javax.swing.ListCellRenderer;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.util.DataColumnSpecListCellRenderer;
import org.knime.core.node.util.filter.NameFilterPanel;

/** Stand-in for KNIME's column filter panel: include/exclude lists of a spec's columns with type icons and search. */
@SuppressWarnings("serial")
public class DataColumnSpecFilterPanel extends NameFilterPanel<DataColumnSpec> {
    private DataTableSpec spec = new DataTableSpec();

    public DataColumnSpecFilterPanel() {
    }

    /** Shows the spec's columns, included as the configuration says. */
    public void loadConfiguration(final DataColumnSpecFilterConfiguration config, final DataTableSpec spec) {
        this.spec = spec;
        super.loadConfiguration(config, spec.getColumnNames());
    }

    @Override
    protected DataColumnSpec getTforName(final String name) {
        return spec.getColumnSpec(name);
    }

    @Override
    protected String getNameForT(final DataColumnSpec t) {
        return t.getName();
    }

    @Override
    @Deprecated
    @SuppressWarnings("rawtypes")
    protected ListCellRenderer getListCellRenderer() {
        return new DataColumnSpecListCellRenderer();
    }

    @Override
    public void hideNames(final DataColumnSpec... names) {
        super.hideNames(names);
    }

    @Override
    public void resetHiding() {
        super.resetHiding();
    }

    @Override
    public void setEnabled(final boolean enabled) {
        super.setEnabled(enabled);
    }
}
