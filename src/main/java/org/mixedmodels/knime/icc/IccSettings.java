package org.mixedmodels.knime.icc;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.reliability.MixedModelIcc;
import org.mixedmodels.knime.data.ColumnTyping;

/**
 * The ICC node's settings. An empty rater column means: the mixed-model ICC only. The table is read as the Learner
 * reads it ({@link ColumnTyping}: numeric columns treated as categorical, missing-value tokens).
 */
final class IccSettings {
    static final String SUBJECT_COLUMN = "subject_column";
    static final String VALUE_COLUMN = "value_column";
    static final String RATER_COLUMN = "rater_column";
    static final String BOOTSTRAP_REPLICATES = "bootstrap_replicates";
    static final String SEED = "seed";
    static final String CONFIDENCE_LEVEL = "confidence_level";

    String subjectColumn = "";
    String valueColumn = "";
    String raterColumn = "";
    int bootstrapReplicates = MixedModelIcc.DEFAULT_REPLICATES;
    long seed = MixedModelIcc.DEFAULT_SEED;
    double confidenceLevel = MixedModelIcc.DEFAULT_CONFIDENCE;
    ColumnTyping typing = ColumnTyping.DEFAULT;

    void saveTo(final NodeSettingsWO s) {
        s.addString(SUBJECT_COLUMN, subjectColumn);
        s.addString(VALUE_COLUMN, valueColumn);
        s.addString(RATER_COLUMN, raterColumn);
        s.addInt(BOOTSTRAP_REPLICATES, bootstrapReplicates);
        s.addLong(SEED, seed);
        s.addDouble(CONFIDENCE_LEVEL, confidenceLevel);
        typing.saveTo(s);
    }

    static IccSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        IccSettings r = new IccSettings();
        r.subjectColumn = s.getString(SUBJECT_COLUMN);
        r.valueColumn = s.getString(VALUE_COLUMN);
        r.raterColumn = s.getString(RATER_COLUMN);
        r.bootstrapReplicates = s.getInt(BOOTSTRAP_REPLICATES);
        r.seed = s.getLong(SEED);
        r.confidenceLevel = s.getDouble(CONFIDENCE_LEVEL);
        r.typing = ColumnTyping.loadFrom(s); // absent in workflows saved before it existed: none, NA
        return r;
    }

    void validate() throws InvalidSettingsException {
        if (subjectColumn == null || subjectColumn.isBlank() || valueColumn == null || valueColumn.isBlank()) {
            throw new InvalidSettingsException("Choose the subject column and the value column.");
        }
        if (subjectColumn.equals(valueColumn) || subjectColumn.equals(raterColumn) || valueColumn.equals(raterColumn)) {
            throw new InvalidSettingsException("The subject, value and rater columns must be different columns.");
        }
        if (bootstrapReplicates < 0) {
            throw new InvalidSettingsException("The number of bootstrap replicates must be 0 (no interval) or more; it is "
                + bootstrapReplicates + ".");
        }
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new InvalidSettingsException("The confidence level must be between 0 and 1 (e.g. 0.95); it is "
                + confidenceLevel + ".");
        }
    }

    boolean hasRater() {
        return raterColumn != null && !raterColumn.isBlank();
    }
}
