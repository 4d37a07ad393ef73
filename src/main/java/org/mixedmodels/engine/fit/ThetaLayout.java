package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import java.util.List;
import org.mixedmodels.engine.design.RandomEffectTerm;

/**
 * Where theta's entries sit: lme4's covariance parameters of the random effects, term by term, each term's
 * relative covariance factor Lambda_t (Sigma_t = sigma^2 Lambda_t Lambda_t') as its lower triangle column by column
 * (Bates et al. 2015, J. Stat. Softw. 67(1), sec. 2.2 and 3.1; lme4's {@code getME(m, "theta")} order). The one
 * place that knows this layout: the lower bounds and starting values of the optimizer, Lambda from theta, the
 * entries' unit-free scales and their names. The random-effects fit ({@link ProfiledDeviance}), the fit with a
 * residual structure ({@link ResidualCovarianceModel}, theta before the structure's own parameters), the GLMM and the
 * inference read theta through it.
 */
public final class ThetaLayout {
    private final List<RandomEffectTerm> terms;
    /** Per term: its number of columns k, its first theta entry and its first random-effect column. */
    private final int[] k;
    private final int[] offset;
    private final int[] column;
    private final int size;
    private final int columns;

    private ThetaLayout(List<RandomEffectTerm> terms) {
        this.terms = List.copyOf(terms);
        this.k = new int[terms.size()];
        this.offset = new int[terms.size()];
        this.column = new int[terms.size()];
        int at = 0;
        int col = 0;
        for (int t = 0; t < terms.size(); t++) {
            k[t] = terms.get(t).k();
            offset[t] = at;
            column[t] = col;
            at += k[t] * (k[t] + 1) / 2;
            col += k[t];
        }
        this.size = at;
        this.columns = col;
    }

    /** The layout of the terms' theta, in the terms' order. */
    public static ThetaLayout of(List<RandomEffectTerm> terms) {
        return new ThetaLayout(terms);
    }

    /** The number of theta entries: k (k + 1) / 2 per term. */
    public int size() {
        return size;
    }

    /** q per subject of the block-diagonal Lambda of {@link #lambda}: the sum of the terms' k. */
    public int columns() {
        return columns;
    }

    public List<RandomEffectTerm> terms() {
        return terms;
    }

    /** The first theta entry of term t. */
    public int offset(int t) {
        return offset[t];
    }

    /** Position of Lambda's (r, c), r &gt;= c, in the column-major lower triangle of a k x k matrix. */
    public static int index(int k, int r, int c) {
        return c * k - c * (c - 1) / 2 + (r - c);
    }

    /** Per entry, whether it is on a diagonal of Lambda (a relative standard deviation). */
    public boolean[] diagonal() {
        boolean[] out = new boolean[size];
        int at = 0;
        for (int t = 0; t < k.length; t++) {
            for (int c = 0; c < k[t]; c++) {
                for (int r = c; r < k[t]; r++) {
                    out[at++] = r == c;
                }
            }
        }
        return out;
    }

    /** lme4's bounds: 0 on the diagonals (standard deviations), unbounded off them. */
    public double[] lowerBounds() {
        return byDiagonal(0, Double.NEGATIVE_INFINITY);
    }

    /** lme4's starting value: 1 on the diagonals, 0 off them. */
    public double[] initial() {
        return byDiagonal(1, 0);
    }

