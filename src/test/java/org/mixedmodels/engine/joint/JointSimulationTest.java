package org.mixedmodels.engine.joint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/**
 * Data simulated from the joint model itself (fixed seed, 300 subjects): the fit recovers the parameters within
 * 3 standard errors; and the input checks with their messages.
 */
class JointSimulationTest {
    // true values
    static final double[] BETA = {5.0, -0.25, 0.1};
    static final double SIGMA = 0.6;
    static final double[][] D = {{1.0, 0.05}, {0.05, 0.04}};
    static final double GAMMA0 = -1.5;
    static final double GAMMA1 = 0.4;
    static final double ALPHA = -0.4;
    static final double SHAPE = 1.4;
    static final double[] VISITS = {0, 0.5, 1, 2, 3, 4, 6, 8};

    private static DataFrame[] tables;
    private static JointFitResult fit;

    /** {longitudinal, survival} tables simulated from the Weibull joint model. */
    static DataFrame[] simulate(int n, long seed) {
        Random rnd = new Random(seed);
        List<String> id = new ArrayList<>();
        List<Double> time = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<String> group = new ArrayList<>();
        String[] sid = new String[n];
        double[] sTime = new double[n];
        double[] sEvent = new double[n];
        String[] sGroup = new String[n];
        double l11 = Math.sqrt(D[0][0]);
        double l21 = D[1][0] / l11;
        double l22 = Math.sqrt(D[1][1] - l21 * l21);
        for (int i = 0; i < n; i++) {
            int g = i % 2;
            double z1 = rnd.nextGaussian();
            double z2 = rnd.nextGaussian();
            double b0 = l11 * z1;
            double b1 = l21 * z1 + l22 * z2;
            double intercept = BETA[0] + b0;
            double slope = BETA[1] + BETA[2] * g + b1;
            // event time by inverting the cumulative hazard: H(T) = -log(U)
            double target = -Math.log(rnd.nextDouble());
            double eventTime = invertCumulativeHazard(target, intercept, slope, g);
            double censor = Math.min(10, 2 + 10 * rnd.nextDouble());
            double obs = Math.min(eventTime, censor);
            sid[i] = "s" + (i + 1);
            sTime[i] = obs;
            sEvent[i] = eventTime <= censor ? 1 : 0;
            sGroup[i] = g == 0 ? "A" : "B";
            for (double t : VISITS) {
                if (t <= obs) {
                    id.add(sid[i]);
                    time.add(t);
                    y.add(intercept + slope * t + SIGMA * rnd.nextGaussian());
                    group.add(sGroup[i]);
                }
            }
        }
        DataFrame longData = new DataFrame(List.of(new CategoricalColumn("id", id.toArray(new String[0])),
                new NumericColumn("time", time.stream().mapToDouble(Double::doubleValue).toArray()),
                new NumericColumn("y", y.stream().mapToDouble(Double::doubleValue).toArray()),
                new CategoricalColumn("group", group.toArray(new String[0]))));
        DataFrame survData = new DataFrame(List.of(new CategoricalColumn("id", sid), new NumericColumn("Time", sTime),
                new NumericColumn("status", sEvent), new CategoricalColumn("group", sGroup)));
        return new DataFrame[] {longData, survData};
    }

    private static double hazard(double t, double intercept, double slope, int g) {
        return SHAPE * Math.pow(t, SHAPE - 1) * Math.exp(GAMMA0 + GAMMA1 * g + ALPHA * (intercept + slope * t));
    }

    private static double invertCumulativeHazard(double target, double intercept, double slope, int g) {
        double h = 0;
        double t = 0;
        double dt = 0.01;
        while (t < 50) {
            // Simpson on [t, t + dt]
            double inc = dt / 6 * (hazard(t, intercept, slope, g) + 4 * hazard(t + dt / 2, intercept, slope, g)
                    + hazard(t + dt, intercept, slope, g));
            if (h + inc >= target) {
                return t + dt * (target - h) / inc;
            }
            h += inc;
            t += dt;
        }
        return 50;
    }

