package org.mixedmodels.engine.linalg;

import java.util.Arrays;

/**
 * A fill-reducing ordering of a sparse symmetric matrix for its Cholesky factor: the approximate minimum degree
 * ordering of Amestoy, Davis and Duff ("An approximate minimum degree ordering algorithm", SIAM J. Matrix Anal.
 * Appl. 17(4), 1996, 886-905), which lme4's CHOLMOD applies to Z'Z. Elimination runs on the quotient graph: each
 * eliminated pivot p becomes an element whose variable set L_p is the pivot's neighbourhood (the clique its
 * elimination creates), so memory stays that of the pattern however much the factor fills in. The degree of a
 * variable i touched by a pivot is the paper's bound (section 3, equation 4):
 *
 * <pre>
 *   d_i = min( n_remaining - 1,  d_i(old) + |L_p \ i|,  |A_i \ i| + |L_p \ i| + sum over the other elements e of i of |L_e \ L_p| )
 * </pre>
 *
 * with |L_e \ L_p| counted for all e at once by the paper's w(e) pass; elements whose variables all lie in L_p
 * (w(e) = 0) are absorbed into p (aggressive absorption). Supervariables (indistinguishable nodes) are not
 * detected: the matrices ordered here (the later random effects of a mixed model, a few thousand at most, as the
 * dense block beyond that does not fit either) are small enough that the plain quotient graph is fast, and the
 * order of ties (the lowest-degree variable touched last is taken first, as a stack per degree) only changes which
 * of several equal-fill orders results. Bates and co-authors use the same ordering for the random-effects factor
 * (lme4, section 3.6; CHOLMOD's default on such patterns).
 */
public final class ApproximateMinimumDegree {
    private ApproximateMinimumDegree() {
    }

