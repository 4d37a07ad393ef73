package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The df computations tell an {@link InferenceMonitor} of each step, in order and with the right count, on each of
 * Kenward-Roger's paths (Woodbury for crossed factors, per subject for residual structures) and Satterthwaite's
 * (residual structures: one step); the numbers are the same as without a monitor, and an exception the monitor throws
 * (a cancel) comes out of the computation unchanged.
 */
class InferenceMonitorTest {
    private static List<String> recorded(final List<String> into, final String stage, final String unit,
        final int step, final int steps) {
        into.add(stage + " (" + unit + " " + step + " of " + steps + ")");
        return into;
    }

    /** penicillin: plate and sample crossed, one theta each: the inversion, X1, then 2 traces and 2 Q steps. */
    @Test
    void crossedKenwardRogerReportsItsWoodburySteps() {
        ReferenceCase c = ReferenceCase.load("penicillin_crossed");
        FitResult fit = c.fit();
        List<String> steps = new ArrayList<>();
        FixedEffectsInference monitored = FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95,
            CovarianceType.MODEL, false, (stage, unit, step, n) -> recorded(steps, stage, unit, step, n));
        assertEquals(IntStream.rangeClosed(1, 6).mapToObj(i -> "Kenward-Roger df (step " + i + " of 6)").toList(), steps);
        double expected = c.objects("fixed").get(0).get("df_kr").getAsDouble();
        assertEquals(expected, monitored.coefficients().get(0).df(), 1e-4 * expected, "pbkrtest's df");
        assertEquals(FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95).coefficients().get(0).df(),
            monitored.coefficients().get(0).df(), 0, "the monitor changes nothing");

        RuntimeException cancel = new RuntimeException("cancel");
        List<Integer> seen = new ArrayList<>();
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> new KenwardRoger(fit, false,
            (stage, unit, step, n) -> {
                seen.add(step);
                if (step == 3) {
                    throw cancel;
                }
            }));
        assertSame(cancel, thrown);
        assertEquals(List.of(1, 2, 3), seen, "stopped at the step that threw");
    }

    /** mmrm_us: Kenward-Roger sums over the subjects in batches, Satterthwaite takes the information in one step. */
    @Test
    void residualStructureStepsAreSubjectsAndOneInformationMatrix() {
        ReferenceCase m = ReferenceCase.load("mmrm_us");
        FitResult fit = LinearMixedModel.fit(m.string("formula") + " + " + m.string("residual"), m.data(),
            new FitOptions(FitOptions.Method.REML, Map.of(), Map.of("visit", List.of("WEEK2", "WEEK4", "WEEK8",
                "WEEK12"))));
        List<String> kr = new ArrayList<>();
        KenwardRoger monitored = new KenwardRoger(fit, false, (stage, unit, step, n) -> recorded(kr, stage, unit, step, n));
        int subjects = fit.design().frame().factor("subject").levelCount();
        int batch = Math.max(1, subjects / 100);
        assertEquals(IntStream.iterate(1, i -> i <= subjects, i -> i + batch)
            .mapToObj(i -> "Kenward-Roger df (subject " + i + " of " + subjects + ")").toList(), kr);
        double[][] plain = new KenwardRoger(fit).adjustedCovariance();
        for (int i = 0; i < plain.length; i++) {
            assertArrayEquals(plain[i], monitored.adjustedCovariance()[i], 0, "the monitor changes nothing");
        }
        List<String> sat = new ArrayList<>();
        new Satterthwaite(fit, (stage, unit, step, n) -> recorded(sat, stage, unit, step, n));
        assertEquals(List.of("Satterthwaite df (information matrix 1 of 1)"), sat);
    }
}
