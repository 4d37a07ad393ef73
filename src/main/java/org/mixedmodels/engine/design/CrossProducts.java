package org.mixedmodels.engine.design;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;

/**
 * The sufficient statistics of a linear mixed model: the cross-products of [Z X y] in the blocks the profiled
 * criterion reads (MixedModels.jl forms them once, "A = [Z X y]'[Z X y]"; Bates et al. 2015, J. Stat. Softw. 67(1),
 * section 3). For the first random-effects block (the grouping factor with most levels) they are kept per level:
 * Z_j'Z_j (k1 x k1) and the cross-products of Z_j with the rows R_j of the rest that level's rows touch (the later
 * random effects seen with it, X and y). The rest - later random effects, X, y - is a sparse symmetric matrix. With
 * an intercept, X's other columns and y are centred first, as {@code ProfiledDeviance} does for its own sums.
 *
 * <p>Their size grows with the number of groups, never with the rows; the fit (profiled deviance, optimizer, BLUPs,
 * Satterthwaite's df) reads nothing else. They are made in two ways with the same arithmetic per row:
 * {@link #of(Design)} from a design's rows in memory ("statistics, then fit"), and {@link #fromParts} from sums that
 * a distributed job ({@code mixed-models-spark}) aggregated over rows it coded with an {@link Encoder} - the
 * engine's own formula parser, factor coding and reference levels. The index space of the rest is the fit's:
 * the later random-effects blocks (grouping factors in order of first appearance, k columns per level), then X's
 * columns, then y.
 */
public final class CrossProducts {
    private final Design design;
    private final int n;
    private final Layout layout;
    private final double[] a11;
    private final int[] levelStart;
    private final int[] levelRows;
    private final double[] ar1;
    private final int[] restRow;
    private final int[] restCol;
    private final double[] restValue;
    private final double[][] columnRms;

    private CrossProducts(Design source, boolean rowFree, ModelFrame frame, ModelMatrix fixed, List<String> dropped,
            List<RandomEffectTerm> terms, List<String> warnings, int n, Layout layout, List<Group> groups,
            Rest rest, double[][] columnRms) {
        this.n = n;
        this.layout = layout;
        this.columnRms = columnRms;
        int k1 = layout.k1;
        int levels1 = layout.levels1;
        this.a11 = new double[levels1 * k1 * k1];
        this.levelStart = new int[levels1 + 1];
        int total = 0;
        for (Group g : groups) {
            total += g.rows.length;
        }
        this.levelRows = new int[total];
        this.ar1 = new double[total * k1];
        int at = 0;
        for (int j = 0; j < levels1; j++) {
            Group g = groups.get(j);
            if (g == null) {
                throw new MixedModelException("Level '" + terms.get(0).grouping().levels().get(j) + "' of '"
                        + terms.get(0).groupName() + "' has no rows in the statistics; they are incomplete.");
            }
            System.arraycopy(g.a11, 0, a11, j * k1 * k1, k1 * k1);
            levelStart[j] = at;
            System.arraycopy(g.rows, 0, levelRows, at, g.rows.length);
            System.arraycopy(g.ar1, 0, ar1, at * k1, g.rows.length * k1);
            at += g.rows.length;
        }
        levelStart[levels1] = at;
        List<int[]> entries = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        rest.forEachEntry((r, c, v) -> {
            entries.add(new int[] {r, c});
            values.add(v);
        });
        this.restRow = new int[entries.size()];
        this.restCol = new int[entries.size()];
        this.restValue = new double[entries.size()];
        for (int e = 0; e < entries.size(); e++) {
            restRow[e] = entries.get(e)[0];
            restCol[e] = entries.get(e)[1];
            restValue[e] = values.get(e);
        }
        this.design = rowFree ? Design.rowFree(frame, fixed, dropped, terms, warnings, this) : source.withStatistics(this);
    }

    /**
     * The statistics of a design's own rows, and that design linked to them: fitting the returned {@link #design()}
     * reads only the statistics (the rows stay for fitted values and residuals).
     */
    public static CrossProducts of(Design design) {
        if (design.residual() != null) {
            throw new MixedModelException(residualRefusal());
        }
        List<RandomEffectTerm> terms = design.randomTerms();
        double[][] x = design.fixed().columns();
        int p = x.length;
        int rows = design.nobs();
        RowBatch batch = new RowBatch(rows, new int[terms.size()][], new double[terms.size()][][], x, design.response());
        int zColumns = 0;
        for (int t = 0; t < terms.size(); t++) {
            RandomEffectTerm term = terms.get(t);
            int[] codes = new int[rows];
            for (int i = 0; i < rows; i++) {
                codes[i] = term.grouping().code(i);
            }
            batch.codes[t] = codes;
            batch.z[t] = term.model().columns();
            zColumns += term.k();
        }
        // the same sums, centring and rounding as fromParts, so that both give the same doubles
        Moments moments = new Moments(p, zColumns);
        moments.add(batch);
        Layout layout = Layout.of(terms, p, moments);
        Accumulator acc = new Accumulator(layout);
        acc.add(batch);
        int[] identity = layout.indexMap(java.util.stream.IntStream.range(0, p).toArray());
        List<Group> groups = new ArrayList<>();
        for (Group g : acc.groupsByLevel()) {
            groups.add(g.remapped(identity));
        }
        return new CrossProducts(design, false, null, null, null, terms, null, rows, layout, groups,
                acc.rest().remapped(identity, layout), rootMeanSquares(terms, moments, rows));
    }

