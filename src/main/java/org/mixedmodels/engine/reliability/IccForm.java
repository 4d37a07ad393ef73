package org.mixedmodels.engine.reliability;

/**
 * One of the six Shrout and Fleiss (1979) intraclass correlations with its F test against ICC = 0 and its
 * F-based confidence interval, as psych::ICC reports them (McGraw and Wong 1996 give the same forms as
 * ICC(1), ICC(A,1), ICC(C,1) and their k-rater averages).
 *
 * @param type           which of the six forms
 * @param icc            the point estimate (negative when subjects vary less than the ratings of one subject)
 * @param f              the F statistic of the test of ICC = 0
 * @param df1            numerator degrees of freedom of that test
 * @param df2            denominator degrees of freedom of that test
 * @param p              upper-tail p-value of that test
 * @param lower          lower limit of the confidence interval
 * @param upper          upper limit of the confidence interval
 * @param interpretation Koo and Li (2016) label of the point estimate
 */
public record IccForm(Type type, double icc, double f, double df1, double df2, double p, double lower, double upper,
        Interpretation interpretation) {

    /**
     * The six forms in psych::ICC's order. The ANOVA model and the kind of agreement differ, so a user must pick
     * the form that matches how the raters were chosen and how the scores will be used; all six are computed
     * because they come from the same mean squares.
     */
    public enum Type {
        /** One-way random model: each subject may be rated by different raters, absolute agreement. */
        ICC1("ICC1", "ICC(1,1)", "Single raters absolute", false),
        /** Two-way random model: raters are a sample from a population of raters, absolute agreement. */
        ICC2("ICC2", "ICC(2,1)", "Single random raters", false),
        /** Two-way mixed model: these raters only, consistency (rater mean differences are removed). */
        ICC3("ICC3", "ICC(3,1)", "Single fixed raters", false),
        /** ICC1 for the mean of k ratings. */
        ICC1K("ICC1k", "ICC(1,k)", "Average raters absolute", true),
        /** ICC2 for the mean of k ratings. */
        ICC2K("ICC2k", "ICC(2,k)", "Average random raters", true),
        /** ICC3 for the mean of k ratings. */
        ICC3K("ICC3k", "ICC(3,k)", "Average fixed raters", true);

        private final String label;
        private final String shroutFleiss;
        private final String description;
        private final boolean average;

        Type(String label, String shroutFleiss, String description, boolean average) {
            this.label = label;
            this.shroutFleiss = shroutFleiss;
            this.description = description;
            this.average = average;
        }

        /** psych::ICC's row name, e.g. {@code ICC2k}. */
        public String label() {
            return label;
        }

        /** Shrout and Fleiss's notation, e.g. {@code ICC(2,k)}. */
        public String shroutFleiss() {
            return shroutFleiss;
        }

        /** psych::ICC's description, e.g. "Average random raters". */
        public String description() {
            return description;
        }

        /** True for the reliability of the mean of k ratings, false for a single rating. */
        public boolean average() {
            return average;
        }

        /** The form with the given psych label ({@code ICC1} ... {@code ICC3k}), case-insensitive. */
        public static Type of(String label) {
            for (Type t : values()) {
                if (t.label.equalsIgnoreCase(label)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("Unknown ICC form '" + label + "'; use ICC1, ICC2, ICC3, ICC1k, ICC2k or ICC3k.");
        }
    }

    /**
     * Koo and Li (2016, J Chiropr Med 15:155) guideline for reliability studies: below 0.5 poor, 0.5 to 0.75
     * moderate, 0.75 to 0.9 good, above 0.9 excellent. Koo and Li advise reading it off the confidence interval as
     * well as the point estimate, which is why {@link #of} is public and can be applied to the limits too.
     */
    public enum Interpretation {
        POOR("poor"), MODERATE("moderate"), GOOD("good"), EXCELLENT("excellent");

        private final String label;

        Interpretation(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The label of an ICC value; NaN (no estimate) is reported as poor, the conservative reading. */
        public static Interpretation of(double icc) {
            if (!(icc >= 0.5)) {
                return POOR;
            }
            if (icc < 0.75) {
                return MODERATE;
            }
            return icc <= 0.9 ? GOOD : EXCELLENT;
        }
    }
}
