package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The objective alone, at lme4's own theta: pure arithmetic, so it must agree with lme4's printed
 * REML criterion or deviance to 1e-8 relative (the first tier of tolerance; the optimum is tested in
 * {@link Lme4ReferenceTest}).
 */
class ProfiledDevianceTest {

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void objectiveAtLme4ThetaMatchesLme4(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Map<String, String> refs = c.referenceLevels();
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), refs);
        ProfiledDeviance deviance = new ProfiledDeviance(design, !"ML".equals(c.string("method")));
        assertClose(c.number("objective"), deviance.value(c.numbers("theta")), 1e-8, "objective at lme4's theta");
    }

    /**
     * Crossed intercepts with 2000 x 1000 levels (5000 rows, extra/crossed_large.csv): the dense part of
     * the factor is 1003 x 1003, where EJML switches to its blocked Cholesky; that path once gave a NaN
     * log-determinant. References: lme4 1.1-31 {@code lmer(y ~ x + (1|g) + (1|h), d, devFunOnly = TRUE)}
     * at two thetas.
     */
    @Test
    void largeCrossedDesignMatchesLme4DevianceFunction() throws Exception {
        DataFrame data = CsvReader.read(java.nio.file.Path.of(
                ProfiledDevianceTest.class.getResource("/extra/crossed_large.csv").toURI()));
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | g) + (1 | h)"), data, Map.of());
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        assertClose(17347.7601939515, deviance.value(new double[] {1, 1}), 1e-10, "REML criterion at (1, 1)");
        assertClose(17187.2929460574, deviance.value(new double[] {0.8, 0.3}), 1e-10, "REML criterion at (0.8, 0.3)");
    }

    /**
     * A random intercept with theta = 0 is an ordinary least-squares fit: the ML deviance is then
     * n (1 + log(2 pi RSS / n)), which checks the profiled formula against a closed form.
     */
    @Test
    void zeroThetaIsOrdinaryLeastSquares() throws Exception {
        DataFrame data = CsvReader.read(new java.io.StringReader("y,x,g\n1,1,a\n3,2,a\n2,3,b\n5,4,b\n4,5,c\n7,6,c\n"), "inline");
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | g)"), data, Map.of());
        ProfiledDeviance ml = new ProfiledDeviance(design, false);
        // OLS of y on x: slope = Sxy/Sxx.
        double[] x = {1, 2, 3, 4, 5, 6};
        double[] y = {1, 3, 2, 5, 4, 7};
        double mx = 3.5;
        double my = 22.0 / 6;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < 6; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        double slope = sxy / sxx;
        double rss = 0;
        for (int i = 0; i < 6; i++) {
            double r = y[i] - (my + slope * (x[i] - mx));
            rss += r * r;
        }
        assertClose(6 * (1 + Math.log(2 * Math.PI * rss / 6)), ml.value(new double[] {0.0}), 1e-12, "deviance");
        double[][] solution = ml.solve();
        assertClose(slope, solution[0][1], 1e-12, "slope");
        assertArrayEquals(new double[3], solution[1], 0.0, "u is 0 when Lambda is 0");
    }

    @Test
    void evaluationCountsAndBounds() {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), Map.of());
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        assertArrayEquals(new double[] {0, Double.NEGATIVE_INFINITY, 0}, deviance.lowerBounds());
        assertArrayEquals(new double[] {1, 0, 1}, deviance.initialTheta());
        deviance.value(deviance.initialTheta());
        deviance.value(deviance.initialTheta());
        assertEquals(2, deviance.evaluations());
    }
}
