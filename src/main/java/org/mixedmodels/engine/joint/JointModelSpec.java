package org.mixedmodels.engine.joint;

import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.fit.FitOptions;

/**
 * What to fit: the two submodels, the columns linking them and the numerical settings.
 *
 * @param longitudinalFormula the linear mixed model in lme4 notation with exactly one random-effects term whose
 *     grouping factor is the subject, e.g. {@code CD4 ~ obstime + obstime:drug + (obstime | patient)}
 * @param timeVariable the longitudinal table's measurement-time column; in the hazard it is replaced by the event
 *     time t, so that the current value m_i(t) enters the hazard
 * @param survivalTime the survival table's event or censoring time column (positive)
 * @param event the survival table's event indicator column (1 event, 0 censored)
 * @param survivalFormula the baseline covariates of the hazard, one-sided ({@code ~ drug}, {@code ~ 1})
 * @param baseline the baseline hazard
 * @param referenceLevels reference level per categorical column (both tables)
 * @param horizons times u at which to predict each subject's conditional survival P(T > u | T > t, y up to t), t
 *     being the subject's last measurement time; empty for none
 * @param ghPoints Gauss-Hermite points per random effect; 0 for JM's default of its adaptive methods (5 when there
 *     are at most 3 random effects and fewer than 2000 measurements, else 3)
 * @param centring the criterion of the separate linear mixed model whose conditional modes and covariances centre
 *     and scale the quadrature (JM takes them from the {@code lme} fit it is given, REML by default)
 */
public record JointModelSpec(String longitudinalFormula, String timeVariable, String survivalTime, String event,
        String survivalFormula, Baseline baseline, Map<String, String> referenceLevels, List<Double> horizons,
        int ghPoints, FitOptions.Method centring) {

    public JointModelSpec {
        referenceLevels = Map.copyOf(referenceLevels);
        horizons = List.copyOf(horizons);
        if (ghPoints < 0) {
            throw new IllegalArgumentException("ghPoints must be 0 (JM's default) or positive, not " + ghPoints);
        }
    }

    /** A specification with JM's defaults: no reference levels, no predictions, default quadrature, REML centring. */
    public static JointModelSpec of(String longitudinalFormula, String timeVariable, String survivalTime, String event,
            String survivalFormula, Baseline baseline) {
        return new JointModelSpec(longitudinalFormula, timeVariable, survivalTime, event, survivalFormula, baseline,
                Map.of(), List.of(), 0, FitOptions.Method.REML);
    }

    public JointModelSpec withReferenceLevels(Map<String, String> levels) {
        return new JointModelSpec(longitudinalFormula, timeVariable, survivalTime, event, survivalFormula, baseline,
                levels, horizons, ghPoints, centring);
    }

    public JointModelSpec withHorizons(List<Double> times) {
        return new JointModelSpec(longitudinalFormula, timeVariable, survivalTime, event, survivalFormula, baseline,
                referenceLevels, times, ghPoints, centring);
    }

    public JointModelSpec withGhPoints(int points) {
        return new JointModelSpec(longitudinalFormula, timeVariable, survivalTime, event, survivalFormula, baseline,
                referenceLevels, horizons, points, centring);
    }

    public JointModelSpec withCentring(FitOptions.Method method) {
        return new JointModelSpec(longitudinalFormula, timeVariable, survivalTime, event, survivalFormula, baseline,
                referenceLevels, horizons, ghPoints, method);
    }
}