    @BeforeAll
    static void fitSimulated() {
        tables = simulate(300, 20240611L);
        fit = JointModel.fit(tables[0], tables[1], JointModelSpec.of("y ~ time + time:group + (time | id)", "time",
                "Time", "status", "~ group", Baseline.WEIBULL));
        System.out.printf(Locale.ROOT, "simulated joint model (300 subjects, %d measurements, %d events): %.2f s%n",
                fit.nobs(), fit.events(), fit.seconds());
        for (JointCoefficient c : fit.longitudinal()) {
            System.out.printf(Locale.ROOT, "  longitudinal %-12s %8.4f (se %.4f)%n", c.term(), c.estimate(), c.se());
        }
        for (JointCoefficient c : fit.event()) {
            System.out.printf(Locale.ROOT, "  event        %-12s %8.4f (se %.4f)%n", c.term(), c.estimate(), c.se());
        }
        System.out.printf(Locale.ROOT, "  sigma %.4f, D %s%n", fit.sigma(),
                java.util.Arrays.deepToString(fit.randomEffectsCovariance()));
    }

    private static void within(double truth, JointCoefficient c, double ses) {
        assertEquals(truth, c.estimate(), ses * c.se(), c.term() + String.format(Locale.ROOT,
                " (estimate %.4f, se %.4f, truth %.4f)", c.estimate(), c.se(), truth));
    }

    @Test
    void recoversTheParametersWithinThreeStandardErrors() {
        assertTrue(fit.converged());
        assertEquals(300, fit.subjects());
        assertTrue(fit.events() > 60 && fit.events() < 240, "events: " + fit.events());
        within(BETA[0], fit.longitudinalCoefficient("(Intercept)"), 3);
        within(BETA[1], fit.longitudinalCoefficient("time"), 3);
        within(BETA[2], fit.longitudinalCoefficient("time:groupB"), 3);
        within(GAMMA0, fit.eventCoefficient("(Intercept)"), 3);
        within(GAMMA1, fit.eventCoefficient("groupB"), 3);
        within(ALPHA, fit.eventCoefficient("Assoct"), 3);
        within(Math.log(SHAPE), fit.eventCoefficient("log(shape)"), 3);
        int ls = fit.parameterNames().indexOf("Y.log(sigma)");
        assertEquals(Math.log(SIGMA), Math.log(fit.sigma()), 3 * Math.sqrt(fit.covariance()[ls][ls]), "log sigma");
        // D: no standard errors reported; 300 subjects estimate a variance to about 10-25 %
        assertEquals(D[0][0], fit.randomEffectsCovariance()[0][0], 0.25 * D[0][0], "var intercept");
        assertEquals(D[1][1], fit.randomEffectsCovariance()[1][1], 0.3 * D[1][1], "var slope");
        assertEquals(D[1][0], fit.randomEffectsCovariance()[1][0], 0.05, "covariance");
    }

    @Test
    void piecewiseBaselineRecoversTheSharedParameters() {
        JointFitResult pw = JointModel.fit(tables[0], tables[1], JointModelSpec.of("y ~ time + time:group + (time | id)",
                "time", "Time", "status", "~ group", Baseline.PIECEWISE));
        assertTrue(pw.converged());
        within(BETA[1], pw.longitudinalCoefficient("time"), 3);
        within(BETA[2], pw.longitudinalCoefficient("time:groupB"), 3);
        within(GAMMA1, pw.eventCoefficient("groupB"), 3);
        within(ALPHA, pw.eventCoefficient("Assoct"), 3);
        assertTrue(pw.logLik() > fit.logLik() - 20, "close to the true (Weibull) model's fit");
    }

    // ---- input checks -----------------------------------------------------------------------------------------

