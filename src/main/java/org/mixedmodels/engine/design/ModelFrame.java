package org.mixedmodels.engine.design;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.data.NumericRequirement;
import org.mixedmodels.engine.formula.Formula;

/**
 * The rows and variables a model uses, as R's {@code model.frame}: every column the formula names is
 * checked, rows with a missing value in any of them are left out (and counted), and the variables are
 * read over the remaining rows. Grouping variables are always categorical, numeric ids included.
 */
public final class ModelFrame {
    private final Formula formula;
    private final DataFrame data;
    private final int[] rows;
    private final int omitted;
    private final Map<String, String> referenceLevels;
    private final Map<String, List<String>> levelOrders;
    private final Map<String, Factor> factors = new HashMap<>();
    private final Map<String, double[]> numerics = new HashMap<>();
    /** For a frame without a data table ({@link #ofLevels}): the categorical variables. */
    private java.util.Set<String> categorical;

    private ModelFrame(Formula formula, DataFrame data, int[] rows, Map<String, String> referenceLevels,
            Map<String, List<String>> levelOrders) {
        this(formula, data, rows, referenceLevels, levelOrders, data == null ? 0 : data.rowCount() - rows.length);
    }

    private ModelFrame(Formula formula, DataFrame data, int[] rows, Map<String, String> referenceLevels,
            Map<String, List<String>> levelOrders, int omitted) {
        this.formula = formula;
        this.data = data;
        this.rows = rows;
        this.omitted = omitted;
        this.referenceLevels = Map.copyOf(referenceLevels);
        this.levelOrders = Map.copyOf(levelOrders);
    }

    /**
     * @param referenceLevels reference level per categorical column (R's {@code relevel}); others use
     *     the first level in sorted order
     */
    public static ModelFrame of(Formula formula, DataFrame data, Map<String, String> referenceLevels) {
        return of(formula, data, referenceLevels, Map.of());
    }

    /** @param levelOrders the given order of a categorical column's levels; columns not named are sorted */
    public static ModelFrame of(Formula formula, DataFrame data, Map<String, String> referenceLevels,
            Map<String, List<String>> levelOrders) {
        // Typing, so that the user's data is never changed silently: a column is what the table says it is
        // (numeric when all its values are numbers); factor(x) in the formula or DataFrame.withCategorical makes
        // a numeric column categorical with its labels as written; a text column that is mostly numbers is
        // refused (NumericDoubt) unless it is a grouping factor or declared categorical.
        if (data.rowCount() == 0) {
            throw new MixedModelException("The table is empty: a mixed model needs rows of data.");
        }
        List<String> variables = formula.variables();
        referenceLevels = forFactorCalls(referenceLevels, variables, data);
        levelOrders = forFactorCalls(levelOrders, variables, data);
        List<Column> used = new ArrayList<>();
        for (String v : variables) {
            used.add(data.column(v));
        }
        for (String col : referenceLevels.keySet()) {
            Column c = data.column(col);
            if (!(c instanceof CategoricalColumn) && !formula.groupingVariables().contains(col)) {
                throw new MixedModelException("A reference level was given for column '" + col
                        + "', but it is numeric; reference levels apply to categorical columns. To use it as"
                        + " categorical, write factor(" + col + ") in the formula or declare it categorical"
                        + " (--categorical " + col + ").");
            }
        }
        for (Column c : used) {
            if (allMissing(c)) {
                throw new MixedModelException((c.name().equals(formula.response()) ? "The response '" : "Column '")
                        + c.name() + "' has no values: it is missing (empty or NA) in all " + data.rowCount()
                        + " rows, so no row can be used.");
            }
        }
        // A column of numbers with a few stray texts ('.', NULL, 1,500) is refused, never silently made a factor.
        for (Column c : used) {
            if (c instanceof CategoricalColumn cat && cat.numericDoubt() != null
                    && !formula.groupingVariables().contains(c.name()) && !c.name().equals(formula.response())) {
                throw new MixedModelException(cat.numericDoubt().message(c.name()));
            }
        }
        NumericRequirement.of(data.column(formula.response()), "response", "a linear mixed model needs a numeric response");
        int[] rows = completeRows(data, used);
        if (rows.length == 0) {
            throw new MixedModelException("No row is complete: every row has a missing value in at least one of the columns "
                    + String.join(", ", variables) + ".");
        }
        for (Column c : used) {
            if (c instanceof NumericColumn num) {
                for (int r : rows) {
                    double v = num.value(r);
                    if (!Double.isFinite(v)) {
                        throw new MixedModelException("Column '" + c.name() + "' holds " + NumericColumn.format(v) + " in data row " + (r + 1)
                                + "; only finite numbers can be used. Replace or remove that value (a missing value is left out of the fit).");
                    }
                }
            }
        }
        for (String col : levelOrders.keySet()) {
            Column c = data.column(col);
            if (!(c instanceof CategoricalColumn) && !formula.groupingVariables().contains(col)
                    && !formula.residualTerms().stream().anyMatch(t -> t.time().equals(col))) {
                throw new MixedModelException("A level order was given for column '" + col
                        + "', but it is numeric and sorted by value; level orders apply to categorical columns.");
            }
        }
        return new ModelFrame(formula, data, rows, referenceLevels, levelOrders);
    }

