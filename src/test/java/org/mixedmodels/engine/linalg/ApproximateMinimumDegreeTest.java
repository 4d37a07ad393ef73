package org.mixedmodels.engine.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The approximate minimum degree ordering: a permutation of the nodes on every pattern (empty, single, complete,
 * star, grid, random and crossed-design co-occurrence graphs), and the fill of the Cholesky factor in its order -
 * counted by eliminating the graph explicitly - never above that of the natural order on those patterns; on the
 * star and the path with its centre first it leaves no fill at all, as a minimum degree order must.
 */
class ApproximateMinimumDegreeTest {

    /** Adjacency lists from an edge list (both directions). */
    static int[][] csr(int n, List<int[]> edges) {
        int[] start = new int[n + 1];
        for (int[] e : edges) {
            start[e[0] + 1]++;
            start[e[1] + 1]++;
        }
        for (int v = 0; v < n; v++) {
            start[v + 1] += start[v];
        }
        int[] adj = new int[start[n]];
        int[] fill = start.clone();
        for (int[] e : edges) {
            adj[fill[e[0]]++] = e[1];
            adj[fill[e[1]]++] = e[0];
        }
        return new int[][] {start, adj};
    }

    /** Entries of the factor's strict lower triangle when the graph is eliminated in {@code order}. */
    static long factorEntries(int n, List<int[]> edges, int[] order) {
        int[] position = new int[n];
        for (int k = 0; k < n; k++) {
            position[order[k]] = k;
        }
        boolean[][] g = new boolean[n][n];
        for (int[] e : edges) {
            if (e[0] != e[1]) {
                g[position[e[0]]][position[e[1]]] = true;
                g[position[e[1]]][position[e[0]]] = true;
            }
        }
        long entries = 0;
        for (int k = 0; k < n; k++) {
            List<Integer> later = new ArrayList<>();
            for (int v = k + 1; v < n; v++) {
                if (g[k][v]) {
                    later.add(v);
                }
            }
            entries += later.size();
            for (int a : later) {
                for (int b : later) {
                    if (a != b) {
                        g[a][b] = true;
                    }
                }
            }
        }
        return entries;
    }

    static int[] checkedOrder(int n, List<int[]> edges) {
        int[][] c = csr(n, edges);
        int[] order = ApproximateMinimumDegree.order(n, c[0], c[1]);
        assertEquals(n, order.length);
        boolean[] seen = new boolean[n];
        for (int v : order) {
            assertTrue(v >= 0 && v < n && !seen[v], "a permutation");
            seen[v] = true;
        }
        return order;
    }

    static int[] natural(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    static void assertNoWorseThanNatural(int n, List<int[]> edges, String what) {
        int[] order = checkedOrder(n, edges);
        long amd = factorEntries(n, edges, order);
        long nat = factorEntries(n, edges, natural(n));
        assertTrue(amd <= nat, what + ": " + amd + " entries in the ordered factor, " + nat + " in the natural one");
    }

    @Test
    void trivialGraphs() {
        assertEquals(0, checkedOrder(0, List.of()).length);
        assertEquals(0, checkedOrder(1, List.of())[0]);
        checkedOrder(5, List.of());
        checkedOrder(3, List.of(new int[] {0, 0}, new int[] {1, 2}, new int[] {2, 1}));
    }

    @Test
    void starWithItsCentreFirstHasNoFill() {
        int n = 40;
        List<int[]> edges = new ArrayList<>();
        for (int v = 1; v < n; v++) {
            edges.add(new int[] {0, v});
        }
        int[] order = checkedOrder(n, edges);
        assertEquals(n - 1, factorEntries(n, edges, order), "leaves first: the factor is the pattern");
        assertEquals((long) n * (n - 1) / 2, factorEntries(n, edges, natural(n)), "centre first fills completely");
    }

    @Test
    void treeHasNoFill() {
        // a path numbered from its middle outwards (natural order fills), and a random tree
        int n = 31;
        List<int[]> path = new ArrayList<>();
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            label[i] = i % 2 == 0 ? i / 2 : n - 1 - i / 2;
        }
        for (int i = 0; i + 1 < n; i++) {
            path.add(new int[] {label[i], label[i + 1]});
        }
        assertEquals(n - 1, factorEntries(n, path, checkedOrder(n, path)));
        SplittableRandom r = new SplittableRandom(5);
        List<int[]> tree = new ArrayList<>();
        for (int v = 1; v < 120; v++) {
            tree.add(new int[] {r.nextInt(v), v});
        }
        assertEquals(119, factorEntries(120, tree, checkedOrder(120, tree)));
    }

    @Test
    void completeGraphAndGrid() {
        List<int[]> complete = new ArrayList<>();
        for (int a = 0; a < 25; a++) {
            for (int b = 0; b < a; b++) {
                complete.add(new int[] {a, b});
            }
        }
        assertEquals(25 * 24 / 2, factorEntries(25, complete, checkedOrder(25, complete)));
        int k = 14;
        List<int[]> grid = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i + 1 < k) {
                    grid.add(new int[] {i * k + j, (i + 1) * k + j});
                }
                if (j + 1 < k) {
                    grid.add(new int[] {i * k + j, i * k + j + 1});
                }
            }
        }
        assertNoWorseThanNatural(k * k, grid, "grid");
    }

    /**
     * Crossed designs: the later factor's levels co-occur when they share a level of the first (students rating
     * several lecturers, users rating items), sparse or dense, with a few popular levels.
     */
    @Test
    void crossedCoOccurrencePatterns() {
        for (long seed = 1; seed <= 6; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int n = 60 + r.nextInt(140);
            int firstLevels = 30 + r.nextInt(300);
            int perLevel = 2 + r.nextInt(5);
            List<int[]> edges = new ArrayList<>();
            for (int j = 0; j < firstLevels; j++) {
                int[] seen = new int[perLevel];
                for (int t = 0; t < perLevel; t++) {
                    seen[t] = r.nextDouble() < 0.3 ? r.nextInt(Math.max(1, n / 10)) : r.nextInt(n);
                    for (int u = 0; u < t; u++) {
                        edges.add(new int[] {seen[t], seen[u]});
                    }
                }
            }
            assertNoWorseThanNatural(n, edges, "crossed, seed " + seed);
        }
    }
}
