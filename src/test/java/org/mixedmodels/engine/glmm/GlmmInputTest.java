package org.mixedmodels.engine.glmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;

import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.testing.ReferenceCase;

/** Bad input gets glmer's checks with the row and what to do; unsupported random parts are refused by name. */
class GlmmInputTest {

    /** 4 groups x 3 rows; y and k are the responses, n the trials, off the offset. */
    private static DataFrame data(String y, String n, String off) throws IOException {
        String[] ys = y.split(",");
        String[] ns = n.split(",");
        String[] offs = off.split(",", -1);
        StringBuilder csv = new StringBuilder("g,x,y,n,off\n");
        for (int i = 0; i < 12; i++) {
            csv.append("G").append(i / 3).append(',').append(i % 3 - 1).append(',').append(ys[i]).append(',')
                    .append(ns[i]).append(',').append(offs[i]).append('\n');
        }
        return CsvReader.read(new StringReader(csv.toString()), "test");
    }

    private static final String N = "5,5,5,5,5,5,5,5,5,5,5,5";
    private static final String OFF = "0,0,0,0,0,0,0,0,0,0,0,0";

    private static String fails(String formula, DataFrame d, GlmmOptions o) {
        return assertThrows(MixedModelException.class, () -> GeneralizedLinearMixedModel.fit(formula, d, o)).getMessage();
    }

