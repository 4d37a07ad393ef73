package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger cluster by cluster (V block diagonal by the grouping factor the others are nested in: memory
 * and time linear in the rows) against the dense n x n formulas, on every REML lme4 reference case: the
 * adjusted covariance and each coefficient's df to 1e-9 relative (the two sum the same products in a
 * different order). Crossed designs take the Woodbury formulas by default (compared here too, and in
 * {@link KenwardRogerWoodburyTest}).
 */
class KenwardRogerClusterTest {
    static Stream<String> cases() {
        return KenwardRogerReferenceTest.cases();
    }

    private static List<Double> numbers(FitResult fit) {
        KenwardRoger kr = new KenwardRoger(fit);
        List<Double> out = new ArrayList<>();
        for (double[] row : kr.adjustedCovariance()) {
            for (double v : row) {
                out.add(v);
            }
        }
        for (CoefficientTest t : FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95).coefficients()) {
            out.add(t.df());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void clustersGiveTheDenseResult(String name) {
        FitResult fit = SatterthwaiteReferenceTest.fit(ReferenceCase.load(name));
        List<Double> blocks = numbers(fit);
        List<Double> dense;
        KenwardRoger.denseForTest = true;
        try {
            dense = numbers(fit);
        } finally {
            KenwardRoger.denseForTest = false;
        }
        assertEquals(dense.size(), blocks.size());
        double scale = 0;
        for (double v : dense) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (scale == 0) {
            assertEquals(dense, blocks, "a model without fixed effects");
            return;
        }
        for (int i = 0; i < dense.size(); i++) {
            double d = dense.get(i);
            double b = blocks.get(i);
            assertEquals(d, b, 1e-9 * Math.max(Math.abs(d), 1e-6 * scale), name + " number " + i);
        }
    }
}
