package org.knime.core.node.port;

import java.io.IOException;
import java.util.zip.ZipEntry;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContent;
import org.knime.core.node.ModelContentRO;

/**
 * Stand-in for KNIME's port object that writes its own zip entries after a {@code meta.xml} entry naming its class
 * (as the real serializer does).
 */
public abstract class AbstractPortObject implements PortObject {

    public AbstractPortObject() {
    }

    protected abstract void save(PortObjectZipOutputStream out, ExecutionMonitor exec)
        throws IOException, CanceledExecutionException;

    protected abstract void load(PortObjectZipInputStream in, PortObjectSpec spec, ExecutionMonitor exec)
        throws IOException, CanceledExecutionException;

    /** Serializer of all subclasses; subclasses declare a concrete empty subclass of it. */
    public abstract static class AbstractPortObjectSerializer<T extends AbstractPortObject>
        extends PortObjectSerializer<T> {

        @SuppressWarnings("unchecked")
        @Override
        public T loadPortObject(final PortObjectZipInputStream in, final PortObjectSpec spec,
            final ExecutionMonitor exec) throws IOException, CanceledExecutionException {
            ZipEntry entry = in.getNextEntry();
            if (entry == null || !"meta.xml".equals(entry.getName())) {
                throw new IOException("Expected meta.xml file in stream, got " + (entry == null ? "none" : entry.getName()));
            }
            ModelContentRO meta = ModelContent.loadFromXML(new AbstractSimplePortObject.NonClosing(in));
            try {
                String className = meta.getString("class_name");
                Class<? extends PortObject> c = PortTypeRegistry.getInstance().getObjectClass(className)
                    .orElseThrow(() -> new IOException("No port type registered for class " + className));
                T result = (T)c.getConstructor().newInstance();
                result.load(in, spec, exec);
                return result;
            } catch (InvalidSettingsException e) {
                throw new IOException("Unable to load settings", e);
            } catch (ReflectiveOperationException e) {
                throw new IOException("Failed to instantiate port object: " + e, e);
            }
        }

        @Override
        public void savePortObject(final T portObject, final PortObjectZipOutputStream out, final ExecutionMonitor exec)
            throws IOException, CanceledExecutionException {
            out.putNextEntry(new ZipEntry("meta.xml"));
            ModelContent meta = new ModelContent("meta.xml");
            meta.addInt("version", 1);
            meta.addString("class_name", portObject.getClass().getName());
            meta.saveToXML(new java.io.FilterOutputStream(out) {
                @Override
                public void close() {
                    // the zip stream stays open for the object's own entries
                }
            });
            out.closeEntry();
            portObject.save(out, exec);
        }
    }
}
