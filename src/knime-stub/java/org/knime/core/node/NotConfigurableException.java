package org.knime.core.node;

/** Stand-in for KNIME's exception a dialog throws when it cannot be opened for the given input. */
public class NotConfigurableException extends Exception {
    private static final long serialVersionUID = 1L;

    public NotConfigurableException(final String message) {
        super(message);
    }

    public NotConfigurableException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
