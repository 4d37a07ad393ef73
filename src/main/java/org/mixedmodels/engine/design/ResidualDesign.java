package org.mixedmodels.engine.design;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.formula.ResidualTerm;

/**
 * A residual covariance term over the model frame's rows: which subject block each row belongs to, and
 * where the row sits in time. Visits are the ordered distinct values of the time column (factor levels
 * in level order, or sorted numbers): {@code position} indexes them, so AR(1), Toeplitz and unstructured
 * matrices are indexed by visit, and a subject with missing visits keeps the others' positions (the MAR
 * analysis of MMRM). {@code time} holds the numeric times for the continuous-time structure.
 *
 * @param structure the structure's name ({@code ar1}, {@code us}, ...)
 * @param timeName the time column
 * @param subject the subject factor: rows of different levels are independent
 * @param visits the ordered visit labels
 * @param position each row's visit index into {@code visits}
 * @param time each row's numeric time (NaN for categorical visits)
 * @param varianceFactor the factor of a {@code varident(stratum | subject)} term, or null
 * @param stratum each row's level of {@code varianceFactor} (null without it)
 * @param strata the levels of {@code varianceFactor}, the first being the reference (null without it)
 * @param group the factor whose levels have their own structure parameters ({@code us(visit | arm / subject)}), or
 *     null; every subject lies in one level
 */
