package org.mixedmodels.engine.design;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;

/**
 * The sufficient statistics of a model with a residual covariance structure within subject
 * ({@code ar1(visit | subject)}, {@code us(...)}, {@code cs(...)}, with or without random effects grouped by the same
 * subject), aggregated by visit pattern. Subjects seen at the same visits (the ordered visit positions, with their
 * varident strata and structure group) share S_P(a); when their random-effects rows Z_i are the same too, they share
 * V_P = Z_P Lambda Lambda' Z_P' + S_P, so sum_i X_i' V^-1 X_i, sum_i X_i' V^-1 y_i and sum_i y_i' V^-1 y_i are
 * sum_jk (V_P^-1)_jk C_jk over the pattern's summed outer products C = sum_i r_i r_i' of the subjects' stacked visit
 * rows r_i = ([x_t y_t], t in P), and log|V| is the pattern's count times log|V_P| (Pinheiro and Bates 2000, sec. 2.2;
 * mmrm's per-pattern sums). The pattern's key therefore includes Z_i's values: random intercepts, or slopes on a
 * variable fixed by the visit, keep one pattern per visit set; a slope on a time that varies between subjects makes
 * patterns as many as subjects (the statistics then grow with subjects, still not with visits x subjects^2).
 *
 * <p>Size per pattern: (m (p + 1))^2 doubles twice (a sum and its rounding error) for m visits and p fixed-effect
 * columns, plus m q doubles of Z. The sums are compensated ({@link CrossProducts.TwoSum}) so that subjects added or
 * merged in any order (Spark partitions) give the same doubles as in memory. Continuous-time structures (sp_exp) are
 * refused: their covariance reads each row's time, which a pattern of visit positions does not hold. BLUPs need each
 * subject's own rows and are not in the statistics (a design fitted from them alone reports none).
 */
