package org.knime.core.node;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Stand-in for KNIME's logger; writes through java.util.logging. */
public final class NodeLogger {
    private final Logger logger;

    private NodeLogger(final String name) {
        logger = Logger.getLogger(name);
    }

    public static NodeLogger getLogger(final Class<?> c) {
        return new NodeLogger(c.getName());
    }

    public static NodeLogger getLogger(final String s) {
        return new NodeLogger(s);
    }

    public void debug(final Object o) {
        logger.log(Level.FINE, String.valueOf(o));
    }

    public void info(final Object o) {
        logger.log(Level.INFO, String.valueOf(o));
    }

    public void warn(final Object o) {
        logger.log(Level.WARNING, String.valueOf(o));
    }

    public void warn(final Object o, final Throwable t) {
        logger.log(Level.WARNING, String.valueOf(o), t);
    }

    public void error(final Object o) {
        logger.log(Level.SEVERE, String.valueOf(o));
    }

    public void error(final Object o, final Throwable t) {
        logger.log(Level.SEVERE, String.valueOf(o), t);
    }

    public void coding(final Object o) {
        logger.log(Level.SEVERE, String.valueOf(o));
    }
}
