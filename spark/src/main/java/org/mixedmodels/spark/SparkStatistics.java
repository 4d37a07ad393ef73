package org.mixedmodels.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.design.CrossProducts;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;
import scala.Tuple2;

/**
 * The distributed pass of a fit: Spark reads the rows and aggregates the cross-product statistics
 * ({@link CrossProducts}); the driver keeps only those (their size grows with the groups, not the rows) and the
 * unchanged engine fits them. Three passes over the table:
 * <ol>
 * <li>levels: per categorical variable of the formula its distinct labels over the complete rows, the combinations
 * of nested grouping factors, the rows read and those left out for missing values (per column), and for text columns
 * whether every value is a number (the engine's typing of a CSV column);
 * <li>moments: count, sums, squares, minimum and maximum of X's, y's and Z's columns, coded by the engine's
 * {@link CrossProducts.Encoder} (the centring, and the checks on the design);
 * <li>cross-products: per level of the first grouping factor the blocks of [Z X y]'[Z X y], reduced by level
 * ({@code reduceByKey}), and the rest (later factors, X, y), reduced with them.
 * </ol>
 * Rows are coded in batches by the engine (formula parser, factor coding, reference levels): the Spark side only
 * turns cells into labels and numbers.
 */
public final class SparkStatistics {
    /** Rows coded per call of the engine's encoder. */
    static final int BATCH = 4096;
    /** Distinct labels kept for a text column not yet known to be categorical (beyond, the engine refuses the fixed effect). */
    static final int MAX_TEXT_LEVELS = Design.MAX_FIXED_COLUMNS + 1;
    private static final Pattern FACTOR_CALL = Pattern.compile("(factor|as\\.factor)\\((.+)\\)");

    /** What one fit's passes did: their times, and the bytes Spark shuffled. */
    public record Passes(double levelsSeconds, double momentsSeconds, double crossSeconds, long shuffleBytes,
            long rowsRead, long rowsOmitted, Map<String, Long> missingPerColumn) {
    }

    /**
     * The statistics and the record of the passes that made them.
     *
     * @param blups the second pass over the subjects at the optimum that gives a fit from statistics by visit
     *     pattern its BLUPs, or null (no random effects, or statistics whose fit computes the BLUPs itself)
     */
    public record Result(CrossProducts statistics, Passes passes, Design design, long bytes, BlupPass blups) {
        Result(CrossProducts statistics, Passes passes) {
            this(statistics, passes, statistics.design(), statistics.bytes(), null);
        }
    }

    /** A pass over the rows, at a fit's optimum, that returns its BLUPs in the in-memory fit's order. */
    public interface BlupPass {
        /** The BLUPs and conditional SDs of the fit, per term, per column, per subject in the subject's level order. */
        List<org.mixedmodels.engine.fit.RandomEffect> blups(org.mixedmodels.engine.fit.FitResult fit);
    }

    private SparkStatistics() {
    }

