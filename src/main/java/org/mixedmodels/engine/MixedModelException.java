package org.mixedmodels.engine;

/**
 * The engine's one unchecked exception type for input a user can correct: a formula that does not
 * parse, a column that is missing or of the wrong kind, a design that cannot be fitted. The message
 * always says what is wrong, where (column, row, position) and what to do about it; callers (the
 * command line, the KNIME nodes) show it to the user as it is.
 */
public class MixedModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MixedModelException(String message) {
        super(message);
    }

    public MixedModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
