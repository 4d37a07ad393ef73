package org.mixedmodels.engine.inference;

import java.util.Locale;
import org.mixedmodels.engine.MixedModelException;

/**
 * Which covariance of the fixed effects tests and intervals use: the model-based (X' V^-1 X)^-1, or a sandwich
 * estimate clustered by subject that stays valid when V is misspecified (mmrm's {@code vcov = "Asymptotic"},
 * {@code "Empirical"} and {@code "Empirical-Bias-Reduced"}; SAS PROC MIXED's EMPIRICAL option is CR0).
 */
public enum CovarianceType {
    /** (X' V^-1 X)^-1 at the estimated V. */
    MODEL("model"),
    /** The cluster sandwich without small-sample correction (CR0; Liang and Zeger 1986). */
    EMPIRICAL("empirical"),
    /** Bell and McCaffrey's (2002) bias-reduced sandwich (CR2) with the fitted V as working model. */
    EMPIRICAL_CR2("empirical-cr2");

    private final String label;

    CovarianceType(String label) {
        this.label = label;
    }

    /** The name used on the command line and in the JSON output. */
    public String label() {
        return label;
    }

    public static CovarianceType parse(String text) {
        for (CovarianceType t : values()) {
            if (t.label.equals(text.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new MixedModelException("Unknown covariance '" + text + "'; choose model, empirical or empirical-cr2.");
    }
}
