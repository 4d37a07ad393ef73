package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger for models with a residual covariance term. No R package we can run gives KR for these
 * models, so the checks are structural: compound symmetry is the random-intercept model (same likelihood,
 * and V linear in the same two parameters), so its KR SEs and df must equal those of our lme4-style KR,
 * which matches pbkrtest (KenwardRogerReferenceTest).
 */
class ResidualKenwardRogerTest {

    @Test
    void compoundSymmetryEqualsTheRandomInterceptModel() {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_only_nlme");
        FitResult ri = LinearMixedModel.fit("QTcF ~ dose * time_h + (1 | animal)", c.data(), FitOptions.reml());
        FitResult cs = LinearMixedModel.fit("QTcF ~ dose * time_h + cs(visit | animal)", c.data(), FitOptions.reml());
        assertClose(ri.logLik(), cs.logLik(), 1e-9, "same REML likelihood");
        FixedEffectsInference a = FixedEffectsInference.of(ri, DfMethod.KENWARD_ROGER, 0.95);
        FixedEffectsInference b = FixedEffectsInference.of(cs, DfMethod.KENWARD_ROGER, 0.95);
        for (int i = 0; i < a.coefficients().size(); i++) {
            CoefficientTest x = a.coefficients().get(i);
            CoefficientTest y = b.coefficients().get(i);
            // the two optima agree to about 1e-6 in the variance parameters, so 1e-4 on df and SE
            assertClose(x.se(), y.se(), 1e-5, x.term() + " KR se");
            assertClose(x.df(), y.df(), 1e-4, x.term() + " KR df");
        }
        for (int i = 0; i < a.typeIII().size(); i++) {
            assertClose(a.typeIII().get(i).denDf(), b.typeIII().get(i).denDf(), 1e-4, a.typeIII().get(i).term() + " den df");
            assertClose(a.typeIII().get(i).f(), b.typeIII().get(i).f(), 1e-5, a.typeIII().get(i).term() + " F");
        }
    }

    /**
     * Where V is linear in its parameters (us, toep) the adjustment only inflates the variances; for AR(1)'s
     * (sigma^2, rho) the second-derivative term may shrink them a little (qtcf: to 0.99). Both stay within a
     * small-sample range of the plug-in covariance and their df near Satterthwaite's.
     */
    @Test
    void adjustmentsStayInASmallSampleRange() {
        ReferenceCase q = ReferenceCase.load("qtcf_ri_ar1");
        ReferenceCase m = ReferenceCase.load("mmrm_us");
        FitOptions ordered = new FitOptions(FitOptions.Method.REML, Map.of(),
                Map.of("visit", List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12")));
        List<FitResult> fits = List.of(
                LinearMixedModel.fit(q.string("formula") + " + " + q.string("residual"), q.data(), FitOptions.reml()),
                LinearMixedModel.fit("QTcF ~ dose * time_h + toep(visit | animal)", q.data(), FitOptions.reml()),
                LinearMixedModel.fit(m.string("formula") + " + " + m.string("residual"), m.data(), ordered));
        for (FitResult fit : fits) {
            boolean linear = !fit.residual().structure().equals("ar1");
            double[][] adjusted = new KenwardRoger(fit).adjustedCovariance();
            FixedEffectsInference sat = FixedEffectsInference.of(fit, DfMethod.SATTERTHWAITE, 0.95);
            FixedEffectsInference kr = FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95);
            for (int i = 0; i < adjusted.length; i++) {
                String what = fit.residual().structure() + " " + kr.coefficients().get(i).term();
                double ratio = adjusted[i][i] / fit.fixedCovariance()[i][i];
                assertTrue(ratio >= (linear ? 1 - 1e-9 : 0.9) && ratio <= 1.3, what + ": adjusted/plug-in " + ratio);
                double dfKr = kr.coefficients().get(i).df();
                double dfSat = sat.coefficients().get(i).df();
                assertTrue(Math.abs(dfKr - dfSat) < 0.15 * dfSat, what + ": KR " + dfKr + " vs Satterthwaite " + dfSat);
            }
        }
    }

    @Test
    void mlFitsAreRefused() {
        ReferenceCase q = ReferenceCase.load("qtcf_gls_ar1");
        FitResult ml = LinearMixedModel.fit(q.string("formula") + " + " + q.string("residual"), q.data(), FitOptions.ml());
        assertEquals(true, org.junit.jupiter.api.Assertions.assertThrows(org.mixedmodels.engine.MixedModelException.class,
                () -> new KenwardRoger(ml)).getMessage().contains("REML"));
    }
}