    /**
     * The statistics of a formula over a table.
     *
     * @param textTyped whether the table's string columns are cells of a text file (CSV) to be typed as the engine
     *     types them (numeric when every value is a number); otherwise (Parquet, ...) the table's types decide
     * @param missingTokens cell texts that mean missing (besides null and the empty text), as the command line's --na
     * @param categorical columns declared categorical (the command line's --categorical)
     */
    public static Result compute(Dataset<Row> table, String formulaText, FitOptions options, boolean textTyped,
            Set<String> missingTokens, Set<String> categorical) {
        Formula formula = FormulaParser.parse(formulaText);
        List<String> vars = formula.variables();
        List<String> columns = List.of(table.columns());
        // per formula variable: the table column it reads, and whether it is categorical whatever its values
        String[] source = new String[vars.size()];
        boolean[] forced = new boolean[vars.size()];
        int[] kind = new int[vars.size()];
        for (int v = 0; v < source.length; v++) {
            String var = vars.get(v);
            Matcher m = FACTOR_CALL.matcher(var);
            if (columns.contains(var)) {
                source[v] = var;
            } else if (m.matches() && columns.contains(m.group(2).strip())) {
                source[v] = m.group(2).strip();
                forced[v] = true;
            } else {
                throw new MixedModelException("Unknown column '" + (m.matches() ? m.group(2) : var)
                        + "' in the formula. The table's columns are: " + String.join(", ", columns) + ".");
            }
            forced[v] |= formula.groupingVariables().contains(var) || categorical.contains(source[v]);
            DataType type = field(table, source[v]).dataType();
            kind[v] = type instanceof NumericType ? Cells.NUMBER : type.equals(DataTypes.StringType)
                    ? (textTyped ? Cells.TEXT_UNTYPED : Cells.TEXT) : Cells.OTHER;
            if (kind[v] == Cells.OTHER) {
                throw new MixedModelException("Column '" + source[v] + "' has the type " + type.simpleString()
                        + "; the model reads numbers and text only. Cast it to a number or a string first.");
            }
        }
        Cells cells = new Cells(vars.toArray(new String[0]), source, forced, kind, new HashSet<>(missingTokens),
                interactionGroupings(formula));
        ShuffleMeter meter = ShuffleMeter.on(table);
        JavaRDD<Row> rows = table.select(distinctColumns(source)).javaRDD();
        String[] selected = selectedNames(source);

        long t0 = System.nanoTime();
        LevelPass levels = rows.mapPartitions((Iterator<Row> it) -> {
            LevelPass pass = new LevelPass(cells);
            int[] at = cells.positions(selected);
            while (it.hasNext()) {
                pass.add(it.next(), at);
            }
            return List.of(pass).iterator();
        }).treeReduce(LevelPass::merge);
        levels.check(formula);
        if (!formula.residualTerms().isEmpty()) {
            return ByVisitPattern.compute(formula, formulaText, options, levels, cells, rows, selected, meter, t0);
        }
        CrossProducts.Encoder encoder = CrossProducts.Encoder.of(formulaText, levels.categoricalLevels(),
                levels.tuples, options.referenceLevels(), options.levelOrders());
        long t1 = System.nanoTime();
        boolean[] isCategorical = levels.categoricalFlags();
        CrossProducts.Moments moments = rows.mapPartitions((Iterator<Row> it) -> {
            CrossProducts.Moments part = encoder.newMoments();
            Batches.forEach(it, cells, selected, isCategorical, encoder, part::add);
            return List.of(part).iterator();
        }).treeReduce(CrossProducts.Moments::merge);
        long t2 = System.nanoTime();
        CrossProducts.Layout layout = encoder.layout(moments);
        List<Tuple2<Integer, Serializable>> reduced = rows.mapPartitionsToPair((Iterator<Row> it) -> {
            CrossProducts.Accumulator acc = new CrossProducts.Accumulator(layout);
            Batches.forEach(it, cells, selected, isCategorical, encoder, acc::add);
            List<Tuple2<Integer, Serializable>> out = new ArrayList<>();
            for (CrossProducts.Group g : acc.groups()) {
                out.add(new Tuple2<>(g.level(), g));
            }
            out.add(new Tuple2<>(-1, acc.rest()));
            return out.iterator();
        }).reduceByKey(SparkStatistics::merge).collect();
        List<CrossProducts.Group> groups = new ArrayList<>(reduced.size());
        CrossProducts.Rest rest = null;
        for (Tuple2<Integer, Serializable> t : reduced) {
            if (t._1() < 0) {
                rest = (CrossProducts.Rest) t._2();
            } else {
                groups.add((CrossProducts.Group) t._2());
            }
        }
        reduced = null;
        long t3 = System.nanoTime();
        CrossProducts stats = CrossProducts.fromParts(encoder, moments, groups, rest, levels.omitted);
        Map<String, Long> missing = new LinkedHashMap<>();
        for (int v = 0; v < vars.size(); v++) {
            if (levels.missing[v] > 0) {
                missing.put(vars.get(v), levels.missing[v]);
            }
        }
        return new Result(stats, new Passes((t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, meter.bytes(),
                levels.rowsRead, levels.omitted, missing));
    }

    private static Serializable merge(Serializable a, Serializable b) {
        if (a instanceof CrossProducts.Group g) {
            return g.merge((CrossProducts.Group) b);
        }
        return ((CrossProducts.Rest) a).merge((CrossProducts.Rest) b);
    }

    private static StructField field(Dataset<Row> table, String name) {
        return table.schema().apply(name);
    }

    private static org.apache.spark.sql.Column[] distinctColumns(String[] source) {
        return java.util.Arrays.stream(selectedNames(source)).map(org.apache.spark.sql.functions::col)
                .toArray(org.apache.spark.sql.Column[]::new);
    }

    private static String[] selectedNames(String[] source) {
        return new LinkedHashSet<>(List.of(source)).toArray(new String[0]);
    }

    /** Per interaction grouping name (school:class), its variables. */
    private static Map<String, List<String>> interactionGroupings(Formula formula) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (RandomTerm r : formula.randomTerms()) {
            if (r.grouping().size() > 1) {
                out.put(r.groupingName(), r.grouping());
            }
        }
        return out;
    }

