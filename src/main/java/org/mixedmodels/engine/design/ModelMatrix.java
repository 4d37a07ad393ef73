package org.mixedmodels.engine.design;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mixedmodels.engine.formula.Term;

/**
 * A model matrix as R's {@code model.matrix} builds it, stored by column.
 *
 * <p>Coding follows R (Chambers and Hastie 1992, Statistical Models in S, section 2.4.1): a factor in
 * a term is coded by treatment contrasts (one indicator per non-reference level) when the term with
 * that factor removed is also in the model (the intercept counts as the empty term), and by one
 * indicator per level otherwise. Within a term the first variable varies fastest, and column names
 * join the parts with ':' ({@code age:SexMale}).
 *
 * @param names column names in R's spelling
 * @param columns {@code columns[j][i]}: column j at row i
 * @param assign for each column, 0 for the intercept or 1 + the index of its term in {@code terms}
 * @param terms the model's terms (without the intercept)
 */
public record ModelMatrix(List<String> names, double[][] columns, int[] assign, List<Term> terms) {

    public static final String INTERCEPT = "(Intercept)";

    public int columnCount() {
        return columns.length;
    }

    public int rowCount() {
        return columns.length == 0 ? 0 : columns[0].length;
    }

    /** Builds the matrix for {@code [1 +] terms} over the rows of the model frame. */
    public static ModelMatrix build(ModelFrame frame, boolean intercept, List<Term> terms) {
        int n = frame.size();
        List<String> names = new ArrayList<>();
        List<double[]> columns = new ArrayList<>();
        List<Integer> assign = new ArrayList<>();
        Set<Set<String>> present = new HashSet<>();
        if (intercept) {
            present.add(Set.of());
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1.0);
            names.add(INTERCEPT);
            columns.add(ones);
            assign.add(0);
        }
        terms.forEach(t -> present.add(Set.copyOf(t.variables())));
        for (int t = 0; t < terms.size(); t++) {
            Term term = terms.get(t);
            List<String> partNames = List.of("");
            // null: the all-ones column the first variable's columns are multiplied by (1 * x is x, bit for bit)
            List<double[]> partColumns = null;
            for (String v : term.variables()) {
                List<String> nextNames = new ArrayList<>();
                List<double[]> nextColumns = new ArrayList<>();
                // The earlier variables vary fastest: the new variable's columns form the outer loop.
                if (frame.isCategorical(v)) {
                    Set<String> rest = new HashSet<>(term.variables());
                    rest.remove(v);
                    boolean contrasts = present.contains(rest);
                    Factor f = frame.factor(v);
                    int[] codes = new int[n];
                    for (int i = 0; i < n; i++) {
                        codes[i] = f.code(i);
                    }
                    for (int level = contrasts ? 1 : 0; level < f.levelCount(); level++) {
                        String vName = v + f.levels().get(level);
                        for (int a = 0; a < partNames.size(); a++) {
                            nextNames.add(partNames.get(a).isEmpty() ? vName : partNames.get(a) + ":" + vName);
                            double[] prod = new double[n];
                            if (partColumns == null) {
                                for (int i = 0; i < n; i++) {
                                    prod[i] = codes[i] == level ? 1.0 : 0.0;
                                }
                            } else {
                                double[] x = partColumns.get(a);
                                for (int i = 0; i < n; i++) {
                                    prod[i] = x[i] * (codes[i] == level ? 1.0 : 0.0);
                                }
                            }
                            nextColumns.add(prod);
                        }
                    }
                } else {
                    double[] y = frame.numeric(v);
                    for (int a = 0; a < partNames.size(); a++) {
                        nextNames.add(partNames.get(a).isEmpty() ? v : partNames.get(a) + ":" + v);
                        double[] prod;
                        if (partColumns == null) {
                            prod = new double[n];
                            for (int i = 0; i < n; i++) {
                                prod[i] = 1.0 * y[i]; // as the product with the ones was (a NaN made quiet)
                            }
                        } else {
                            double[] x = partColumns.get(a);
                            prod = new double[n];
                            for (int i = 0; i < n; i++) {
                                prod[i] = x[i] * y[i];
                            }
                        }
                        nextColumns.add(prod);
                    }
                }
                partNames = nextNames;
                partColumns = nextColumns;
            }
            if (partColumns == null) { // a term without variables: the ones
                partColumns = List.of(ones(n));
            }
            for (int c = 0; c < partNames.size(); c++) {
                names.add(partNames.get(c));
                columns.add(partColumns.get(c));
                assign.add(t + 1);
            }
        }
        return new ModelMatrix(List.copyOf(names), columns.toArray(new double[0][]),
                assign.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(terms));
    }

    private static final long SATURATED = 1L << 50;

    /**
     * The number of columns {@link #build} would make, found from the level counts alone (without building
     * the matrix), so that an impossibly wide matrix can be refused before it is allocated. Saturates at 2^50.
     */
    public static long columnCount(ModelFrame frame, boolean intercept, List<Term> terms) {
        Set<Set<String>> present = new HashSet<>();
        long count = 0;
        if (intercept) {
            present.add(Set.of());
            count++;
        }
        terms.forEach(t -> present.add(Set.copyOf(t.variables())));
        for (Term term : terms) {
            long columns = 1;
            for (String v : term.variables()) {
                if (frame.isCategorical(v)) {
                    Set<String> rest = new HashSet<>(term.variables());
                    rest.remove(v);
                    long levels = frame.factor(v).levelCount() - (present.contains(rest) ? 1 : 0);
                    columns = levels > 0 && columns > SATURATED / levels ? SATURATED : columns * levels;
                }
            }
            count = Math.min(SATURATED, count + columns);
        }
        return count;
    }

    private static double[] ones(int n) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, 1.0);
        return x;
    }

    /** Relative tolerance below which a column counts as a linear combination of earlier ones (lme4's 1e-7). */
    public static final double DEFAULT_RANK_TOLERANCE = 1e-7;

    /**
     * The columns that are linear combinations of earlier ones, as R's {@code qr()} with its limited
     * pivoting finds them (lme4's {@code chkRank.drop.cols}): a column whose component orthogonal to
     * the columns kept before it has norm below {@code tolerance} times its own norm is aliased.
     * Uses modified Gram-Schmidt with one re-orthogonalisation pass, which is accurate enough to
     * decide rank at this tolerance.
     *
     * @return the indices of the aliased columns, ascending
     */
    public int[] aliasedColumns(double tolerance) {
        if (certainlyFullRank(tolerance)) {
            return new int[0];
        }
        return aliasedByGramSchmidt(tolerance);
    }

    /** The Gram-Schmidt of {@link #aliasedColumns}, run whenever {@link #certainlyFullRank} cannot rule aliasing out. */
    int[] aliasedByGramSchmidt(double tolerance) {
        int n = rowCount();
        List<double[]> basis = new ArrayList<>();
        List<Integer> aliased = new ArrayList<>();
        for (int j = 0; j < columns.length; j++) {
            double[] v = columns[j].clone();
            double norm0 = norm(v);
            for (int pass = 0; pass < 2; pass++) {
                for (double[] q : basis) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += q[i] * v[i];
                    }
                    for (int i = 0; i < n; i++) {
                        v[i] -= dot * q[i];
                    }
                }
            }
            double norm = norm(v);
            if (norm0 == 0 || norm <= tolerance * norm0) {
                aliased.add(j);
            } else {
                for (int i = 0; i < n; i++) {
                    v[i] /= norm;
                }
                basis.add(v);
            }
        }
        return aliased.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Below this squared residual ratio (the column's distance to the earlier ones over its norm) no shortcut is taken. */
    static final double CERTAIN_RATIO_SQUARED = 1e-4;

    /**
     * Whether no column can be aliased at {@code tolerance} (at most 1e-5), so that {@link #aliasedByGramSchmidt}
     * would return nothing, decided from the Gram matrix X'X (its products over the sparser column's non-zero rows:
     * the columns are mostly indicators) with the columns scaled to unit norm: its Cholesky factor's k-th diagonal
     * entry is column k's residual ratio. True only with a margin of orders of magnitude: every ratio at least 1e-2
     * (the tolerance is 1e-7), and the rounding of both computations (the Gram matrix and its factor: (n + p) eps
     * kappa^2; Gram-Schmidt's residual norms: n p eps kappa) small against that, kappa bounded by
     * ||R||_F ||R^-1||_F. Near-aliased, aliased and badly conditioned matrices, and any with a non-finite entry,
     * are left to the Gram-Schmidt, which then decides alone.
     */
    boolean certainlyFullRank(double tolerance) {
        int p = columns.length;
        int n = rowCount();
        if (p == 0 || n == 0 || !(tolerance <= 1e-5) || p > 2000) {
            return false;
        }
        int[][] nonZero = nonZeroRows(columns);
        if (nonZero == null) {
            return false;
        }
        for (int[] rows : nonZero) {
            if (rows.length == 0) {
                return false;
            }
        }
        double[] scale = new double[p];
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int i : nonZero[j]) {
                s += columns[j][i] * columns[j][i];
            }
            if (!(s > 0) || Double.isInfinite(s)) {
                return false;
            }
            scale[j] = 1 / Math.sqrt(s);
        }
        // R' R = D X'X D, column by column (R upper triangular, stored by column: r[j][k] for k <= j)
        double[][] r = new double[p][];
        for (int j = 0; j < p; j++) {
            r[j] = new double[j + 1];
            double[] xj = columns[j];
            for (int k = 0; k <= j; k++) {
                int[] rows = nonZero[k].length <= nonZero[j].length ? nonZero[k] : nonZero[j];
                double[] xk = columns[k];
                double g = 0;
                for (int i : rows) {
                    g += xk[i] * xj[i];
                }
                r[j][k] = g * scale[k] * scale[j];
            }
            for (int k = 0; k < j; k++) {
                double s = r[j][k];
                for (int l = 0; l < k; l++) {
                    s -= r[k][l] * r[j][l];
                }
                r[j][k] = s / r[k][k];
            }
            double d = r[j][j];
            for (int l = 0; l < j; l++) {
                d -= r[j][l] * r[j][l];
            }
            if (!(d >= CERTAIN_RATIO_SQUARED)) {
                return false;
            }
            r[j][j] = Math.sqrt(d);
        }
        // ||R^-1||_F^2 from the columns of R^-1 (upper triangular): R^-1 e_j solved by back substitution
        double inverseSquares = 0;
        double[] u = new double[p];
        for (int j = 0; j < p; j++) {
            java.util.Arrays.fill(u, 0, j + 1, 0.0);
            u[j] = 1 / r[j][j];
            for (int k = j - 1; k >= 0; k--) {
                double s = 0;
                for (int l = k + 1; l <= j; l++) {
                    s += r[l][k] * u[l];
                }
                u[k] = -s / r[k][k];
            }
            for (int k = 0; k <= j; k++) {
                inverseSquares += u[k] * u[k];
            }
        }
        double kappaSquared = p * inverseSquares; // >= kappa(R)^2 = kappa(X D)^2
        double eps = Math.ulp(1.0);
        double gramError = 10 * (n + (double) p) * eps * kappaSquared;
        double gramSchmidtError = 10 * (double) n * p * eps * Math.sqrt(kappaSquared);
        return Double.isFinite(kappaSquared) && gramError <= 0.1 * CERTAIN_RATIO_SQUARED
                && gramSchmidtError <= 1e-3 * Math.sqrt(CERTAIN_RATIO_SQUARED);
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** This matrix without the given columns. */
    public ModelMatrix without(int[] drop) {
        Set<Integer> dropped = new HashSet<>();
        for (int j : drop) {
            dropped.add(j);
        }
        List<String> keptNames = new ArrayList<>();
        List<double[]> kept = new ArrayList<>();
        List<Integer> keptAssign = new ArrayList<>();
        for (int j = 0; j < columns.length; j++) {
            if (!dropped.contains(j)) {
                keptNames.add(names.get(j));
                kept.add(columns[j]);
                keptAssign.add(assign[j]);
            }
        }
        return new ModelMatrix(List.copyOf(keptNames), kept.toArray(new double[0][]),
                keptAssign.stream().mapToInt(Integer::intValue).toArray(), terms);
    }

    /**
     * The rows where each column is not zero, ascending; null if any entry is not finite (a sum over the non-zero
     * rows then equals the full sum bit for bit only for finite columns).
     */
    public static int[][] nonZeroRows(double[][] columns) {
        int[][] out = new int[columns.length][];
        for (int c = 0; c < columns.length; c++) {
            double[] v = columns[c];
            int count = 0;
            for (double e : v) {
                if (!Double.isFinite(e)) {
                    return null;
                }
                if (e != 0) {
                    count++;
                }
            }
            int[] rows = new int[count];
            int at = 0;
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0) {
                    rows[at++] = i;
                }
            }
            out[c] = rows;
        }
        return out;
    }
}
