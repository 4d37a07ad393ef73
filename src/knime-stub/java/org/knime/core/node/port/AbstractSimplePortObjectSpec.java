package org.knime.core.node.port;

import java.io.IOException;
import java.util.zip.ZipEntry;

import javax.swing.JComponent;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContent;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;

/** Stand-in for KNIME's port spec that saves itself to a {@link ModelContentWO} (zip entry {@code content.xml}). */
public abstract class AbstractSimplePortObjectSpec implements PortObjectSpec {

    public AbstractSimplePortObjectSpec() {
    }

    protected abstract void save(ModelContentWO model);

    protected abstract void load(ModelContentRO model) throws InvalidSettingsException;

    /** As KNIME: specs of the same class are equal if they save the same content. */
    @Override
    public boolean equals(final Object ospec) {
        if (ospec == this) {
            return true;
        }
        if (ospec == null || !getClass().equals(ospec.getClass())) {
            return false;
        }
        ModelContent mine = new ModelContent("ignored");
        ModelContent other = new ModelContent("ignored");
        save(mine);
        ((AbstractSimplePortObjectSpec)ospec).save(other);
        return mine.equals(other);
    }

    @Override
    public int hashCode() {
        ModelContent mine = new ModelContent("ignored");
        save(mine);
        return mine.hashCode();
    }

    @Override
    public JComponent[] getViews() {
        return new JComponent[0];
    }

    /** Serializer of all subclasses; subclasses declare a concrete empty subclass of it. */
    public abstract static class AbstractSimplePortObjectSpecSerializer<T extends AbstractSimplePortObjectSpec>
        extends PortObjectSpecSerializer<T> {

        @Override
        public void savePortObjectSpec(final T spec, final PortObjectSpecZipOutputStream out) throws IOException {
            ModelContent model = new ModelContent("model.xml");
            model.addInt("version", 1);
            model.addString("class_name", spec.getClass().getName());
            spec.save(model.addModelContent("model"));
            out.putNextEntry(new ZipEntry("content.xml"));
            model.saveToXML(out);
            out.closeEntry();
        }

        @SuppressWarnings("unchecked")
        @Override
        public T loadPortObjectSpec(final PortObjectSpecZipInputStream in) throws IOException {
            ZipEntry entry = in.getNextEntry();
            if (entry == null || !"content.xml".equals(entry.getName())) {
                throw new IOException("Expected zip entry content.xml");
            }
            ModelContentRO model = ModelContent.loadFromXML(new AbstractSimplePortObject.NonClosing(in));
            try {
                String className = model.getString("class_name");
                Class<? extends PortObjectSpec> c = PortTypeRegistry.getInstance().getSpecClass(className)
                    .orElseThrow(() -> new IOException("No port type registered for spec class " + className));
                T result = (T)c.getConstructor().newInstance();
                result.load(model.getModelContent("model"));
                return result;
            } catch (InvalidSettingsException e) {
                throw new IOException("Unable to load spec content: " + e.getMessage(), e);
            } catch (ReflectiveOperationException e) {
                throw new IOException("Failed to instantiate port spec: " + e, e);
            }
        }
    }
}
