package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * The memory shape of Kenward-Roger through the Woodbury identity: with q random effects, at most two dense q x q
 * matrices (C^-1, whose place C^-1 Lambda' Z'Z and then H share, and Lambda' Z'V^-1 Z Lambda), never an n x n one.
 * Checked by structure: the counted q x q allocations, and the bytes the computation allocates in all (the JVM's
 * per-thread allocation counter, not a timing), which a third q x q matrix would push past the bound.
 */
class WoodburyKenwardRogerMemoryTest {
    /** Crossed users x items, q = users + items; user SD {@code userSd}, item SD 0.4, residual SD 1. */
    private static FitResult crossed(int users, int items, int n, double userSd, String formula) {
        SplittableRandom random = new SplittableRandom(11);
        double[] userEffect = new double[users];
        double[] itemEffect = new double[items];
        for (int i = 0; i < users; i++) {
            userEffect[i] = userSd * random.nextGaussian();
        }
        for (int i = 0; i < items; i++) {
            itemEffect[i] = 0.4 * random.nextGaussian();
        }
        String[] user = new String[n];
        String[] item = new String[n];
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            // every level seen at least once
            int a = i < users ? i : random.nextInt(users);
            int b = i < items ? i : random.nextInt(items);
            user[i] = "u" + a;
            item[i] = "i" + b;
            x[i] = random.nextGaussian();
            y[i] = 1 + 0.3 * x[i] + userEffect[a] + itemEffect[b] + random.nextGaussian();
        }
        DataFrame data = new DataFrame(List.of(new NumericColumn("y", y), new NumericColumn("x", x),
                new CategoricalColumn("user", user), new CategoricalColumn("item", item)));
        return LinearMixedModel.fit(formula, data, FitOptions.reml());
    }

    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return bean.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /**
     * 1,200 users x 400 items (q = 1,600, one q x q matrix 20 MB) on 4,000 rows: everything but the q x q matrices
     * (Z by rows, Z'Z, the q2 x q2 Schur complement and its inverse, the q1 x q2 block of C^-1, q x p and n x p
     * columns) is about half of one of them, so all the allocations together stay under 2.8 q x q matrices (2.46); with
     * three (before C^-1 Lambda' Z'Z shared C^-1's place) they would be about 3.5.
     */
    @Test
    void twoDenseSquareMatricesAtMost() {
        for (double userSd : new double[] {0.6, 3.0}) {
            // SD 0.6: both terms in Z's coordinates; SD 3: the users' term in Lambda's, the items' in Z's
            FitResult fit = crossed(1200, 400, 4000, userSd, "y ~ x + (1 | user) + (1 | item)");
            int q = 1600;
            assertEquals(q, fit.design().randomTerms().stream().mapToInt(t -> t.k() * t.levelCount()).sum());
            new WoodburyKenwardRoger(fit); // warm the code (class loading allocates too)
            long before = allocatedBytes();
            WoodburyKenwardRoger kr = new WoodburyKenwardRoger(fit);
            long allocated = allocatedBytes() - before;
            assertEquals(WoodburyKenwardRoger.DENSE_MATRICES, kr.denseSquareMatrices, "q x q matrices allocated");
            assertEquals(2, WoodburyKenwardRoger.DENSE_MATRICES);
            double squares = allocated / (8.0 * q * q);
            assertTrue(squares > 2 && squares < 2.8, "allocated " + squares + " q x q matrices' worth, SD " + userSd);
        }
    }
}
