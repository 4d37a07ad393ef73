package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The points where small-sample inference used to break (issue 15's "also found"): pbkrtest's 0/0 point of
 * the Kenward-Roger scaling, models without fixed effects through every df method, Tukey's adjustment of a
 * single comparison, and the identifiability checks on the random part.
 */
class SmallSampleEdgeCasesTest {

    /**
     * pbkrtest's documented example (KRmodcomp of the harvest effect in the balanced split-plot beets): A2 = q
     * exactly, so 1 - A2/q and V1 are both 0 up to rounding, and pbkrtest's .divZero takes 0/0 as 1. Rounding
     * left -1.5e-14 against an absolute 1e-14 guard, and F came out as -2.2e-11 with no p.
     */
    @Test
    void kenwardRogerAtPbkrtestsZeroOverZeroPoint() {
        ReferenceCase c = ReferenceCase.load("beets_split_plot");
        FixedEffectsInference kr = FixedEffectsInference.of(c.fit(), DfMethod.KENWARD_ROGER, 0.95);
        JsonObject expected = c.json().getAsJsonObject("krmodcomp");
        TermTest harvest = kr.typeIII().stream().filter(t -> t.term().equals("harvest")).findFirst().orElseThrow();
        assertClose(expected.get("F").getAsDouble(), harvest.f(), 1e-5, "F (15.21)");
        assertClose(expected.get("dendf").getAsDouble(), harvest.denDf(), 1e-4, "ddf (2)");
        assertPClose(expected.get("p").getAsDouble(), harvest.p(), 1e-4, "p (0.0599)");
    }

    /**
     * The rows of issue 15's table, as measured before the fix: sleepstudy with Reaction x 1e-9 (df 0.000, p 0.9994)
     * and Days in seconds (df 0.05); the MMRM (us over visits) with change x 1e-6 (df 1.14). lmerTest: df 17,
     * p = 3.3e-6 for Days.
     */
    @Test
    void theIssuesExamplesGiveTheDfOfTheOriginalUnits() {
        ReferenceCase sleep = ReferenceCase.load("sleepstudy_slopes");
        String formula = sleep.string("formula");
        CoefficientTest days = FixedEffectsInference.of(sleep.fit()).coefficients().get(1);
        assertClose(sleep.objects("fixed").get(1).get("df_satterthwaite").getAsDouble(), days.df(), 1e-3, "df 17");
        for (String[] change : new String[][] {{"Reaction", "1e-9"}, {"Days", "86400"}, {"Days", "1440"}}) {
            DataFrame d = UnitsInvariancePropertyTest.rescaled(sleep.data(), change[0], Double.parseDouble(change[1]));
            FitResult fit = LinearMixedModel.fit(formula, d, FitOptions.reml());
            for (DfMethod m : List.of(DfMethod.SATTERTHWAITE, DfMethod.KENWARD_ROGER)) {
                CoefficientTest t = FixedEffectsInference.of(fit, m, 0.95).coefficients().get(1);
                assertClose(17, t.df(), 1e-3, change[0] + " x " + change[1] + " " + m + " df");
                assertClose(3.26e-6, t.p(), 1e-2, change[0] + " x " + change[1] + " " + m + " p");
            }
        }
        ReferenceCase mmrm = ReferenceCase.load("mmrm_us");
        FitOptions ordered = UnitsInvariancePropertyTest.options(mmrm);
        String model = mmrm.string("formula") + " + " + mmrm.string("residual");
        FitResult base = LinearMixedModel.fit(model, mmrm.data(), ordered);
        FitResult tiny = LinearMixedModel.fit(model, UnitsInvariancePropertyTest.rescaled(mmrm.data(), "change", 1e-6),
                ordered);
        List<TermTest> a = FixedEffectsInference.of(base).typeIII();
        List<TermTest> b = FixedEffectsInference.of(tiny).typeIII();
        for (int i = 0; i < a.size(); i++) {
            assertClose(a.get(i).denDf(), b.get(i).denDf(), 1e-3, "MMRM " + a.get(i).term() + " den df");
            assertPClose(a.get(i).p(), b.get(i).p(), 1e-3, "MMRM " + a.get(i).term() + " p");
        }
    }

    /**
     * Residual-structure fits with a predictor in tiny units (x 1e-9): before the analytic-gradient fit (issue 18) and
     * the relative pivot guard, qtcf_ri_ar1 with time_h x 1e-9 landed on another optimum (phi 0.023 instead of 0.59)
     * and mmrm_us with baseline x 1e-9 failed as "not positive definite at the optimum".
     */
    @Test
    void residualStructuresWithAPredictorInTinyUnits() {
        for (String[] c : new String[][] {{"qtcf_ri_ar1", "time_h"}, {"mmrm_us", "baseline"}}) {
            ReferenceCase ref = ReferenceCase.load(c[0]);
            FitOptions options = UnitsInvariancePropertyTest.options(ref);
            String model = ref.string("formula") + " + " + ref.string("residual");
            FitResult base = LinearMixedModel.fit(model, ref.data(), options);
            FitResult tiny = LinearMixedModel.fit(model, UnitsInvariancePropertyTest.rescaled(ref.data(), c[1], 1e-9),
                    options);
            double[] a = base.residual().parameters();
            double[] b = tiny.residual().parameters();
            for (int i = 0; i < a.length; i++) {
                assertClose(a[i], b[i], 1e-4, c[0] + " structure parameter " + i);
            }
            List<CoefficientTest> x = FixedEffectsInference.of(base).coefficients();
            List<CoefficientTest> y = FixedEffectsInference.of(tiny).coefficients();
            for (int i = 0; i < x.size(); i++) {
                assertClose(x.get(i).df(), y.get(i).df(), 1e-3, c[0] + " " + x.get(i).term() + " df");
            }
        }
    }

    @Test
    void relativeZeroGuard() {
        // both "zeros" at rounding level relative to terms of size 1: 0/0 -> 1
        assertEquals(1.0, KenwardRoger.divideOrOne(-1.47e-14, 2, 3e-14, 2), 0.0);
        // a genuine small ratio is not a 0/0
        assertEquals(0.5, KenwardRoger.divideOrOne(1e-3, 2, 2e-3, 2), 1e-15);
    }

    /** Non-positive df (once "Error: degrees of freedom (-3,100,555.818)" from commons-math): empty p, no exception. */
    @Test
    void nonPositiveDfGiveEmptyPValuesNotExceptions() {
        assertTrue(Double.isNaN(Satterthwaite.twoSidedP(2.5, -3.1e6)));
        assertTrue(Double.isNaN(Satterthwaite.upperTailF(4, 1, -2)));
        assertTrue(Double.isNaN(FixedEffectsInference.quantile(0, 0.95)));
    }

    /** Reaction ~ 0 + (1 | Subject), which lme4 fits: no coefficients to test under any df method, no failure. */
    @Test
    void modelWithoutFixedEffectsThroughEveryDfMethod() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_no_fixed");
        FitResult fit = c.fit();
        assertEquals(0, fit.fixedEffects().size());
        for (DfMethod m : List.of(DfMethod.SATTERTHWAITE, DfMethod.KENWARD_ROGER, DfMethod.RESIDUAL,
                DfMethod.BETWEEN_WITHIN, DfMethod.NONE)) {
            FixedEffectsInference inference = FixedEffectsInference.of(fit, m, 0.95);
            assertEquals(0, inference.coefficients().size(), m + " coefficients");
            assertEquals(0, inference.typeIII().size(), m + " Type III");
        }
        // a test asked for anyway is an error in words, never a raw linear-algebra message
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> new KenwardRoger(fit).fTest(new double[0][0]));
        assertTrue(e.getMessage().contains("no fixed effects"), e.getMessage());
    }

    /** One pairwise comparison (two means): Tukey's adjustment changes nothing. */
    @Test
    void tukeyOfASingleComparisonIsTheUnadjustedP() {
        ReferenceCase c = ReferenceCase.load("crossover_lsmeans");
        FitResult fit = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        EstimatedMarginalMeans emm = EstimatedMarginalMeans.of(fit, List.of("treatment"), DfMethod.SATTERTHWAITE, 0.95);
        assertEquals(1, emm.differences().size());
        EstimatedMarginalMeans.Difference d = emm.differences().get(0);
        assertClose(d.p(), d.pTukey(), 1e-12, "Tukey p of one comparison");
        // and in the far tail, where 1 - cdf of the studentized range would lose it (4.9e-14 for 4.9e-22)
        double t = 11.5;
        assertClose(Satterthwaite.twoSidedP(t, 30), StudentizedRange.upperTail(t * Math.sqrt(2), 2, 30), 1e-10,
                "tail");
    }

    @Test
    void duplicatedRandomTermIsRefused() {
        DataFrame d = ReferenceCase.load("sleepstudy_slopes").data();
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> LinearMixedModel.fit("Reaction ~ Days + (1 | Subject) + (1 | Subject)", d, FitOptions.reml()));
        assertTrue(e.getMessage().contains("(1 | Subject)") && e.getMessage().contains("(Intercept)"), e.getMessage());
        assertThrows(MixedModelException.class,
                () -> LinearMixedModel.fit("Reaction ~ Days + (Days | Subject) + (1 | Subject)", d, FitOptions.reml()));
        // (Days || Subject) is (1 | Subject) + (0 + Days | Subject): no column twice
        LinearMixedModel.fit("Reaction ~ Days + (Days || Subject)", d, FitOptions.reml());
    }

    @Test
    void slopeConstantWithinEveryGroupIsFlagged() {
        DataFrame d = ReferenceCase.load("sleepstudy_slopes").data();
        // a subject-level covariate: the same value for all ten rows of a subject
        double[] level = new double[d.rowCount()];
        for (int i = 0; i < level.length; i++) {
            level[i] = Double.parseDouble(d.column("Subject").label(i)) % 7;
        }
        List<Column> cols = new ArrayList<>();
        d.columnNames().forEach(n -> cols.add(d.column(n)));
        cols.add(new NumericColumn("baseline", level));
        DataFrame withCovariate = new DataFrame(cols);
        FitResult fit = LinearMixedModel.fit("Reaction ~ Days + baseline + (1 + baseline | Subject)", withCovariate,
                FitOptions.reml());
        assertTrue(fit.warnings().stream().anyMatch(w -> w.contains("'baseline'") && w.contains("constant within every level")
                && w.contains("not identifiable")), fit.warnings().toString());
        FitResult fine = LinearMixedModel.fit("Reaction ~ Days + (Days | Subject)", d, FitOptions.reml());
        assertTrue(fine.warnings().stream().noneMatch(w -> w.contains("not identifiable")), fine.warnings().toString());
    }
}
