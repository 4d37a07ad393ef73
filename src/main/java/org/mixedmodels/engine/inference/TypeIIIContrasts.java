package org.mixedmodels.engine.inference;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.design.ModelMatrix;
import org.mixedmodels.engine.formula.Term;

/**
 * The contrast matrix of the Type III hypothesis of every fixed-effect term, for treatment-coded
 * designs, constructed as lmerTest's {@code anova(type = 3)} and SAS's Type III estimable functions
 * (SAS/STAT "The Four Types of Estimable Functions"; Goodnight 1978):
 * <ol>
 * <li>the over-parameterised design: an intercept and, per term, one indicator per level of each
 * factor in it (numeric variables as they are);
 * <li>each over-parameterised column expressed in the model's coefficients by least squares, giving
 * a basic contrast matrix B (over-parameterised column x coefficient);
 * <li>for terms of decreasing order, the columns of B belonging to a term are replaced by their
 * residuals after regression on the columns of the terms that contain it (a term contains another
 * when it has all its variables and more, and the same numeric variables);
 * <li>the rows of B for the model's own coefficients, transposed, restricted to the term's
 * coefficients and to non-zero rows, are the term's contrast L.
 * </ol>
 * Small entries are set to zero between steps as R's {@code zapsmall}, so that the contrasts are the
 * exact small rationals they should be. A model with a single term tests that term's coefficients.
 */
public final class TypeIIIContrasts {
    /** Significant digits kept by the zapsmall step (R's default 7). */
    public static final int ZAPSMALL_DIGITS = 7;

    private TypeIIIContrasts() {
    }

