package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelMatrix#aliasedColumns}'s full-rank shortcut decides as the Gram-Schmidt does: on indicator designs,
 * numeric columns of many scales, exact and near aliasing at distances around and far from the tolerance, the
 * answer is the Gram-Schmidt's; the shortcut is taken only where every column is far from the others.
 */
class ModelMatrixAliasingTest {
    private static ModelMatrix matrix(double[][] columns) {
        List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < columns.length; j++) {
            names.add("c" + j);
        }
        return new ModelMatrix(names, columns, new int[columns.length], List.of());
    }

    private static double[][] randomDesign(SplittableRandom random, int n) {
        int p = 1 + random.nextInt(12);
        double[][] x = new double[p][n];
        int levels = 2 + random.nextInt(6);
        int[] code = new int[n];
        for (int i = 0; i < n; i++) {
            code[i] = random.nextInt(levels);
        }
        for (int j = 0; j < p; j++) {
            int kind = j == 0 ? 0 : random.nextInt(5);
            double scale = Math.pow(10, random.nextInt(-8, 9));
            for (int i = 0; i < n; i++) {
                x[j][i] = switch (kind) {
                    case 0 -> 1;
                    case 1 -> code[i] == j % levels ? 1 : 0; // an indicator (with the intercept: aliased when all there)
                    case 2 -> random.nextGaussian() * scale;
                    case 3 -> (code[i] == j % levels ? 1 : 0) * random.nextGaussian() * scale;
                    default -> random.nextInt(3);
                };
            }
        }
        // a column near (or at) a combination of the others, at a distance around the tolerance or far from it
        if (p > 2 && random.nextBoolean()) {
            int target = random.nextInt(1, p);
            double distance = random.nextInt(4) == 0 ? 0 : Math.pow(10, -random.nextInt(0, 12));
            double[] combo = new double[n];
            for (int j = 0; j < target; j++) {
                double w = random.nextGaussian();
                for (int i = 0; i < n; i++) {
                    combo[i] += w * x[j][i];
                }
            }
            double norm = 0;
            for (double v : combo) {
                norm += v * v;
            }
            norm = Math.sqrt(norm / n);
            for (int i = 0; i < n; i++) {
                x[target][i] = combo[i] + distance * norm * random.nextGaussian();
            }
        }
        return x;
    }

    @Test
    void shortcutDecidesAsGramSchmidt() {
        SplittableRandom random = new SplittableRandom(20261202L);
        int shortcuts = 0;
        int refused = 0;
        for (int trial = 0; trial < 3_000; trial++) {
            int n = 5 + random.nextInt(400);
            ModelMatrix m = matrix(randomDesign(random, n));
            int[] gramSchmidt = m.aliasedByGramSchmidt(ModelMatrix.DEFAULT_RANK_TOLERANCE);
            assertArrayEquals(gramSchmidt, m.aliasedColumns(ModelMatrix.DEFAULT_RANK_TOLERANCE), "trial " + trial);
            if (m.certainlyFullRank(ModelMatrix.DEFAULT_RANK_TOLERANCE)) {
                shortcuts++;
                assertEquals(0, gramSchmidt.length, "trial " + trial);
            } else {
                refused++;
            }
        }
        assertTrue(shortcuts > 300 && refused > 300, shortcuts + " shortcuts, " + refused + " refused");
    }

    @Test
    void shortcutRefusesNearAliasingAndOddEntries() {
        int n = 100;
        double[] ones = new double[n];
        double[] x = new double[n];
        double[] near = new double[n];
        for (int i = 0; i < n; i++) {
            ones[i] = 1;
            x[i] = i;
            near[i] = 2 * i + 3 + 1e-4 * (i % 2 == 0 ? 1 : -1) * 50; // residual ratio about 0.05 / 1155 ~ 4e-5
        }
        assertTrue(matrix(new double[][] {ones, x}).certainlyFullRank(1e-7));
        assertFalse(matrix(new double[][] {ones, x, near}).certainlyFullRank(1e-7), "a ratio below 1e-2");
        assertArrayEquals(new int[0], matrix(new double[][] {ones, x, near}).aliasedColumns(1e-7));
        double[] nan = x.clone();
        nan[3] = Double.NaN;
        assertFalse(matrix(new double[][] {ones, nan}).certainlyFullRank(1e-7));
        assertFalse(matrix(new double[][] {ones, new double[n]}).certainlyFullRank(1e-7), "a zero column");
        assertFalse(matrix(new double[][] {ones, x}).certainlyFullRank(1e-3), "a tolerance not far below 1e-2");
    }
}
