package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The supernodal numeric factor ({@link SupernodalCholesky}, behind {@link SparseRestFactor}) against the dense
 * kernel: the same matrices factored both ways give the same objective, log-determinants, solution, cov(beta) and
 * conditional variances (tolerances as {@link SparseRestFactorTest}), on nested (no fill, many tiny supernodes),
 * crossed (fill, a wide trailing clique factored by the dense kernel), one-level-rated (empty fill) and k > 1
 * designs; and the cost model picks it for InstEval's pattern but not for nested ones.
 */
class SupernodalCholeskyTest {

    static Stream<String> cases() {
        return ReferenceCase.names("lme4").stream();
    }

    private static ProfiledDeviance supernodal(Design design, boolean reml) {
        ProfiledDeviance d = new ProfiledDeviance(design, reml, SparseRestFactor.FORCE_SUPERNODAL);
        assertTrue(d.sparseFactor().supernodal(), "forced onto the supernodal kernel");
        return d;
    }

    /** Every lme4 reference case with later random-effects terms (k = 1 and k > 1 blocks). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void referenceCasesEqualTheDenseFactor(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), c.referenceLevels());
        if (design.randomTerms().size() < 2) {
            return;
        }
        boolean reml = !"ML".equals(c.string("method"));
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, reml, Integer.MAX_VALUE),
                supernodal(design, reml), SparseRestFactorTest.thetaAndAnother(c));
    }

    @Test
    void nestedFactorsEqualTheDenseFactor() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | school/class/pupil)"),
                SparseRestFactorTest.nested(50, false, 5), Map.of());
        ProfiledDeviance s = supernodal(design, true);
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, true, Integer.MAX_VALUE), s,
                new double[][] {{1, 1, 1}, {0.3, 0.8, 1.7}});
        assertFalse(s.sparseFactor().supernodes().factorsL33(), "nested: no wide trailing clique");
    }

    @Test
    void nestedSlopesEqualTheDenseFactor() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | school:class) + (x | school)"),
                SparseRestFactorTest.nested(30, true, 6), Map.of());
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, true, Integer.MAX_VALUE),
                supernodal(design, true), new double[][] {{1, 1, 0, 1}, {0.6, 0.9, -0.4, 0.5}});
    }

    /**
     * Students rating lecturers, InstEval-like: each student rates several lecturers, a few popular ones often, so
     * the lecturers' Schur complement fills in and the AMD order ends in a wide dense clique.
     */
    static DataFrame ratings(int students, int lecturers, int perStudent, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("y,x,s,d\n");
        double[] effect = new double[lecturers];
        for (int i = 0; i < lecturers; i++) {
            effect[i] = 0.5 * random.nextGaussian();
        }
        for (int u = 0; u < students; u++) {
            double ue = random.nextGaussian();
            // perStudent 1: two ratings of one lecturer (no co-occurrence of lecturers, so no fill)
            int rated = perStudent == 1 ? 2 : 1 + random.nextInt(perStudent);
            int only = random.nextInt(lecturers);
            for (int r = 0; r < rated; r++) {
                int d = perStudent == 1 ? only
                        : random.nextDouble() < 0.3 ? random.nextInt(20) : random.nextInt(lecturers);
                double x = random.nextGaussian();
                csv.append(3 + 0.4 * x + ue + effect[d] + 0.8 * random.nextGaussian()).append(',').append(x)
                        .append(",s").append(u).append(",d").append(d).append('\n');
            }
        }
        return CsvReader.read(new java.io.StringReader(csv.toString()), "ratings");
    }

