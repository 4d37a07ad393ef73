package org.knime.core.node;

/** Stand-in for KNIME's exception thrown when the user cancels a running node. */
public class CanceledExecutionException extends Exception {
    private static final long serialVersionUID = 1L;

    public CanceledExecutionException() {
        super("Execution canceled");
    }

    public CanceledExecutionException(final String message) {
        super(message);
    }
}
