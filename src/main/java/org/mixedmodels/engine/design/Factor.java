package org.mixedmodels.engine.design;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A categorical variable over the rows of a model frame: an integer code per row into an ordered
 * list of level labels. Only levels that occur are kept, as R's model frame drops unused levels.
 */
public final class Factor {
    /** How the levels were ordered; the output says which, since the first level is the reference. */
    public enum LevelOrder {
        /** all levels are numbers: by value (R's order for a numeric column made a factor) */
        NUMERIC("numeric order"),
        /** by the characters' code points, as R sorts in the C locale (the references use LC_COLLATE=C) */
        TEXT("text order (C locale)"),
        /** the order the user gave */
        GIVEN("order given");

        private final String label;

        LevelOrder(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Text in code-point order, as strcmp on UTF-8 bytes (R's sort in the C locale). */
    static final Comparator<String> C_LOCALE = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private final String name;
    private final List<String> levels;
    private final int[] codes;
    private final LevelOrder order;

    Factor(String name, List<String> levels, int[] codes) {
        this(name, levels, codes, LevelOrder.GIVEN);
    }

    Factor(String name, List<String> levels, int[] codes, LevelOrder order) {
        this.name = name;
        this.levels = List.copyOf(levels);
        this.codes = codes;
        this.order = order;
    }

    /** How the levels are ordered (numeric, text, or as given). */
    public LevelOrder levelOrder() {
        return order;
    }

    /**
     * Codes the labels in sorted order: numerically when every label is a number (R sorts the levels of
     * an integer column as numbers, so subject 10 follows 9), otherwise as text; {@code reference},
     * when not null, is moved to the front (R's {@code relevel}).
     */
    static Factor of(String name, String[] labels, String reference) {
        return of(name, labels, reference, null);
    }

    /**
     * @param order the levels in the order wanted (levels not in the rows used are left out), or null for
     *     sorted order (numerically when all levels are numbers)
     */
    static Factor of(String name, String[] labels, String reference, List<String> order) {
        // one hash look-up per row: each row gets the index of its label's first occurrence, which is mapped to
        // the level's place in the final order once the (few) distinct labels are ordered
        Map<String, Integer> seen = new HashMap<>();
        List<String> distinct = new ArrayList<>();
        int[] firstSeen = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            Integer earlier = seen.get(labels[i]); // a look-up, then a put only for a new label: no boxing per row
            if (earlier == null) {
                seen.put(labels[i], distinct.size());
                firstSeen[i] = distinct.size();
                distinct.add(labels[i]);
            } else {
                firstSeen[i] = earlier;
            }
        }
        boolean numeric = allNumeric(distinct);
        Comparator<String> sorting = numeric ? Comparator.comparingDouble(Factor::number) : C_LOCALE;
        distinct.sort(sorting);
        if (numeric) {
            for (int i = 1; i < distinct.size(); i++) {
                if (number(distinct.get(i)) == number(distinct.get(i - 1))) {
                    throw new org.mixedmodels.engine.MixedModelException("Column '" + name + "' has the levels '"
                            + distinct.get(i - 1) + "' and '" + distinct.get(i) + "', the same number written two ways;"
                            + " levels keep their text, so write them alike (or use the column as a number).");
                }
            }
        }
        if (order != null) {
            for (String level : distinct) {
                if (!order.contains(level)) {
                    throw new org.mixedmodels.engine.MixedModelException("Level '" + level + "' of column '" + name
                            + "' is not in the level order given (" + String.join(", ", order) + "); list every level: "
                            + String.join(", ", distinct) + ".");
                }
            }
            List<String> present = new ArrayList<>(distinct);
            distinct.clear();
            for (String level : order) {
                if (present.contains(level) && !distinct.contains(level)) {
                    distinct.add(level);
                }
            }
        }
        if (reference != null) {
            if (!distinct.remove(reference)) {
                throw new org.mixedmodels.engine.MixedModelException("The reference level '" + reference
                        + "' given for column '" + name + "' does not occur in the rows used; its levels are: "
                        + String.join(", ", distinct) + ".");
            }
            distinct.add(0, reference);
        }
        // every label seen is a level (a level order given must list them all, checked above)
        int[] place = new int[seen.size()];
        for (int i = 0; i < distinct.size(); i++) {
            place[seen.get(distinct.get(i))] = i;
        }
        int[] codes = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            codes[i] = place[firstSeen[i]];
        }
        return new Factor(name, distinct, codes,
                order != null ? LevelOrder.GIVEN : numeric ? LevelOrder.NUMERIC : LevelOrder.TEXT);
    }

