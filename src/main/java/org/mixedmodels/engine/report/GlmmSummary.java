package org.mixedmodels.engine.report;

import java.util.ArrayList;
import java.util.List;

import org.mixedmodels.engine.glmm.GlmmResult;

/**
 * A GLMM's random part read from its {@link GlmmResult} in lme4's shapes ({@code VarCorr}, {@code ranef} with
 * {@code condVar}, {@code ngrps}), shared by the text and JSON reports and the KNIME model port.
 */
public final class GlmmSummary {
    private GlmmSummary() {
    }

    /** A grouping factor and its number of levels. */
    public record Group(String name, int levels) {
    }

    /** A row of lme4's {@code as.data.frame(VarCorr(m))}: a variance (var2 null) or a covariance/correlation. */
    public record VarCorr(String group, String var1, String var2, double vcov, double sdcor) {
    }

    /** A conditional mode with its conditional SD ({@code ranef(m, condVar = TRUE)}). */
    public record Mode(String group, String term, String level, double value, double condsd) {
    }

    public static List<Group> groups(GlmmResult r) {
        return List.of(new Group(r.groupName(), r.levels().size()));
    }

    public static double[] theta(GlmmResult r) {
        return new double[] {r.theta()};
    }

    /** lme4's {@code isSingular}: a theta of a variance at its bound 0 (tolerance 1e-4). */
    public static boolean singular(GlmmResult r) {
        return r.theta() < 1e-4;
    }

    public static List<VarCorr> varCorr(GlmmResult r) {
        return List.of(new VarCorr(r.groupName(), "(Intercept)", null, r.variance(), r.theta()));
    }

    public static List<Mode> modes(GlmmResult r) {
        List<Mode> out = new ArrayList<>();
        for (int j = 0; j < r.levels().size(); j++) {
            out.add(new Mode(r.groupName(), "(Intercept)", r.levels().get(j), r.modes()[j], r.condsd()[j]));
        }
        return out;
    }
}
