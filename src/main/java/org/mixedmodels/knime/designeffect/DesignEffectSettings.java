package org.mixedmodels.knime.designeffect;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.knime.data.ColumnTyping;

/**
 * The Design Effect node's settings: from data (cluster and outcome columns, optional adjusting columns) or,
 * for planning, from a given ICC, mean cluster size, total n and coefficient of variation of cluster sizes. The table
 * is read as the Learner reads it ({@link ColumnTyping}).
 */
final class DesignEffectSettings {
    static final String FROM_DATA = "from_data";
    static final String CLUSTER_COLUMN = "cluster_column";
    static final String VALUE_COLUMN = "value_column";
    static final String FIXED_COLUMNS = "fixed_columns";
    static final String ICC = "icc";
    static final String CLUSTER_SIZE = "cluster_size";
    static final String SAMPLE_SIZE = "sample_size";
    static final String CLUSTER_SIZE_CV = "cluster_size_cv";

    boolean fromData = true;
    String clusterColumn = "";
    String valueColumn = "";
    String[] fixedColumns = {};
    double icc = 0.05;
    double clusterSize = 5;
    double sampleSize = 100;
    double clusterSizeCv;
    ColumnTyping typing = ColumnTyping.DEFAULT;

    void saveTo(final NodeSettingsWO s) {
        s.addBoolean(FROM_DATA, fromData);
        s.addString(CLUSTER_COLUMN, clusterColumn);
        s.addString(VALUE_COLUMN, valueColumn);
        s.addStringArray(FIXED_COLUMNS, fixedColumns);
        s.addDouble(ICC, icc);
        s.addDouble(CLUSTER_SIZE, clusterSize);
        s.addDouble(SAMPLE_SIZE, sampleSize);
        s.addDouble(CLUSTER_SIZE_CV, clusterSizeCv);
        typing.saveTo(s);
    }

    static DesignEffectSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        DesignEffectSettings r = new DesignEffectSettings();
        r.fromData = s.getBoolean(FROM_DATA);
        r.clusterColumn = s.getString(CLUSTER_COLUMN);
        r.valueColumn = s.getString(VALUE_COLUMN);
        String[] fixed = s.getStringArray(FIXED_COLUMNS);
        r.fixedColumns = fixed == null ? new String[0] : fixed;
        r.icc = s.getDouble(ICC);
        r.clusterSize = s.getDouble(CLUSTER_SIZE);
        r.sampleSize = s.getDouble(SAMPLE_SIZE);
        r.clusterSizeCv = s.getDouble(CLUSTER_SIZE_CV);
        r.typing = ColumnTyping.loadFrom(s); // absent in workflows saved before it existed: none, NA
        return r;
    }

    void validate() throws InvalidSettingsException {
        if (fromData) {
            if (clusterColumn == null || clusterColumn.isBlank() || valueColumn == null || valueColumn.isBlank()) {
                throw new InvalidSettingsException("Choose the cluster column and the outcome column, or switch to "
                    + "planning with a given ICC.");
            }
            if (clusterColumn.equals(valueColumn)) {
                throw new InvalidSettingsException("The cluster and outcome columns must be different columns.");
            }
            return;
        }
        if (!(icc >= 0 && icc <= 1)) {
            throw new InvalidSettingsException("The ICC must be between 0 and 1; it is " + icc + ".");
        }
        if (!(clusterSize >= 1)) {
            throw new InvalidSettingsException("The mean cluster size must be at least 1; it is " + clusterSize + ".");
        }
        if (!(sampleSize > 0)) {
            throw new InvalidSettingsException("The total sample size must be positive; it is " + sampleSize + ".");
        }
        if (!(clusterSizeCv >= 0)) {
            throw new InvalidSettingsException("The coefficient of variation of cluster sizes must be 0 or more; it is "
                + clusterSizeCv + ".");
        }
    }
}