    /** How the cells of a row become missing, labels and numbers. */
    static final class Cells implements Serializable {
        private static final long serialVersionUID = 1L;
        static final int NUMBER = 0;
        static final int TEXT = 1;
        static final int TEXT_UNTYPED = 2;
        static final int OTHER = 3;
        final String[] vars;
        final String[] source;
        final boolean[] forced;
        final int[] kind;
        final Set<String> missingTokens;
        final Map<String, List<String>> interactions;

        Cells(String[] vars, String[] source, boolean[] forced, int[] kind, Set<String> missingTokens,
                Map<String, List<String>> interactions) {
            this.vars = vars;
            this.source = source;
            this.forced = forced;
            this.kind = kind;
            this.missingTokens = missingTokens;
            this.interactions = interactions;
        }

        /** The position in the selected columns of each variable's source column. */
        int[] positions(String[] selected) {
            List<String> names = List.of(selected);
            int[] at = new int[source.length];
            for (int v = 0; v < source.length; v++) {
                at[v] = names.indexOf(source[v]);
            }
            return at;
        }

        boolean missing(Object cell) {
            if (cell == null) {
                return true;
            }
            if (cell instanceof String s) {
                return s.isEmpty() || missingTokens.contains(s.strip());
            }
            return false;
        }

        /** A cell as a level's label: text as written, a number as the engine labels a number without its text. */
        static String label(Object cell) {
            if (cell instanceof String s) {
                return s;
            }
            return NumericColumn.format(((Number) cell).doubleValue());
        }

        /** A cell as a number (text by the engine's parser), or null when it is not one. */
        static Double number(Object cell) {
            if (cell instanceof Number n) {
                return n.doubleValue();
            }
            return CsvReader.parseNumber(((String) cell).strip(), '.');
        }
    }

    /** The first pass: rows, missing values, labels, combinations, and which text columns are all numbers. */
    static final class LevelPass implements Serializable {
        private static final long serialVersionUID = 1L;
        final Cells cells;
        long rowsRead;
        long omitted;
        final long[] missing;
        final List<Set<String>> labels = new ArrayList<>();
        final boolean[] overflow;
        final long[] nonNumeric;
        final long[] present;
        final String[] nonNumericExample;
        final long[] nonFinite;
        final Map<String, Set<List<String>>> tuples = new LinkedHashMap<>();

        LevelPass(Cells cells) {
            this.cells = cells;
            int v = cells.vars.length;
            missing = new long[v];
            overflow = new boolean[v];
            nonNumeric = new long[v];
            present = new long[v];
            nonNumericExample = new String[v];
            nonFinite = new long[v];
            for (int i = 0; i < v; i++) {
                labels.add(new HashSet<>());
            }
            cells.interactions.keySet().forEach(g -> tuples.put(g, new HashSet<>()));
        }