    /** Term label -> contrast matrix (rows over the model's coefficients), in formula order. */
    public static Map<String, double[][]> of(Design design) {
        ModelMatrix x = design.fixed();
        List<Term> terms = x.terms();
        int p = x.columnCount();
        Map<String, double[][]> out = new LinkedHashMap<>();
        if (terms.size() <= 1 || p <= 1) {
            for (int t = 0; t < terms.size(); t++) {
                List<double[]> rows = new ArrayList<>();
                for (int j = 0; j < p; j++) {
                    if (x.assign()[j] == t + 1) {
                        double[] r = new double[p];
                        r[j] = 1;
                        rows.add(r);
                    }
                }
                if (!rows.isEmpty()) {
                    out.put(terms.get(t).label(), rows.toArray(new double[0][]));
                }
            }
            return out;
        }
        // a design from statistics alone has no rows: the contrasts, which depend on X only through which
        // combinations of its columns the over-parameterised columns are, are formed over a grid of the levels
        ModelFrame frame = design.contrastFrame();
        boolean intercept = x.names().contains(ModelMatrix.INTERCEPT);
        List<String> overNames = new ArrayList<>();
        List<double[]> overColumns = new ArrayList<>();
        // the numeric variables of each over-parameterised column's term (its units)
        List<List<String>> overUnits = new ArrayList<>();
        if (intercept) {
            overNames.add(ModelMatrix.INTERCEPT);
            double[] ones = new double[frame.size()];
            java.util.Arrays.fill(ones, 1.0);
            overColumns.add(ones);
            overUnits.add(List.of());
        }
        for (Term t : terms) {
            ModelMatrix full = ModelMatrix.build(frame, false, List.of(t));
            overNames.addAll(full.names());
            overColumns.addAll(List.of(full.columns()));
            for (int c = 0; c < full.columnCount(); c++) {
                overUnits.add(numericVariables(t, frame));
            }
        }
        // B = (X'X)^{-1} X' rdX, transposed: rows over-parameterised columns, columns coefficients.
        int r = overColumns.size();
        double[][] xtx = new double[p][p];
        double[][] xtr = new double[p][r];
        double[][] xc = frame == design.frame() ? x.columns() : design.fixedColumnsFor(frame);
        // the columns are mostly indicators: each product sums over the non-zero rows of the sparser column only
        int[][] xNonZero = ModelMatrix.nonZeroRows(xc);
        int[][] overNonZero = ModelMatrix.nonZeroRows(overColumns.toArray(new double[0][]));
        boolean finite = xNonZero != null && overNonZero != null;
        for (int a = 0; a < p; a++) {
            for (int b = 0; b <= a; b++) {
                xtx[a][b] = finite ? dot(xc[a], xNonZero[a], xc[b], xNonZero[b]) : dot(xc[a], xc[b]);
                xtx[b][a] = xtx[a][b];
            }
            for (int c = 0; c < r; c++) {
                xtr[a][c] = finite ? dot(xc[a], xNonZero[a], overColumns.get(c), overNonZero[c])
                        : dot(xc[a], overColumns.get(c));
            }
        }
        // Solved with X'X scaled to unit diagonal (D X'X D, D = diag^-1/2), the same solution, so that the
        // factorization's positivity guard does not depend on the units of the columns.
        double[] d = new double[p];
        for (int a = 0; a < p; a++) {
            d[a] = xtx[a][a] > 0 ? 1 / Math.sqrt(xtx[a][a]) : 1;
        }
        double[][] scaled = new double[p][p];
        double[][] scaledRhs = new double[p][r];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                scaled[a][b] = d[a] * xtx[a][b] * d[b];
            }
            for (int c = 0; c < r; c++) {
                scaledRhs[a][c] = d[a] * xtr[a][c];
            }
        }
        double[][] coef = new CholeskyDecomposition(MatrixUtils.createRealMatrix(scaled), 1e-12, 1e-14).getSolver()
                .solve(MatrixUtils.createRealMatrix(scaledRhs)).getData();
        // An over-parameterised column is a combination of the model's columns of its own numeric variables only
        // (exactly: the coefficient of a column in other units would have to scale with them); the entries in
        // other units are rounding, of the size of the units' ratio, and are set to 0 before zapsmall, which would
        // otherwise keep or drop them depending on the units.
        double[][] transposed = new double[r][p];
        for (int a = 0; a < p; a++) {
            int term = x.assign()[a] - 1;
            List<String> units = term < 0 ? List.of() : numericVariables(terms.get(term), frame);
            for (int c = 0; c < r; c++) {
                transposed[c][a] = units.equals(overUnits.get(c)) ? d[a] * coef[a][c] : 0;
            }
        }
        double[][] basic = zapsmall(transposed);

        Map<Integer, List<Integer>> columnsOfTerm = new LinkedHashMap<>();
        for (int j = 0; j < p; j++) {
            if (x.assign()[j] > 0) {
                columnsOfTerm.computeIfAbsent(x.assign()[j] - 1, k -> new ArrayList<>()).add(j);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int t = 0; t < terms.size(); t++) {
            order.add(t);
        }
        order.sort((a, b) -> Integer.compare(terms.get(b).degree(), terms.get(a).degree())); // stable
        for (int t : order) {
            List<Integer> own = columnsOfTerm.getOrDefault(t, List.of());
            List<Integer> containing = new ArrayList<>();
            for (int u = 0; u < terms.size(); u++) {
                if (contains(terms.get(u), terms.get(t), frame)) {
                    containing.addAll(columnsOfTerm.getOrDefault(u, List.of()));
                }
            }
            if (own.isEmpty() || containing.isEmpty()) {
                continue;
            }
            residualize(basic, own, containing);
            basic = zapsmall(basic);
        }
        // Rows of B named as the model's coefficients.
        int[] rowOf = new int[p];
        for (int j = 0; j < p; j++) {
            rowOf[j] = overNames.indexOf(x.names().get(j));
            if (rowOf[j] < 0) {
                throw new IllegalStateException("coefficient " + x.names().get(j) + " has no over-parameterised column");
            }
        }
        for (int t = 0; t < terms.size(); t++) {
            List<double[]> rows = new ArrayList<>();
            for (int j : columnsOfTerm.getOrDefault(t, List.of())) {
                double[] row = new double[p];
                double size = 0;
                for (int k = 0; k < p; k++) {
                    row[k] = basic[rowOf[k]][j];
                    size += Math.abs(row[k]);
                }
                if (size > 1e-8) {
                    rows.add(row);
                }
            }
            if (!rows.isEmpty()) {
                out.put(terms.get(t).label(), rows.toArray(new double[0][]));
            }
        }
        return out;
    }

    /** The numeric (non-factor) variables of a term, sorted, with repeats: what its columns' units are made of. */
    private static List<String> numericVariables(Term t, ModelFrame frame) {
        List<String> out = new ArrayList<>();
        for (String v : t.variables()) {
            if (!frame.isCategorical(v)) {
                out.add(v);
            }
        }
        java.util.Collections.sort(out);
        return out;
    }

    /**
     * SAS's containment: {@code outer} contains {@code inner} when it has all of inner's variables and
     * more, and both have the same numeric variables.
     */
    static boolean contains(Term outer, Term inner, ModelFrame frame) {
        Set<String> o = new HashSet<>(outer.variables());
        Set<String> i = new HashSet<>(inner.variables());
        if (!o.containsAll(i) || o.size() <= i.size()) {
            return false;
        }
        Set<String> numericO = new HashSet<>();
        Set<String> numericI = new HashSet<>();
        o.stream().filter(v -> !frame.isCategorical(v)).forEach(numericO::add);
        i.stream().filter(v -> !frame.isCategorical(v)).forEach(numericI::add);
        return numericO.equals(numericI);
    }

    /** Replaces the {@code own} columns of b by their residuals after least squares on the {@code on} columns. */
    private static void residualize(double[][] b, List<Integer> own, List<Integer> on) {
        int rows = b.length;
        List<double[]> basis = new ArrayList<>();
        for (int c : on) {
            double[] v = new double[rows];
            for (int i = 0; i < rows; i++) {
                v[i] = b[i][c];
            }
            double norm0 = Math.sqrt(dot(v, v));
            for (int pass = 0; pass < 2; pass++) {
                for (double[] q : basis) {
                    double d = dot(q, v);
                    for (int i = 0; i < rows; i++) {
                        v[i] -= d * q[i];
                    }
                }
            }
            double norm = Math.sqrt(dot(v, v));
            if (norm > 1e-7 * norm0 && norm > 0) {
                for (int i = 0; i < rows; i++) {
                    v[i] /= norm;
                }
                basis.add(v);
            }
        }
        for (int c : own) {
            double[] y = new double[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = b[i][c];
            }
            for (int pass = 0; pass < 2; pass++) {
                for (double[] q : basis) {
                    double d = dot(q, y);
                    for (int i = 0; i < rows; i++) {
                        y[i] -= d * q[i];
                    }
                }
            }
            for (int i = 0; i < rows; i++) {
                b[i][c] = y[i];
            }
        }
    }

    /** R's {@code zapsmall(x, 7)}: round to 7 significant digits of the largest entry. */
    static double[][] zapsmall(double[][] m) {
        double max = 0;
        for (double[] row : m) {
            for (double v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        int digits = max > 0 ? Math.max(0, ZAPSMALL_DIGITS - (int) Math.ceil(Math.log10(max))) : ZAPSMALL_DIGITS;
        double scale = Math.pow(10, digits);
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = new double[m[i].length];
            for (int j = 0; j < m[i].length; j++) {
                out[i][j] = Math.rint(m[i][j] * scale) / scale;
            }
        }
        return out;
    }

    /**
     * The same sum as {@link #dot(double[], double[])}, bit for bit, over the non-zero rows of the sparser of two
     * finite columns: the terms left out are zeros (of either sign), and adding a zero to a partial sum changes
     * nothing: the sum starts at +0 and never becomes -0 (+0 + -0 is +0, and an exact cancellation gives +0).
     */
    static double dot(double[] a, int[] aRows, double[] b, int[] bRows) {
        int[] rows = aRows.length <= bRows.length ? aRows : bRows;
        double s = 0;
        for (int i : rows) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
