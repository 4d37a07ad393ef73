package org.mixedmodels.engine.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.RandomEffect;

/**
 * The BLUPs of one grouping factor with their prediction intervals, {@code b +- z condsd} (z the normal quantile of
 * the level), as lme4's {@code dotplot(ranef(fit, condVar = TRUE))} draws them: one panel per term, the levels in
 * the order of the first term's BLUPs.
 *
 * @param group the grouping factor ({@code Subject})
 * @param terms the terms ({@code (Intercept)}, {@code Days})
 * @param levels the levels, ordered by the first term's BLUP, increasing
 * @param blup {@code blup[term][level]}
 * @param condsd conditional SDs, same layout
 * @param z the normal quantile of the intervals (1.96 for 95%)
 */
public record RandomEffectIntervals(String group, List<String> terms, List<String> levels, double[][] blup,
        double[][] condsd, double z) {

    public double lower(int term, int level) {
        return blup[term][level] - z * condsd[term][level];
    }

    public double upper(int term, int level) {
        return blup[term][level] + z * condsd[term][level];
    }

    /** One entry per grouping factor of the fit, in lme4's order; {@code level} is the intervals' coverage. */
    public static List<RandomEffectIntervals> of(FitResult fit, double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("The interval level must be between 0 and 1; got " + level + ".");
        }
        double z = new NormalDistribution(null, 0, 1).inverseCumulativeProbability((1 + level) / 2);
        Map<String, Map<String, Map<String, RandomEffect>>> byGroup = new LinkedHashMap<>();
        for (RandomEffect r : fit.randomEffects()) {
            byGroup.computeIfAbsent(r.group(), g -> new LinkedHashMap<>())
                    .computeIfAbsent(r.term(), t -> new LinkedHashMap<>()).put(r.level(), r);
        }
        List<RandomEffectIntervals> result = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<String, RandomEffect>>> g : byGroup.entrySet()) {
            List<String> terms = new ArrayList<>(g.getValue().keySet());
            Map<String, RandomEffect> first = g.getValue().get(terms.get(0));
            List<String> levels = new ArrayList<>(first.keySet());
            levels.sort(Comparator.comparingDouble(l -> first.get(l).value()));
            double[][] blup = new double[terms.size()][levels.size()];
            double[][] sd = new double[terms.size()][levels.size()];
            for (int t = 0; t < terms.size(); t++) {
                Map<String, RandomEffect> term = g.getValue().get(terms.get(t));
                for (int l = 0; l < levels.size(); l++) {
                    RandomEffect r = term.get(levels.get(l));
                    blup[t][l] = r == null ? Double.NaN : r.value();
                    sd[t][l] = r == null ? Double.NaN : r.condsd();
                }
            }
            result.add(new RandomEffectIntervals(g.getKey(), List.copyOf(terms), List.copyOf(levels), blup, sd, z));
        }
        return result;
    }
}
