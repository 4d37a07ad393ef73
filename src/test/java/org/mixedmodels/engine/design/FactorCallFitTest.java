package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.prediction.Prediction;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * factor(x) and a categorical declaration through the engine (issue 16): the fit, a reference level given by the
 * column's name, and predictions for new data holding the numeric column, as a saved model meets it.
 */
class FactorCallFitTest {
    private static final ReferenceCase CAKE = ReferenceCase.load("cake_factor_temperature");

    @Test
    void referenceLevelByColumnNameAppliesToFactorOfIt() {
        FitResult fit = LinearMixedModel.fit(CAKE.string("formula"), CAKE.data(),
                new FitOptions(FitOptions.Method.REML, Map.of("temperature", "225")));
        assertEquals("225", fit.design().frame().factor("factor(temperature)").levels().get(0));
        assertEquals("factor(temperature)175", fit.fixedEffects().get(3).term());
        // the same model in another parametrization: the same likelihood
        assertClose(CAKE.number("logLik"), fit.logLik(), 1e-6, "logLik");
    }

    @Test
    void predictionsReadTheNumericColumnOfNewData() {
        FitResult fit = LinearMixedModel.fit(CAKE.string("formula"), CAKE.data(), FitOptions.reml());
        Prediction p = Prediction.of(FittedModel.of(fit), CAKE.data(), 0.95, false);
        for (int i = 0; i < fit.nobs(); i++) {
            assertClose(fit.fittedPopulation()[i], p.population()[i], 1e-10, 1.0, "row " + i);
        }
        DataFrame declared = CAKE.data().withCategorical(Set.of("temperature"));
        FitResult byClass = LinearMixedModel.fit("angle ~ recipe * temperature + (1 | recipe:replicate)", declared,
                FitOptions.reml());
        Prediction q = Prediction.of(FittedModel.of(byClass), declared, 0.95, false);
        assertClose(fit.fittedPopulation()[7], q.population()[7], 1e-8, 1.0, "declared categorical");
    }
}
