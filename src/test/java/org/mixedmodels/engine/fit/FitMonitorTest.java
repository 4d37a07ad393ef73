package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The optimizer reports each objective evaluation, and an exception from the monitor stops the fit. */
class FitMonitorTest {

    private static Design sleepstudy() {
        return Design.build(FormulaParser.parse("Reaction ~ Days + (Days | Subject)"),
                ReferenceCase.data("data/sleepstudy.csv"), Map.of());
    }

    @Test
    void seesEveryEvaluationAndTheMinimum() {
        int[] count = {0};
        double[] best = {Double.POSITIVE_INFINITY};
        FitResult fit = LinearMixedModel.fit(sleepstudy(), FitOptions.reml(), (evaluation, objective) -> {
            assertEquals(++count[0], evaluation);
            best[0] = Math.min(best[0], objective);
        });
        assertEquals(fit.optimizer().evaluations(), count[0]);
        assertEquals(fit.objective(), best[0], 1e-8);
    }

    @Test
    void anExceptionFromTheMonitorStopsTheFit() {
        RuntimeException stop = new RuntimeException("stop");
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> LinearMixedModel.fit(sleepstudy(), FitOptions.reml(), (evaluation, objective) -> {
                    if (evaluation == 3) {
                        throw stop;
                    }
                }));
        assertSame(stop, thrown);
    }

    /** The Newton / Fisher-scoring fit of a residual structure reports every evaluation as BFGS does, and stops. */
    @Test
    void newtonFitsReportEveryEvaluationAndStop() {
        Design fev = Design.build(FormulaParser.parse("FEV1 ~ ARMCD * AVISIT + adh(AVISIT | USUBJID)"),
                org.mixedmodels.engine.data.CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv")),
                Map.of());
        int[] count = {0};
        double[] best = {Double.POSITIVE_INFINITY};
        FitResult fit = LinearMixedModel.fit(fev, FitOptions.reml(), (evaluation, objective) -> {
            assertEquals(++count[0], evaluation);
            best[0] = Math.min(best[0], objective);
        });
        assertEquals("Newton", fit.optimizer().optimizer(), fit.optimizer().message());
        assertEquals(fit.optimizer().evaluations(), count[0]);
        assertEquals(fit.objective(), best[0], 1e-10 * Math.abs(fit.objective()));
        RuntimeException stop = new RuntimeException("stop");
        assertSame(stop, assertThrows(RuntimeException.class, () -> LinearMixedModel.fit(fev, FitOptions.reml(),
                (evaluation, objective) -> {
                    if (evaluation == 2) {
                        throw stop;
                    }
                })));
    }
}
