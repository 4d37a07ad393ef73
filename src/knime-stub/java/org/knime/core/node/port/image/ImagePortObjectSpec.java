package org.knime.core.node.port.image;

import javax.swing.JComponent;
import javax.swing.JLabel;

import org.knime.core.data.DataCell;
import org.knime.core.data.DataType;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;
import org.knime.core.node.port.AbstractSimplePortObjectSpec;

/** Stand-in for KNIME's image port spec: the cell type of the image ({@code PNGImageContent.TYPE}). */
public final class ImagePortObjectSpec extends AbstractSimplePortObjectSpec {
    public static final class Serializer extends AbstractSimplePortObjectSpecSerializer<ImagePortObjectSpec> {
    }

    private DataType m_type;

    public ImagePortObjectSpec(final DataType type) {
        if (type == null) {
            throw new NullPointerException("Argument must not be null.");
        }
        m_type = type;
    }

    public ImagePortObjectSpec() {
        // no op
    }

    public DataType getDataType() {
        return m_type;
    }

    @Override
    public JComponent[] getViews() {
        JLabel l = new JLabel("Image of type \"" + getDataType() + "\"");
        l.setName("Image Spec");
        return new JComponent[]{l};
    }

    @Override
    protected void load(final ModelContentRO model) throws InvalidSettingsException {
        // the stand-in's DataType has no save/load: the cell class is stored by name
        String cellClass = model.getString("cell_class");
        try {
            m_type = DataType.getType(Class.forName(cellClass).asSubclass(DataCell.class));
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new InvalidSettingsException("Unknown image cell class " + cellClass, e);
        }
    }

    @Override
    protected void save(final ModelContentWO model) {
        model.addString("cell_class", m_type.getCellClass().getName());
    }
}
