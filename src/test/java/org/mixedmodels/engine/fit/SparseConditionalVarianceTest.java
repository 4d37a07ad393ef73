package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;

/**
 * The two routes to the conditional variances with a sparse rest ({@link FactorSolutions}): reach solves per level,
 * and the dense inverse of the scattered sparse L22 in its fill-reducing order. Both are exact, so they must agree with
 * each other and with the dense kernel's to rounding (1e-12 relative), on crossed designs with scalar and vector
 * blocks, in the approximate-minimum-degree order; and the route is chosen by its cost inputs: reach solves for
 * nested factors, the dense inverse for crossed ones whose reaches all cross the trailing clique.
 */
class SparseConditionalVarianceTest {
    private static final double TOLERANCE = 1e-12;

    /** Users rating a few items each, some items popular (as InstEval's students and lecturers). */
    static DataFrame crossed(int users, int items, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("y,x,user,item\n");
        double[] itemEffect = new double[items];
        for (int i = 0; i < items; i++) {
            itemEffect[i] = 0.8 * random.nextGaussian();
        }
        for (int u = 0; u < users; u++) {
            double ue = random.nextGaussian();
            int rated = 2 + random.nextInt(5);
            for (int r = 0; r < rated; r++) {
                int item = random.nextDouble() < 0.4 ? random.nextInt(10) : random.nextInt(items);
                double x = random.nextGaussian();
                csv.append(2 + 0.5 * x + ue + itemEffect[item] + 0.7 * random.nextGaussian()).append(',').append(x)
                        .append(",u").append(u).append(",i").append(item).append('\n');
            }
        }
        return CsvReader.read(new java.io.StringReader(csv.toString()), "crossed");
    }

    private static void assertRoutesAgree(String formula, DataFrame data, int sparseMin, double[] theta) {
        Design design = Design.build(FormulaParser.parse(formula), data, Map.of());
        ProfiledDeviance dense = new ProfiledDeviance(design, true, Integer.MAX_VALUE);
        ProfiledDeviance sparse = new ProfiledDeviance(design, true, sparseMin);
        assertFalse(dense.sparseRest());
        assertTrue(sparse.sparseRest());
        assertTrue(sparse.sparseFactor().reordered(), "crossed factors take the fill-reducing order");
        dense.factor(theta);
        sparse.factor(theta);
        FactorSolutions solutions = sparse.solutions();
        double[][][] byInverse = solutions.sparseConditionalVariances(true);
        double[][][] byReach = solutions.sparseConditionalVariances(false);
        double[][][] byDenseKernel = dense.solutions().unscaledConditionalVariances();
        assertTrue(solutions.conditionalVariancesByDenseInverse(), "crossed: the dense inverse");
        double[][][] chosen = solutions.unscaledConditionalVariances();
        assertEquals(byDenseKernel.length, byInverse.length);
        for (int b = 0; b < byInverse.length; b++) {
            assertEquals(byDenseKernel[b].length, byInverse[b].length);
            for (int level = 0; level < byInverse[b].length; level++) {
                for (int e = 0; e < byInverse[b][level].length; e++) {
                    // off-diagonal entries on the scale of the level's diagonal
                    int k = (int) Math.round(Math.sqrt(byInverse[b][level].length));
                    double scale = Math.abs(byReach[b][level][(e / k) * (k + 1)]);
                    String what = "block " + b + " level " + level + " entry " + e;
                    assertClose(byReach[b][level][e], byInverse[b][level][e], TOLERANCE, scale, what + " reach");
                    assertClose(byDenseKernel[b][level][e], byInverse[b][level][e], TOLERANCE, scale,
                            what + " dense kernel");
                    assertEquals(byInverse[b][level][e], chosen[b][level][e], 0.0, what + " chosen route");
                }
            }
        }
    }

    @Test
    void scalarCrossedUpLooking() throws Exception {
        assertRoutesAgree("y ~ x + (1 | user) + (1 | item)", crossed(400, 150, 9), -1, new double[] {1.1, 0.7});
    }

    @Test
    void scalarCrossedSupernodal() throws Exception {
        assertRoutesAgree("y ~ x + (1 | user) + (1 | item)", crossed(600, 200, 4), SparseRestFactor.FORCE_SUPERNODAL,
                new double[] {0.6, 1.3});
    }

    @Test
    void vectorLaterBlock() throws Exception {
        assertRoutesAgree("y ~ x + (1 | user) + (x | item)", crossed(400, 120, 5), -1,
                new double[] {0.9, 0.8, -0.3, 0.4});
    }

    @Test
    void vectorFirstAndLaterBlocks() throws Exception {
        assertRoutesAgree("y ~ x + (x | user) + (x | item)", crossed(400, 120, 6), SparseRestFactor.FORCE_SUPERNODAL,
                new double[] {0.7, 0.2, 0.5, 0.9, -0.3, 0.4});
    }

    @Test
    void nestedKeepsTheReachSolves() throws Exception {
        Design design = Design.build(FormulaParser.parse("y ~ x + (1 | school/class/pupil)"),
                SparseRestFactorTest.nested(400, false, 3), Map.of());
        ProfiledDeviance sparse = new ProfiledDeviance(design, true, 0);
        assertTrue(sparse.sparseRest());
        sparse.factor(new double[] {0.8, 0.6, 1.1});
        FactorSolutions solutions = sparse.solutions();
        double[] work = solutions.conditionalVarianceWork();
        assertTrue(work[0] * FactorSolutions.REACH_COST < work[1], "nested reaches are short: " + work[0]);
        assertFalse(solutions.conditionalVariancesByDenseInverse(), "nested: reach solves");
    }

    @Test
    void routeFollowsTheCostInputs() {
        // InstEval-shaped: 2,972 + 1,128 solves, each across a dense trailing clique of ~548 (548^2 / 2 multiply-adds)
        // against a 1,128 x 1,128 inverse (1128^3 / 6) and its combinations (~73,000 rows times ~560)
        double instEvalReach = (2972.0 + 1128) * 548 * 548 / 2;
        double instEvalDense = 1128.0 * 1128 * 1128 / 6 + 73_000.0 * 560;
        assertTrue(FactorSolutions.denseInverseCheaper(instEvalReach, instEvalDense), "InstEval: the dense inverse");
        // nested: 10,000 levels with paths of 3 entries against 10,000^3 / 6
        assertFalse(FactorSolutions.denseInverseCheaper(10_000.0 * 3, 1e12 / 6), "nested: reach solves");
    }
}
