package org.mixedmodels.engine.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.FDistribution;
import org.apache.commons.math3.special.Beta;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.data.NumericRequirement;

/**
 * The six ANOVA intraclass correlations of Shrout and Fleiss (1979, Psychol Bull 86:420), with the F tests and
 * F-based confidence intervals of Shrout and Fleiss (1979) and McGraw and Wong (1996, Psychol Methods 1:30), as
 * psych::ICC reports them.
 *
 * <p>These closed forms come from the expected mean squares of a balanced two-way layout, so they are exact only
 * when every subject is rated once by every rater; incomplete data are refused rather than silently reduced to
 * complete cases, because dropping subjects changes the population the ICC describes. The mixed-model ICC (variance
 * components of a REML random-intercept model) is the tool for unbalanced data.
 */
public final class IccForms {
    /** psych::ICC's default (alpha = 0.05). */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    /**
     * Inverse-CDF accuracy for the F quantiles: commons-math's default (1e-9 absolute) would leave the interval
     * limits visibly less accurate than R's qf.
     */
    private static final double QUANTILE_ACCURACY = 1e-14;

    private IccForms() {
    }

    /**
     * The two-way ANOVA and the six forms.
     *
     * @param subjects   number of subjects (targets, rows), n
     * @param raters     number of raters (judges, columns), k
     * @param msr        between-subjects mean square (Shrout and Fleiss's BMS), df n - 1
     * @param msc        between-raters mean square (JMS), df k - 1
     * @param mse        residual mean square (EMS), df (n - 1)(k - 1)
     * @param msw        within-subject mean square of the one-way model (WMS), df n(k - 1)
     * @param confidence the confidence level of the intervals
     * @param forms      ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k in that order
     * @param subjectLabels the subjects in row order of the ratings matrix
     * @param raterLabels   the raters in column order of the ratings matrix
     */
    public record Result(int subjects, int raters, double msr, double msc, double mse, double msw, double confidence,
            List<IccForm> forms, List<String> subjectLabels, List<String> raterLabels) {

        public IccForm form(IccForm.Type type) {
            return forms.get(type.ordinal());
        }
    }

    /** {@link #compute(DataFrame, String, String, String, double)} at the 95% level. */
    public static Result compute(DataFrame data, String subjectColumn, String valueColumn, String raterColumn) {
        return compute(data, subjectColumn, valueColumn, raterColumn, DEFAULT_CONFIDENCE);
    }