    private static DataFrame csv(String text) {
        try {
            return CsvReader.read(new StringReader(text), "test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String LONG = "id,t,y,arm\n1,0,5,a\n1,1,4,a\n2,0,6,b\n2,2,5,b\n3,0,4,a\n3,1,3.5,a\n"
            + "4,0,5.5,b\n4,1,5,b\n";
    private static final String SURV = "id,T,d,arm\n1,2,1,a\n2,3,0,b\n3,1.5,1,a\n4,4,0,b\n";

    private static String error(String longText, String survText) {
        MixedModelException e = assertThrows(MixedModelException.class, () -> JointModel.fit(csv(longText), csv(survText),
                JointModelSpec.of("y ~ t + (t | id)", "t", "T", "d", "~ arm", Baseline.WEIBULL)));
        return e.getMessage();
    }

    @Test
    void subjectsInOneTableOnlyAreNamed() {
        String m = error(LONG + "5,0,4,a\n", SURV);
        assertTrue(m.contains("subject 5 is in the longitudinal table only"), m);
        m = error(LONG, SURV + "6,3,1,a\n7,2,0,b\n");
        assertTrue(m.contains("subjects 6, 7 are in the survival table only"), m);
    }

    @Test
    void measurementsAfterTheEventAreRejected() {
        String m = error(LONG.replace("3,1,3.5,a", "3,1.6,3.5,a"), SURV);
        assertTrue(m.contains("Subject '3'") && m.contains("t = 1.6") && m.contains("data row 6 of the longitudinal")
                && m.contains("T = 1.5"), m);
    }

    @Test
    void nonPositiveTimesAreRejected() {
        String m = error(LONG, SURV.replace("4,4,0,b", "4,0,0,b"));
        assertTrue(m.contains("Subject '4' has T = 0 in data row 4 of the survival table") && m.contains("positive"), m);
        m = error(LONG, SURV.replace("2,3,0,b", "2,-1,0,b"));
        assertTrue(m.contains("T = -1"), m);
    }

    @Test
    void eventIndicatorMustBeZeroOrOne() {
        String m = error(LONG, SURV.replace("2,3,0,b", "2,3,2,b"));
        assertTrue(m.contains("d = 2 in data row 2") && m.contains("1 (event) or 0 (censored)"), m);
        m = error(LONG, SURV.replace("2,3,0,b", "2,3,yes,b"));
        assertTrue(m.contains("event indicator column 'd' is not numeric"), m);
    }

    @Test
    void missingValuesAreNamedByColumnAndRow() {
        String m = error(LONG.replace("2,2,5,b", "2,2,NA,b"), SURV);
        assertTrue(m.contains("Column 'y' has a missing value in data row 4 of the longitudinal table"), m);
        m = error(LONG, SURV.replace("3,1.5,1,a", "3,1.5,1,"));
        assertTrue(m.contains("Column 'arm' has a missing value in data row 3 of the survival table"), m);
    }

    @Test
    void otherInputProblems() {
        String m = error(LONG, SURV + "1,2,1,a\n");
        assertTrue(m.contains("Subject '1' has two rows in the survival table"), m);
        m = error(LONG, SURV.replace("id,T", "patient,T"));
        assertTrue(m.contains("survival table has no column 'id'"), m);
        MixedModelException e = assertThrows(MixedModelException.class, () -> JointModel.fit(csv(LONG), csv(SURV),
                JointModelSpec.of("y ~ t + (1 | id) + (0 + t | id)", "t", "T", "d", "~ arm", Baseline.WEIBULL)));
        assertTrue(e.getMessage().contains("exactly one random-effects term"), e.getMessage());
        e = assertThrows(MixedModelException.class, () -> JointModel.fit(csv(LONG), csv(SURV.replace(",1,", ",0,")),
                JointModelSpec.of("y ~ t + (t | id)", "t", "T", "d", "~ arm", Baseline.WEIBULL)));
        assertTrue(e.getMessage().contains("No subject has an event"), e.getMessage());
    }
}
