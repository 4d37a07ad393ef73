package org.mixedmodels.engine.glmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The general PIRLS path: agreement with the per-group one, units, and the per-term output. */
class GlmmSeveralTermsTest {

    /**
     * For one scalar random intercept the blocked-factor PIRLS and the per-group PIRLS of the quadrature code
     * compute the same Laplace approximation: 1e-10 relative over a range of theta (measured 2e-14 to 2e-11).
     */
    @Test
    void blockedPirlsEqualsPerGroupPirls() {
        DataFrame d = ReferenceCase.data("data/counts_offset.csv");
        GlmmOptions o = GlmmOptions.of(Family.POISSON).withOffset("logexposure");
        GeneralizedLinearMixedModel.Problem pr = GeneralizedLinearMixedModel.Problem.of(
                FormulaParser.parse("count ~ x + (1 | site)"), d, o);
        Design design = pr.design;
        ScalarRandomInterceptDeviance perGroup = new ScalarRandomInterceptDeviance(pr.family, design.fixed().columns(),
                pr.response.y(), pr.response.weights(), pr.response.offset(), design.randomTerms().get(0), 1);
        double[] beta = pr.glm.beta();
        for (double theta = 0.05; theta < 3; theta *= 1.7) {
            double a = pr.dev.deviance(new double[] {theta}, beta);
            double b = perGroup.deviance(theta, beta);
            assertEquals(b, a, 1e-10 * Math.abs(b), "theta " + theta);
        }
    }

    /**
     * A random slope's covariate in other units (week x 7 = days): theta's slope entries / 7, the slope
     * coefficients / 7, the same logLik (1e-9 relative) and z; the unit-free optimizer makes this hold to its
     * stopping radius (1e-5 relative on the parameters).
     */
    @Test
    void randomSlopeInOtherUnits() throws java.io.IOException {
        ReferenceCase c = ReferenceCase.load("binary_random_slope_laplace");
        List<String> lines = java.nio.file.Files.readAllLines(ReferenceCase.root().resolve("data/binary_slopes.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            f[2] = Double.toString(Double.parseDouble(f[2]) * 7);
            csv.append(String.join(",", f)).append('\n');
        }
        DataFrame days = CsvReader.read(new StringReader(csv.toString()), "binary slopes in days");
        GlmmResult a = GlmmReferenceTest.fit(c);
        GlmmResult b = GeneralizedLinearMixedModel.fit(c.string("formula"), days, GlmmOptions.of(Family.BINOMIAL));
        assertEquals(a.logLik(), b.logLik(), 1e-9 * Math.abs(a.logLik()), "logLik");
        double[] per = {1, 7, 7}; // theta: intercept SD, (slope, intercept) entry, slope entry
        for (int i = 0; i < 3; i++) {
            assertEquals(a.theta()[i], per[i] * b.theta()[i], 1e-5 * Math.abs(a.theta()[0]) * (i == 0 ? 1 : 1), "theta " + i);
        }
        for (int k = 0; k < a.fixed().size(); k++) {
            GlmmResult.Coefficient x = a.fixed().get(k);
            GlmmResult.Coefficient y = b.fixed().get(k);
            double f = x.term().contains("week") ? 7 : 1;
            assertEquals(x.estimate(), f * y.estimate(), 1e-5 * x.se(), x.term());
            assertEquals(x.se(), f * y.se(), 1e-4 * x.se(), x.term() + " se");
            assertEquals(x.z(), y.z(), 1e-4 * Math.max(1, Math.abs(x.z())), x.term() + " z");
        }
    }

    /**
     * Nested factors, (1 | site/plot), with a Poisson response: every term's modes and conditional SDs are there,
     * per level, and the fitted values are exp(X beta + offset + the modes of the row's levels).
     */
    @Test
    void nestedTermsGiveModesForEveryTermAndLevel() throws java.io.IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        StringBuilder csv = new StringBuilder("count,x,site,plot\n");
        for (int s = 0; s < 12; s++) {
            double us = 0.6 * (random.nextDouble() - 0.5) * 3.4;
            for (int p = 0; p < 4; p++) {
                double up = 0.4 * (random.nextDouble() - 0.5) * 3.4;
                for (int r = 0; r < 5; r++) {
                    double x = random.nextDouble();
                    double mu = Math.exp(0.5 + 0.8 * x + us + up);
                    int k = 0;
                    double l = Math.exp(-mu);
                    double prod = random.nextDouble();
                    while (prod > l) {
                        k++;
                        prod *= random.nextDouble();
                    }
                    csv.append(k).append(',').append(x).append(",S").append(s).append(",P").append(p).append('\n');
                }
            }
        }
        DataFrame d = CsvReader.read(new StringReader(csv.toString()), "nested counts");
        GlmmResult r = GeneralizedLinearMixedModel.fit("count ~ x + (1 | site/plot)", d, GlmmOptions.of(Family.POISSON));
        assertEquals(2, r.theta().length);
        assertEquals(List.of("plot:site", "site"), List.copyOf(r.ngroups().keySet()));
        assertEquals(48 + 12, r.randomEffects().size());
        assertEquals(2, r.groups().size());
        for (RandomEffect e : r.randomEffects()) {
            assertTrue(e.condsd() > 0 && Double.isFinite(e.value()), e.toString());
        }
        double[] beta = r.beta();
        GlmmResult.Group plot = r.groups().get(0);
        GlmmResult.Group site = r.groups().get(1);
        double[] x = r.design().fixed().columns()[1];
        for (int i = 0; i < r.nobs(); i++) {
            int p = plot.levels().indexOf(r.terms().get(0).grouping().levels().get(r.terms().get(0).grouping().code(i)));
            int s = site.levels().indexOf(r.terms().get(1).grouping().levels().get(r.terms().get(1).grouping().code(i)));
            double eta = beta[0] + beta[1] * x[i] + plot.modes()[p][0] + site.modes()[s][0];
            assertEquals(eta, r.fittedLink()[i], 1e-12 * Math.max(1, Math.abs(eta)), "row " + i);
            assertEquals(Math.exp(eta), r.fittedResponse()[i], 1e-12 * Math.exp(eta), "row " + i);
        }
    }
}