    /**
     * The six forms from long-format data: one row per subject and rater. Subjects and raters are identified by
     * their labels (numeric identifiers are fine) and kept in order of first appearance.
     */
    public static Result compute(DataFrame data, String subjectColumn, String valueColumn, String raterColumn,
            double confidence) {
        checkConfidence(confidence);
        for (String[] role : new String[][] {{"subject", subjectColumn}, {"rating", valueColumn}, {"rater", raterColumn}}) {
            if (role[1] == null || !data.hasColumn(role[1])) {
                throw new MixedModelException("The " + role[0] + " column '" + role[1] + "' is not in the table; its"
                        + " columns are: " + String.join(", ", data.columnNames()) + ".");
            }
        }
        Column subject = data.column(subjectColumn);
        Column rater = data.column(raterColumn);
        Column valueCol = data.column(valueColumn);
        if (subjectColumn.equals(raterColumn) || subjectColumn.equals(valueColumn) || raterColumn.equals(valueColumn)) {
            throw new MixedModelException("The subject ('" + subjectColumn + "'), rating ('" + valueColumn
                    + "') and rater ('" + raterColumn + "') columns must be three different columns.");
        }
        NumericColumn value = NumericRequirement.of(valueCol, "rating", "the ICC needs numeric ratings");
        Map<String, Integer> subjects = new LinkedHashMap<>();
        Map<String, Integer> raters = new LinkedHashMap<>();
        for (int r = 0; r < data.rowCount(); r++) {
            String s = subject.label(r);
            String j = rater.label(r);
            if (s == null) {
                throw new MixedModelException("Data row " + (r + 1) + " has no subject in column '" + subjectColumn
                        + "'; every rating must name its subject. Fill in or remove that row.");
            }
            if (j == null) {
                throw new MixedModelException("Data row " + (r + 1) + " (subject '" + s + "') has no rater in column '"
                        + raterColumn + "'; every rating must name its rater. Fill in or remove that row.");
            }
            if (value.isMissing(r)) {
                throw new MixedModelException("The rating of subject '" + s + "' by rater '" + j + "' (data row " + (r + 1)
                        + ", column '" + valueColumn + "') is missing. " + BALANCE_ADVICE);
            }
            if (!Double.isFinite(value.value(r))) {
                throw new MixedModelException("Column '" + valueColumn + "' holds " + NumericColumn.format(value.value(r))
                        + " in data row " + (r + 1) + " (subject '" + s + "', rater '" + j
                        + "'); only finite numbers can be used. Replace or remove that value.");
            }
            subjects.putIfAbsent(s, subjects.size());
            raters.putIfAbsent(j, raters.size());
        }
        List<String> subjectLabels = new ArrayList<>(subjects.keySet());
        List<String> raterLabels = new ArrayList<>(raters.keySet());
        checkSize(subjectLabels.size(), raterLabels.size(), "subjects in column '" + subjectColumn + "'",
                "raters in column '" + raterColumn + "'");
        double[][] x = new double[subjectLabels.size()][raterLabels.size()];
        int[][] row = new int[subjectLabels.size()][raterLabels.size()];
        for (int r = 0; r < data.rowCount(); r++) {
            int i = subjects.get(subject.label(r));
            int j = raters.get(rater.label(r));
            if (row[i][j] != 0) {
                throw new MixedModelException("Subject '" + subjectLabels.get(i) + "' has more than one rating from rater '"
                        + raterLabels.get(j) + "' (data rows " + row[i][j] + " and " + (r + 1) + ", columns '"
                        + subjectColumn + "' and '" + raterColumn + "'). " + BALANCE_ADVICE
                        + " If these are repeated measurements, average them first or use the mixed-model ICC.");
            }
            row[i][j] = r + 1;
            x[i][j] = value.value(r);
        }
        for (int i = 0; i < x.length; i++) {
            List<String> absent = new ArrayList<>();
            for (int j = 0; j < raterLabels.size(); j++) {
                if (row[i][j] == 0) {
                    absent.add("'" + raterLabels.get(j) + "'");
                }
            }
            if (!absent.isEmpty()) {
                throw new MixedModelException("Subject '" + subjectLabels.get(i) + "' has no rating from rater"
                        + (absent.size() > 1 ? "s " : " ") + String.join(", ", absent) + " (columns '" + subjectColumn
                        + "' and '" + raterColumn + "'). " + BALANCE_ADVICE);
            }
        }
        return fromMatrix(x, confidence, subjectLabels, raterLabels, "the rating column '" + valueColumn + "'");
    }

    private static final String BALANCE_ADVICE = "The Shrout-Fleiss ANOVA forms of the ICC need complete, balanced data:"
            + " exactly one rating of every subject by every rater. Remove the incomplete subjects, or use the"
            + " mixed-model ICC (variance components of a REML random-intercept model), which uses every available rating.";

    /** {@link #compute(double[][], double)} at the 95% level. */
    public static Result compute(double[][] ratings) {
        return compute(ratings, DEFAULT_CONFIDENCE);
    }

