package org.mixedmodels.engine.prediction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.io.StringReader;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.testing.ReferenceCase;

class PredictionTest {

    /** Predicting the training rows from the saved model alone reproduces lme4's fitted values. */
    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_slopes", "orthodont_crosslevel_male_reference", "pastes_nested",
        "penicillin_crossed", "sleepstudy_uncorrelated", "nf1_lesions"})
    void trainingRowsReproduceLme4FittedValues(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitResult fit = c.fit();
        Prediction p = Prediction.of(FittedModel.of(fit), c.data(), 0.95, false);
        double[] cond = p.conditional();
        double[] pop = p.population();
        double[] lme4Cond = c.numbers("fitted_conditional_first");
        double[] lme4Pop = c.numbers("fitted_population_first");
        for (int i = 0; i < lme4Cond.length; i++) {
            assertClose(lme4Cond[i], cond[i], 1e-6, "conditional " + i);
            assertClose(lme4Pop[i], pop[i], 1e-6, "population " + i);
        }
        for (int i = 0; i < fit.nobs(); i++) {
            assertEquals(fit.fittedConditional()[i], cond[fit.design().frame().rows()[i]], 1e-9);
        }
        assertEquals(0, p.rowsWithNewLevels());
    }

    @Test
    void newLevelsFallBackToPopulationOrAreEstimatedFromTheirRows() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        FitResult fit = c.fit();
        FittedModel model = FittedModel.of(fit);
        String csv = Files.readString(ReferenceCase.root().resolve("data/sleepstudy.csv"));
        String renamed = csv.replace("\"308\"", "\"new308\"");
        DataFrame data = CsvReader.read(new StringReader(renamed), "renamed");
        Prediction fallback = Prediction.of(model, data, 0.95, false);
        assertEquals(10, fallback.rowsWithNewLevels());
        double[] pop = fallback.population();
        double[] cond = fallback.conditional();
        assertEquals(pop[0], cond[0], 0.0, "a new subject gets the population prediction");

        Prediction estimated = Prediction.of(model, data, 0.95, true);
        assertEquals(0, estimated.rowsWithNewLevels());
        double[] b = estimated.newLevelModes().get("Subject").get("new308");
        // With theta, sigma and beta fixed, the BLUP from the subject's own rows is the fitted BLUP.
        double[] blup = fit.randomEffects().stream().filter(r -> r.level().equals("308"))
                .mapToDouble(RandomEffect::value).toArray();
        assertClose(blup[0], b[0], 1e-8, 1.0, "intercept");
        assertClose(blup[1], b[1], 1e-8, 1.0, "slope");
        assertClose(fit.fittedConditional()[0], estimated.conditional()[0], 1e-9, "conditional");
    }

    /**
     * With a residual structure, a new animal's BLUP from its own rows uses the AR(1) / CAR(1) covariance over
     * its visits, and equals the fitted BLUP; intervals use the visit's residual variance.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ar1(visit | animal)", "sp_exp(time_h | animal)", "ar1h(visit | animal)"})
    void residualStructuresPredictFromTheSavedModel(String residual) throws Exception {
        String csv = Files.readString(ReferenceCase.root().resolve("data/qtcf.csv"));
        DataFrame training = CsvReader.read(new StringReader(csv), "qtcf");
        FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit("QTcF ~ dose * time_h + (1 | animal) + "
                + residual, training, org.mixedmodels.engine.fit.FitOptions.reml());
        FittedModel model = FittedModel.of(fit);
        Prediction same = Prediction.of(model, training, 0.95, false);
        for (int i = 0; i < fit.nobs(); i++) {
            assertEquals(fit.fittedConditional()[i], same.conditional()[i], 1e-9);
        }
        DataFrame data = CsvReader.read(new StringReader(csv.replace("\"A01\"", "\"newA01\"")), "renamed");
        Prediction estimated = Prediction.of(model, data, 0.95, true);
        assertEquals(0, estimated.rowsWithNewLevels());
        double blup = fit.randomEffects().stream().filter(r -> r.level().equals("A01")).findFirst().orElseThrow().value();
        assertClose(blup, estimated.newLevelModes().get("animal").get("newA01")[0], 1e-8, 1.0, "BLUP of a new animal");
        assertClose(fit.fittedConditional()[0], estimated.conditional()[0], 1e-9, "conditional");

        // interval: x'beta +- z sqrt(x'Vx + D + residual variance at the row's visit)
        double z = 1.959963984540054;
        double[][] cov = fit.residual().covariance(fit.sigma());
        int last = fit.nobs() - 1;
        int visit = residual.startsWith("sp_exp") ? 0 : fit.design().residual().position()[last];
        double variance = estimated.standardError()[last] * estimated.standardError()[last] + fit.varCorr().get(0).vcov()
                + cov[visit][visit];
        assertClose(estimated.population()[last] + z * Math.sqrt(variance), estimated.upper()[last], 1e-9, "upper");
    }

    @Test
    void intervalsAndErrors() throws Exception {
        ReferenceCase c = ReferenceCase.load("nf1_lesions");
        FittedModel model = FittedModel.of(c.fit());
        Prediction p = Prediction.of(model, c.data(), 0.95, false);
        double[] se = p.standardError();
        assertTrue(se[0] > 0);
        assertTrue(p.lower()[0] < p.population()[0] && p.population()[0] < p.upper()[0]);
        double half = (p.upper()[0] - p.lower()[0]) / 2;
        assertTrue(half > 1.96 * model.sigma(), "a new observation varies more than the residual alone");

        DataFrame bad = CsvReader.read(new StringReader("log_volume,age,subtype,patient\n1,30,giant,p1\n"), "bad");
        MixedModelException e = assertThrows(MixedModelException.class, () -> Prediction.of(model, bad, 0.95, false));
        assertTrue(e.getMessage().contains("Column 'subtype' holds the level 'giant' in row 1"), e.getMessage());
        DataFrame missing = CsvReader.read(new StringReader("age,subtype,patient\n,plexiform,p1\n"), "missing");
        assertTrue(Double.isNaN(Prediction.of(model, missing, 0.95, false).population()[0]));
        DataFrame noColumn = CsvReader.read(new StringReader("subtype,patient\nplexiform,p1\n"), "no age");
        assertTrue(assertThrows(MixedModelException.class, () -> Prediction.of(model, noColumn, 0.95, false))
                .getMessage().contains("Unknown column 'age'"));
    }

    /**
     * A varident term and group-specific parameters: the saved model predicts the training rows' conditional values,
     * a renamed subject's BLUP from its own rows is the fitted BLUP (it uses the residual covariance of the subject's
     * group and strata), and the interval's residual variance is that of the row's stratum or group.
     */
    @ParameterizedTest
    @ValueSource(strings = {"varident", "group"})
    void varIdentAndGroupSpecificModelsPredict(String kind) throws Exception {
        boolean varIdent = kind.equals("varident");
        String csv = Files.readString(varIdent ? ReferenceCase.root().resolve("data/orthodont.csv")
                : ReferenceCase.root().resolve("sas-fev/fev_data.csv"));
        String formula = varIdent ? "distance ~ age * Sex + (1 | Subject) + varident(Sex | Subject)"
                : "FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) + ar1(AVISIT | ARMCD / USUBJID)";
        String subject = varIdent ? "M05" : "PT2";
        DataFrame training = CsvReader.read(new StringReader(csv), "training");
        FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit(formula, training,
                org.mixedmodels.engine.fit.FitOptions.reml());
        FittedModel model = FittedModel.of(fit);
        Prediction same = Prediction.of(model, training, 0.95, false);
        int[] used = fit.design().frame().rows();
        for (int i = 0; i < fit.nobs(); i++) {
            assertEquals(fit.fittedConditional()[i], same.conditional()[used[i]], 1e-9);
        }
        DataFrame data = CsvReader.read(new StringReader(csv.replace("\"" + subject + "\"", "\"new" + subject + "\"")),
                "renamed");
        Prediction estimated = Prediction.of(model, data, 0.95, true);
        String group = varIdent ? "Subject" : "USUBJID";
        double blup = fit.randomEffects().stream().filter(r -> r.level().equals(subject)).findFirst().orElseThrow()
                .value();
        assertClose(blup, estimated.newLevelModes().get(group).get("new" + subject)[0], 1e-8, 1.0, "BLUP");

        // interval of the last training row: x'beta +- z sqrt(x'Vx + D + its residual variance)
        double z = 1.959963984540054;
        int last = fit.nobs() - 1;
        int row = used[last];
        int[] position = {fit.design().residual().position()[last]};
        double residualVariance;
        if (varIdent) {
            java.util.Map<?, ?> ratios = (java.util.Map<?, ?>) fit.residual().description().get("sd_ratios");
            String sex = training.column("Sex").label(row);
            residualVariance = Math.pow(fit.sigma() * (Double) ratios.get(sex), 2);
        } else {
            java.util.Map<?, ?> groups = (java.util.Map<?, ?>) fit.residual().description().get("groups");
            double[][] cov = (double[][]) ((java.util.Map<?, ?>) groups.get(training.column("ARMCD").label(row)))
                    .get("covariance");
            residualVariance = cov[position[0]][position[0]];
        }
        double variance = same.standardError()[row] * same.standardError()[row] + fit.varCorr().get(0).vcov()
                + residualVariance;
        assertClose(same.population()[row] + z * Math.sqrt(variance), same.upper()[row], 1e-9, "upper");
    }
}