    /**
     * The interaction of factors, as R's {@code f1:f2}: levels ordered with the first factor varying
     * slowest, labels joined by ':', levels that do not occur dropped (lme4 names nested groups so,
     * e.g. {@code cask:batch} with levels {@code a:A, a:B, ...}).
     */
    static Factor interaction(List<Factor> factors) {
        if (factors.size() == 1) {
            return factors.get(0);
        }
        // One factor at a time, re-coding the combinations seen so far to 0, 1, ... in order, so that the
        // keys stay below rows x levels whatever the number of factors (a product of all level counts
        // overflows a long for a handful of factors with many levels).
        int n = factors.get(0).codes.length;
        int[] codes = factors.get(0).codes.clone();
        List<String> labels = factors.get(0).levels;
        for (int f = 1; f < factors.size(); f++) {
            Factor next = factors.get(f);
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = (long) codes[i] * next.levelCount() + next.codes[i];
            }
            long range = (long) labels.size() * next.levelCount();
            long[] distinct;
            if (range <= 8L * n + 1024) {
                // keys in a small range: their ranks by a count over the range, no sort (same codes)
                int[] rank = new int[(int) range];
                for (int i = 0; i < n; i++) {
                    rank[(int) keys[i]] = 1;
                }
                int m = 0;
                for (int k = 0; k < rank.length; k++) {
                    m += rank[k];
                }
                distinct = new long[m];
                m = 0;
                for (int k = 0; k < rank.length; k++) {
                    if (rank[k] != 0) {
                        distinct[m] = k;
                        rank[k] = m++;
                    }
                }
                for (int i = 0; i < n; i++) {
                    codes[i] = rank[(int) keys[i]];
                }
            } else {
                distinct = sortedDistinct(keys);
                for (int i = 0; i < n; i++) {
                    codes[i] = Arrays.binarySearch(distinct, keys[i]);
                }
            }
            List<String> combined = new ArrayList<>(distinct.length);
            for (long key : distinct) {
                combined.add(labels.get((int) (key / next.levelCount())) + ":"
                        + next.levels.get((int) (key % next.levelCount())));
            }
            labels = combined;
        }
        StringBuilder name = new StringBuilder();
        for (Factor f : factors) {
            name.append(name.length() == 0 ? "" : ":").append(f.name);
        }
        return new Factor(name.toString(), labels, codes);
    }

    /** The distinct values in increasing order (primitive sort; a stream's distinct() would box every key). */
    private static long[] sortedDistinct(long[] keys) {
        long[] sorted = keys.clone();
        Arrays.sort(sorted);
        int m = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (m == 0 || sorted[i] != sorted[m - 1]) {
                sorted[m++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, m);
    }

    private static boolean allNumeric(List<String> labels) {
        for (String s : labels) {
            Double d = org.mixedmodels.engine.data.CsvReader.parseNumber(s.strip(), '.');
            if (d == null || Double.isNaN(d)) {
                return false;
            }
        }
        return true;
    }

    private static double number(String label) {
        return org.mixedmodels.engine.data.CsvReader.parseNumber(label.strip(), '.');
    }

    public String name() {
        return name;
    }

    public List<String> levels() {
        return levels;
    }

    public int levelCount() {
        return levels.size();
    }

    /** The level index of row {@code row} of the model frame. */
    public int code(int row) {
        return codes[row];
    }

    public int size() {
        return codes.length;
    }

    /**
     * Whether the column takes one value within each level, to within {@code tolerance} (0: exactly): a
     * between-group variable of this factor.
     */
    public boolean isConstantWithinLevels(double[] column, double tolerance) {
        double[] first = new double[levelCount()];
        boolean[] seen = new boolean[levelCount()];
        for (int i = 0; i < column.length; i++) {
            int g = code(i);
            if (!seen[g]) {
                seen[g] = true;
                first[g] = column[i];
            } else if (!(Math.abs(first[g] - column[i]) <= tolerance)) {
                return false;
            }
        }
        return true;
    }
}