    /** Whether the order of this column's levels was given (rather than sorted). */
    public boolean hasLevelOrder(String variable) {
        return levelOrders.containsKey(variable);
    }

    private static boolean allMissing(Column c) {
        for (int i = 0; i < c.size(); i++) {
            if (!c.isMissing(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A setting keyed by column {@code x} applies to {@code factor(x)} when the formula uses x only so (a
     * reference level of temperature for {@code factor(temperature)}).
     */
    private static <V> Map<String, V> forFactorCalls(Map<String, V> byColumn, List<String> variables, DataFrame data) {
        Map<String, V> out = new java.util.LinkedHashMap<>();
        byColumn.forEach((col, v) -> {
            String key = col;
            if (!variables.contains(col)) {
                for (String var : variables) {
                    if (col.equals(data.factorOf(var))) {
                        key = var;
                        break;
                    }
                }
            }
            out.put(key, v);
        });
        return out;
    }

    private static int[] completeRows(DataFrame data, List<Column> used) {
        int[] keep = new int[data.rowCount()];
        int n = 0;
        for (int r = 0; r < data.rowCount(); r++) {
            boolean complete = true;
            for (Column c : used) {
                if (c.isMissing(r)) {
                    complete = false;
                    break;
                }
            }
            if (complete) {
                keep[n++] = r;
            }
        }
        return java.util.Arrays.copyOf(keep, n);
    }

    /**
     * A frame over made-up rows (a reference grid): each row gives a level of every categorical
     * variable in {@code levels} and a value of every numeric variable in {@code numbers}; factors
     * keep this frame's levels and their order, so a model matrix built over the grid has the
     * fitted model's columns.
     */
    public ModelFrame grid(Map<String, int[]> levels, Map<String, double[]> numbers, int size) {
        ModelFrame g = new ModelFrame(formula, data, new int[size], referenceLevels, levelOrders);
        g.categorical = categorical;
        levels.forEach((v, codes) -> {
            Factor f = factor(v);
            g.factors.put(v, new Factor(f.name(), f.levels(), codes.clone()));
        });
        numbers.forEach((v, values) -> g.numerics.put(v, values.clone()));
        return g;
    }

    /**
     * A frame over rows given by level codes and numbers alone, without a data table: how a saved
     * model rebuilds its model matrices for new data. {@code levels} holds each categorical variable's
     * levels (reference first) and {@code codes} each row's level index.
     */
    public static ModelFrame ofLevels(Formula formula, Map<String, List<String>> levels, Map<String, int[]> codes,
            Map<String, double[]> numbers, int size) {
        ModelFrame g = new ModelFrame(formula, null, new int[size], Map.of(), Map.of());
        g.categorical = new java.util.HashSet<>(levels.keySet());
        codes.forEach((v, c) -> g.factors.put(v, new Factor(v, levels.get(v), c.clone())));
        numbers.forEach((v, values) -> g.numerics.put(v, values.clone()));
        return g;
    }

    /**
     * A frame without rows for a design fitted from statistics ({@link CrossProducts}): the factors (levels in
     * their order, reference first, as {@link Factor}s over no rows), the rows left out for missing values where the
     * rows were read, and which level orders were given.
     */
    static ModelFrame ofFactors(Formula formula, Map<String, Factor> factors, int omitted,
            Map<String, List<String>> levelOrders) {
        ModelFrame g = new ModelFrame(formula, null, new int[0], Map.of(), levelOrders, omitted);
        g.categorical = new java.util.HashSet<>(factors.keySet());
        g.factors.putAll(factors);
        for (String v : formula.variables()) {
            if (!factors.containsKey(v)) {
                g.numerics.put(v, new double[0]);
            }
        }
        return g;
    }

    public Formula formula() {
        return formula;
    }

    /** Number of rows used. */
    public int size() {
        return rows.length;
    }

    /** Rows left out because of missing values. */
    public int omittedRows() {
        return omitted;
    }

    /** The data-table row index of each model-frame row. */
    public int[] rows() {
        return rows.clone();
    }

    /**
     * True when the variable enters fixed and random-slope terms as a factor: a text column. (Grouping
     * variables are read through {@link #factor} whatever their type.)
     */
    public boolean isCategorical(String variable) {
        if (data == null) {
            return categorical.contains(variable);
        }
        return data.column(variable) instanceof CategoricalColumn;
    }

    public double[] numeric(String variable) {
        return numerics.computeIfAbsent(variable, v -> {
            Column c = data.column(v);
            if (!(c instanceof NumericColumn num)) {
                throw new MixedModelException("Column '" + v + "' is not numeric.");
            }
            double[] out = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                out[i] = num.value(rows[i]);
            }
            return out;
        });
    }

    public Factor factor(String variable) {
        return factors.computeIfAbsent(variable, v -> {
            Column c = data.column(v);
            String[] labels;
            if (c instanceof NumericColumn num) {
                labels = num.labels(rows); // one String per distinct id
            } else {
                labels = new String[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    labels[i] = c.label(rows[i]);
                }
            }
            return Factor.of(v, labels, referenceLevels.get(v), levelOrders.get(v));
        });
    }

    public double[] response() {
        return numeric(formula.response());
    }
}
