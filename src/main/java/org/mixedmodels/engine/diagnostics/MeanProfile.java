package org.mixedmodels.engine.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.formula.Term;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.EstimatedMarginalMeans;

/**
 * LS means with confidence intervals over the levels of one factor, one trace per level of another, as emmeans'
 * {@code emmip(fit, arm ~ visit, CIs = TRUE)} draws them. By default the x factor is the residual structure's
 * categorical time when it is a fixed effect (the visits of an MMRM), otherwise the first categorical fixed-effect
 * variable; the trace factor is the first other categorical fixed-effect variable (none: one trace).
 *
 * @param xFactor the factor along the x axis
 * @param xLevels its levels
 * @param traceFactor the factor of the traces, or null
 * @param traceLevels its levels (one empty label without a trace factor)
 * @param estimate {@code estimate[trace][x]}
 * @param lower lower confidence limits, same layout
 * @param upper upper confidence limits
 * @param df the method of the intervals' degrees of freedom
 * @param level the intervals' coverage
 */
public record MeanProfile(String xFactor, List<String> xLevels, String traceFactor, List<String> traceLevels,
        double[][] estimate, double[][] lower, double[][] upper, DfMethod df, double level) {

    /** The categorical fixed-effect variables of a fit, the default x factor first. */
    public static List<String> factors(FitResult fit) {
        Design design = fit.design();
        ModelFrame frame = design.frame();
        Set<String> factors = new LinkedHashSet<>();
        Set<String> fixed = new LinkedHashSet<>();
        for (Term t : design.fixed().terms()) {
            fixed.addAll(t.variables());
        }
        if (design.residual() != null && fixed.contains(design.residual().timeName())
                && frame.isCategorical(design.residual().timeName())) {
            factors.add(design.residual().timeName());
        }
        for (String v : fixed) {
            if (frame.isCategorical(v)) {
                factors.add(v);
            }
        }
        return new ArrayList<>(factors);
    }

    /** The profile with the default factors. */
    public static MeanProfile of(FitResult fit, DfMethod df, double level) {
        List<String> factors = factors(fit);
        if (factors.isEmpty()) {
            throw new MixedModelException("The model has no categorical fixed effect: there are no LS means to draw.");
        }
        return of(fit, factors.get(0), factors.size() > 1 ? factors.get(1) : null, df, level);
    }

    /** The profile of {@code xFactor} by {@code traceFactor} (null for one trace). */
    public static MeanProfile of(FitResult fit, String xFactor, String traceFactor, DfMethod df, double level) {
        ModelFrame frame = fit.design().frame();
        List<String> by = traceFactor == null ? List.of() : List.of(traceFactor);
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of(xFactor), by, df, level);
        List<String> xLevels = frame.factor(xFactor).levels();
        List<String> traceLevels = traceFactor == null ? List.of("") : frame.factor(traceFactor).levels();
        int nx = xLevels.size();
        double[][] est = new double[traceLevels.size()][nx];
        double[][] lo = new double[traceLevels.size()][nx];
        double[][] hi = new double[traceLevels.size()][nx];
        // The means come with the specs' levels fastest, then the by factor's (EstimatedMarginalMeans' order).
        List<EstimatedMarginalMeans.Mean> means = emm.means();
        for (int g = 0; g < means.size(); g++) {
            EstimatedMarginalMeans.Mean m = means.get(g);
            est[g / nx][g % nx] = m.estimate();
            lo[g / nx][g % nx] = m.lower();
            hi[g / nx][g % nx] = m.upper();
        }
        return new MeanProfile(xFactor, xLevels, traceFactor, traceLevels, est, lo, hi, df, level);
    }
}
