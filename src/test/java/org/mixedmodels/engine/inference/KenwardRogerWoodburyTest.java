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
        compare(name, SatterthwaiteReferenceTest.fit(ReferenceCase.load(name)), linear, 1e-9);
    }

    private static void compare(String name, FitResult fit, boolean linear, double tolerance) {
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
            assertEquals(d, b, tolerance * Math.max(Math.abs(d), 1e-6 * scale), name + " number " + i);
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

    /**
     * Random-effect SDs 1,000 times the residual SD (and a mix of large and small terms): Z'V^-1 Z is then tiny
     * against Z'Z, and A - A K A in Z's coordinates loses some log10(theta^4 n^2) digits (4e-3 relative before the
     * terms with Lambda_t &gt;= 1 were worked in Lambda's coordinates). Crossed users x items with a random slope,
     * generated; against the dense formulas at 1e-7 relative (measured worst 1.2e-8, the intercept's df with both
     * SDs at 1,000: the dense inverse of V, condition about 1e7 there, rounds too, so the two differ by more than
     * on the reference cases).
     */
    @Test
    void largeAndSmallVariancesKeepTheirDigits() {
        for (double[] sizes : new double[][] {{1, 1}, {30, 30}, {1000, 1000}, {1000, 0.3}, {0.3, 1000}}) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            int users = 60;
            int items = 25;
            int n = 900;
            double[] userIntercept = new double[users];
            double[] userSlope = new double[users];
            double[] itemIntercept = new double[items];
            for (int i = 0; i < users; i++) {
                userIntercept[i] = sizes[0] * random.nextGaussian();
                userSlope[i] = 0.3 * sizes[0] * random.nextGaussian();
            }
            for (int i = 0; i < items; i++) {
                itemIntercept[i] = sizes[1] * random.nextGaussian();
            }
            String[] user = new String[n];
            String[] item = new String[n];
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                int a = random.nextInt(users);
                int b = random.nextInt(items);
                user[i] = "u" + a;
                item[i] = "i" + b;
                x[i] = random.nextGaussian();
                y[i] = 1 + 0.5 * x[i] + userIntercept[a] + userSlope[a] * x[i] + itemIntercept[b] + random.nextGaussian();
            }
            org.mixedmodels.engine.data.DataFrame data = new org.mixedmodels.engine.data.DataFrame(List.of(
                    new org.mixedmodels.engine.data.NumericColumn("y", y),
                    new org.mixedmodels.engine.data.NumericColumn("x", x),
                    new org.mixedmodels.engine.data.CategoricalColumn("user", user),
                    new org.mixedmodels.engine.data.CategoricalColumn("item", item)));
            FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit("y ~ x + (x | user) + (1 | item)", data,
                    org.mixedmodels.engine.fit.FitOptions.reml());
            compare("SDs " + java.util.Arrays.toString(sizes), fit, false, 1e-7);
        }
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