    /** Per term and column, the root mean square of the column (1 for a column of zeros), from the moments. */
    private static double[][] rootMeanSquares(List<RandomEffectTerm> terms, Moments moments, int n) {
        double[][] rms = new double[terms.size()][];
        int col = 0;
        for (int t = 0; t < rms.length; t++) {
            rms[t] = new double[terms.get(t).k()];
            for (int c = 0; c < rms[t].length; c++) {
                double ss = moments.sumsq(moments.zStart() + col++);
                rms[t][c] = ss > 0 ? Math.sqrt(ss / n) : 1;
            }
        }
        return rms;
    }

    /**
     * The statistics from sums aggregated elsewhere over rows coded by {@code encoder} with the layout
     * {@code encoder.layout(moments)}: the groups (one per level of the first block, in any order), the rest, the
     * column summaries of the same rows, and the rows left out for missing values. Aliased fixed-effect columns are
     * found from X'X as {@link ModelMatrix#aliasedColumns} finds them from X (Gram-Schmidt in column order, the same
     * relative tolerance) and dropped; the design is checked as {@link Design#build} checks one from rows, as far as
     * the statistics tell.
     */
    public static CrossProducts fromParts(Encoder encoder, Moments moments, Iterable<Group> groups, Rest rest,
            long omitted) {
        if (moments.n > Integer.MAX_VALUE - 8) {
            throw new MixedModelException(moments.n + " rows are more than the engine counts (2^31); fit a subset.");
        }
        int n = (int) moments.n;
        Layout full = encoder.layout(moments);
        Template template = encoder.template((int) Math.min(omitted, Integer.MAX_VALUE));
        List<String> warnings = new ArrayList<>();
        Design.Checked checked = Design.checkStatistics(template.frame.formula(), template.frame, template.fixed,
                template.terms, moments.summaries(template.fixed.names(), encoder.formula().response(), template.terms),
                n, gram(full, rest), full.interceptColumn, warnings);
        int[] kept = checked.keptColumns();
        Layout layout = full.keepingFixed(kept);
        int[] map = full.indexMap(kept);
        List<Group> byLevel = new ArrayList<>(java.util.Collections.nCopies(full.levels1, (Group) null));
        for (Group g : groups) {
            byLevel.set(g.level, g.remapped(map));
        }
        return new CrossProducts(null, true, template.frame, checked.fixed(), checked.dropped(), template.terms,
                warnings, n, layout, byLevel, rest.remapped(map, layout),
                rootMeanSquares(template.terms, moments, n));
    }

