package org.mixedmodels.engine.inference;

import java.util.Locale;
import org.mixedmodels.engine.MixedModelException;

/** How the denominator degrees of freedom of t and F tests are found. */
public enum DfMethod {
    /** Satterthwaite's approximation, as lmerTest (the default for REML fits). */
    SATTERTHWAITE("satterthwaite"),
    /** Kenward and Roger (1997), as pbkrtest and SAS DDFM=KR: adjusted covariance and scaled F. */
    KENWARD_ROGER("kenward-roger"),
    /**
     * Kenward-Roger without the second derivatives of V in the adjusted covariance (mmrm's
     * "Kenward-Roger-Linear"); the same as KR where V is linear in its parameters (us, toep, cs, diag).
     */
    KENWARD_ROGER_LINEAR("kenward-roger-linear"),
    /** n - p for every test. */
    RESIDUAL("residual"),
    /** Between/within as nlme and SAS DDFM=BW: df at the grouping level where a coefficient varies. */
    BETWEEN_WITHIN("between-within"),
    /** No df: z and chi-square tests. */
    NONE("none");

    private final String label;

    DfMethod(String label) {
        this.label = label;
    }

    /** The name used on the command line and in settings. */
    public String label() {
        return label;
    }

    public static DfMethod parse(String text) {
        for (DfMethod m : values()) {
            if (m.label.equals(text.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new MixedModelException("Unknown df method '" + text
                + "'; choose satterthwaite, kenward-roger, kenward-roger-linear, residual, between-within or none.");
    }
}
