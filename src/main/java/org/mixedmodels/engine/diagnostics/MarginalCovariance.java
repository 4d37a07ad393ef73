package org.mixedmodels.engine.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.prediction.FittedModel;

/**
 * The fitted covariance of the response, {@code V = Z G Z' + R}, by blocks of correlated rows: rows sharing a level
 * of any grouping factor or a residual subject are in one block (the connected components of that relation), and
 * rows of different blocks are independent. {@code G} is {@code sigma^2 Lambda Lambda'} per term, R is
 * {@code sigma^2 I} or the fitted residual structure within subject.
 */
final class MarginalCovariance {
    private final Design design;
    private final List<double[][]> termCovariance = new ArrayList<>();
    private final ResidualDesign residualDesign;
    private final ResidualFit residualFit;
    private final double sigma;

    private MarginalCovariance(FitResult fit) {
        this.design = fit.design();
        this.residualDesign = design.residual();
        this.residualFit = fit.residual();
        this.sigma = fit.sigma();
        // The Predictor's group covariances, cut into the blocks of the group's terms (design order within group).
        Map<String, Integer> used = new LinkedHashMap<>();
        List<FittedModel.Group> groups = design.randomTerms().isEmpty() ? List.of() : FittedModel.of(fit).groups();
        for (RandomEffectTerm t : design.randomTerms()) {
            FittedModel.Group g = groups.stream().filter(x -> x.name().equals(t.groupName()))
                    .findFirst().orElseThrow();
            int offset = used.getOrDefault(t.groupName(), 0);
            double[][] c = new double[t.k()][t.k()];
            for (int a = 0; a < t.k(); a++) {
                System.arraycopy(g.covariance()[offset + a], offset, c[a], 0, t.k());
            }
            used.put(t.groupName(), offset + t.k());
            termCovariance.add(c);
        }
    }

    static MarginalCovariance of(FitResult fit) {
        return new MarginalCovariance(fit);
    }

    private int n() {
        return design.response().length;
    }

    /** R_ii: the variance of row i's residual. */
    double residualVariance(int i) {
        if (residualDesign == null) {
            return sigma * sigma;
        }
        return residualFit.covariance(residualDesign, new int[] {i}, sigma)[0][0];
    }

    /** V_ii. */
    double marginalVariance(int i) {
        double v = residualVariance(i);
        for (int t = 0; t < termCovariance.size(); t++) {
            double[] z = z(design.randomTerms().get(t), i);
            double[][] g = termCovariance.get(t);
            for (int a = 0; a < z.length; a++) {
                for (int b = 0; b < z.length; b++) {
                    v += z[a] * g[a][b] * z[b];
                }
            }
        }
        return v;
    }

    private static double[] z(RandomEffectTerm t, int row) {
        double[] z = new double[t.k()];
        for (int c = 0; c < z.length; c++) {
            z[c] = t.model().columns()[c][row];
        }
        return z;
    }

    /** The residual subjects' rows in visit order (one block per row for independent residuals). */
    List<int[]> residualBlocks() {
        List<int[]> blocks = new ArrayList<>();
        if (residualDesign == null) {
            for (int i = 0; i < n(); i++) {
                blocks.add(new int[] {i});
            }
        } else {
            for (int[] rows : residualDesign.rowsBySubject()) {
                if (rows.length > 0) {
                    blocks.add(rows);
                }
            }
        }
        return blocks;
    }

    /** R over the rows of one residual block. */
    double[][] residualCovariance(int[] rows) {
        if (residualDesign == null) {
            double[][] r = new double[rows.length][rows.length];
            for (int a = 0; a < rows.length; a++) {
                r[a][a] = sigma * sigma;
            }
            return r;
        }
        // the subject's group's structure and its rows' varident SD ratios
        return residualFit.covariance(residualDesign, rows, sigma);
    }

    /**
     * The blocks of correlated rows (union-find over shared levels and subjects), each ordered by residual subject
     * and visit, then by model-frame row.
     */
    List<int[]> marginalBlocks() {
        int n = n();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        List<int[]> codes = new ArrayList<>();
        for (RandomEffectTerm t : design.randomTerms()) {
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                c[i] = t.grouping().code(i);
            }
            codes.add(c);
        }
        if (residualDesign != null) {
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                c[i] = residualDesign.subject().code(i);
            }
            codes.add(c);
        }
        for (int[] c : codes) {
            Map<Integer, Integer> first = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Integer f = first.putIfAbsent(c[i], i);
                if (f != null) {
                    union(parent, f, i);
                }
            }
        }
        Map<Integer, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            members.computeIfAbsent(find(parent, i), r -> new ArrayList<>()).add(i);
        }
        Comparator<Integer> order = Comparator.comparingInt(i -> i);
        if (residualDesign != null) {
            int[] subject = codes.get(codes.size() - 1);
            int[] position = residualDesign.position();
            double[] time = residualDesign.time();
            order = Comparator.<Integer>comparingInt(i -> subject[i]).thenComparingInt(i -> position[i])
                    .thenComparingDouble(i -> time[i]).thenComparingInt(i -> i);
        }
        List<int[]> blocks = new ArrayList<>();
        for (List<Integer> rows : members.values()) {
            rows.sort(order);
            blocks.add(rows.stream().mapToInt(Integer::intValue).toArray());
        }
        return blocks;
    }

    /** V over the rows of one block. */
    double[][] marginalCovariance(int[] rows) {
        int m = rows.length;
        double[][] v = new double[m][m];
        if (residualDesign == null) {
            for (int a = 0; a < m; a++) {
                v[a][a] = sigma * sigma;
            }
        } else {
            // R is block diagonal by subject: fill each subject's run of rows (the block is sorted by subject).
            int start = 0;
            while (start < m) {
                int subject = residualDesign.subject().code(rows[start]);
                int end = start;
                while (end < m && residualDesign.subject().code(rows[end]) == subject) {
                    end++;
                }
                double[][] r = residualCovariance(Arrays.copyOfRange(rows, start, end));
                for (int a = start; a < end; a++) {
                    System.arraycopy(r[a - start], 0, v[a], start, end - start);
                }
                start = end;
            }
        }
        for (int t = 0; t < termCovariance.size(); t++) {
            RandomEffectTerm term = design.randomTerms().get(t);
            double[][] g = termCovariance.get(t);
            double[][] z = new double[m][];
            for (int a = 0; a < m; a++) {
                z[a] = z(term, rows[a]);
            }
            for (int a = 0; a < m; a++) {
                int level = term.grouping().code(rows[a]);
                for (int b = 0; b <= a; b++) {
                    if (term.grouping().code(rows[b]) != level) {
                        continue;
                    }
                    double s = 0;
                    for (int p = 0; p < z[a].length; p++) {
                        for (int q = 0; q < z[b].length; q++) {
                            s += z[a][p] * g[p][q] * z[b][q];
                        }
                    }
                    v[a][b] += s;
                    if (b != a) {
                        v[b][a] += s;
                    }
                }
            }
        }
        return v;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
