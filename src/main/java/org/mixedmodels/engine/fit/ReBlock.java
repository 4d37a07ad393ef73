package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.RandomEffectTerm;

/**
 * The random-effects terms that share one grouping factor, stored together: k columns per level and
 * a k x k relative covariance factor Lambda that is block-diagonal over the terms. Merging terms with
 * the same grouping factor (as MixedModels.jl amalgamates them) keeps {@code (x || g)} in one
 * block-diagonal block instead of a dense one, so its cost grows with the number of levels. Theta keeps its
 * layout ({@link ThetaLayout}); each block records where its entries sit in theta and in its Lambda.
 */
final class ReBlock {
    final String groupName;
    final Factor grouping;
    final int k;
    /** The names of the k columns, term after term ({@code (Intercept)}, {@code Days}). */
    final List<String> columnNames;
    /** {@code columns[c][i]}: column c of the block's Z at model-frame row i. */
    final double[][] columns;
    /** For each theta entry of this block: its index in theta and its (row, col) in Lambda. */
    final int[] thetaIndex;
    final int[] lambdaRow;
    final int[] lambdaCol;

    private ReBlock(String groupName, Factor grouping, List<String> columnNames, double[][] columns, int[] thetaIndex,
            int[] lambdaRow, int[] lambdaCol) {
        this.groupName = groupName;
        this.grouping = grouping;
        this.columnNames = List.copyOf(columnNames);
        this.k = columns.length;
        this.columns = columns;
        this.thetaIndex = thetaIndex;
        this.lambdaRow = lambdaRow;
        this.lambdaCol = lambdaCol;
    }

    int levelCount() {
        return grouping.levelCount();
    }

    /** q, the number of random effects of this block. */
    int size() {
        return k * grouping.levelCount();
    }

    /** Lambda (k x k, row-major, lower triangular) for the given theta. */
    void lambda(double[] theta, double[] out) {
        java.util.Arrays.fill(out, 0.0);
        for (int e = 0; e < thetaIndex.length; e++) {
            out[lambdaRow[e] * k + lambdaCol[e]] = theta[thetaIndex[e]];
        }
    }

    /**
     * Groups the terms by grouping factor. The block of the first term comes first (lme4 puts the term
     * with most levels first, so that block is the one stored level by level); the others follow in
     * order of first appearance. Theta keeps lme4's order: term by term, column-major lower triangle.
     */
    static List<ReBlock> of(List<RandomEffectTerm> terms) {
        Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int t = 0; t < terms.size(); t++) {
            byGroup.computeIfAbsent(terms.get(t).groupName(), g -> new ArrayList<>()).add(t);
        }
        ThetaLayout layout = ThetaLayout.of(terms);
        List<ReBlock> blocks = new ArrayList<>();
        for (List<Integer> members : byGroup.values()) {
            int k = 0;
            int entries = 0;
            for (int t : members) {
                k += terms.get(t).k();
                entries += terms.get(t).thetaCount();
            }
            double[][] columns = new double[k][];
            int[] thetaIndex = new int[entries];
            int[] row = new int[entries];
            int[] col = new int[entries];
            List<String> names = new ArrayList<>();
            int offset = 0;
            int e = 0;
            for (int t : members) {
                RandomEffectTerm term = terms.get(t);
                int idx = layout.offset(t);
                for (int c = 0; c < term.k(); c++) {
                    columns[offset + c] = term.model().columns()[c];
                    for (int r = c; r < term.k(); r++) {
                        thetaIndex[e] = idx++;
                        row[e] = offset + r;
                        col[e] = offset + c;
                        e++;
                    }
                }
                offset += term.k();
                names.addAll(term.columnNames());
            }
            RandomEffectTerm lead = terms.get(members.get(0));
            blocks.add(new ReBlock(lead.groupName(), lead.grouping(), names, columns, thetaIndex, row, col));
        }
        return blocks;
    }
}
