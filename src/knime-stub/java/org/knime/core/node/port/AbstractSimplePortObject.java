package org.knime.core.node.port;

import java.io.IOException;
import java.util.zip.ZipEntry;

import javax.swing.JComponent;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContent;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;

/**
 * Stand-in for KNIME's port object that saves itself to a {@link ModelContentWO}. Saved as zip entry
 * {@code content.xml} holding {@code class_name} and the {@code model} subtree, as KNIME does.
 */
public abstract class AbstractSimplePortObject implements PortObject {

    public AbstractSimplePortObject() {
    }

    protected abstract void save(ModelContentWO model, ExecutionMonitor exec) throws CanceledExecutionException;

    protected abstract void load(ModelContentRO model, PortObjectSpec spec, ExecutionMonitor exec)
        throws InvalidSettingsException, CanceledExecutionException;

    @Override
    public JComponent[] getViews() {
        return new JComponent[0];
    }

    /** Serializer of all subclasses; subclasses declare a concrete empty subclass of it. */
    public abstract static class AbstractSimplePortObjectSerializer<T extends AbstractSimplePortObject>
        extends PortObjectSerializer<T> {

        @Override
        public void savePortObject(final T portObject, final PortObjectZipOutputStream out,
            final ExecutionMonitor exec) throws IOException, CanceledExecutionException {
            ModelContent model = new ModelContent("model.xml");
            model.addInt("version", 1);
            model.addString("class_name", portObject.getClass().getName());
            portObject.save(model.addModelContent("model"), exec);
            out.putNextEntry(new ZipEntry("content.xml"));
            model.saveToXML(out);
            out.closeEntry();
        }

        @SuppressWarnings("unchecked")
        @Override
        public T loadPortObject(final PortObjectZipInputStream in, final PortObjectSpec spec,
            final ExecutionMonitor exec) throws IOException, CanceledExecutionException {
            ZipEntry entry = in.getNextEntry();
            if (entry == null || !"content.xml".equals(entry.getName())) {
                throw new IOException("Expected zip entry content.xml, got " + (entry == null ? "none" : entry.getName()));
            }
            ModelContentRO model = ModelContent.loadFromXML(new NonClosing(in));
            try {
                String className = model.getString("class_name");
                Class<? extends PortObject> c = PortTypeRegistry.getInstance().getObjectClass(className)
                    .orElseThrow(() -> new IOException("No port type registered for class " + className));
                T result = (T)c.getConstructor().newInstance();
                result.load(model.getModelContent("model"), spec, exec);
                return result;
            } catch (InvalidSettingsException e) {
                throw new IOException("Unable to load model content: " + e.getMessage(), e);
            } catch (ReflectiveOperationException e) {
                throw new IOException("Failed to instantiate port object: " + e, e);
            }
        }
    }

    /** Keeps an XML parser from closing the zip stream. */
    static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(final java.io.InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the zip stream stays open for the next entry
        }
    }
}