    /** Per entry, onDiagonal or offDiagonal. */
    private double[] byDiagonal(double onDiagonal, double offDiagonal) {
        boolean[] diagonal = diagonal();
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = diagonal[i] ? onDiagonal : offDiagonal;
        }
        return out;
    }

    /** Term t's Lambda_t (k x k, lower triangular) from theta. */
    public double[][] termLambda(double[] theta, int t) {
        double[][] lam = new double[k[t]][k[t]];
        int at = offset[t];
        for (int c = 0; c < k[t]; c++) {
            for (int r = c; r < k[t]; r++) {
                lam[r][c] = theta[at++];
            }
        }
        return lam;
    }

    /** Term t's relative covariance Lambda_t Lambda_t' (k x k; times sigma^2 the term's covariance matrix). */
    public double[][] termCovariance(double[] theta, int t) {
        return org.mixedmodels.engine.linalg.SmallMatrices.relativeCovariance(theta, offset[t], k[t]);
    }

    /**
     * The block-diagonal relative covariance factor over all terms' columns (q x q, lower triangular), from the first
     * {@link #size} entries of x (what follows, a residual structure's parameters, is not read).
     */
    public double[][] lambda(double[] x) {
        double[][] lambda = new double[columns][columns];
        int at = 0;
        for (int t = 0; t < k.length; t++) {
            for (int c = 0; c < k[t]; c++) {
                for (int r = c; r < k[t]; r++) {
                    lambda[column[t] + r][column[t] + c] = x[at++];
                }
            }
        }
        return lambda;
    }

    /**
     * The inverse of {@link #lambda}'s layout: writes {@code factor} times the entries of the q x q matrix m at
     * Lambda's free positions into out[0 .. size), in theta's order. A derivative in Lambda (such as the
     * residual-structure fit's 2 Z'GZ Lambda) read off as the derivative in theta.
     */
    public void thetaEntries(double[][] m, double factor, double[] out) {
        int at = 0;
        for (int t = 0; t < k.length; t++) {
            for (int c = 0; c < k[t]; c++) {
                for (int r = c; r < k[t]; r++) {
                    out[at++] = factor * m[column[t] + r][column[t] + c];
                }
            }
        }
    }

    /**
     * x with each column of Lambda whose diagonal entry is negative negated: Lambda Lambda' does not change, so the
     * fit is the same, now in lme4's layout (diagonal thetas &gt;= 0). Entries after {@link #size} are copied as they
     * are.
     */
    public double[] withPositiveDiagonal(double[] x) {
        double[] out = x.clone();
        int at = 0;
        for (int t = 0; t < k.length; t++) {
            for (int c = 0; c < k[t]; c++) {
                // column c of the term's lower triangle: rows c..k-1, stored consecutively
                if (out[at] < 0) {
                    for (int r = c; r < k[t]; r++) {
                        out[at + r - c] = -out[at + r - c];
                    }
                }
                at += k[t] - c;
            }
        }
        return out;
    }

    /**
     * Per entry, the root mean square of the random-effect column of its row of Lambda (1 for an intercept): theta
     * times it is unit-free, the coordinates the optimizer and the inference work in.
     */
    public double[] scales() {
        double[] scales = new double[size];
        int at = 0;
        for (RandomEffectTerm t : terms) {
            double[][] z = t.model().columns();
            double[] rms = new double[t.k()];
            for (int r = 0; r < t.k(); r++) {
                double ss = 0;
                for (double v : z[r]) {
                    ss += v * v;
                }
                rms[r] = ss > 0 ? Math.sqrt(ss / z[r].length) : 1;
            }
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    scales[at++] = rms[r];
                }
            }
        }
        return scales;
    }

    /**
     * The names of the variance parameters on lme4's sd/cor scale, one per theta entry in theta's order, as lme4's
     * profile and {@code confint} name them: {@code sd_(Intercept)|Subject}, {@code cor_Days.(Intercept)|Subject}.
     */
    public List<String> sdCorNames() {
        List<String> out = new ArrayList<>();
        for (RandomEffectTerm t : terms) {
            List<String> cols = t.columnNames();
            for (int c = 0; c < t.k(); c++) {
                for (int r = c; r < t.k(); r++) {
                    out.add(r == c ? "sd_" + cols.get(r) + "|" + t.groupName()
                            : "cor_" + cols.get(r) + "." + cols.get(c) + "|" + t.groupName());
                }
            }
        }
        return out;
    }

    /** x[i] times scale[i] for the first scale.length entries; the others as they are. */
    public static double[] times(double[] x, double[] scale) {
        double[] out = x.clone();
        for (int i = 0; i < scale.length; i++) {
            out[i] = x[i] * scale[i];
        }
        return out;
    }

    /** x[i] divided by scale[i] for the first scale.length entries; the others as they are. */
    public static double[] divide(double[] x, double[] scale) {
        double[] out = x.clone();
        for (int i = 0; i < scale.length; i++) {
            out[i] = x[i] / scale[i];
        }
        return out;
    }
}
