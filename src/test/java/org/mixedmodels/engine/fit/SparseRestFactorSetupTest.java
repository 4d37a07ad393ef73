package org.mixedmodels.engine.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The setup of {@link SparseRestFactor}: its linear-time pattern against the plain construction (sorted, repeats
 * dropped, each pair's entry found by binary search), and the contiguous accumulation of the cross-products
 * against the general one, bit for bit.
 */
class SparseRestFactorSetupTest {
    /** A random first-block pattern: per level, an ascending subset of the qr later random effects, then X and y. */
    private record Levels(int qr, int[] levelStart, int[] levelRows, int[] reEnd, int pairs) {
    }

    private static Levels levels(SplittableRandom random, int qr, int levels, int px) {
        int[] start = new int[levels + 1];
        int[] rows = new int[levels * (qr + px)];
        int[] reEnd = new int[levels];
        int count = 0;
        int pairs = 0;
        for (int j = 0; j < levels; j++) {
            start[j] = count;
            double density = random.nextDouble();
            for (int r = 0; r < qr; r++) {
                if (random.nextDouble() < density) {
                    rows[count++] = r;
                }
            }
            reEnd[j] = count;
            int s = reEnd[j] - start[j];
            pairs += s * (s + 1) / 2;
            for (int c = 0; c < px; c++) {
                rows[count++] = qr + c;
            }
        }
        start[levels] = count;
        return new Levels(qr, start, Arrays.copyOf(rows, count), reEnd, pairs);
    }

    @Test
    void patternIsThePlainConstruction() {
        SplittableRandom random = new SplittableRandom(20261202L);
        for (int trial = 0; trial < 300; trial++) {
            int qr = 1 + random.nextInt(60);
            Levels l = levels(random, qr, 1 + random.nextInt(40), random.nextInt(4));
            int[] position = new int[qr];
            for (int c = 0; c < qr; c++) {
                position[c] = c;
            }
            if (random.nextBoolean()) { // a random order, as the fill-reducing one
                for (int c = qr - 1; c > 0; c--) {
                    int o = random.nextInt(c + 1);
                    int t = position[c];
                    position[c] = position[o];
                    position[o] = t;
                }
            }
            SparseRestFactor.Pattern p = SparseRestFactor.pattern(qr, l.levelStart(), l.levelRows(), l.reEnd(), position,
                    l.pairs());
            // the plain construction: per column the distinct rows, sorted
            @SuppressWarnings("unchecked")
            TreeSet<Integer>[] columns = new TreeSet[qr];
            for (int c = 0; c < qr; c++) {
                columns[c] = new TreeSet<>();
            }
            for (int j = 0; j < l.reEnd().length; j++) {
                for (int a = l.levelStart()[j]; a < l.reEnd()[j]; a++) {
                    for (int b = l.levelStart()[j]; b <= a; b++) {
                        int pa = position[l.levelRows()[a]];
                        int pb = position[l.levelRows()[b]];
                        columns[Math.max(pa, pb)].add(Math.min(pa, pb));
                    }
                }
            }
            int[] colIdx = new int[qr + 1];
            int[] rows = new int[qr * qr];
            int nz = 0;
            for (int c = 0; c < qr; c++) {
                colIdx[c] = nz;
                for (int r : columns[c]) {
                    rows[nz++] = r;
                }
            }
            colIdx[qr] = nz;
            assertArrayEquals(colIdx, p.c22().col_idx, "trial " + trial);
            assertEquals(nz, p.c22().nz_length);
            assertArrayEquals(Arrays.copyOf(rows, nz), Arrays.copyOf(p.c22().nz_rows, nz));
            assertEquals(l.pairs(), p.pairPos().length);
            int e = 0;
            for (int j = 0; j < l.reEnd().length; j++) {
                for (int a = l.levelStart()[j]; a < l.reEnd()[j]; a++) {
                    for (int b = l.levelStart()[j]; b <= a; b++) {
                        int pa = position[l.levelRows()[a]];
                        int pb = position[l.levelRows()[b]];
                        int col = Math.max(pa, pb);
                        int at = Arrays.binarySearch(rows, colIdx[col], colIdx[col + 1], Math.min(pa, pb));
                        assertEquals(at, p.pairPos()[e++], "pair " + e + " of trial " + trial);
                    }
                }
            }
        }
    }

    private static double[] field(SparseRestFactor f, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field field = SparseRestFactor.class.getDeclaredField(name);
        field.setAccessible(true);
        return (double[]) field.get(f);
    }

    @Test
    void contiguousAccumulationIsTheGeneralOneBitForBit() throws ReflectiveOperationException {
        SplittableRandom random = new SplittableRandom(7L);
        int checked = 0;
        for (int trial = 0; trial < 40; trial++) {
            int qr = 2 + random.nextInt(30);
            int p = random.nextInt(5);
            int px = p + 1;
            Levels l = levels(random, qr, 2 + random.nextInt(20), px);
            int[] restBlock = new int[qr];
            int[] restColumn = new int[qr];
            int[] blockK = {1, 1};
            Arrays.fill(restBlock, 1);
            SparseRestFactor fast = SparseRestFactor.create(qr, p, restBlock, restColumn, blockK, l.levelStart(),
                    l.levelRows(), -1);
            SparseRestFactor general = SparseRestFactor.create(qr, p, restBlock, restColumn, blockK, l.levelStart(),
                    l.levelRows(), -1);
            assertNotNull(fast);
            for (int j = 0; j < l.reEnd().length; j++) {
                // rows of level j: some of its later random effects, then X and y
                for (int row = 0; row < 5; row++) {
                    int[] idx = new int[qr + px];
                    double[] val = new double[qr + px];
                    int nz = 0;
                    for (int t = l.levelStart()[j]; t < l.reEnd()[j]; t++) {
                        if (random.nextInt(3) == 0) {
                            idx[nz] = l.levelRows()[t];
                            val[nz++] = random.nextGaussian();
                        }
                    }
                    for (int c = 0; c < px; c++) {
                        idx[nz] = qr + c;
                        val[nz++] = random.nextInt(4) == 0 ? -0.0 : random.nextGaussian() * 1e3;
                    }
                    fast.accumulate(idx, val, nz);
                    general.accumulateGeneral(idx, val, nz);
                    checked++;
                }
            }
            for (String name : new String[] {"a22", "a32", "a33"}) {
                double[] a = field(fast, name);
                double[] b = field(general, name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(b[i]), Double.doubleToRawLongBits(a[i]), name + "[" + i + "]");
                }
            }
        }
        assertEquals(true, checked > 100);
    }
}
