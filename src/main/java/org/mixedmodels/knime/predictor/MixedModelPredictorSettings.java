package org.mixedmodels.knime.predictor;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;

/**
 * The Predictor's settings: output column name and which extra columns to append; for GLMMs the scale (response:
 * probabilities and rates; or link).
 */
final class MixedModelPredictorSettings {
    static final String HAS_CUSTOM_NAME = "has_custom_prediction_name";
    static final String CUSTOM_NAME = "custom_prediction_name";
    static final String INCLUDE_POPULATION = "include_population_prediction";
    static final String INCLUDE_STANDARD_ERROR = "include_standard_error";
    static final String INCLUDE_INTERVAL = "include_prediction_interval";
    static final String INTERVAL_LEVEL = "prediction_interval_level";
    static final String ESTIMATE_NEW_GROUPS = "estimate_new_groups";
    /** GLMMs: predictions on the link scale (log odds, log rate) instead of the response scale. */
    static final String LINK_SCALE = "link_scale";

    boolean hasCustomName;
    String customName = "";
    boolean includePopulation;
    boolean includeStandardError;
    boolean includeInterval;
    double intervalLevel = 0.95;
    boolean estimateNewGroups;
    boolean linkScale;

    void saveTo(final NodeSettingsWO s) {
        s.addBoolean(HAS_CUSTOM_NAME, hasCustomName);
        s.addString(CUSTOM_NAME, customName);
        s.addBoolean(INCLUDE_POPULATION, includePopulation);
        s.addBoolean(INCLUDE_STANDARD_ERROR, includeStandardError);
        s.addBoolean(INCLUDE_INTERVAL, includeInterval);
        s.addDouble(INTERVAL_LEVEL, intervalLevel);
        s.addBoolean(ESTIMATE_NEW_GROUPS, estimateNewGroups);
        s.addBoolean(LINK_SCALE, linkScale);
    }

    static MixedModelPredictorSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelPredictorSettings r = new MixedModelPredictorSettings();
        r.hasCustomName = s.getBoolean(HAS_CUSTOM_NAME);
        r.customName = s.getString(CUSTOM_NAME);
        r.includePopulation = s.getBoolean(INCLUDE_POPULATION);
        r.includeStandardError = s.getBoolean(INCLUDE_STANDARD_ERROR);
        r.includeInterval = s.getBoolean(INCLUDE_INTERVAL);
        r.intervalLevel = s.getDouble(INTERVAL_LEVEL);
        r.estimateNewGroups = s.getBoolean(ESTIMATE_NEW_GROUPS);
        r.linkScale = s.getBoolean(LINK_SCALE, false); // absent before GLMMs: the response scale
        return r;
    }

    void validate() throws InvalidSettingsException {
        if (hasCustomName && (customName == null || customName.isBlank())) {
            throw new InvalidSettingsException("The custom prediction column name is empty; enter a name or "
                + "untick \"Change prediction column name\".");
        }
        if (includeInterval && !(intervalLevel > 0 && intervalLevel < 1)) {
            throw new InvalidSettingsException("The prediction interval level must be between 0 and 1 (e.g. 0.95);"
                + " it is " + intervalLevel + ".");
        }
    }

    String predictionName(final String response) {
        return hasCustomName ? customName.trim() : "Prediction (" + response + ")";
    }

    /** A GLMM's prediction column: on the response scale as the linear model's, on the link scale named so. */
    String glmmPredictionName(final String response) {
        return hasCustomName ? customName.trim()
            : linkScale ? "Linear predictor (" + response + ")" : predictionName(response);
    }
}