        void add(Row row, int[] at) {
            rowsRead++;
            boolean complete = true;
            for (int v = 0; v < at.length; v++) {
                if (cells.missing(row.get(at[v]))) {
                    missing[v]++;
                    complete = false;
                }
            }
            if (!complete) {
                omitted++;
                return;
            }
            for (int v = 0; v < at.length; v++) {
                Object cell = row.get(at[v]);
                present[v]++;
                boolean text = cells.kind[v] != Cells.NUMBER;
                if (cells.kind[v] == Cells.TEXT_UNTYPED || (cells.kind[v] == Cells.NUMBER && !cells.forced[v])) {
                    Double d = Cells.number(cell);
                    if (d == null) {
                        nonNumeric[v]++;
                        if (nonNumericExample[v] == null) {
                            nonNumericExample[v] = Cells.label(cell);
                        }
                    } else if (!Double.isFinite(d)) {
                        nonFinite[v]++;
                    }
                }
                if (cells.forced[v] || text) {
                    Set<String> s = labels.get(v);
                    if (!overflow[v]) {
                        s.add(Cells.label(cell));
                        if (!cells.forced[v] && s.size() > MAX_TEXT_LEVELS) {
                            overflow[v] = true;
                            s.clear();
                        }
                    }
                }
            }
            for (Map.Entry<String, List<String>> g : cells.interactions.entrySet()) {
                List<String> tuple = new ArrayList<>(g.getValue().size());
                for (String var : g.getValue()) {
                    tuple.add(Cells.label(row.get(at[List.of(cells.vars).indexOf(var)])));
                }
                tuples.get(g.getKey()).add(tuple);
            }
        }

        LevelPass merge(LevelPass o) {
            rowsRead += o.rowsRead;
            omitted += o.omitted;
            for (int v = 0; v < missing.length; v++) {
                missing[v] += o.missing[v];
                present[v] += o.present[v];
                nonNumeric[v] += o.nonNumeric[v];
                nonFinite[v] += o.nonFinite[v];
                if (nonNumericExample[v] == null) {
                    nonNumericExample[v] = o.nonNumericExample[v];
                }
                overflow[v] |= o.overflow[v];
                if (!overflow[v]) {
                    labels.get(v).addAll(o.labels.get(v));
                    if (!cells.forced[v] && labels.get(v).size() > MAX_TEXT_LEVELS) {
                        overflow[v] = true;
                    }
                }
                if (overflow[v]) {
                    labels.get(v).clear();
                }
            }
            o.tuples.forEach((g, t) -> tuples.get(g).addAll(t));
            return this;
        }

        /** Whether each variable is categorical: declared, grouping, or text that is not all numbers. */
        boolean[] categoricalFlags() {
            boolean[] out = new boolean[cells.vars.length];
            for (int v = 0; v < out.length; v++) {
                out[v] = cells.forced[v] || cells.kind[v] == Cells.TEXT
                        || (cells.kind[v] == Cells.TEXT_UNTYPED && nonNumeric[v] > 0);
            }
            return out;
        }

        Map<String, Set<String>> categoricalLevels() {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            boolean[] cat = categoricalFlags();
            for (int v = 0; v < cat.length; v++) {
                if (cat[v]) {
                    out.put(cells.vars[v], labels.get(v));
                }
            }
            return out;
        }

        /** The engine's refusals that the first pass can tell: no complete row, text response, stray texts, Inf. */
        void check(Formula formula) {
            if (rowsRead == 0) {
                throw new MixedModelException("The table is empty: a mixed model needs rows of data.");
            }
            if (omitted == rowsRead) {
                throw new MixedModelException("No row is complete: every row has a missing value in at least one of"
                        + " the columns " + String.join(", ", cells.vars) + ".");
            }
            boolean[] cat = categoricalFlags();
            for (int v = 0; v < cat.length; v++) {
                String name = cells.vars[v];
                if (name.equals(formula.response()) && cat[v]) {
                    throw new MixedModelException("The response column '" + name + "' is not numeric: it holds text"
                            + " such as '" + (nonNumericExample[v] != null ? nonNumericExample[v]
                                    : labels.get(v).stream().findFirst().orElse("")) + "'; a linear mixed model needs"
                            + " a numeric response. Only empty and NA cells count as missing unless other tokens are"
                            + " declared (--na).");
                }
                if (cat[v] && !cells.forced[v] && cells.kind[v] == Cells.TEXT_UNTYPED && nonNumeric[v] * 2 < present[v]) {
                    throw new MixedModelException("Column '" + name + "' is numbers except for " + nonNumeric[v]
                            + " of " + present[v] + " values, such as '" + nonNumericExample[v] + "'. Declare that text"
                            + " missing (--na) or the column categorical (--categorical " + cells.source[v] + ").");
                }
                if (!cat[v] && nonFinite[v] > 0) {
                    throw new MixedModelException("Column '" + name + "' holds infinite or NaN values in " + nonFinite[v]
                            + " rows; only finite numbers can be used. Replace or remove those values (a missing value"
                            + " is left out of the fit).");
                }
                if (cat[v] && overflow[v]) {
                    throw new MixedModelException("Column '" + name + "' has more than " + MAX_TEXT_LEVELS + " distinct"
                            + " texts; as a fixed effect each level would be a coefficient of its own. If its levels are"
                            + " groups, use it as a grouping factor, e.g. (1 | " + name + ").");
                }
            }
        }
    }

