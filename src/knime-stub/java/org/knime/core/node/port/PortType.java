package org.knime.core.node.port;

/** Stand-in for KNIME's port type: the port object class and whether the port is optional. */
public final class PortType {
    private final Class<? extends PortObject> objectClass;
    private final boolean optional;

    PortType(final Class<? extends PortObject> objectClass, final boolean optional) {
        this.objectClass = objectClass;
        this.optional = optional;
    }

    public Class<? extends PortObject> getPortObjectClass() {
        return objectClass;
    }

    public boolean isOptional() {
        return optional;
    }

    public String getName() {
        return objectClass.getSimpleName();
    }

    public boolean acceptsPortObjectClass(final Class<? extends PortObject> c) {
        return objectClass.isAssignableFrom(c);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof PortType && ((PortType)o).objectClass == objectClass && ((PortType)o).optional == optional;
    }

    @Override
    public int hashCode() {
        return objectClass.hashCode() + (optional ? 1 : 0);
    }

    @Override
    public String toString() {
        return getName() + (optional ? " (optional)" : "");
    }
}