public final class VisitPatterns implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int p;
    private final int q;
    private final Map<String, Pattern> patterns;

    /** The statistics of one visit pattern. */
    public static final class Pattern implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int[] position;
        private final int[] stratum;
        private final int group;
        private final double[] z;
        private final int width;
        private long count;
        private final double[] hi;
        private final double[] lo;

        Pattern(int[] position, int[] stratum, int group, double[] z, int p) {
            this.position = position.clone();
            this.stratum = stratum == null ? null : stratum.clone();
            this.group = group;
            this.z = z.clone();
            this.width = position.length * (p + 1);
            this.hi = new double[width * width];
            this.lo = new double[width * width];
        }

        /** The visit positions (indices into the residual term's visits), ascending. */
        public int[] position() {
            return position.clone();
        }

        /** Each visit's varident stratum, or null without a varident term. */
        public int[] stratum() {
            return stratum == null ? null : stratum.clone();
        }

        /** The structure group ({@code us(visit | arm / subject)}), 0 without one. */
        public int group() {
            return group;
        }

        /** Z_P, m x q row-major: the random-effects row of each visit (the same for every subject of the pattern). */
        public double[] z() {
            return z.clone();
        }

        /** The number of subjects with this pattern. */
        public long count() {
            return count;
        }

        /**
         * Sum over the pattern's subjects of r r' with r = ([x_t, y_t], t in the pattern) of length m (p + 1):
         * entry (j (p + 1) + a, k (p + 1) + b) is sum_i [x y]_ij[a] [x y]_ik[b], row-major.
         */
        public double[] sums() {
            double[] s = new double[hi.length];
            for (int e = 0; e < s.length; e++) {
                s[e] = hi[e] + lo[e];
            }
            return s;
        }

        void add(double[] r) {
            count++;
            for (int u = 0; u < width; u++) {
                double ru = r[u];
                if (ru == 0) {
                    continue;
                }
                int base = u * width;
                for (int v = 0; v < width; v++) {
                    if (r[v] != 0) {
                        CrossProducts.TwoSum.add(hi, lo, base + v, ru * r[v]);
                    }
                }
            }
        }

        void merge(Pattern o) {
            count += o.count;
            for (int e = 0; e < hi.length; e++) {
                CrossProducts.TwoSum.merge(hi, lo, e, o.hi[e], o.lo[e]);
            }
        }

        long bytes() {
            return 16L * hi.length + 8L * z.length + 4L * position.length * (stratum == null ? 1 : 2);
        }
    }

    /** Empty statistics for p fixed-effect columns and q random-effect columns per subject. */
    public VisitPatterns(int p, int q) {
        this.p = p;
        this.q = q;
        this.patterns = new LinkedHashMap<>();
    }

    /** Why a residual structure is not fitted from these statistics, or null when it is. */
    public static String refusal(String structure) {
        if (org.mixedmodels.engine.formula.ResidualTerm.isContinuousTime(structure)) {
            return structure + "(...) is not fitted from statistics: its covariance reads each row's numeric time, "
                    + "which statistics by visit pattern do not hold. Fit it in memory (the command line's fit or the "
                    + "KNIME Learner).";
        }
        return null;
    }

    /**
     * Adds one subject: its rows in visit order, each with its visit position, varident stratum (or null), the
     * random-effects row (q values) and the fixed-effects row with the response last (p + 1 values).
     */
    public void addSubject(int[] position, int[] stratum, int group, double[][] z, double[][] xy) {
        int m = position.length;
        double[] zFlat = new double[m * q];
        double[] r = new double[m * (p + 1)];
        for (int j = 0; j < m; j++) {
            System.arraycopy(z[j], 0, zFlat, j * q, q);
            System.arraycopy(xy[j], 0, r, j * (p + 1), p + 1);
        }
        patterns.computeIfAbsent(key(position, stratum, group, zFlat),
                k -> new Pattern(position, stratum, group, zFlat, p)).add(r);
    }

    /** A pattern's statistics with another's of the same key added, as a new pattern (neither is changed). */
    public static Pattern merged(Pattern a, Pattern b) {
        Pattern out = new Pattern(a.position, a.stratum, a.group, a.z, a.width / a.position.length - 1);
        out.merge(a);
        out.merge(b);
        return out;
    }

    /**
     * The design without rows that a fit reads from statistics aggregated elsewhere (a distributed job) over rows
     * coded by {@code encoder} ({@link CrossProducts.Encoder#forVisitPatterns}): the frame's factors with their
     * levels, X's columns, the random-effects terms and the residual term over {@code visits} (the categorical
     * visit's levels in the engine's order, or a numeric time's distinct values in ascending order, as
     * {@link ResidualDesign} orders them). Aliased fixed-effect columns are refused here (the rows fit drops them):
     * the statistics' X'X must be positive definite.
     */
    public static Design rowFreeDesign(CrossProducts.Encoder encoder, List<String> visits, VisitPatterns stats,
            long omitted) {
        org.mixedmodels.engine.formula.Formula f = encoder.formula();
        org.mixedmodels.engine.formula.ResidualTerm structure = null;
        org.mixedmodels.engine.formula.ResidualTerm varIdent = null;
        for (org.mixedmodels.engine.formula.ResidualTerm t : f.residualTerms()) {
            if (t.isVarIdent()) {
                varIdent = t;
            } else {
                structure = t;
            }
        }
        if (structure == null) {
            throw new MixedModelException("varident(...) without a correlation structure orders visits by their rows "
                    + "within subject, which statistics by visit pattern do not see; add a structure such as "
                    + "cs(visit | subject), or fit in memory.");
        }
        String refusal = refusal(structure.structure());
        if (refusal != null) {
            throw new MixedModelException(refusal);
        }
        CrossProducts.Template t = encoder.template((int) Math.min(omitted, Integer.MAX_VALUE));
        if (t.fixed().columnCount() != stats.p) {
            throw new IllegalArgumentException("The statistics have " + stats.p + " fixed-effect columns, the formula "
                    + t.fixed().columnCount() + ".");
        }
        double[][] xtx = new double[stats.p][stats.p];
        for (Pattern pat : stats.patterns()) {
            double[] sums = pat.sums();
            int w = stats.p + 1;
            for (int j = 0; j < pat.position.length; j++) {
                for (int a = 0; a < stats.p; a++) {
                    for (int b = 0; b < stats.p; b++) {
                        xtx[a][b] += sums[(j * w + a) * pat.width + j * w + b];
                    }
                }
            }
        }
        double[] sumsq = new double[stats.p];
        for (int a = 0; a < stats.p; a++) {
            sumsq[a] = xtx[a][a];
        }
        List<String> aliased = new ArrayList<>();
        for (int j : Design.aliasedOfGram(xtx, sumsq)) {
            aliased.add(t.fixed().names().get(j));
        }
        if (!aliased.isEmpty()) {
            throw new MixedModelException("The fixed-effect columns " + String.join(", ", aliased) + " are linear "
                    + "combinations of earlier ones; a residual-structure fit from statistics does not drop aliased "
                    + "columns. Remove the terms that make them, or fit in memory.");
        }
        Factor subject = t.frame().factor(structure.subject());
        Factor group = structure.group() == null ? null : t.frame().factor(structure.group());
        List<String> strata = varIdent == null ? null : t.frame().factor(varIdent.time()).levels();
        ResidualDesign residual = new ResidualDesign(structure.structure(), structure.time(), subject,
                List.copyOf(visits), new int[0], new double[0], varIdent == null ? null : varIdent.time(), null, strata,
                group);
        return Design.rowFree(t.frame(), t.fixed(), t.terms(), List.of(), residual, stats);
    }

    /** These statistics with another's added (in place; returns this). */
    public VisitPatterns merge(VisitPatterns other) {
        if (other.p != p || other.q != q) {
            throw new IllegalArgumentException("Visit-pattern statistics of different designs cannot be merged.");
        }
        for (Map.Entry<String, Pattern> e : other.patterns.entrySet()) {
            Pattern mine = patterns.get(e.getKey());
            if (mine == null) {
                Pattern o = e.getValue();
                mine = new Pattern(o.position, o.stratum, o.group, o.z, p);
                patterns.put(e.getKey(), mine);
            }
            mine.merge(e.getValue());
        }
        return this;
    }

    /** The pattern's key: visit positions, strata, group and Z's values (bit for bit). */
    public static String key(int[] position, int[] stratum, int group, double[] z) {
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < position.length; j++) {
            b.append(position[j]);
            if (stratum != null) {
                b.append(':').append(stratum[j]);
            }
            b.append(',');
        }
        b.append('g').append(group);
        for (double v : z) {
            b.append(';').append(Long.toHexString(Double.doubleToLongBits(v)));
        }
        return b.toString();
    }

    /** The patterns in a fixed order (by key), so that the fit sums them in the same order wherever they were made. */
    public List<Pattern> patterns() {
        List<String> keys = new ArrayList<>(patterns.keySet());
        java.util.Collections.sort(keys);
        List<Pattern> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            out.add(patterns.get(k));
        }
        return out;
    }

    /** Each pattern by its key (what a distributed job reduces by). */
    public Map<String, Pattern> byKey() {
        return java.util.Collections.unmodifiableMap(patterns);
    }

    /** Statistics made of patterns reduced elsewhere (one per key). */
    public static VisitPatterns of(int p, int q, Collection<Pattern> reduced) {
        VisitPatterns v = new VisitPatterns(p, q);
        for (Pattern pat : reduced) {
            String k = key(pat.position, pat.stratum, pat.group, pat.z);
            if (v.patterns.containsKey(k)) {
                v.patterns.get(k).merge(pat);
            } else {
                Pattern copy = new Pattern(pat.position, pat.stratum, pat.group, pat.z, p);
                copy.merge(pat);
                v.patterns.put(k, copy);
            }
        }
        return v;
    }

    public int fixedCount() {
        return p;
    }

    public int randomCount() {
        return q;
    }

    /** The number of subjects. */
    public long subjects() {
        long s = 0;
        for (Pattern pat : patterns.values()) {
            s += pat.count;
        }
        return s;
    }

    /** The number of rows (observations). */
    public long rows() {
        long s = 0;
        for (Pattern pat : patterns.values()) {
            s += pat.count * pat.position.length;
        }
        return s;
    }

    /** Bytes the statistics hold. */
    public long bytes() {
        long b = 0;
        for (Pattern pat : patterns.values()) {
            b += pat.bytes();
        }
        return b;
    }

    /**
     * The statistics of a design's own rows (a residual term, random effects grouped by its subject), and that design
     * linked to them: fitting the returned design reads the statistics (the rows stay for BLUPs, fitted values and
     * residuals).
     */
    public static Design fitFromStatistics(Design design) {
        return design.withVisitPatterns(of(design));
    }

    /** The statistics of a design's own rows. */
    public static VisitPatterns of(Design design) {
        ResidualDesign residual = design.residual();
        if (residual == null) {
            throw new IllegalArgumentException("The design has no residual covariance term.");
        }
        String refusal = refusal(residual.structure());
        if (refusal != null) {
            throw new MixedModelException(refusal);
        }
        List<RandomEffectTerm> terms = design.randomTerms();
        int q = 0;
        for (RandomEffectTerm t : terms) {
            if (!t.groupName().equals(residual.subject().name())) {
                throw new MixedModelException("The random effects of '" + t.groupName() + "' are not grouped by the "
                        + "residual term's subject '" + residual.subject().name() + "'; statistics by visit pattern "
                        + "need them grouped by it.");
            }
            q += t.k();
        }
        double[][] x = design.fixed().columns();
        double[] y = design.response();
        int p = x.length;
        VisitPatterns stats = new VisitPatterns(p, q);
        for (int[] rows : residual.rowsBySubject()) {
            int m = rows.length;
            if (m == 0) {
                continue;
            }
            int[] position = new int[m];
            int[] stratum = residual.stratum() == null ? null : new int[m];
            double[][] z = new double[m][q];
            double[][] xy = new double[m][p + 1];
            for (int j = 0; j < m; j++) {
                int i = rows[j];
                position[j] = residual.position()[i];
                if (stratum != null) {
                    stratum[j] = residual.stratum()[i];
                }
                int c = 0;
                for (RandomEffectTerm t : terms) {
                    for (int col = 0; col < t.k(); col++) {
                        z[j][c++] = t.model().columns()[col][i];
                    }
                }
                for (int a = 0; a < p; a++) {
                    xy[j][a] = x[a][i];
                }
                xy[j][p] = y[i];
            }
            int group = residual.group() == null ? 0 : residual.group().code(rows[0]);
            stats.addSubject(position, stratum, group, z, xy);
        }
        return stats;
    }
}