    /**
     * The six forms from a complete n x k matrix: one row per subject, one column per rater (psych::ICC's input).
     */
    public static Result compute(double[][] ratings, double confidence) {
        checkConfidence(confidence);
        if (ratings == null || ratings.length == 0 || ratings[0] == null) {
            throw new MixedModelException("The ratings matrix is empty; give one row per subject and one column per rater.");
        }
        int k = ratings[0].length;
        checkSize(ratings.length, k, "subjects (matrix rows)", "raters (matrix columns)");
        List<String> subjectLabels = new ArrayList<>();
        List<String> raterLabels = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            raterLabels.add(Integer.toString(j + 1));
        }
        double[][] x = new double[ratings.length][];
        for (int i = 0; i < ratings.length; i++) {
            if (ratings[i] == null || ratings[i].length != k) {
                throw new MixedModelException("Row " + (i + 1) + " of the ratings matrix has "
                        + (ratings[i] == null ? 0 : ratings[i].length) + " ratings but row 1 has " + k + ". "
                        + BALANCE_ADVICE);
            }
            for (int j = 0; j < k; j++) {
                if (Double.isNaN(ratings[i][j])) {
                    throw new MixedModelException("The rating of subject " + (i + 1) + " by rater " + (j + 1)
                            + " is missing (NaN). " + BALANCE_ADVICE);
                }
                if (Double.isInfinite(ratings[i][j])) {
                    throw new MixedModelException("The rating of subject " + (i + 1) + " by rater " + (j + 1) + " is "
                            + NumericColumn.format(ratings[i][j]) + "; only finite numbers can be used.");
                }
            }
            x[i] = ratings[i].clone();
            subjectLabels.add(Integer.toString(i + 1));
        }
        return fromMatrix(x, confidence, subjectLabels, raterLabels, "the ratings");
    }

    private static void checkConfidence(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new MixedModelException("The confidence level must lie strictly between 0 and 1 (e.g. 0.95); it is "
                    + confidence + ".");
        }
    }

    private static void checkSize(int n, int k, String subjectsWhat, String ratersWhat) {
        if (n < 2) {
            throw new MixedModelException("The ICC needs at least 2 subjects, but there " + (n == 1 ? "is 1" : "are " + n)
                    + " among the " + subjectsWhat + ": reliability compares the spread between subjects with the"
                    + " spread between ratings of one subject.");
        }
        if (k < 2) {
            throw new MixedModelException("The ICC needs at least 2 raters, but there " + (k == 1 ? "is 1" : "are " + k)
                    + " among the " + ratersWhat + ": agreement can only be measured between two or more ratings"
                    + " of each subject.");
        }
    }

    /**
     * Mean squares of the two-way layout without interaction (one rating per cell), then the forms. The residual
     * sum of squares is accumulated from the double-centred cells rather than as SST - SSR - SSC, so that a
     * near-perfect agreement does not lose its residual to cancellation.
     */
    private static Result fromMatrix(double[][] x, double confidence, List<String> subjectLabels,
            List<String> raterLabels, String what) {
        int n = x.length;
        int k = x[0].length;
        double[] rowMean = new double[n];
        double[] colMean = new double[k];
        double grand = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                rowMean[i] += x[i][j] / k;
                colMean[j] += x[i][j] / n;
                grand += x[i][j] / ((double) n * k);
            }
        }
        double ssr = 0;
        double ssc = 0;
        double sse = 0;
        double ssw = 0;
        for (int i = 0; i < n; i++) {
            ssr += k * sq(rowMean[i] - grand);
            for (int j = 0; j < k; j++) {
                sse += sq(x[i][j] - rowMean[i] - colMean[j] + grand);
                ssw += sq(x[i][j] - rowMean[i]);
            }
        }
        for (int j = 0; j < k; j++) {
            ssc += n * sq(colMean[j] - grand);
        }
        if (allIdentical(x)) {
            throw new MixedModelException("All " + (n * k) + " values of " + what + " are identical ("
                    + NumericColumn.format(x[0][0]) + "), so the ICC (a ratio of variances) is undefined. Check that"
                    + " the right column was chosen.");
        }
        double msr = ssr / (n - 1);
        double msc = ssc / (k - 1);
        double mse = sse / ((double) (n - 1) * (k - 1));
        double msw = ssw / ((double) n * (k - 1));
        return new Result(n, k, msr, msc, mse, msw, confidence, forms(n, k, msr, msc, mse, msw, confidence),
                Collections.unmodifiableList(subjectLabels), Collections.unmodifiableList(raterLabels));
    }

    /**
     * Point estimates are Shrout and Fleiss's (1979) Table 2 / eqs 2-4 and their Spearman-Brown step-ups (eqs 5-6);
     * McGraw and Wong (1996, Table 4) give the same six as ICC(1), ICC(A,1), ICC(C,1), ICC(k), ICC(A,k), ICC(C,k).
     * The F tests of ICC = 0 use the one-way ratio BMS/WMS for the one-way model and BMS/EMS for the two-way
     * models (rater differences are not error under H0 there). The intervals are exact F intervals for forms 1 and 3
     * and Satterthwaite's approximation for form 2, whose estimate mixes three mean squares (Shrout and Fleiss 1979,
     * eqs 7-11; McGraw and Wong 1996, Table 7); the average forms map the single-rater limits through the same
     * Spearman-Brown relation as their estimates, as psych::ICC does.
     */
    private static List<IccForm> forms(int n, int k, double msr, double msc, double mse, double msw,
            double confidence) {
        double tail = (1 + confidence) / 2;
        double df1 = n - 1;
        double dfW = (double) n * (k - 1);
        double dfE = (double) (n - 1) * (k - 1);

        double icc1 = (msr - msw) / (msr + (k - 1) * msw);
        double icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n);
        double icc3 = (msr - mse) / (msr + (k - 1) * mse);
        double icc1k = (msr - msw) / msr;
        double icc2k = (msr - mse) / (msr + (msc - mse) / n);
        double icc3k = (msr - mse) / msr;

        double f1 = msr / msw;
        double f3 = msr / mse;
        double p1 = upperTail(f1, df1, dfW);
        double p3 = upperTail(f3, df1, dfE);

        double f1Lower = f1 / quantile(tail, df1, dfW);
        double f1Upper = f1 * quantile(tail, dfW, df1);
        double f3Lower = f3 / quantile(tail, df1, dfE);
        double f3Upper = f3 * quantile(tail, dfE, df1);

        // Satterthwaite df for the mixture of mean squares in ICC(2,1) (Shrout and Fleiss 1979, eq 10)
        double fj = msc / mse;
        double a = n * (1 + (k - 1) * icc2) - k * icc2;
        double v = (k - 1) * (n - 1.0) * sq(k * icc2 * fj + a) / ((n - 1) * sq(k * icc2 * fj) + sq(a));
        double l2 = Double.NaN;
        double u2 = Double.NaN;
        if (v > 0 && Double.isFinite(v)) {
            double fStar = quantile(tail, df1, v);
            double fStarU = quantile(tail, v, df1);
            double c = k * msc + (k * n - k - n) * mse;
            l2 = n * (msr - fStar * mse) / (fStar * c + n * msr);
            u2 = n * (fStarU * msr - mse) / (c + n * fStarU * msr);
        }

        List<IccForm> out = new ArrayList<>(6);
        out.add(form(IccForm.Type.ICC1, icc1, f1, df1, dfW, p1, single(f1Lower, k), single(f1Upper, k)));
        out.add(form(IccForm.Type.ICC2, icc2, f3, df1, dfE, p3, l2, u2));
        out.add(form(IccForm.Type.ICC3, icc3, f3, df1, dfE, p3, single(f3Lower, k), single(f3Upper, k)));
        out.add(form(IccForm.Type.ICC1K, icc1k, f1, df1, dfW, p1, average(f1Lower), average(f1Upper)));
        out.add(form(IccForm.Type.ICC2K, icc2k, f3, df1, dfE, p3, stepUp(l2, k), stepUp(u2, k)));
        out.add(form(IccForm.Type.ICC3K, icc3k, f3, df1, dfE, p3, average(f3Lower), average(f3Upper)));
        return Collections.unmodifiableList(out);
    }

    private static IccForm form(IccForm.Type type, double icc, double f, double df1, double df2, double p, double lower,
            double upper) {
        return new IccForm(type, icc, f, df1, df2, p, lower, upper, IccForm.Interpretation.of(icc));
    }

    /** Single-rater limit from a limit of the F ratio; a perfect agreement (infinite F) gives 1, not NaN. */
    private static double single(double f, int k) {
        return Double.isInfinite(f) ? 1.0 : (f - 1) / (f + k - 1);
    }

    /** Average-rater limit from a limit of the F ratio (1 - 1/F). */
    private static double average(double f) {
        return 1 - 1 / f;
    }

    /** Spearman-Brown: the reliability of the mean of k ratings from that of one. */
    private static double stepUp(double r, int k) {
        return k * r / (1 + (k - 1) * r);
    }

    /**
     * P(F > f) from the regularized incomplete beta of the upper tail directly: 1 - CDF would round the
     * p-values of well-separated subjects (1e-24 here is common) to 0.
     */
    private static double upperTail(double f, double df1, double df2) {
        if (Double.isNaN(f)) {
            return Double.NaN;
        }
        if (f <= 0) {
            return 1.0;
        }
        if (Double.isInfinite(f)) {
            return 0.0;
        }
        return Beta.regularizedBeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2);
    }

    private static double quantile(double prob, double df1, double df2) {
        return new FDistribution(null, df1, df2, QUANTILE_ACCURACY).inverseCumulativeProbability(prob);
    }

    /** Compared cell by cell: the sums of squares of equal values need not round to exactly 0. */
    private static boolean allIdentical(double[][] x) {
        for (double[] row : x) {
            for (double v : row) {
                if (v != x[0][0]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double sq(double v) {
        return v * v;
    }

}
