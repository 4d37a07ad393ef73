package org.mixedmodels.knime.data;

import java.util.LinkedHashMap;
import java.util.Map;

import org.knime.core.node.InvalidSettingsException;

/** The dialogs' reference levels, one {@code column=level} entry per line, as a map. */
public final class ReferenceLevels {
    private ReferenceLevels() {
    }

    /**
     * @param example an entry to show in the message, e.g. {@code treatment=placebo}
     */
    public static Map<String, String> parse(final String[] entries, final String example)
        throws InvalidSettingsException {
        Map<String, String> map = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new InvalidSettingsException("Reference level '" + entry + "' must be written as "
                    + "column=level, e.g. " + example + ".");
            }
            String column = entry.substring(0, eq).trim();
            if (map.put(column, entry.substring(eq + 1).trim()) != null) {
                throw new InvalidSettingsException("Column '" + column + "' has more than one reference level.");
            }
        }
        return map;
    }
}
