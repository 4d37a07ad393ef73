package org.mixedmodels.knime.tests;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;
import org.mixedmodels.engine.inference.LinearContrasts;

/**
 * The Mixed Model Tests node's settings: the factors of the LS means, by factors, the contrasts (pairwise or treatment
 * versus control), df method, the covariance of the fixed effects and the multi-df test with a sandwich, and level.
 */
final class MixedModelTestsSettings {
    static final String SPECS = "lsmeans_factors";
    static final String BY = "by_factors";
    static final String DF_METHOD = "df_method";
    static final String CONFIDENCE_LEVEL = "confidence_level";
    /** Covariance of the fixed effects: model, empirical (CR0) or empirical-cr2 (CR2); absent in older workflows. */
    static final String VCOV = "fixed_effects_covariance";
    /** Which contrasts: pairwise or trt.vs.ctrl (emmeans' names); absent in older workflows (pairwise). */
    static final String CONTRASTS = "contrasts";
    /**
     * The multi-df test with a sandwich covariance: eigen (Wald F, eigen-contrast df) or htz (clubSandwich's HTZ test),
     * the CLI's {@code --robust-test}; absent in older workflows (eigen).
     */
    static final String ROBUST_TEST = "robust_test";
    static final String EIGEN = "eigen";
    static final String HTZ = "htz";

    String[] specs = {};
    String[] by = {};
    String dfMethod = DfMethod.SATTERTHWAITE.label();
    double confidenceLevel = 0.95;
    String vcov = CovarianceType.MODEL.label();
    String contrasts = EstimatedMarginalMeans.Contrasts.PAIRWISE.label();
    String robustTest = EIGEN;

    void saveTo(final NodeSettingsWO s) {
        s.addStringArray(SPECS, specs);
        s.addStringArray(BY, by);
        s.addString(DF_METHOD, dfMethod);
        s.addDouble(CONFIDENCE_LEVEL, confidenceLevel);
        s.addString(VCOV, vcov);
        s.addString(CONTRASTS, contrasts);
        s.addString(ROBUST_TEST, robustTest);
    }

    static MixedModelTestsSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelTestsSettings r = new MixedModelTestsSettings();
        String[] specs = s.getStringArray(SPECS);
        String[] by = s.getStringArray(BY);
        r.specs = specs == null ? new String[0] : specs;
        r.by = by == null ? new String[0] : by;
        r.dfMethod = s.getString(DF_METHOD);
        r.confidenceLevel = s.getDouble(CONFIDENCE_LEVEL);
        r.vcov = s.getString(VCOV, CovarianceType.MODEL.label());
        r.contrasts = s.getString(CONTRASTS, EstimatedMarginalMeans.Contrasts.PAIRWISE.label());
        r.robustTest = s.getString(ROBUST_TEST, EIGEN);
        return r;
    }

    void validate() throws InvalidSettingsException {
        dfMethod();
        contrasts();
        covariance();
        htz();
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new InvalidSettingsException("The confidence level must be between 0 and 1 (e.g. 0.95); it is "
                + confidenceLevel + ".");
        }
        if (specs.length == 0 && by.length > 0) {
            throw new InvalidSettingsException("By factors need factors to compare: choose at least one LS-means "
                + "factor (e.g. treatment by visit).");
        }
        for (String b : by) {
            if (java.util.Arrays.asList(specs).contains(b)) {
                throw new InvalidSettingsException("'" + b + "' is both an LS-means factor and a by factor; choose it "
                    + "once.");
            }
        }
    }

    /** The covariance of the fixed effects; Kenward-Roger with a sandwich refused, as the CLI refuses it. */
    CovarianceType covariance() throws InvalidSettingsException {
        DfMethod df = dfMethod();
        try {
            CovarianceType type = CovarianceType.parse(vcov == null ? "" : vcov);
            LinearContrasts.requireCompatible(df, type);
            return type;
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    /** Whether the multi-df tests under a sandwich are clubSandwich's HTZ tests; refused without a sandwich. */
    boolean htz() throws InvalidSettingsException {
        if (!EIGEN.equals(robustTest) && !HTZ.equals(robustTest)) {
            throw new InvalidSettingsException("Unknown robust test '" + robustTest + "'; choose eigen (the Wald F "
                + "test with eigen-contrast df) or htz (clubSandwich's HTZ test).");
        }
        boolean htz = HTZ.equals(robustTest);
        try {
            LinearContrasts.requireHtzCompatible(htz, dfMethod(), covariance());
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        return htz;
    }

    EstimatedMarginalMeans.Contrasts contrasts() throws InvalidSettingsException {
        try {
            return EstimatedMarginalMeans.Contrasts.parse(contrasts);
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    DfMethod dfMethod() throws InvalidSettingsException {
        try {
            return DfMethod.parse(dfMethod);
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }
}
