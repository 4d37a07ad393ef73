package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger through the Woodbury identity (V^-1 from Z'Z, Z'X and Lambda: no n x n matrix; what crossed
 * designs take) against the dense n x n formulas, on every REML lme4 reference case, nested ones forced onto it:
 * the adjusted covariance, each coefficient's df and each Type III test's F and df to 1e-9 relative. Both are
 * exact formulas for the same quantities, summed in a different order.
 */
class KenwardRogerWoodburyTest {
    static Stream<String> cases() {
        return KenwardRogerReferenceTest.cases();
    }

    private static List<Double> numbers(FitResult fit, boolean linear) {
        KenwardRoger kr = new KenwardRoger(fit, linear);
        List<Double> out = new ArrayList<>();
        for (double[] row : kr.adjustedCovariance()) {
            for (double v : row) {
                out.add(v);
            }
        }
        FixedEffectsInference inference = FixedEffectsInference.of(fit,
                linear ? DfMethod.KENWARD_ROGER_LINEAR : DfMethod.KENWARD_ROGER, 0.95);
        for (CoefficientTest t : inference.coefficients()) {
            out.add(t.df());
        }
        for (TermTest t : inference.typeIII()) {
            out.add(t.f());
            out.add(t.denDf());
        }
        return out;
    }

    private static void compare(String name, boolean linear) {
        FitResult fit = SatterthwaiteReferenceTest.fit(ReferenceCase.load(name));
        List<Double> woodbury;
        List<Double> dense;
        KenwardRoger.woodburyForTest = true;
        try {
            woodbury = numbers(fit, linear);
        } finally {
            KenwardRoger.woodburyForTest = false;
        }
        KenwardRoger.denseForTest = true;
        try {
            dense = numbers(fit, linear);
        } finally {
            KenwardRoger.denseForTest = false;
        }
        assertEquals(dense.size(), woodbury.size());
        double scale = 0;
        for (double v : dense) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (scale == 0) {
            assertEquals(dense, woodbury, "a model without fixed effects");
            return;
        }
        for (int i = 0; i < dense.size(); i++) {
            double d = dense.get(i);
            double b = woodbury.get(i);
            assertEquals(d, b, 1e-9 * Math.max(Math.abs(d), 1e-6 * scale), name + " number " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void woodburyGivesTheDenseResult(String name) {
        compare(name, false);
    }

    /** V is linear in pbkrtest's parameters, so KR-linear takes the same path and gives the same numbers. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void linearVariantGivesTheDenseResult(String name) {
        compare(name, true);
    }

    /** The crossed reference cases are among those compared (and, by default, take the Woodbury path). */
    @Test
    void crossedCasesAreCovered() {
        List<String> names = cases().toList();
        assertTrue(names.contains("penicillin_crossed"));
        assertTrue(names.contains("crossed_subject_slope"));
        assertTrue(names.contains("crossed_item_slope"));
    }
}