    /** Rows of a partition in batches, as the engine's encoder codes them. */
    static final class Batches {
        private Batches() {
        }

        /** What receives a coded batch with the variables' codes (categorical) and numbers (the others). */
        interface CodedSink {
            void accept(CrossProducts.RowBatch batch, Map<String, int[]> codes, Map<String, double[]> numbers);
        }

        static void forEach(Iterator<Row> it, Cells cells, String[] selected, boolean[] categorical,
                CrossProducts.Encoder encoder, java.util.function.Consumer<CrossProducts.RowBatch> sink) {
            forEachCoded(it, cells, selected, categorical, encoder, (b, c, x) -> sink.accept(b));
        }

        static void forEachCoded(Iterator<Row> it, Cells cells, String[] selected, boolean[] categorical,
                CrossProducts.Encoder encoder, CodedSink sink) {
            int[] at = cells.positions(selected);
            int nv = cells.vars.length;
            int[][] codes = new int[nv][BATCH];
            double[][] numbers = new double[nv][BATCH];
            int size = 0;
            while (it.hasNext()) {
                Row row = it.next();
                boolean complete = true;
                for (int v = 0; v < nv && complete; v++) {
                    complete = !cells.missing(row.get(at[v]));
                }
                if (!complete) {
                    continue;
                }
                for (int v = 0; v < nv; v++) {
                    Object cell = row.get(at[v]);
                    if (categorical[v]) {
                        codes[v][size] = encoder.code(cells.vars[v], Cells.label(cell));
                    } else {
                        numbers[v][size] = Cells.number(cell);
                    }
                }
                if (++size == BATCH) {
                    batch(cells, categorical, encoder, codes, numbers, size, sink);
                    size = 0;
                }
            }
            if (size > 0) {
                batch(cells, categorical, encoder, codes, numbers, size, sink);
            }
        }

        private static void batch(Cells cells, boolean[] categorical, CrossProducts.Encoder encoder,
                int[][] codes, double[][] numbers, int size, CodedSink sink) {
            Map<String, int[]> c = new HashMap<>();
            Map<String, double[]> x = new HashMap<>();
            for (int v = 0; v < cells.vars.length; v++) {
                if (categorical[v]) {
                    c.put(cells.vars[v], java.util.Arrays.copyOf(codes[v], size));
                } else {
                    x.put(cells.vars[v], java.util.Arrays.copyOf(numbers[v], size));
                }
            }
            sink.accept(encoder.encode(c, x, size), c, x);
        }
    }

    /** The bytes written to shuffle files by the tasks of this session's jobs, from Spark's task metrics. */
    static final class ShuffleMeter extends SparkListener {
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong tasks = new AtomicLong();

        static ShuffleMeter on(Dataset<Row> table) {
            ShuffleMeter m = new ShuffleMeter();
            table.sparkSession().sparkContext().addSparkListener(m);
            return m;
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                bytes.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
            }
            tasks.incrementAndGet();
        }

        /** The bytes so far, after the listener bus has delivered the last tasks' ends (it runs asynchronously). */
        long bytes() {
            long seen = -1;
            for (int i = 0; i < 50 && seen != tasks.get(); i++) {
                seen = tasks.get();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return bytes.get();
        }
    }
}
