package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import java.util.SplittableRandom;
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
 * The sparse factor of the later random-effects blocks ({@link SparseRestFactor}) against the dense one it
 * replaces: the same matrix factored two ways, so the objective, the solution and the conditional variances must
 * agree to rounding (1e-10 relative for the objective, 1e-8 for the solutions, whose conditioning is worse), and
 * against lme4's printed objectives at lme4's theta (1e-8, as {@link ProfiledDevianceTest}).
 */
class SparseRestFactorTest {

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream();
    }

    /** Every lme4 reference case whose rest can be factored sparsely, forced onto the sparse path. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sparseObjectiveAtLme4ThetaMatchesLme4(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Map<String, String> refs = c.referenceLevels();
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), refs);
        ProfiledDeviance deviance = new ProfiledDeviance(design, !"ML".equals(c.string("method")), 0);
        assertClose(c.number("objective"), deviance.value(c.numbers("theta")), 1e-8, "objective at lme4's theta");
    }

    /** Three nested levels: school / class / pupil, each pupil seen twice. */
    static DataFrame nested(int schools, boolean slope, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("y,x,school,class,pupil\n");
        for (int s = 0; s < schools; s++) {
            double us = random.nextGaussian();
            int classes = 1 + random.nextInt(3);
            for (int c = 0; c < classes; c++) {
                double uc = 0.7 * random.nextGaussian();
                int pupils = 1 + random.nextInt(4);
                for (int p = 0; p < pupils; p++) {
                    double up = 0.5 * random.nextGaussian();
                    for (int r = 0; r < 2; r++) {
                        double x = random.nextGaussian();
                        double y = 3 + x * (1 + (slope ? 0.4 * us : 0)) + us + uc + up + 0.6 * random.nextGaussian();
                        csv.append(y).append(',').append(x).append(",s").append(s).append(",c").append(c)
                                .append(",p").append(p).append('\n');
                    }
                }
            }
        }
        return CsvReader.read(new java.io.StringReader(csv.toString()), "nested");
    }

    static void assertSame(String formula, DataFrame data, double[][] thetas) {
        Design design = Design.build(FormulaParser.parse(formula), data, Map.of());
        ProfiledDeviance dense = new ProfiledDeviance(design, true, Integer.MAX_VALUE);
        ProfiledDeviance sparse = new ProfiledDeviance(design, true, 0);
        assertTrue(sparse.sparseRest(), "nested factors give a sparse rest");
        assertSame(dense, sparse, thetas);
    }

    static void assertSame(ProfiledDeviance dense, ProfiledDeviance sparse, double[][] thetas) {
        assertFalse(dense.sparseRest());
        assertTrue(sparse.sparseRest());
        for (double[] theta : thetas) {
            assertClose(dense.value(theta), sparse.value(theta), 1e-10, "objective");
            assertClose(dense.logDetL(), sparse.logDetL(), 1e-10, "log|L|^2");
            assertClose(dense.logDetRX(), sparse.logDetRX(), 1e-10, "log|RX|^2");
            assertClose(dense.pwrss(), sparse.pwrss(), 1e-10, "pwrss");
            double[][] a = dense.solve();
            double[][] b = sparse.solve();
            for (int part = 0; part < a.length; part++) {
                for (int i = 0; i < a[part].length; i++) {
                    assertClose(a[part][i], b[part][i], 1e-8, "solution " + part + "[" + i + "]");
                }
            }
            double[][] va = dense.unscaledFixedCovariance();
            double[][] vb = sparse.unscaledFixedCovariance();
            for (int i = 0; i < va.length; i++) {
                for (int j = 0; j < va.length; j++) {
                    assertClose(va[i][j], vb[i][j], 1e-8, "cov(beta)[" + i + "][" + j + "]");
                }
            }
            double[][][] ca = dense.unscaledConditionalVariances();
            double[][][] cb = sparse.unscaledConditionalVariances();
            for (int blk = 0; blk < ca.length; blk++) {
                for (int level = 0; level < ca[blk].length; level++) {
                    for (int e = 0; e < ca[blk][level].length; e++) {
                        assertClose(ca[blk][level][e], cb[blk][level][e], 1e-8,
                                "condVar block " + blk + " level " + level);
                    }
                }
            }
        }
    }

    @Test
    void nestedInterceptsAgreeWithDense() throws Exception {
        assertSame("y ~ x + (1 | school/class/pupil)", nested(40, false, 1),
                new double[][] {{1, 1, 1}, {0.3, 0.8, 1.7}, {0, 0.5, 1}});
    }

    @Test
    void nestedSlopesAgreeWithDense() throws Exception {
        assertSame("y ~ x + (1 | school:class) + (x | school)", nested(30, true, 2),
                new double[][] {{1, 1, 0, 1}, {0.6, 0.9, -0.4, 0.5}});
    }

    /**
     * By default, nested factors with many outer levels take the sparse path (no m x m block is allocated, which is
     * what made 50,000 schools fail with "Matrix size exceeds the size of an integer"), small ones stay dense.
     */
    @Test
    void defaultChoiceFollowsTheSize() throws Exception {
        Design many = Design.build(FormulaParser.parse("y ~ x + (1 | school/class)"), nested(400, false, 4), Map.of());
        assertTrue(new ProfiledDeviance(many, true).sparseRest(), "400 schools");
        Design few = Design.build(FormulaParser.parse("y ~ x + (1 | school/class)"), nested(40, false, 4), Map.of());
        assertFalse(new ProfiledDeviance(few, true).sparseRest(), "40 schools");
    }

    @Test
    void fitOnTheSparsePathEqualsTheDenseFit() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | school/class)"), nested(60, false, 3), Map.of());
        ProfiledDeviance dense = new ProfiledDeviance(design, true, Integer.MAX_VALUE);
        ProfiledDeviance sparse = new ProfiledDeviance(design, true, 0);
        OptimizerSummary a = ThetaOptimizer.minimize(dense, dense.initialTheta(), dense.lowerBounds());
        OptimizerSummary b = ThetaOptimizer.minimize(sparse, sparse.initialTheta(), sparse.lowerBounds());
        assertClose(a.objective(), b.objective(), 1e-10, "REML criterion at the optimum");
        for (int i = 0; i < a.theta().length; i++) {
            // the optimizer's path differs only by rounding; the optimum is flat to ~1e-6 in theta
            assertClose(a.theta()[i], b.theta()[i], 1e-5, "theta " + i);
        }
    }

    /**
     * Every lme4 reference case with random-effects terms after the first, forced onto the sparse factor (with
     * the fill-reducing order wherever the natural one fills in): the same objective, determinants, solution,
     * cov(beta) and conditional variances as the dense factor at lme4's theta and at a second theta.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forcedSparseFactorEqualsTheDenseOne(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), c.referenceLevels());
        if (design.randomTerms().size() < 2) {
            return;
        }
        boolean reml = !"ML".equals(c.string("method"));
        assertSame(new ProfiledDeviance(design, reml, Integer.MAX_VALUE), new ProfiledDeviance(design, reml, -1),
                thetaAndAnother(c));
    }

    /** The case's theta (lme4's) and a second point away from it: every entry times 1.3, zeros moved to 0.25. */
    static double[][] thetaAndAnother(ReferenceCase c) {
        double[] theta = c.numbers("theta");
        double[] other = theta.clone();
        for (int i = 0; i < other.length; i++) {
            other[i] = other[i] == 0 ? 0.25 : 1.3 * other[i];
        }
        return new double[][] {theta, other};
    }

    /**
     * Users rating items where each user rates a few items: the items' part of the Schur complement fills in
     * in the natural order, so the sparse factor takes the approximate minimum degree order (and needs fewer factor
     * entries than the natural order's); its results equal the dense factor's, at fixed theta and at the optimum.
     */
    @Test
    void crossedFactorsTakeTheFillReducingOrder() throws Exception {
        SplittableRandom random = new SplittableRandom(9);
        StringBuilder csv = new StringBuilder("y,x,user,item\n");
        int items = 150;
        double[] itemEffect = new double[items];
        for (int i = 0; i < items; i++) {
            itemEffect[i] = 0.8 * random.nextGaussian();
        }
        for (int u = 0; u < 400; u++) {
            double ue = random.nextGaussian();
            int rated = 1 + random.nextInt(4);
            for (int r = 0; r < rated; r++) {
                // a few popular items, the rest rarely rated
                int item = random.nextDouble() < 0.4 ? random.nextInt(10) : random.nextInt(items);
                double x = random.nextGaussian();
                csv.append(2 + 0.5 * x + ue + itemEffect[item] + 0.7 * random.nextGaussian()).append(',').append(x)
                        .append(",u").append(u).append(",i").append(item).append('\n');
            }
        }
        DataFrame data = CsvReader.read(new java.io.StringReader(csv.toString()), "crossed");
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | user) + (1 | item)"), data, Map.of());
        ProfiledDeviance dense = new ProfiledDeviance(design, true, Integer.MAX_VALUE);
        ProfiledDeviance sparse = new ProfiledDeviance(design, true, -1);
        assertTrue(sparse.sparseFactor().reordered(), "the natural order fills in");
        assertSame(dense, sparse, new double[][] {{1, 1}, {0.4, 1.9}, {1.2, 0.1}});
        // the natural order's factor (as the fill-reducing one must beat it)
        long natural = naturalFactorEntries(design);
        assertTrue(sparse.sparseFactor().factorEntries() < natural,
                sparse.sparseFactor().factorEntries() + " entries ordered, " + natural + " natural");
        OptimizerSummary a = ThetaOptimizer.minimize(dense, dense.initialTheta(), dense.lowerBounds());
        OptimizerSummary b = ThetaOptimizer.minimize(sparse, sparse.initialTheta(), sparse.lowerBounds());
        assertClose(a.objective(), b.objective(), 1e-10, "REML criterion at the optimum");
        for (int i = 0; i < a.theta().length; i++) {
            assertClose(a.theta()[i], b.theta()[i], 1e-5, "theta " + i);
        }
    }

    /** Entries of L22 in the natural order, by eliminating the items' co-occurrence graph explicitly. */
    private static long naturalFactorEntries(Design design) {
        var user = design.randomTerms().get(0);
        var item = design.randomTerms().get(1);
        if (user.levelCount() < item.levelCount()) {
            var t = user;
            user = item;
            item = t;
        }
        int q = item.levelCount();
        java.util.List<java.util.Set<Integer>> seen = new java.util.ArrayList<>();
        for (int j = 0; j < user.levelCount(); j++) {
            seen.add(new java.util.TreeSet<>());
        }
        for (int i = 0; i < design.nobs(); i++) {
            seen.get(user.grouping().code(i)).add(item.grouping().code(i));
        }
        boolean[][] g = new boolean[q][q];
        for (var s : seen) {
            for (int a : s) {
                for (int b : s) {
                    g[a][b] = true;
                }
            }
        }
        long entries = 0;
        for (int k = 0; k < q; k++) {
            java.util.List<Integer> later = new java.util.ArrayList<>();
            for (int v = k + 1; v < q; v++) {
                if (g[k][v]) {
                    later.add(v);
                }
            }
            entries += later.size() + 1;
            for (int a : later) {
                for (int b : later) {
                    g[a][b] = true;
                }
            }
        }
        return entries;
    }
}