    /** X'X (centred as the layout says) from the rest's X block, p x p. */
    private static double[][] gram(Layout layout, Rest rest) {
        int p = layout.p;
        double[][] g = new double[p][p];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b <= a; b++) {
                g[a][b] = rest.fixed(a, b);
                g[b][a] = g[a][b];
            }
        }
        return g;
    }

    /** Why a residual covariance structure is not fitted from these statistics. */
    public static String residualRefusal() {
        return "A residual covariance structure within subject (ar1, cs, us, ...) is not fitted from cross-product "
                + "statistics by group: its likelihood needs the cross-products per visit pattern for every value of the "
                + "structure's parameters, which are the statistics of VisitPatterns (the Spark job aggregates those "
                + "for such formulas), not of these.";
    }

    /** The design fitted from these statistics (without rows when they were aggregated elsewhere). */
    public Design design() {
        return design;
    }

    public int nobs() {
        return n;
    }

    /** The layout of the blocks (first block, later blocks, X, y) in the fit's index space. */
    public Layout layout() {
        return layout;
    }

    /** Per level j of the first block, Z_j'Z_j (k1 x k1, row-major), level after level. */
    public double[] firstBlockSquares() {
        return a11.clone();
    }

    /** Fills {@code start} (levels1 + 1 entries) with where each level's rows R_j start, and returns R_j level after level. */
    public int[] levelPattern(int[] start) {
        System.arraycopy(levelStart, 0, start, 0, levelStart.length);
        return levelRows.clone();
    }

    /** The cross-products of R_j's rows with Z_j: |R_j| x k1 per level, in the order of {@link #levelPattern}. */
    public double[] firstBlockCross() {
        return ar1.clone();
    }

    /** The rest's lower triangle (row >= column) as entries: {@code consumer.accept(row, column, value)}. */
    public void forEachRestEntry(EntryConsumer consumer) {
        for (int e = 0; e < restRow.length; e++) {
            consumer.accept(restRow[e], restCol[e], restValue[e]);
        }
    }

    /** The number of stored entries of the rest's lower triangle. */
    public int restEntryCount() {
        return restRow.length;
    }

    /** The column of X that is all ones, or -1. */
    public int interceptColumn() {
        return layout.interceptColumn;
    }

    /** The means subtracted from X's columns (0 for the intercept, and all 0 without one). */
    public double[] columnShift() {
        return layout.xShift.clone();
    }

    /** The mean subtracted from the response (0 without an intercept). */
    public double responseShift() {
        return layout.yShift;
    }

    /**
     * Per theta element (lme4's order), the root mean square of its row's random-effect column, as
     * {@code LinearMixedModel.thetaScales} computes it from rows.
     */
    public double[] thetaScales() {
        List<Double> scales = new ArrayList<>();
        for (double[] rms : columnRms) {
            int k = rms.length;
            for (int c = 0; c < k; c++) {
                for (int r = c; r < k; r++) {
                    scales.add(rms[r]);
                }
            }
        }
        return scales.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Bytes the statistics hold (the arrays), for the driver's memory per group. */
    public long bytes() {
        return 8L * (a11.length + ar1.length + restValue.length) + 4L * (levelStart.length + levelRows.length
                + 2L * restRow.length);
    }

    @FunctionalInterface
    public interface EntryConsumer {
        void accept(int row, int column, double value);
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * The index space of the statistics: terms in lme4's order grouped into blocks by grouping factor (in order of
     * first appearance, as the fit's blocks), the first block kept per level, the later blocks' random effects, then
     * X's p columns and y; and the centring of X and y.
     */
    public static final class Layout implements Serializable {
        private static final long serialVersionUID = 1L;
        final int[] termBlock;
        final int[] termOffset;
        final int[] termK;
        final int[] blockK;
        final int[] blockLevels;
        final int[] restOffset;
        final int qr;
        final int p;
        final int m;
        final int k1;
        final int levels1;
        final int interceptColumn;
        final double[] xShift;
        final double yShift;

        private Layout(int[] termK, String[] termGroup, int[] termLevels, int p, int interceptColumn, double[] xShift,
                double yShift) {
            this.termK = termK;
            this.p = p;
            this.interceptColumn = interceptColumn;
            this.xShift = xShift;
            this.yShift = yShift;
            Map<String, Integer> blocks = new LinkedHashMap<>();
            termBlock = new int[termK.length];
            termOffset = new int[termK.length];
            List<Integer> kOfBlock = new ArrayList<>();
            List<Integer> levelsOfBlock = new ArrayList<>();
            for (int t = 0; t < termK.length; t++) {
                Integer b = blocks.get(termGroup[t]);
                if (b == null) {
                    b = blocks.size();
                    blocks.put(termGroup[t], b);
                    kOfBlock.add(0);
                    levelsOfBlock.add(termLevels[t]);
                }
                termBlock[t] = b;
                termOffset[t] = kOfBlock.get(b);
                kOfBlock.set(b, kOfBlock.get(b) + termK[t]);
            }
            blockK = kOfBlock.stream().mapToInt(Integer::intValue).toArray();
            blockLevels = levelsOfBlock.stream().mapToInt(Integer::intValue).toArray();
            restOffset = new int[blockK.length];
            int q = 0;
            for (int b = 1; b < blockK.length; b++) {
                restOffset[b] = q;
                q += blockK[b] * blockLevels[b];
            }
            qr = q;
            m = qr + p + 1;
            k1 = blockK[0];
            levels1 = blockLevels[0];
        }

        static Layout of(List<RandomEffectTerm> terms, int p, int interceptColumn, double[] xShift, double yShift) {
            int[] k = new int[terms.size()];
            String[] g = new String[terms.size()];
            int[] levels = new int[terms.size()];
            for (int t = 0; t < k.length; t++) {
                k[t] = terms.get(t).k();
                g[t] = terms.get(t).groupName();
                levels[t] = terms.get(t).levelCount();
            }
            return new Layout(k, g, levels, p, interceptColumn, xShift, yShift);
        }

        /**
         * The layout with X and y centred by the means in {@code moments} when X has a column of ones (the
         * intercept), as the fit centres its own sums.
         */
        static Layout of(List<RandomEffectTerm> terms, int p, Moments moments) {
            int intercept = -1;
            for (int c = 0; c < p && intercept < 0; c++) {
                intercept = moments.min[c] == 1.0 && moments.max[c] == 1.0 ? c : -1;
            }
            double[] shift = new double[p];
            double yShift = 0;
            if (intercept >= 0) {
                for (int c = 0; c < p; c++) {
                    shift[c] = c == intercept ? 0 : moments.sum(c) / moments.n;
                }
                yShift = moments.sum(p) / moments.n;
            }
            return of(terms, p, intercept, shift, yShift);
        }

        private String[] groupNames() {
            String[] names = new String[termK.length];
            for (int t = 0; t < names.length; t++) {
                names[t] = "block" + termBlock[t];
            }
            return names;
        }

        private int[] termLevels() {
            int[] levels = new int[termK.length];
            for (int t = 0; t < levels.length; t++) {
                levels[t] = blockLevels[termBlock[t]];
            }
            return levels;
        }

        /** This layout with only the given X columns (ascending). */
        Layout keepingFixed(int[] kept) {
            double[] shift = new double[kept.length];
            int intercept = -1;
            for (int c = 0; c < kept.length; c++) {
                shift[c] = xShift[kept[c]];
                intercept = kept[c] == interceptColumn ? c : intercept;
            }
            return new Layout(termK, groupNames(), termLevels(), kept.length, intercept, shift, yShift);
        }

        /** Old index -> new index (or -1 when dropped) when only the given X columns are kept. */
        int[] indexMap(int[] kept) {
            int[] map = new int[m];
            for (int i = 0; i < qr; i++) {
                map[i] = i;
            }
            Arrays.fill(map, qr, m, -1);
            for (int c = 0; c < kept.length; c++) {
                map[qr + kept[c]] = qr + c;
            }
            map[m - 1] = qr + kept.length;
            return map;
        }

        /** The number of X columns. */
        public int fixedCount() {
            return p;
        }

        /** Random effects per level of the first block. */
        public int firstBlockColumns() {
            return k1;
        }

        public int firstBlockLevels() {
            return levels1;
        }

        /** The size of the rest: later random effects, X's columns and y. */
        public int restSize() {
            return m;
        }
    }

    /** The rows of a batch as the statistics read them: grouping codes and Z per term (lme4's order), X, y. */
    public record RowBatch(int size, int[][] codes, double[][][] z, double[][] x, double[] y) {
    }

    /** Sums over rows kept by a partition (or all rows in memory): groups by level of the first block, and the rest. */
    public static final class Accumulator {
        private final Layout layout;
        private final HashMap<Integer, Group> groups = new HashMap<>();
        private final Rest rest;
        private final double[] z1;
        private final int[] idx;
        private final double[] val;

        public Accumulator(Layout layout) {
            this.layout = layout;
            this.rest = new Rest(layout.qr, layout.p + 1);
            this.z1 = new double[layout.k1];
            this.idx = new int[layout.m];
            this.val = new double[layout.m];
        }

        /** Adds the rows of a batch (X and y centred by the layout's shifts). */
        public void add(RowBatch b) {
            Layout l = layout;
            int terms = l.termK.length;
            Group last = null;
            for (int i = 0; i < b.size; i++) {
                int level = -1;
                int nz = 0;
                for (int blk = 1; blk < l.blockK.length; blk++) {
                    for (int t = 0; t < terms; t++) {
                        if (l.termBlock[t] != blk) {
                            continue;
                        }
                        int start = l.restOffset[blk] + b.codes[t][i] * l.blockK[blk] + l.termOffset[t];
                        for (int c = 0; c < l.termK[t]; c++) {
                            idx[nz] = start + c;
                            val[nz++] = b.z[t][c][i];
                        }
                    }
                }
                for (int t = 0; t < terms; t++) {
                    if (l.termBlock[t] == 0) {
                        level = b.codes[t][i];
                        for (int c = 0; c < l.termK[t]; c++) {
                            z1[l.termOffset[t] + c] = b.z[t][c][i];
                        }
                    }
                }
                for (int c = 0; c < l.p; c++) {
                    idx[nz] = l.qr + c;
                    val[nz++] = c == l.interceptColumn ? b.x[c][i] : b.x[c][i] - l.xShift[c];
                }
                idx[nz] = l.qr + l.p;
                val[nz++] = b.y[i] - l.yShift;
                Group g = last != null && last.level == level ? last : groups.get(level);
                if (g == null) {
                    g = new Group(level, l.k1);
                    groups.put(level, g);
                }
                last = g;
                g.add(z1, idx, val, nz);
                rest.add(idx, val, nz);
            }
        }

        /** The groups kept, by level (null where a level had no rows here). */
        List<Group> groupsByLevel() {
            List<Group> out = new ArrayList<>(java.util.Collections.nCopies(layout.levels1, (Group) null));
            groups.forEach((level, g) -> out.set(level, g));
            return out;
        }

        public java.util.Collection<Group> groups() {
            return groups.values();
        }

        public Rest rest() {
            return rest;
        }
    }

    /**
     * One level j of the first block: Z_j'Z_j, the rows R_j of the rest its rows touch (ascending), and their
     * cross-products with Z_j. Groups of the same level from different partitions are {@link #merge}d.
     */
    public static final class Group implements Serializable {
        private static final long serialVersionUID = 1L;
        final int level;
        final int k1;
        final double[] a11;
        final double[] a11Low;
        int[] rows;
        double[] ar1;
        double[] ar1Low;
        private transient int[] position;

        Group(int level, int k1) {
            this.level = level;
            this.k1 = k1;
            this.a11 = new double[k1 * k1];
            this.a11Low = new double[k1 * k1];
            this.rows = new int[0];
            this.ar1 = new double[0];
            this.ar1Low = new double[0];
        }

        public int level() {
            return level;
        }

        void add(double[] z1, int[] idx, double[] val, int nz) {
            int k = k1;
            for (int a = 0; a < k; a++) {
                for (int c = 0; c < k; c++) {
                    TwoSum.add(a11, a11Low, a * k + c, z1[a] * z1[c]);
                }
            }
            int[] pos = positions(idx, nz);
            for (int e = 0; e < nz; e++) {
                int at = pos[e] * k;
                for (int c = 0; c < k; c++) {
                    TwoSum.add(ar1, ar1Low, at + c, val[e] * z1[c]);
                }
            }
        }

        /** The positions of idx (ascending) in rows, inserting those not there yet. */
        private int[] positions(int[] idx, int nz) {
            if (position == null || position.length < nz) {
                position = new int[Math.max(nz, 8)];
            }
            int r = 0;
            boolean missing = false;
            for (int e = 0; e < nz && !missing; e++) {
                while (r < rows.length && rows[r] < idx[e]) {
                    r++;
                }
                if (r < rows.length && rows[r] == idx[e]) {
                    position[e] = r;
                } else {
                    missing = true;
                }
            }
            if (!missing) {
                return position;
            }
            int[] union = new int[rows.length + nz];
            int count = 0;
            int a = 0;
            int b = 0;
            while (a < rows.length || b < nz) {
                int next = b >= nz || (a < rows.length && rows[a] <= idx[b]) ? rows[a] : idx[b];
                if (a < rows.length && rows[a] == next) {
                    a++;
                }
                if (b < nz && idx[b] == next) {
                    b++;
                }
                union[count++] = next;
            }
            union = Arrays.copyOf(union, count);
            double[] values = new double[count * k1];
            double[] low = new double[count * k1];
            for (int s = 0, t = 0; s < rows.length; s++) {
                while (union[t] != rows[s]) {
                    t++;
                }
                System.arraycopy(ar1, s * k1, values, t * k1, k1);
                System.arraycopy(ar1Low, s * k1, low, t * k1, k1);
            }
            rows = union;
            ar1 = values;
            ar1Low = low;
            return positions(idx, nz);
        }

        /** This group plus another of the same level (rows united). */
        public Group merge(Group other) {
            if (other.level != level) {
                throw new IllegalArgumentException("levels differ: " + level + ", " + other.level);
            }
            for (int c = 0; c < a11.length; c++) {
                TwoSum.merge(a11, a11Low, c, other.a11[c], other.a11Low[c]);
            }
            int[] pos = Arrays.copyOf(positions(other.rows, other.rows.length), other.rows.length);
            for (int e = 0; e < other.rows.length; e++) {
                for (int c = 0; c < k1; c++) {
                    TwoSum.merge(ar1, ar1Low, pos[e] * k1 + c, other.ar1[e * k1 + c], other.ar1Low[e * k1 + c]);
                }
            }
            return this;
        }

        /** Rounded to doubles, with the rest's indices mapped (dropped X columns: -1). */
        Group remapped(int[] map) {
            Group g = new Group(level, k1);
            for (int c = 0; c < a11.length; c++) {
                g.a11[c] = a11[c] + a11Low[c];
            }
            int count = 0;
            for (int r : rows) {
                count += map[r] >= 0 ? 1 : 0;
            }
            g.rows = new int[count];
            g.ar1 = new double[count * k1];
            g.ar1Low = new double[count * k1];
            int t = 0;
            for (int s = 0; s < rows.length; s++) {
                if (map[rows[s]] >= 0) {
                    g.rows[t] = map[rows[s]];
                    for (int c = 0; c < k1; c++) {
                        g.ar1[t * k1 + c] = ar1[s * k1 + c] + ar1Low[s * k1 + c];
                    }
                    t++;
                }
            }
            return g;
        }

        /** Bytes of this group's arrays. */
        public long bytes() {
            return 16L * (a11.length + ar1.length) + 4L * rows.length;
        }
    }

    /**
     * The rest's lower triangle: later random effects by later random effects (sparse), X and y by later random
     * effects (dense, (p + 1) x qr), X and y by X and y (dense).
     */
    public static final class Rest implements Serializable {
        private static final long serialVersionUID = 1L;
        final int qr;
        final int pm;
        final double[] ff;
        final double[] ffLow;
        final double[] fr;
        final double[] frLow;
        final HashMap<Long, double[]> rr = new HashMap<>();

        Rest(int qr, int pm) {
            this.qr = qr;
            this.pm = pm;
            this.ff = new double[pm * pm];
            this.ffLow = new double[pm * pm];
            this.fr = new double[pm * qr];
            this.frLow = new double[pm * qr];
        }

        void add(int[] idx, double[] val, int nz) {
            for (int e = 0; e < nz; e++) {
                int ie = idx[e];
                double ve = val[e];
                for (int f = 0; f <= e; f++) {
                    int jf = idx[f];
                    double prod = ve * val[f];
                    if (ie < qr) {
                        double[] v = rr.computeIfAbsent((long) ie * qr + jf, key -> new double[2]);
                        TwoSum.add(v, v, 0, 1, prod);
                    } else if (jf < qr) {
                        TwoSum.add(fr, frLow, (ie - qr) * qr + jf, prod);
                    } else {
                        TwoSum.add(ff, ffLow, (ie - qr) * pm + (jf - qr), prod);
                    }
                }
            }
        }

        public Rest merge(Rest other) {
            for (int c = 0; c < ff.length; c++) {
                TwoSum.merge(ff, ffLow, c, other.ff[c], other.ffLow[c]);
            }
            for (int c = 0; c < fr.length; c++) {
                TwoSum.merge(fr, frLow, c, other.fr[c], other.frLow[c]);
            }
            other.rr.forEach((key, v) -> {
                double[] mine = rr.computeIfAbsent(key, k -> new double[2]);
                TwoSum.merge(mine, mine, 0, 1, v[0], v[1]);
            });
            return this;
        }

        /** The entry (a, b) of the X-y block, rounded. */
        double fixed(int a, int b) {
            return ff[a * pm + b] + ffLow[a * pm + b];
        }

        void forEachEntry(EntryConsumer consumer) {
            long[] keys = rr.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
            for (long key : keys) {
                double[] v = rr.get(key);
                consumer.accept((int) (key / qr), (int) (key % qr), v[0] + v[1]);
            }
            for (int a = 0; a < pm; a++) {
                for (int c = 0; c < qr; c++) {
                    if (fr[a * qr + c] != 0.0) {
                        consumer.accept(qr + a, c, fr[a * qr + c] + frLow[a * qr + c]);
                    }
                }
                for (int b = 0; b <= a; b++) {
                    consumer.accept(qr + a, qr + b, fixed(a, b));
                }
            }
        }

        Rest remapped(int[] map, Layout kept) {
            Rest out = new Rest(qr, kept.p + 1);
            rr.forEach((key, v) -> out.rr.put(key, v.clone()));
            for (int a = 0; a < pm; a++) {
                int na = map[qr + a];
                if (na < 0) {
                    continue;
                }
                System.arraycopy(fr, a * qr, out.fr, (na - qr) * qr, qr);
                System.arraycopy(frLow, a * qr, out.frLow, (na - qr) * qr, qr);
                for (int b = 0; b <= a; b++) {
                    int nb = map[qr + b];
                    if (nb >= 0) {
                        out.ff[(na - qr) * out.pm + (nb - qr)] = ff[a * pm + b];
                        out.ffLow[(na - qr) * out.pm + (nb - qr)] = ffLow[a * pm + b];
                    }
                }
            }
            return out;
        }
    }

    /**
     * Sums kept as a double and its rounding error (Knuth's TwoSum; Neumaier's compensated summation), so that the
     * rounded total does not depend on the order the rows were added or merged in, to far below a double's precision:
     * statistics summed over partitions in any order are the same doubles as those summed in memory, and so is the
     * fit from them (an optimizer would amplify last-bit differences to its tolerance).
     */
    static final class TwoSum {
        private TwoSum() {
        }

        static void add(double[] hi, double[] lo, int i, double x) {
            add(hi, lo, i, i, x);
        }

        static void add(double[] hi, double[] lo, int ih, int il, double x) {
            double a = hi[ih];
            double s = a + x;
            double bb = s - a;
            lo[il] += (a - (s - bb)) + (x - bb);
            hi[ih] = s;
        }

        static void merge(double[] hi, double[] lo, int i, double xHi, double xLo) {
            merge(hi, lo, i, i, xHi, xLo);
        }

        static void merge(double[] hi, double[] lo, int ih, int il, double xHi, double xLo) {
            add(hi, lo, ih, il, xHi);
            lo[il] += xLo;
        }
    }

    /**
     * Count, sum, sum of squares, minimum and maximum of the columns a model reads, over the rows used: X's columns
     * (all of the formula's, before aliased ones are dropped), y, then every random-effects column term by term.
     * The means centre the cross-products; the rest serves the checks on the design.
     */
    public static final class Moments implements Serializable {
        private static final long serialVersionUID = 1L;
        long n;
        final int p;
        final double[] sum;
        final double[] sumLow;
        final double[] sumsq;
        final double[] sumsqLow;
        final double[] min;
        final double[] max;

        public Moments(int p, int zColumns) {
            this.p = p;
            int c = p + 1 + zColumns;
            sum = new double[c];
            sumLow = new double[c];
            sumsq = new double[c];
            sumsqLow = new double[c];
            min = new double[c];
            max = new double[c];
            Arrays.fill(min, Double.POSITIVE_INFINITY);
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
        }

        int zStart() {
            return p + 1;
        }

        public long count() {
            return n;
        }

        public void add(RowBatch b) {
            n += b.size;
            for (int c = 0; c < p; c++) {
                add(c, b.x[c], b.size);
            }
            add(p, b.y, b.size);
            int col = p + 1;
            for (double[][] z : b.z) {
                for (double[] column : z) {
                    add(col++, column, b.size);
                }
            }
        }

        private void add(int c, double[] v, int size) {
            double lo = min[c];
            double hi = max[c];
            for (int i = 0; i < size; i++) {
                TwoSum.add(sum, sumLow, c, v[i]);
                TwoSum.add(sumsq, sumsqLow, c, v[i] * v[i]);
                lo = Math.min(lo, v[i]);
                hi = Math.max(hi, v[i]);
            }
            min[c] = lo;
            max[c] = hi;
        }

        /** The sum of column c, rounded. */
        double sum(int c) {
            return sum[c] + sumLow[c];
        }

        /** The sum of squares of column c, rounded. */
        double sumsq(int c) {
            return sumsq[c] + sumsqLow[c];
        }

        public Moments merge(Moments o) {
            n += o.n;
            for (int c = 0; c < sum.length; c++) {
                TwoSum.merge(sum, sumLow, c, o.sum[c], o.sumLow[c]);
                TwoSum.merge(sumsq, sumsqLow, c, o.sumsq[c], o.sumsqLow[c]);
                min[c] = Math.min(min[c], o.min[c]);
                max[c] = Math.max(max[c], o.max[c]);
            }
            return this;
        }

        /** Per column: name, sum, sum of squares, min, max (X, then y, then Z term by term). */
        List<ColumnSummary> summaries(List<String> fixedNames, String response, List<RandomEffectTerm> terms) {
            List<String> names = new ArrayList<>(fixedNames);
            names.add(response);
            for (RandomEffectTerm t : terms) {
                for (String c : t.columnNames()) {
                    names.add("The random-effect column '" + c + "' (for '" + t.groupName() + "')");
                }
            }
            List<ColumnSummary> out = new ArrayList<>();
            for (int c = 0; c < names.size(); c++) {
                out.add(new ColumnSummary(names.get(c), sum(c), sumsq(c), min[c], max[c]));
            }
            return out;
        }
    }

    /** One column's summary over the rows used. */
    record ColumnSummary(String name, double sum, double sumsq, double min, double max) {
        double maxAbs() {
            return Math.max(Math.abs(min), Math.abs(max));
        }
    }

    /** The row-free frame, the full X (no rows) and the random-effects terms (no rows, lme4's order). */
    record Template(ModelFrame frame, ModelMatrix fixed, List<RandomEffectTerm> terms) {
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * Codes rows for the statistics the engine's way, from the levels of every categorical variable collected over
     * the rows used (a first pass): {@link ModelFrame#ofLevels} (the engine's coding of factors, treatment contrasts,
     * reference levels and level orders), {@link ModelMatrix#build} for X and each term's Z, and the grouping factors'
     * levels, interactions ({@code school:class}) included, in the engine's order. Serializable, so a distributed job
     * ships it to its workers; workers call {@link #encode} on batches of rows.
     */
    public static final class Encoder implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String formulaSource;
        private final LinkedHashMap<String, List<String>> levels;
        private final LinkedHashMap<String, Factor.LevelOrder> orders;
        private final LinkedHashMap<String, List<String>> groupingLevels;
        private final Map<String, List<String>> levelOrders;
        /** For each term in lme4's order, its index among the terms as written. */
        private final int[] termOrder;
        private final int fixedColumns;
        private final int zColumns;
        private transient Formula formula;
        private transient Map<String, Map<String, Integer>> codeOf;
        private transient Map<String, Map<String, Integer>> groupCodeOf;

        private Encoder(String formulaSource, LinkedHashMap<String, List<String>> levels,
                LinkedHashMap<String, Factor.LevelOrder> orders, LinkedHashMap<String, List<String>> groupingLevels,
                Map<String, List<String>> levelOrders) {
            this.formulaSource = formulaSource;
            this.levels = levels;
            this.orders = orders;
            this.groupingLevels = groupingLevels;
            this.levelOrders = new LinkedHashMap<>(levelOrders);
            Template t = template(0);
            this.fixedColumns = t.fixed.columnCount();
            this.zColumns = t.terms.stream().mapToInt(RandomEffectTerm::k).sum();
            ModelFrame frame = t.frame;
            List<RandomEffectTerm> written = Design.termsAsWritten(formula(), frame);
            List<RandomEffectTerm> ordered = t.terms;
            this.termOrder = new int[ordered.size()];
            for (int i = 0; i < ordered.size(); i++) {
                termOrder[i] = writtenIndex(written, ordered.get(i));
            }
        }

        /**
         * The coder for a formula, from the distinct labels of each categorical variable over the rows used and, for
         * each grouping factor that is an interaction ({@code a:b}, from nesting), the distinct combinations of its
         * variables' labels. Levels are ordered as the engine orders them ({@code referenceLevels}, {@code levelOrders}
         * as {@link ModelFrame#of}).
         *
         * @param categorical per categorical variable of the formula (grouping variables, text columns,
         *     {@code factor(x)}): its distinct labels over the rows used
         * @param combinations per interaction grouping name ({@code school:class}): the distinct tuples of labels
         */
        public static Encoder of(String formulaSource, Map<String, ? extends java.util.Collection<String>> categorical,
                Map<String, ? extends java.util.Collection<List<String>>> combinations, Map<String, String> referenceLevels,
                Map<String, List<String>> levelOrders) {
            return of(formulaSource, categorical, combinations, referenceLevels, levelOrders, false);
        }

        /**
         * The coder for a formula with a residual covariance term, whose statistics are aggregated by visit pattern
         * ({@link VisitPatterns}); random effects are optional there. As {@link #of(String, Map, Map, Map, Map)}
         * otherwise.
         */
        public static Encoder forVisitPatterns(String formulaSource,
                Map<String, ? extends java.util.Collection<String>> categorical,
                Map<String, ? extends java.util.Collection<List<String>>> combinations, Map<String, String> referenceLevels,
                Map<String, List<String>> levelOrders) {
            return of(formulaSource, categorical, combinations, referenceLevels, levelOrders, true);
        }

        private static Encoder of(String formulaSource, Map<String, ? extends java.util.Collection<String>> categorical,
                Map<String, ? extends java.util.Collection<List<String>>> combinations, Map<String, String> referenceLevels,
                Map<String, List<String>> levelOrders, boolean byVisitPattern) {
            Formula formula = FormulaParser.parse(formulaSource);
            if (byVisitPattern && formula.residualTerms().isEmpty()) {
                throw new IllegalArgumentException("The formula has no residual covariance term.");
            }
            if (!byVisitPattern && !formula.residualTerms().isEmpty()) {
                throw new MixedModelException(residualRefusal());
            }
            if (!byVisitPattern && formula.randomTerms().isEmpty()) {
                throw new MixedModelException("The formula '" + formula.source()
                        + "' has no random-effects term; add one such as (1 | subject).");
            }
            referenceLevels = forFactorCalls(referenceLevels, formula);
            levelOrders = forFactorCalls(levelOrders, formula);
            LinkedHashMap<String, List<String>> levels = new LinkedHashMap<>();
            LinkedHashMap<String, Factor.LevelOrder> orders = new LinkedHashMap<>();
            Map<String, Factor> factors = new HashMap<>();
            for (Map.Entry<String, ? extends java.util.Collection<String>> e : categorical.entrySet()) {
                Factor f = Factor.of(e.getKey(), e.getValue().toArray(new String[0]), referenceLevels.get(e.getKey()),
                        levelOrders.get(e.getKey()));
                levels.put(e.getKey(), f.levels());
                orders.put(e.getKey(), f.levelOrder());
                factors.put(e.getKey(), f);
            }
            LinkedHashMap<String, List<String>> grouping = new LinkedHashMap<>();
            for (RandomTerm r : formula.randomTerms()) {
                if (r.grouping().size() < 2 || grouping.containsKey(r.groupingName())) {
                    continue;
                }
                java.util.Collection<List<String>> tuples = combinations.get(r.groupingName());
                if (tuples == null) {
                    throw new MixedModelException("The combinations of " + String.join(", ", r.grouping())
                            + " were not collected; the grouping factor '" + r.groupingName() + "' needs them.");
                }
                List<Factor> parts = new ArrayList<>();
                for (int v = 0; v < r.grouping().size(); v++) {
                    String var = r.grouping().get(v);
                    Map<String, Integer> index = indexOf(levels.get(var));
                    int[] codes = new int[tuples.size()];
                    int i = 0;
                    for (List<String> tuple : tuples) {
                        codes[i++] = index.get(tuple.get(v));
                    }
                    parts.add(new Factor(var, levels.get(var), codes, orders.get(var)));
                }
                grouping.put(r.groupingName(), Factor.interaction(parts).levels());
            }
            return new Encoder(formulaSource, levels, orders, grouping, levelOrders);
        }

        private static <V> Map<String, V> forFactorCalls(Map<String, V> byColumn, Formula formula) {
            Map<String, V> out = new LinkedHashMap<>();
            List<String> variables = formula.variables();
            byColumn.forEach((col, v) -> {
                String key = col;
                if (!variables.contains(col)) {
                    for (String call : List.of("factor(" + col + ")", "as.factor(" + col + ")")) {
                        key = variables.contains(call) ? call : key;
                    }
                }
                out.put(key, v);
            });
            return out;
        }

        private static Map<String, Integer> indexOf(List<String> labels) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                index.put(labels.get(i), i);
            }
            return index;
        }

        private static int writtenIndex(List<RandomEffectTerm> written, RandomEffectTerm term) {
            for (int i = 0; i < written.size(); i++) {
                RandomEffectTerm w = written.get(i);
                if (w.groupName().equals(term.groupName()) && w.columnNames().equals(term.columnNames())) {
                    return i;
                }
            }
            throw new IllegalStateException("term " + term.groupName() + " not found");
        }

        public Formula formula() {
            if (formula == null) {
                formula = FormulaParser.parse(formulaSource);
            }
            return formula;
        }

        /** The number of X's columns the encoder codes (all of the formula's, before aliased ones are dropped). */
        public int fixedColumnCount() {
            return fixedColumns;
        }

        /** The number of random-effects columns per row, over all terms. */
        public int randomColumnCount() {
            return zColumns;
        }

        /** The categorical variables and their levels (reference first, in the engine's order). */
        public Map<String, List<String>> levels() {
            return java.util.Collections.unmodifiableMap(levels);
        }

        /** The formula's numeric variables (all others are categorical). */
        public List<String> numericVariables() {
            List<String> out = new ArrayList<>();
            for (String v : formula().variables()) {
                if (!levels.containsKey(v)) {
                    out.add(v);
                }
            }
            return out;
        }

        /** The code of a label of a categorical variable, or -1 when it is not one of its levels. */
        public int code(String variable, String label) {
            if (codeOf == null) {
                Map<String, Map<String, Integer>> m = new HashMap<>();
                levels.forEach((v, l) -> m.put(v, indexOf(l)));
                codeOf = m;
            }
            Integer c = codeOf.get(variable).get(label);
            return c == null ? -1 : c;
        }

        /** Empty column summaries for this formula's columns. */
        public Moments newMoments() {
            return new Moments(fixedColumns, zColumns);
        }

        /** The layout of the statistics, X and y centred by the means in {@code moments} when X has an intercept. */
        public Layout layout(Moments moments) {
            return Layout.of(template(0).terms, fixedColumns, moments);
        }

        /** Codes a batch of rows: per categorical variable its codes, per numeric variable its values. */
        public RowBatch encode(Map<String, int[]> codes, Map<String, double[]> numbers, int size) {
            Formula f = formula();
            ModelFrame frame = ModelFrame.ofLevels(f, levels, codes, numbers, size);
            ModelMatrix x = ModelMatrix.build(frame, f.intercept(), f.fixedTerms());
            List<RandomEffectTerm> written = Design.termsAsWritten(f, frame);
            int terms = termOrder.length;
            int[][] termCodes = new int[terms][];
            double[][][] z = new double[terms][][];
            if (groupCodeOf == null) {
                Map<String, Map<String, Integer>> m = new HashMap<>();
                groupingLevels.forEach((g, l) -> m.put(g, indexOf(l)));
                groupCodeOf = m;
            }
            for (int t = 0; t < terms; t++) {
                RandomEffectTerm term = written.get(termOrder[t]);
                z[t] = term.model().columns();
                Factor g = term.grouping();
                Map<String, Integer> global = groupCodeOf.get(term.groupName());
                int[] c = new int[size];
                if (global == null) {
                    for (int i = 0; i < size; i++) {
                        c[i] = g.code(i);
                    }
                } else {
                    int[] local = new int[g.levelCount()];
                    for (int l = 0; l < local.length; l++) {
                        Integer code = global.get(g.levels().get(l));
                        if (code == null) {
                            throw new MixedModelException("The combination '" + g.levels().get(l) + "' of '"
                                    + term.groupName() + "' was not seen in the pass that collected the levels.");
                        }
                        local[l] = code;
                    }
                    for (int i = 0; i < size; i++) {
                        c[i] = local[g.code(i)];
                    }
                }
                termCodes[t] = c;
            }
            return new RowBatch(size, termCodes, z, x.columns(), frame.response());
        }

        /** The row-free frame, the formula's full X and the terms in lme4's order over the collected levels. */
        Template template(int omitted) {
            Formula f = formula();
            Map<String, Factor> factors = new HashMap<>();
            levels.forEach((v, l) -> factors.put(v, new Factor(v, l, new int[0], orders.get(v))));
            ModelFrame frame = ModelFrame.ofFactors(f, factors, omitted, levelOrders);
            ModelMatrix fixed = ModelMatrix.build(frame, f.intercept(), f.fixedTerms());
            List<RandomEffectTerm> written = Design.termsAsWritten(f, frame);
            List<RandomEffectTerm> global = new ArrayList<>();
            for (RandomEffectTerm t : written) {
                List<String> l = groupingLevels.get(t.groupName());
                Factor g = l == null ? t.grouping() : new Factor(t.groupName(), l, new int[0]);
                RandomEffectTerm term = new RandomEffectTerm(t.groupName(), g, t.model());
                global.add(term);
            }
            return new Template(frame, fixed, Design.inLme4Order(global));
        }
    }
}