    @Test
    void binaryResponseOutsideZeroOne() throws IOException {
        DataFrame d = data("0,1,1,0,2,1,0,0,1,1,0,1", N, OFF);
        String m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.BINOMIAL));
        assertTrue(m.contains("must be 0 or 1") && m.contains("row 5") && m.contains("trials"), m);
    }

    @Test
    void successesAboveTrials() throws IOException {
        DataFrame d = data("0,1,1,0,2,1,0,6,1,1,0,1", N, OFF);
        String m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.BINOMIAL).withTrials("n"));
        assertTrue(m.contains("Row 8") && m.contains("more successes") && m.contains("'n' = 5"), m);
    }

    @Test
    void negativeCounts() throws IOException {
        DataFrame d = data("0,1,3,0,2,-1,0,6,1,1,0,1", N, OFF);
        String m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.POISSON));
        assertTrue(m.contains("must not be negative") && m.contains("row 6"), m);
    }

    @Test
    void nonIntegerCountWarnsAsGlmer() throws IOException {
        DataFrame d = data("0,1.5,3,0,2,1,0,6,1,1,0,4", N, OFF);
        GlmmResult r = GeneralizedLinearMixedModel.fit("y ~ x + (1 | g)", d, GlmmOptions.of(Family.POISSON));
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("non-integer")), r.warnings().toString());
        assertEquals(12, r.nobs());
        DataFrame b = data("0,1.5,3,0,2,1,0,4,1,1,0,4", N, OFF);
        GlmmResult rb = GeneralizedLinearMixedModel.fit("y ~ x + (1 | g)", b, GlmmOptions.of(Family.BINOMIAL).withTrials("n"));
        assertTrue(rb.warnings().contains("non-integer #successes in a binomial glm!"), rb.warnings().toString());
    }

    @Test
    void offsetWithMissingValues() throws IOException {
        DataFrame d = data("0,1,3,0,2,1,0,6,1,1,0,1", N, "0,0,0.5,,0,0,0,,0,0,0,0");
        String m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.POISSON).withOffset("off"));
        assertTrue(m.contains("offset column 'off' has 2 missing values") && m.contains("row 4"), m);
    }

    @Test
    void trialsOnlyForBinomialAndPositive() throws IOException {
        DataFrame d = data("0,1,3,0,2,1,0,4,1,1,0,1", "5,5,5,0,5,5,5,5,5,5,5,5", OFF);
        String m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.BINOMIAL).withTrials("n"));
        assertTrue(m.contains("must be positive") && m.contains("row 4"), m);
        m = fails("y ~ x + (1 | g)", d, GlmmOptions.of(Family.POISSON).withTrials("n"));
        assertTrue(m.contains("only with the binomial"), m);
    }

    @Test
    void quadratureOnlyForOneScalarRandomIntercept() {
        DataFrame cbpp = ReferenceCase.data("data/cbpp.csv");
        GlmmOptions o = GlmmOptions.of(Family.BINOMIAL).withTrials("size").withNAGQ(5);
        String slopes = fails("incidence ~ period + (size | herd)", cbpp, o);
        assertTrue(slopes.contains("nAGQ = 5") && slopes.contains("random slopes") && slopes.contains("Laplace"), slopes);
        String two = fails("incidence ~ 1 + (1 | herd) + (1 | period)", cbpp, o);
        assertTrue(two.contains("2 random-effects terms") && two.contains("(1 | subject)"), two);
        String residual = fails("incidence ~ period + (1 | herd) + ar1(period | herd)", cbpp, o.withNAGQ(1));
        assertTrue(residual.contains("residual covariance term"), residual);
    }

    @Test
    void singularFitWarnsAndKeepsTheGlmStandardErrors() throws IOException {
        // every group has the same successes: no between-group variation, theta at its bound 0
        DataFrame d = data("1,2,4,1,2,4,1,2,4,1,2,4", N, OFF);
        GlmmResult r = GeneralizedLinearMixedModel.fit("y ~ x + (1 | g)", d, GlmmOptions.of(Family.BINOMIAL).withTrials("n"));
        assertTrue(r.theta()[0] < 1e-4, "theta " + r.theta()[0]);
        assertTrue(r.singular());
        assertTrue(r.warnings().contains("boundary (singular) fit: see help('isSingular')"), r.warnings().toString());
        double[][] x = {new double[12], new double[12]};
        double[] y = new double[12];
        double[] wt = new double[12];
        int[] s = {1, 2, 4};
        for (int i = 0; i < 12; i++) {
            x[0][i] = 1;
            x[1][i] = i % 3 - 1;
            y[i] = s[i % 3] / 5.0;
            wt[i] = 5;
        }
        GlmFit glm = GlmFit.fit(GlmFamily.of(Family.BINOMIAL), x, y, wt, new double[12]);
        for (int k = 0; k < 2; k++) {
            // at theta = 0 the model is the GLM: same estimates (optimizer tolerance) and, for the canonical link,
            // the Hessian of the deviance is twice the GLM's information (central differences: 1e-5)
            assertEquals(glm.beta()[k], r.fixed().get(k).estimate(), 1e-5 * glm.se()[k], "beta " + k);
            assertEquals(glm.se()[k], r.fixed().get(k).se(), 1e-5 * glm.se()[k], "se " + k);
        }
    }

    /**
     * The optimizer works in units of the GLM's SEs, so a covariate in other units (x 1000) gives the same fit:
     * beta_x / 1000 and its SE / 1000, the same logLik (1e-9 relative) and theta. Measured: logLik 2e-16, theta
     * and beta 3e-8, SEs 4e-8 relative; the tolerance 1e-6 leaves room for BOBYQA's stopping point, which rounding
     * in the two data sets moves on a flat optimum.
     */
    @Test
    void fitDoesNotDependOnTheUnitsOfACovariate() throws IOException {
        java.util.List<String> lines = java.nio.file.Files.readAllLines(ReferenceCase.root().resolve("data/counts_offset.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            f[1] = Double.toString(Double.parseDouble(f[1]) * 1000);
            csv.append(String.join(",", f)).append('\n');
        }
        DataFrame milli = CsvReader.read(new StringReader(csv.toString()), "counts in other units");
        for (int k : new int[] {1, 9}) {
            GlmmOptions o = GlmmOptions.of(Family.POISSON).withOffset("logexposure").withNAGQ(k);
            GlmmResult a = GeneralizedLinearMixedModel.fit("count ~ x + (1 | site)", ReferenceCase.data("data/counts_offset.csv"), o);
            GlmmResult b = GeneralizedLinearMixedModel.fit("count ~ x + (1 | site)", milli, o);
            assertEquals(a.logLik(), b.logLik(), 1e-9 * Math.abs(a.logLik()), "logLik");
            assertEquals(a.theta()[0], b.theta()[0], 1e-6 * a.theta()[0], "theta");
            assertEquals(a.fixed().get(1).estimate(), 1000 * b.fixed().get(1).estimate(), 1e-6 * Math.abs(a.fixed().get(1).estimate()), "beta_x");
            assertEquals(a.fixed().get(1).se(), 1000 * b.fixed().get(1).se(), 1e-6 * a.fixed().get(1).se(), "se_x");
            assertEquals(a.fixed().get(0).se(), b.fixed().get(0).se(), 1e-6 * a.fixed().get(0).se(), "se intercept");
        }
    }

    @Test
    void agqNodeCountChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlmmOptions.of(Family.BINOMIAL).withNAGQ(0));
        assertTrue(e.getMessage().contains("nAGQ"), e.getMessage());
    }
}