public record ResidualDesign(String structure, String timeName, Factor subject, List<String> visits, int[] position,
        double[] time, String varianceFactor, int[] stratum, List<String> strata, Factor group) {

    /**
     * The residual terms of a formula: at most one correlation structure and at most one {@code varident}. A
     * {@code varident} alone means independent residuals within subject (structure {@code id}, rows indexed by
     * their order within subject).
     */
    static ResidualDesign of(List<ResidualTerm> terms, ModelFrame frame) {
        ResidualTerm structure = null;
        ResidualTerm varIdent = null;
        for (ResidualTerm t : terms) {
            if (t.isVarIdent()) {
                varIdent = t;
            } else {
                structure = t;
            }
        }
        ResidualDesign base = structure != null ? of(structure, frame) : independent(varIdent, frame);
        if (varIdent == null) {
            return base;
        }
        if (!frame.isCategorical(varIdent.time())) {
            throw new MixedModelException("varident(" + varIdent.time() + " | " + varIdent.subject() + ") needs a "
                    + "categorical column whose levels have their own residual variance, but '" + varIdent.time()
                    + "' is numeric; use a categorical column (or factor(" + varIdent.time() + ")).");
        }
        Factor strata = frame.factor(varIdent.time());
        int[] stratum = new int[base.position().length];
        for (int i = 0; i < stratum.length; i++) {
            stratum[i] = strata.code(i);
        }
        return new ResidualDesign(base.structure(), base.timeName(), base.subject(), base.visits(), base.position(),
                base.time(), varIdent.time(), stratum, strata.levels(), base.group());
    }

    /**
     * Independent residuals within subject: rows take positions 0, 1, ... in their order within subject (the time
     * name is the varident factor's, for messages).
     */
    private static ResidualDesign independent(ResidualTerm varIdent, ModelFrame frame) {
        Factor subject = frame.factor(varIdent.subject());
        int n = frame.size();
        int[] position = new int[n];
        int[] seen = new int[subject.levelCount()];
        int most = 0;
        for (int i = 0; i < n; i++) {
            position[i] = seen[subject.code(i)]++;
            most = Math.max(most, position[i] + 1);
        }
        List<String> visits = new ArrayList<>();
        for (int v = 0; v < most; v++) {
            visits.add(Integer.toString(v + 1));
        }
        double[] time = new double[n];
        Arrays.fill(time, Double.NaN);
        return new ResidualDesign("id", varIdent.time(), subject, List.copyOf(visits), position, time, null, null, null,
                null);
    }

    /** The number of groups with their own structure parameters (1 without a group). */
    public int groupCount() {
        return group == null ? 1 : group.levelCount();
    }

    /** The number of variance strata (1 without a varident term). */
    public int strataCount() {
        return strata == null ? 1 : strata.size();
    }

    static ResidualDesign of(ResidualTerm term, ModelFrame frame) {
        Factor subject = frame.factor(term.subject());
        int n = frame.size();
        int[] position = new int[n];
        double[] time = new double[n];
        List<String> visits = new ArrayList<>();
        if (frame.isCategorical(term.time())) {
            if (org.mixedmodels.engine.formula.ResidualTerm.isContinuousTime(term.structure())) {
                throw new MixedModelException(term.structure() + "(" + term.time() + " | " + term.subject() + ") needs numeric times, but '"
                        + term.time() + "' is categorical; use a numeric time column or a visit structure such as ar1.");
            }
            Factor visit = frame.factor(term.time());
            visits.addAll(visit.levels());
            for (int i = 0; i < n; i++) {
                position[i] = visit.code(i);
            }
            Arrays.fill(time, Double.NaN);
        } else {
            double[] t = frame.numeric(term.time());
            TreeSet<Double> distinct = new TreeSet<>();
            for (double v : t) {
                distinct.add(v);
            }
            List<Double> sorted = new ArrayList<>(distinct);
            for (double v : sorted) {
                visits.add(org.mixedmodels.engine.data.NumericColumn.format(v));
            }
            for (int i = 0; i < n; i++) {
                position[i] = java.util.Collections.binarySearch(sorted, t[i]);
                time[i] = t[i];
            }
        }
        Factor group = term.group() == null ? null : frame.factor(term.group());
        ResidualDesign design = new ResidualDesign(term.structure(), term.time(), subject, List.copyOf(visits), position,
                time, null, null, null, group);
        design.checkVisitsUnique();
        if (group != null) {
            int[] groupOf = new int[subject.levelCount()];
            java.util.Arrays.fill(groupOf, -1);
            for (int i = 0; i < n; i++) {
                int s = subject.code(i);
                if (groupOf[s] >= 0 && groupOf[s] != group.code(i)) {
                    throw new MixedModelException("Subject '" + subject.levels().get(s) + "' has rows in more than one "
                            + "level of '" + term.group() + "' (" + group.levels().get(groupOf[s]) + " and "
                            + group.levels().get(group.code(i)) + ", data row " + (i + 1) + " of the rows used); in "
                            + term.structure() + "(" + term.time() + " | " + term.group() + " / " + term.subject()
                            + ") each subject belongs to one group.");
                }
                groupOf[s] = group.code(i);
            }
        }
        return design;
    }

    /** Rows of each subject, in visit order. */
    /**
     * A warning when visit labels end in numbers (WEEK2, WEEK12, ...) and their sorted order, which the
     * structure uses, differs from the order of those numbers; null otherwise.
     */
    static String visitOrderWarning(String timeName, List<String> visits) {
        java.util.regex.Pattern suffix = java.util.regex.Pattern.compile("^(.*?)(\\d+(?:\\.\\d+)?)$");
        List<String> numeric = new ArrayList<>(visits);
        for (String v : visits) {
            if (!suffix.matcher(v).matches()) {
                return null;
            }
        }
        numeric.sort(java.util.Comparator.comparing((String v) -> {
            java.util.regex.Matcher m = suffix.matcher(v);
            m.matches();
            return m.group(1);
        }).thenComparingDouble(v -> {
            java.util.regex.Matcher m = suffix.matcher(v);
            m.matches();
            return Double.parseDouble(m.group(2));
        }));
        if (numeric.equals(visits)) {
            return null;
        }
        return "The visits of '" + timeName + "' are used in the order " + String.join(", ", visits)
                + ", which differs from the order of their numbers (" + String.join(", ", numeric) + "); if the visits "
                + "follow that order, give it (command line: --level-order " + timeName + "=" + String.join(",", numeric)
                + "), since AR(1), Toeplitz and similar structures depend on the visit order.";
    }

    public int[][] rowsBySubject() {
        List<List<Integer>> rows = new ArrayList<>();
        for (int s = 0; s < subject.levelCount(); s++) {
            rows.add(new ArrayList<>());
        }
        for (int i = 0; i < position.length; i++) {
            rows.get(subject.code(i)).add(i);
        }
        int[][] result = new int[rows.size()][];
        for (int s = 0; s < rows.size(); s++) {
            result[s] = rows.get(s).stream().sorted((a, b) -> position[a] != position[b]
                    ? Integer.compare(position[a], position[b]) : Double.compare(time[a], time[b]))
                    .mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    private void checkVisitsUnique() {
        int[][] bySubject = rowsBySubject();
        for (int s = 0; s < bySubject.length; s++) {
            int[] rows = bySubject[s];
            for (int j = 1; j < rows.length; j++) {
                if (position[rows[j]] == position[rows[j - 1]]) {
                    throw new MixedModelException("Subject '" + subject.levels().get(s) + "' has visit '"
                            + visits.get(position[rows[j]]) + "' of '" + timeName + "' more than once (data rows "
                            + (rows[j - 1] + 1) + " and " + (rows[j] + 1) + " of the rows used); a residual covariance "
                            + "term needs at most one row per subject and visit.");
                }
            }
        }
    }
}