    @Test
    void crossedWithAWideCliqueEqualsTheDenseFactor() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (1 | d)"), ratings(900, 200, 12, 7),
                Map.of());
        ProfiledDeviance s = supernodal(design, true);
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, true, Integer.MAX_VALUE), s,
                new double[][] {{1, 1}, {0.4, 1.9}, {1.2, 0.1}});
        SupernodalCholesky kernel = s.sparseFactor().supernodes();
        assertNotNull(kernel);
        assertTrue(kernel.factorsL33(), "the trailing clique goes to the dense kernel");
        assertTrue(kernel.rootWidth() >= SupernodalCholesky.DENSE_ROOT_MIN, "root width " + kernel.rootWidth());
        assertTrue(kernel.supernodes() > 1 && kernel.supernodes() < s.sparseFactor().size(),
                kernel.supernodes() + " supernodes");
        // and at the optimum (REML and ML), as the dense fit
        for (boolean reml : new boolean[] {true, false}) {
            ProfiledDeviance dense = new ProfiledDeviance(design, reml, Integer.MAX_VALUE);
            ProfiledDeviance sup = supernodal(design, reml);
            OptimizerSummary a = ThetaOptimizer.minimize(dense, dense.initialTheta(), dense.lowerBounds());
            OptimizerSummary b = ThetaOptimizer.minimize(sup, sup.initialTheta(), sup.lowerBounds());
            org.mixedmodels.engine.testing.Tolerance.assertClose(a.objective(), b.objective(), 1e-10, "optimum");
        }
    }

    /** A random slope on the lecturers: blocks of k = 2 per level stay together in the panels. */
    @Test
    void crossedSlopesEqualTheDenseFactor() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (x | d)"), ratings(500, 80, 10, 8),
                Map.of());
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, true, Integer.MAX_VALUE),
                supernodal(design, true), new double[][] {{1, 1, 0.2, 0.7}, {0.5, 1.4, -0.3, 0.4}});
    }

    /** Every student rates one lecturer: C22 is diagonal, no fill, one-column supernodes. */
    @Test
    void emptyFillEqualsTheDenseFactor() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (1 | d)"), ratings(300, 60, 1, 9),
                Map.of());
        ProfiledDeviance s = supernodal(design, true);
        SparseRestFactorTest.assertSame(new ProfiledDeviance(design, true, Integer.MAX_VALUE), s,
                new double[][] {{1, 1}, {0.3, 2.1}});
        assertEquals(s.sparseFactor().size(), s.sparseFactor().supernodes().supernodes(), "one per column");
    }

    /**
     * The cost model on the symbolic figures (not timing): real InstEval's AMD order (281,276 entries, a clique of
     * 504, 97 MFlop, m = 1,157) picks the supernodal kernel; a nested design (no clique) the up-looking one; a
     * nearly dense pattern the dense one.
     */
    @Test
    void costModelChoosesTheSupernodalKernelForInstEval() {
        long clique = 504;
        long cliqueFlops = clique * clique * clique / 3;
        assertEquals(SparseRestFactor.Kernel.SUPERNODAL, SparseRestFactor.choose(
                new long[] {97_000_000L, 281_276L, clique, 97_000_000L - cliqueFlops}, 1157));
        assertEquals(SparseRestFactor.Kernel.UP_LOOKING, SparseRestFactor.choose(
                new long[] {2_000_000L, 400_000L, 3, 2_000_000L}, 100_002));
        long n = 1150;
        long full = n * n * n / 3;
        assertEquals(SparseRestFactor.Kernel.DENSE, SparseRestFactor.choose(
                new long[] {full, n * (n + 1) / 2, 600, full - 600L * 600 * 600 / 3}, n + 5));
    }

    /** The same on a generated InstEval-shaped design, from its own symbolic analysis by default. */
    @Test
    void instEvalShapedDesignChoosesTheSupernodalKernel() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (1 | d)"), ratings(2972, 1128, 6, 10),
                Map.of());
        ProfiledDeviance d = new ProfiledDeviance(design, true);
        assertTrue(d.sparseRest(), "not the dense kernel");
        assertTrue(d.sparseFactor().supernodal(), "the supernodal kernel");
    }

    /**
     * The blocked root kernel and the two-thread front (forced on a small problem), and the rank update in its
     * planned order on one and two threads, give the factor of the one-row-at-a-time kernels to the last bit: the
     * same arithmetic in the same order for every entry.
     */
    @Test
    void splitAndBlockedKernelsEqualTheReferenceBitForBit() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (1 | d)"), courses(1500, 60, 6, 100, 11),
                Map.of());
        ProfiledDeviance d = supernodal(design, true);
        double[][] thetas = {{1, 1}, {0.4, 1.9}, {1.2, 0.1}};
        d.value(thetas[0]);
        SparseRestFactor f = d.sparseFactor();
        SupernodalCholesky kernel = f.supernodes();
        assertTrue(kernel.splittable(), "the front splits over two threads");
        for (double[] theta : thetas) {
            kernel.mode(SupernodalCholesky.Mode.REFERENCE);
            f.rankMode(SparseRestFactor.RankMode.REFERENCE);
            double reference = d.value(theta);
            double[] l22 = f.denseColumns();
            double[] solution = f.solve();
            double[] l33 = l33(f);
            String[] modes = {"SERIAL", "SPLIT", "AUTO"};
            for (String mode : modes) {
                kernel.mode(SupernodalCholesky.Mode.valueOf(mode));
                f.rankMode(SparseRestFactor.RankMode.valueOf(mode));
                assertEquals(reference, d.value(theta), 0.0, mode);
                org.junit.jupiter.api.Assertions.assertArrayEquals(l22, f.denseColumns(), 0.0, mode + " L22");
                org.junit.jupiter.api.Assertions.assertArrayEquals(solution, f.solve(), 0.0, mode + " solution");
                org.junit.jupiter.api.Assertions.assertArrayEquals(l33, l33(f), 0.0, mode + " L33");
            }
            // the two-thread rank update with the one-thread supernodal kernel, and the other way round
            kernel.mode(SupernodalCholesky.Mode.SERIAL);
            f.rankMode(SparseRestFactor.RankMode.SPLIT);
            assertEquals(reference, d.value(theta), 0.0, "split rank update");
            org.junit.jupiter.api.Assertions.assertArrayEquals(l22, f.denseColumns(), 0.0, "split rank update L22");
        }
    }

    /**
     * A matrix that is not positive definite stops the two-thread front at its first panel: factor returns false,
     * the helper (parked or not yet started) returns instead of waiting for supernodes that never come, and the
     * next factorization is again the reference's to the last bit.
     */
    @Test
    void failedSplitFactorizationReleasesTheHelper() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | s) + (1 | d)"), courses(1500, 60, 6, 100, 11),
                Map.of());
        ProfiledDeviance d = supernodal(design, true);
        double[] theta = {0.4, 1.9};
        d.value(theta); // the kernel is set up at the first factorization
        SparseRestFactor f = d.sparseFactor();
        SupernodalCholesky kernel = f.supernodes();
        kernel.mode(SupernodalCholesky.Mode.REFERENCE);
        double reference = d.value(theta);
        double[] l22 = f.denseColumns();
        kernel.mode(SupernodalCholesky.Mode.SPLIT);
        int[] sizes = kernel.patternSizes();
        int px = f.denseRows();
        int qr = (int) Math.round(Math.sqrt(l22.length)); // denseColumns is qr x qr
        for (int round = 0; round < 20; round++) {
            boolean ok = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> kernel.factor(new double[sizes[0]], new double[px * qr],
                            new double[px * px], new double[sizes[1]]), "a failed factorization returns (hang guard)");
            assertFalse(ok, "a zero matrix is not positive definite");
        }
        assertEquals(reference, d.value(theta), 0.0, "after the failures");
        org.junit.jupiter.api.Assertions.assertArrayEquals(l22, f.denseColumns(), 0.0, "L22 after the failures");
    }

    /**
     * Ratings where every student rates all the lecturers of one or two courses (so each course's lecturers have
     * the same pattern and form a wide supernode) and one or two popular lecturers, who fill in to a wide trailing
     * clique.
     */
    static DataFrame courses(int students, int courses, int perCourse, int popular, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int lecturers = courses * perCourse;
        StringBuilder csv = new StringBuilder("y,x,s,d\n");
        for (int u = 0; u < students; u++) {
            double ue = random.nextGaussian();
            int taken = 1 + random.nextInt(2);
            java.util.List<Integer> rated = new java.util.ArrayList<>();
            for (int c = 0; c < taken; c++) {
                int course = random.nextInt(courses);
                for (int l = 0; l < perCourse; l++) {
                    rated.add(course * perCourse + l);
                }
            }
            for (int r = 1 + random.nextInt(2); r > 0; r--) {
                rated.add(lecturers + random.nextInt(popular));
            }
            for (int d : rated) {
                double x = random.nextGaussian();
                csv.append(3 + 0.4 * x + ue + 0.1 * (d % 7) + 0.8 * random.nextGaussian()).append(',').append(x)
                        .append(",s").append(u).append(",d").append(d).append('\n');
            }
        }
        return CsvReader.read(new java.io.StringReader(csv.toString()), "courses");
    }

    private static double[] l33(SparseRestFactor f) {
        int px = f.denseRows();
        double[] out = new double[px * px];
        for (int i = 0; i < px; i++) {
            for (int j = 0; j <= i; j++) {
                out[i * px + j] = f.l33(i, j);
            }
        }
        return out;
    }
}