    /**
     * The elimination order of the graph with {@code n} nodes whose adjacency is {@code adjStart}/{@code adj}
     * (node v's neighbours at adj[adjStart[v] .. adjStart[v+1]); symmetric; self-loops and repeats are ignored).
     *
     * @return {@code order[k]} = the node eliminated k-th (a permutation of 0..n-1)
     */
    public static int[] order(int n, int[] adjStart, int[] adj) {
        // per variable: adjacent variables A_i and adjacent elements E_i, as growable int lists
        int[][] vars = new int[n][];
        int[] varCount = new int[n];
        int[][] elems = new int[n][];
        int[] elemCount = new int[n];
        int[] mark = new int[n];
        Arrays.fill(mark, -1);
        for (int v = 0; v < n; v++) {
            int[] list = new int[adjStart[v + 1] - adjStart[v]];
            int c = 0;
            for (int e = adjStart[v]; e < adjStart[v + 1]; e++) {
                int u = adj[e];
                if (u != v && mark[u] != v) {
                    mark[u] = v;
                    list[c++] = u;
                }
            }
            vars[v] = list;
            varCount[v] = c;
            elems[v] = new int[4];
        }
        // elements (eliminated pivots) by pivot index: their variables L_e and how many of those are alive
        int[][] members = new int[n][];
        int[] memberCount = new int[n];
        boolean[] eliminated = new boolean[n];
        boolean[] absorbed = new boolean[n];
        int[] degree = new int[n];
        // degree lists: head[d], and next/prev per variable (doubly linked, a stack per degree)
        int[] head = new int[n + 1];
        int[] next = new int[n];
        int[] prev = new int[n];
        Arrays.fill(head, -1);
        for (int v = n - 1; v >= 0; v--) {
            degree[v] = varCount[v];
            push(v, head, next, prev, degree);
        }
        int[] w = new int[n];
        int[] wStamp = new int[n];
        Arrays.fill(wStamp, -1);
        int[] order = new int[n];
        int[] lp = new int[n];
        int minDegree = 0;
        Arrays.fill(mark, -1);
        for (int k = 0; k < n; k++) {
            while (head[minDegree] < 0) {
                minDegree++;
            }
            int p = head[minDegree];
            remove(p, head, next, prev, degree);
            order[k] = p;
            eliminated[p] = true;
            // L_p = (A_p union the variables of p's elements) minus p; p's elements are absorbed into the new one
            int size = 0;
            mark[p] = k;
            for (int t = 0; t < elemCount[p]; t++) {
                int e = elems[p][t];
                if (absorbed[e]) {
                    continue;
                }
                for (int s = 0; s < memberCount[e]; s++) {
                    int v = members[e][s];
                    if (!eliminated[v] && mark[v] != k) {
                        mark[v] = k;
                        lp[size++] = v;
                    }
                }
                absorbed[e] = true;
                members[e] = null;
            }
            for (int t = 0; t < varCount[p]; t++) {
                int v = vars[p][t];
                if (!eliminated[v] && mark[v] != k) {
                    mark[v] = k;
                    lp[size++] = v;
                }
            }
            vars[p] = null;
            elems[p] = null;
            members[p] = Arrays.copyOf(lp, size);
            memberCount[p] = size;
            // prune each i in L_p: A_i loses L_p and the dead, E_i loses the absorbed and gains p
            for (int s = 0; s < size; s++) {
                int i = lp[s];
                int[] a = vars[i];
                int c = 0;
                for (int t = 0; t < varCount[i]; t++) {
                    int v = a[t];
                    if (!eliminated[v] && mark[v] != k) {
                        a[c++] = v;
                    }
                }
                varCount[i] = c;
                int[] el = elems[i];
                c = 0;
                for (int t = 0; t < elemCount[i]; t++) {
                    if (!absorbed[el[t]]) {
                        el[c++] = el[t];
                    }
                }
                if (c == el.length) {
                    el = Arrays.copyOf(el, 2 * el.length);
                    elems[i] = el;
                }
                el[c++] = p;
                elemCount[i] = c;
            }
            // w(e) = |L_e \ L_p| for the other elements of the variables of L_p
            for (int s = 0; s < size; s++) {
                int i = lp[s];
                for (int t = 0; t < elemCount[i]; t++) {
                    int e = elems[i][t];
                    if (e == p) {
                        continue;
                    }
                    if (wStamp[e] != k) {
                        wStamp[e] = k;
                        // an element's variables are all alive: eliminating one absorbs every element holding it
                        w[e] = memberCount[e];
                    }
                    w[e]--;
                }
            }
            // approximate degrees; elements with w(e) = 0 lie inside L_p and are absorbed
            int remaining = n - k - 1;
            for (int s = 0; s < size; s++) {
                int i = lp[s];
                int external = 0;
                int[] el = elems[i];
                int c = 0;
                for (int t = 0; t < elemCount[i]; t++) {
                    int e = el[t];
                    if (e != p && w[e] == 0 && wStamp[e] == k) {
                        absorbed[e] = true;
                        members[e] = null;
                        continue;
                    }
                    if (e != p) {
                        external += w[e];
                    }
                    el[c++] = e;
                }
                elemCount[i] = c;
                long bound = (long) varCount[i] + (size - 1) + external;
                long d = Math.min(Math.min(remaining - 1L, (long) degree[i] + size - 1), bound);
                remove(i, head, next, prev, degree);
                degree[i] = (int) Math.max(0, d);
                push(i, head, next, prev, degree);
                minDegree = Math.min(minDegree, degree[i]);
            }
        }
        return order;
    }

    private static void push(int v, int[] head, int[] next, int[] prev, int[] degree) {
        int d = degree[v];
        next[v] = head[d];
        prev[v] = -1;
        if (head[d] >= 0) {
            prev[head[d]] = v;
        }
        head[d] = v;
    }

    private static void remove(int v, int[] head, int[] next, int[] prev, int[] degree) {
        if (prev[v] >= 0) {
            next[prev[v]] = next[v];
        } else {
            head[degree[v]] = next[v];
        }
        if (next[v] >= 0) {
            prev[next[v]] = prev[v];
        }
    }
}
