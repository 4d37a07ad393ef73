package org.mixedmodels.engine.design;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.Term;

/**
 * The second step of a fit (lme4's {@code lFormula}): from formula and data to the response, the
 * full-rank fixed-effects matrix X and the random-effects terms, with every check that can be made
 * before optimizing.
 */
public final class Design {
    /**
     * Most columns the fixed-effects matrix may have before rank reduction. The fit's dense algebra costs
     * about the cube of this per step; a factor with more levels than this is a grouping factor in practice.
     */
    public static final int MAX_FIXED_COLUMNS = 1_000;
    /** Most columns per level of one random-effects term (each adds a row and column to its covariance). */
    public static final int MAX_RANDOM_COLUMNS = 100;
    /** lme4's {@code check.scaleX} tolerance: SDs of continuous predictors beyond this ratio (or 1/tol..tol) warn. */
    static final double SCALE_TOLERANCE = 1e3;

    private final ModelFrame frame;
    private final double[] response;
    private final ModelMatrix fixed;
    private final List<String> droppedColumns;
    private final List<RandomEffectTerm> randomTerms;
    private final ResidualDesign residual;
    private final List<String> warnings;
    /** The cross-products the fit reads instead of the rows (a fit from statistics), or null. */
    private final CrossProducts statistics;
    /** The statistics by visit pattern a residual-structure fit reads instead of the rows ({@link VisitPatterns}), or null. */
    private VisitPatterns visitPatterns;

    private Design(ModelFrame frame, double[] response, ModelMatrix fixed, List<String> droppedColumns,
            List<RandomEffectTerm> randomTerms, ResidualDesign residual, List<String> warnings) {
        this(frame, response, fixed, droppedColumns, randomTerms, residual, warnings, null);
    }

    private Design(ModelFrame frame, double[] response, ModelMatrix fixed, List<String> droppedColumns,
            List<RandomEffectTerm> randomTerms, ResidualDesign residual, List<String> warnings,
            CrossProducts statistics) {
        this.statistics = statistics;
        this.frame = frame;
        this.residual = residual;
        this.response = response;
        this.fixed = fixed;
        this.droppedColumns = List.copyOf(droppedColumns);
        this.randomTerms = List.copyOf(randomTerms);
        this.warnings = List.copyOf(warnings);
    }

    public static Design build(Formula formula, DataFrame data, Map<String, String> referenceLevels) {
        return build(formula, data, referenceLevels, Map.of());
    }

    /**
     * @param levelOrders the order of a categorical column's levels (the first is the reference unless
     *     {@code referenceLevels} names another); columns not named are sorted
     */
    public static Design build(Formula formula, DataFrame data, Map<String, String> referenceLevels,
            Map<String, List<String>> levelOrders) {
        return build(formula, data, referenceLevels, levelOrders, true);
    }

    /**
     * As {@link #build(Formula, DataFrame, Map, Map)} for a model with or without a residual variance. Without one
     * (binomial and Poisson GLMMs) a grouping factor with one level per row (an observation-level random effect, as
     * grouseticks' INDEX) and more random effects than rows are identifiable, and are allowed, as glmer's defaults
     * ({@code check.nobs.vs.nlev} and {@code check.nobs.vs.nRE} "ignore").
     */
    public static Design build(Formula formula, DataFrame data, Map<String, String> referenceLevels,
            Map<String, List<String>> levelOrders, boolean residualVariance) {
        if (formula.randomTerms().isEmpty() && formula.residualTerms().isEmpty()) {
            throw new MixedModelException("The formula '" + formula.source()
                    + "' has no random-effects term; add one such as (1 | subject).");
        }
        ModelFrame frame = ModelFrame.of(formula, data, referenceLevels, levelOrders);
        List<String> warnings = new ArrayList<>();
        if (frame.omittedRows() > 0) {
            warnings.add(frame.omittedRows() + " of " + (frame.omittedRows() + frame.size())
                    + " rows were left out because of missing values in the columns the model uses.");
        }
        double[] y = frame.response();
        if (y.length < 2) {
            throw new MixedModelException("Only " + y.length + " row is used"
                    + (frame.omittedRows() > 0 ? " (" + frame.omittedRows() + " were left out because of missing values)" : "")
                    + "; a mixed model needs several rows in each of several groups.");
        }
        checkResponseVaries(formula.response(), y);
        checkMagnitude("The response '" + formula.response() + "'", y);

        checkFixedColumnCount(formula, frame);
        ModelMatrix full = ModelMatrix.build(frame, formula.intercept(), formula.fixedTerms());
        for (int j = 0; j < full.columnCount(); j++) {
            // before the rank check, whose norms would overflow too (and call such a column aliased)
            checkMagnitude("The fixed-effect column '" + full.names().get(j) + "'", full.columns()[j]);
        }
        int[] aliased = full.aliasedColumns(ModelMatrix.DEFAULT_RANK_TOLERANCE);
        List<String> dropped = new ArrayList<>();
        for (int j : aliased) {
            dropped.add(full.names().get(j));
        }
        ModelMatrix fixed = full.without(aliased);
        if (!dropped.isEmpty()) {
            warnings.add("fixed-effect model matrix is rank deficient so dropping " + dropped.size()
                    + (dropped.size() == 1 ? " column / coefficient: " : " columns / coefficients: ")
                    + String.join(", ", dropped) + constantNote(full, aliased) + ".");
        }
        if (fixed.columnCount() >= frame.size()) {
            String factor = largestFixedFactor(formula, frame);
            throw new MixedModelException("The fixed effects have " + fixed.columnCount() + " coefficients for "
                    + frame.size() + " rows: they fit every row exactly and leave nothing to estimate the variances from."
                    + (factor == null ? " Use fewer fixed effects."
                            : " Column '" + factor + "' has " + frame.factor(factor).levelCount() + " levels; if its"
                                    + " levels are groups (subjects, sites, ...), use it as a grouping factor, e.g. (1 | "
                                    + quoted(factor) + "), instead of a fixed effect."));
        }
        String scaleWarning = scaleWarning(fixed);
        if (scaleWarning != null) {
            warnings.add(scaleWarning);
        }

        List<RandomEffectTerm> terms = randomTerms(formula, frame);
        checkIdentifiability(terms, warnings);
        for (RandomEffectTerm t : terms) {
            for (int j = 0; j < t.k(); j++) {
                checkMagnitude("The random-effect column '" + t.columnNames().get(j) + "' (for '" + t.groupName() + "')",
                        t.model().columns()[j]);
            }
        }
        checkGroupCounts(terms, frame.size(), residualVariance);
        ResidualDesign residual = formula.residualTerms().isEmpty() ? null
                : ResidualDesign.of(formula.residualTerms(), frame);
        if (residual != null && !residual.structure().equals("id") && frame.isCategorical(residual.timeName())
                && !frame.hasLevelOrder(residual.timeName())) {
            String warning = ResidualDesign.visitOrderWarning(residual.timeName(), residual.visits());
            if (warning != null) {
                warnings.add(warning);
            }
        }
        return new Design(frame, y, fixed, dropped, terms, residual, warnings);
    }

    /**
     * Each grouping factor needs two or more levels and, for a model with a residual variance, fewer levels than
     * rows and fewer random effects than rows (see {@link #build(Formula, DataFrame, Map, Map, boolean)}).
     */
    private static void checkGroupCounts(List<RandomEffectTerm> terms, int n, boolean residualVariance) {
        for (RandomEffectTerm t : terms) {
            if (t.levelCount() < 2) {
                throw new MixedModelException("The grouping factor '" + t.groupName() + "' has only one level ('"
                        + t.grouping().levels().get(0) + "') in the rows used; a random effect needs at least two groups.");
            }
            if (t.levelCount() >= n && residualVariance) {
                throw new MixedModelException("The grouping factor '" + t.groupName() + "' has " + t.levelCount()
                        + " levels for " + n + " rows (one row per group): its variance cannot be told apart from the residual variance. "
                        + "A random effect needs groups with more than one row.");
            }
            if ((long) t.levelCount() * t.k() >= n && t.k() > 1 && residualVariance) {
                throw new MixedModelException("The term (" + String.join(" + ", t.columnNames()) + " | " + t.groupName()
                        + ") has " + t.levelCount() * t.k() + " random effects for " + n
                        + " rows; the random-effects parameters and the residual variance are unidentifiable. Use fewer random slopes.");
            }
        }
    }

    /** The fixed-effect matrix after the rank check, its dropped columns, and the indices of the columns kept. */
    record Checked(ModelMatrix fixed, List<String> dropped, int[] keptColumns) {
    }

    /**
     * {@link #build}'s checks for a design known only by its statistics ({@link CrossProducts#fromParts}): rows used,
     * constant response, magnitudes, the number of fixed effects, aliased columns (Gram-Schmidt in column order on
     * X'X, with {@link ModelMatrix#DEFAULT_RANK_TOLERANCE} relative to each column's norm, as
     * {@link ModelMatrix#aliasedColumns} on X), the scale warning, and the grouping factors' counts. Not made (they
     * need the rows within each group): the warning on a random slope constant within every group.
     *
     * @param columns X's columns, y, then each random-effects column, over the rows used
     * @param gram X'X, with X's non-intercept columns centred when there is an intercept
     */
    static Checked checkStatistics(Formula formula, ModelFrame frame, ModelMatrix full, List<RandomEffectTerm> terms,
            List<CrossProducts.ColumnSummary> columns, int n, double[][] gram, int interceptColumn,
            List<String> warnings) {
        if (frame.omittedRows() > 0) {
            warnings.add(frame.omittedRows() + " of " + (frame.omittedRows() + n)
                    + " rows were left out because of missing values in the columns the model uses.");
        }
        if (n < 2) {
            throw new MixedModelException("Only " + n + " row is used"
                    + (frame.omittedRows() > 0 ? " (" + frame.omittedRows() + " were left out because of missing values)" : "")
                    + "; a mixed model needs several rows in each of several groups.");
        }
        int p = full.columnCount();
        CrossProducts.ColumnSummary y = columns.get(p);
        if (y.min() == y.max()) {
            throw new MixedModelException("The response '" + formula.response() + "' is constant (" + y.min() + ") in all "
                    + n + " rows used; there is no variation to model.");
        }
        checkMagnitude("The response '" + formula.response() + "'", new double[] {y.maxAbs()});
        checkFixedColumnCount(formula, frame);
        for (int j = 0; j < p; j++) {
            checkMagnitude("The fixed-effect column '" + full.names().get(j) + "'", new double[] {columns.get(j).maxAbs()});
        }
        double[] sumsq = new double[p];
        for (int j = 0; j < p; j++) {
            sumsq[j] = columns.get(j).sumsq();
        }
        int[] aliased = aliasedOfGram(gram, sumsq);
        List<Integer> kept = new ArrayList<>();
        for (int j = 0, at = 0; j < p; j++) {
            if (at < aliased.length && aliased[at] == j) {
                at++;
            } else {
                kept.add(j);
            }
        }
        List<String> dropped = new ArrayList<>();
        List<String> constant = new ArrayList<>();
        for (int j : aliased) {
            dropped.add(full.names().get(j));
            if (columns.get(j).min() == columns.get(j).max() && !full.names().get(j).equals(ModelMatrix.INTERCEPT)) {
                constant.add(full.names().get(j));
            }
        }
        ModelMatrix fixed = full.without(aliased);
        if (!dropped.isEmpty()) {
            warnings.add("fixed-effect model matrix is rank deficient so dropping " + dropped.size()
                    + (dropped.size() == 1 ? " column / coefficient: " : " columns / coefficients: ")
                    + String.join(", ", dropped)
                    + (constant.isEmpty() ? "" : " (constant in the rows used: " + String.join(", ", constant) + ")") + ".");
        }
        if (fixed.columnCount() >= n) {
            throw new MixedModelException("The fixed effects have " + fixed.columnCount() + " coefficients for " + n
                    + " rows: they fit every row exactly and leave nothing to estimate the variances from.");
        }
        List<String> names = new ArrayList<>();
        List<Double> sds = new ArrayList<>();
        for (int j : kept) {
            CrossProducts.ColumnSummary c = columns.get(j);
            boolean indicator = c.min() >= 0 && c.max() <= 1 && c.sumsq() == c.sum();
            if (indicator) {
                continue;
            }
            double ss = interceptColumn >= 0 ? gram[j][j] : c.sumsq() - c.sum() * c.sum() / n;
            double sd = Math.sqrt(Math.max(ss, 0) / (n - 1));
            if (sd > 0 && Double.isFinite(sd)) {
                names.add(full.names().get(j));
                sds.add(sd);
            }
        }
        String scaleWarning = scaleWarning(names, sds);
        if (scaleWarning != null) {
            warnings.add(scaleWarning);
        }
        checkDuplicateColumns(terms);
        int col = p + 1;
        for (RandomEffectTerm t : terms) {
            for (int j = 0; j < t.k(); j++) {
                checkMagnitude(columns.get(col).name(), new double[] {columns.get(col++).maxAbs()});
            }
        }
        checkGroupCounts(terms, n, true);
        return new Checked(fixed, dropped, kept.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Refuses, before the fixed-effects matrix is built, a fixed part that would have more than
     * {@link #MAX_FIXED_COLUMNS} columns: typically an id-like factor with thousands of levels used as a fixed
     * effect, whose matrix (rows x levels) would not even fit in memory.
     */
    private static void checkFixedColumnCount(Formula formula, ModelFrame frame) {
        long columns = ModelMatrix.columnCount(frame, formula.intercept(), formula.fixedTerms());
        if (columns <= MAX_FIXED_COLUMNS) {
            return;
        }
        String factor = largestFixedFactor(formula, frame);
        String advice = factor == null ? " Use fewer fixed effects."
                : " Column '" + factor + "' has " + frame.factor(factor).levelCount() + " levels and each level is a"
                        + " coefficient of its own. A factor with that many levels is a grouping factor: use it as a"
                        + " random effect, e.g. (1 | " + quoted(factor) + "), instead of a fixed effect.";
        throw new MixedModelException("The fixed effects would need " + columns + " coefficients, more than the "
                + MAX_FIXED_COLUMNS + " this engine fits." + advice);
    }

    /** The categorical variable of the fixed part with the most levels, or null when there is none. */
    static String largestFixedFactor(Formula formula, ModelFrame frame) {
        String best = null;
        int most = 0;
        for (Term t : formula.fixedTerms()) {
            for (String v : t.variables()) {
                if (frame.isCategorical(v) && frame.factor(v).levelCount() > most) {
                    best = v;
                    most = frame.factor(v).levelCount();
                }
            }
        }
        return best;
    }

    /** A column name as a formula needs it: in backticks unless it is a plain name. */
    static String quoted(String name) {
        return name.matches("[\\p{L}.][\\p{L}\\p{N}._]*") ? name : "`" + name + "`";
    }

    /**
     * lme4's {@code checkScaleX}: the warning when a continuous fixed-effect column (one not only 0 and 1) has an
     * SD above 1000 or below 1/1000, or two such columns' SDs differ by more than a factor of 1000. Badly scaled
     * predictors make the optimum hard to find, most of all for random slopes.
     */
    static String scaleWarning(ModelMatrix x) {
        List<String> names = new ArrayList<>();
        List<Double> sds = new ArrayList<>();
        for (int j = 0; j < x.columnCount(); j++) {
            double[] c = x.columns()[j];
            boolean indicator = true;
            double mean = 0;
            for (double v : c) {
                indicator &= v == 0.0 || v == 1.0;
                mean += v;
            }
            if (indicator || c.length < 2) {
                continue;
            }
            mean /= c.length;
            double ss = 0;
            for (double v : c) {
                ss += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(ss / (c.length - 1));
            if (sd > 0 && Double.isFinite(sd)) {
                names.add(x.names().get(j));
                sds.add(sd);
            }
        }
        return scaleWarning(names, sds);
    }

    /** {@link #scaleWarning(ModelMatrix)} from the continuous columns' names and SDs. */
    static String scaleWarning(List<String> names, List<Double> sds) {
        if (sds.isEmpty()) {
            return null;
        }
        double min = sds.stream().mapToDouble(Double::doubleValue).min().getAsDouble();
        double max = sds.stream().mapToDouble(Double::doubleValue).max().getAsDouble();
        if (max <= SCALE_TOLERANCE && min >= 1 / SCALE_TOLERANCE && max / min <= SCALE_TOLERANCE) {
            return null;
        }
        List<String> described = new ArrayList<>();
        for (int j = 0; j < sds.size(); j++) {
            described.add(names.get(j) + " (SD " + String.format(java.util.Locale.ROOT, "%.3g", sds.get(j)) + ")");
        }
        return "Some predictor variables are on very different scales: consider rescaling ("
                + String.join(", ", described) + "); a badly scaled predictor, above all one with a random slope, can"
                + " keep the optimizer from finding the optimum.";
    }

    /** Magnitudes the fit's sums of squares and cross-products hold without overflow or underflow. */
    static final double MAX_MAGNITUDE = 1e100;
    static final double MIN_MAGNITUDE = 1e-100;

    /**
     * Refuses a column whose largest value is beyond {@link #MAX_MAGNITUDE} (its squares, summed over the rows,
     * overflow to infinity, and the fit would return infinite or NaN estimates) or, if not all 0, below
     * {@link #MIN_MAGNITUDE} (its squares underflow to 0).
     */
    static void checkMagnitude(String what, double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        if (max > MAX_MAGNITUDE || (max > 0 && max < MIN_MAGNITUDE)) {
            throw new MixedModelException(what + " has values as " + (max > MAX_MAGNITUDE ? "large" : "small") + " as "
                    + String.format(java.util.Locale.ROOT, "%.3g", max) + "; numbers beyond 1e100 (or below 1e-100) "
                    + "overflow (or underflow) the sums of squares the fit uses. Rescale the column, e.g. express it in"
                    + " other units.");
        }
    }

    private static void checkResponseVaries(String name, double[] y) {
        for (double v : y) {
            if (v != y[0]) {
                return;
            }
        }
        throw new MixedModelException("The response '" + name + "' is constant (" + y[0] + ") in all " + y.length
                + " rows used; there is no variation to model.");
    }

    private static String constantNote(ModelMatrix m, int[] aliased) {
        List<String> constant = new ArrayList<>();
        for (int j : aliased) {
            double[] c = m.columns()[j];
            boolean isConstant = true;
            for (double v : c) {
                if (v != c[0]) {
                    isConstant = false;
                    break;
                }
            }
            if (isConstant && !m.names().get(j).equals(ModelMatrix.INTERCEPT)) {
                constant.add(m.names().get(j));
            }
        }
        return constant.isEmpty() ? "" : " (constant in the rows used: " + String.join(", ", constant) + ")";
    }

    /**
     * Random-effects variances that the data cannot identify. The same column twice for one grouping factor, as
     * {@code (1 | S) + (1 | S)}, splits one variance between two terms arbitrarily: refused. A random slope whose
     * column is constant within every group, next to a random intercept for the same factor, is the intercept
     * again: the likelihood is flat along their split, whatever the optimizer reports, so it is flagged (as lme4's
     * checks on the random-effects design do).
     */
    static void checkIdentifiability(List<RandomEffectTerm> terms, List<String> warnings) {
        checkDuplicateColumns(terms);
        java.util.Map<String, java.util.Set<String>> seen = new java.util.HashMap<>();
        for (RandomEffectTerm t : terms) {
            seen.computeIfAbsent(t.groupName(), g -> new java.util.HashSet<>()).addAll(t.columnNames());
        }
        for (RandomEffectTerm t : terms) {
            if (!seen.get(t.groupName()).contains(ModelMatrix.INTERCEPT)) {
                continue;
            }
            for (int j = 0; j < t.k(); j++) {
                String name = t.columnNames().get(j);
                if (!name.equals(ModelMatrix.INTERCEPT) && constantWithinGroups(t.model().columns()[j], t.grouping())) {
                    warnings.add("The random slope '" + name + "' in " + describe(t) + " is constant within every level"
                            + " of '" + t.groupName() + "', so its variance cannot be told apart from the random"
                            + " intercept's: these variance parameters are not identifiable, whatever 'converged' says."
                            + " Remove '" + name + "' from the random part (it can stay a fixed effect).");
                }
            }
        }
    }

    /** The same column twice for one grouping factor, as {@code (1 | S) + (1 | S)}: refused. */
    private static void checkDuplicateColumns(List<RandomEffectTerm> terms) {
        java.util.Map<String, java.util.Map<String, RandomEffectTerm>> seen = new java.util.HashMap<>();
        for (RandomEffectTerm t : terms) {
            java.util.Map<String, RandomEffectTerm> columns = seen.computeIfAbsent(t.groupName(), g -> new java.util.HashMap<>());
            for (String c : t.columnNames()) {
                RandomEffectTerm other = columns.putIfAbsent(c, t);
                if (other != null) {
                    throw new MixedModelException("The random-effects column '" + c + "' of '" + t.groupName()
                            + "' appears in two terms, " + describe(other) + " and " + describe(t) + ": its variance would"
                            + " be split between them arbitrarily (not identifiable). Keep it in one term only.");
                }
            }
        }
    }

    /** The term in lme4's notation: (1 | g), (1 + x | g), (0 + x | g). */
    private static String describe(RandomEffectTerm t) {
        List<String> parts = new ArrayList<>();
        if (!t.columnNames().contains(ModelMatrix.INTERCEPT)) {
            parts.add("0");
        }
        for (String c : t.columnNames()) {
            parts.add(c.equals(ModelMatrix.INTERCEPT) ? "1" : c);
        }
        return "(" + String.join(" + ", parts) + " | " + t.groupName() + ")";
    }

    /** Whether z takes one value within each level, to rounding (relative to the column's largest |value|). */
    private static boolean constantWithinGroups(double[] z, Factor grouping) {
        double scale = 0;
        for (double v : z) {
            scale = Math.max(scale, Math.abs(v));
        }
        return grouping.isConstantWithinLevels(z, 1e-12 * scale);
    }

    /**
     * The terms in lme4's order: {@code ||} split into one term per left-hand-side term, then, if any
     * term has more levels than the one before it, ordered by decreasing number of levels exactly as
     * lme4's {@code mkReTrms} does ({@code rev(order(nl))}, which also reverses ties).
     */
    private static List<RandomEffectTerm> randomTerms(Formula formula, ModelFrame frame) {
        return inLme4Order(termsAsWritten(formula, frame));
    }

    /** The random-effects terms in the formula's order ({@code ||} split), before lme4's ordering by levels. */
    static List<RandomEffectTerm> termsAsWritten(Formula formula, ModelFrame frame) {
        List<RandomEffectTerm> terms = new ArrayList<>();
        for (RandomTerm r : formula.randomTerms()) {
            List<Factor> parts = new ArrayList<>();
            for (String g : r.grouping()) {
                parts.add(frame.factor(g));
            }
            Factor grouping = Factor.interaction(parts);
            long k = ModelMatrix.columnCount(frame, r.intercept(), r.effects());
            if (k > MAX_RANDOM_COLUMNS) {
                throw new MixedModelException("The random-effects term for '" + r.groupingName() + "' would have " + k
                        + " columns per group, more than the " + MAX_RANDOM_COLUMNS + " this engine fits (its covariance"
                        + " matrix would have " + (k * (k + 1) / 2) + " parameters); use fewer or simpler random slopes.");
            }
            if (r.correlated()) {
                terms.add(new RandomEffectTerm(r.groupingName(), grouping, ModelMatrix.build(frame, r.intercept(), r.effects())));
            } else {
                if (r.intercept()) {
                    terms.add(new RandomEffectTerm(r.groupingName(), grouping, ModelMatrix.build(frame, true, List.of())));
                }
                for (Term t : r.effects()) {
                    terms.add(new RandomEffectTerm(r.groupingName(), grouping, ModelMatrix.build(frame, false, List.of(t))));
                }
            }
        }
        for (RandomEffectTerm t : terms) {
            if (t.k() == 0) {
                throw new MixedModelException("The random-effects term for '" + t.groupName()
                        + "' has no columns (no intercept and no slope).");
            }
        }
        return terms;
    }

    /** lme4's {@code mkReTrms} order: by decreasing number of levels when any term has more than the one before. */
    static List<RandomEffectTerm> inLme4Order(List<RandomEffectTerm> terms) {
        int[] nl = terms.stream().mapToInt(RandomEffectTerm::levelCount).toArray();
        boolean increases = false;
        for (int i = 1; i < nl.length; i++) {
            increases |= nl[i] > nl[i - 1];
        }
        if (!increases) {
            return terms;
        }
        Integer[] ascending = new Integer[nl.length];
        for (int i = 0; i < nl.length; i++) {
            ascending[i] = i;
        }
        Arrays.sort(ascending, (a, b) -> Integer.compare(nl[a], nl[b])); // stable, as R's order()
        List<RandomEffectTerm> ordered = new ArrayList<>();
        for (int i = ascending.length - 1; i >= 0; i--) {
            ordered.add(terms.get(ascending[i]));
        }
        return ordered;
    }

    /**
     * The fixed-effects matrix X for the rows of another frame over the same variables (e.g. a
     * reference grid from {@link ModelFrame#grid}), with the columns of this design's X.
     *
     * @return {@code columns[j][row]}, in the order of {@link #fixed()}
     */
    public double[][] fixedColumnsFor(ModelFrame other) {
        ModelMatrix m = ModelMatrix.build(other, frame.formula().intercept(), fixed.terms());
        double[][] out = new double[fixed.columnCount()][];
        for (int j = 0; j < out.length; j++) {
            out[j] = m.columns()[m.names().indexOf(fixed.names().get(j))];
        }
        return out;
    }

    /**
     * The design with one coefficient held at a value: its column leaves X and moves into an offset,
     * y - value * x_j. Used to profile the likelihood over a fixed effect (lme4's profile.merMod).
     */
    public Design withFixedCoefficient(int column, double value) {
        double[] x = fixed.columns()[column];
        double[] offsetResponse = new double[response.length];
        for (int i = 0; i < response.length; i++) {
            offsetResponse[i] = response[i] - value * x[i];
        }
        return new Design(frame, offsetResponse, fixed.without(new int[] {column}), droppedColumns, randomTerms,
                residual, warnings);
    }

    /** The residual covariance term's layout, or null when the residuals are independent. */
    public ResidualDesign residual() {
        return residual;
    }

    public ModelFrame frame() {
        return frame;
    }

    public double[] response() {
        return response;
    }

    /** The fixed-effects matrix X, of full column rank. */
    public ModelMatrix fixed() {
        return fixed;
    }

    /** Columns of the formula's fixed part dropped as aliased (rank deficiency). */
    public List<String> droppedColumns() {
        return droppedColumns;
    }

    /** The random-effects terms in lme4's order (which is the order of theta). */
    public List<RandomEffectTerm> randomTerms() {
        return randomTerms;
    }

    public List<String> warnings() {
        return warnings;
    }

    public int nobs() {
        if (visitPatterns != null && response.length == 0) {
            return (int) visitPatterns.rows();
        }
        return statistics != null ? statistics.nobs() : response.length;
    }

    /**
     * The cross-products of [Z X y] this design is fitted from instead of its rows ({@link CrossProducts}), or null
     * for a design fitted from its rows. A design from statistics alone ({@link CrossProducts#design}) has no rows:
     * its response, X and Z have length 0, and its factors hold only their levels.
     */
    public CrossProducts statistics() {
        return statistics;
    }

    /** Most rows of the grid {@link #contrastFrame} forms for a design without rows. */
    static final int MAX_CONTRAST_GRID = 1_000_000;

    /**
     * The rows over which contrasts between X's columns are formed (Type III): the frame itself, or for a design
     * without rows ({@link CrossProducts}) a grid of every combination of the fixed part's categorical levels with
     * each numeric variable at 1 and 2, over which X has the columns' relations that hold in every row: an
     * over-parameterised column (a level's indicator, times its numeric variables) is the same combination of X's
     * columns in each row, whatever the data.
     */
    public ModelFrame contrastFrame() {
        if ((statistics == null && visitPatterns == null) || response.length > 0) {
            return frame;
        }
        java.util.LinkedHashSet<String> vars = new java.util.LinkedHashSet<>();
        fixed.terms().forEach(t -> vars.addAll(t.variables()));
        long size = 1;
        for (String v : vars) {
            size *= frame.isCategorical(v) ? frame.factor(v).levelCount() : 2;
            if (size > MAX_CONTRAST_GRID) {
                throw new MixedModelException("The fixed part's levels have more than " + MAX_CONTRAST_GRID
                        + " combinations; Type III tests of a fit from statistics form their contrasts over them.");
            }
        }
        int n = (int) size;
        Map<String, int[]> codes = new java.util.HashMap<>();
        Map<String, double[]> numbers = new java.util.HashMap<>();
        int repeat = 1;
        for (String v : vars) {
            int count = frame.isCategorical(v) ? frame.factor(v).levelCount() : 2;
            int[] c = new int[n];
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                c[i] = (i / repeat) % count;
                x[i] = c[i] + 1;
            }
            if (frame.isCategorical(v)) {
                codes.put(v, c);
            } else {
                numbers.put(v, x);
            }
            repeat *= count;
        }
        return frame.grid(codes, numbers, n);
    }

    /** This design, fitted from the given statistics of its own rows (the in-memory "statistics, then fit"). */
    /**
     * The aliased columns from a Gram matrix, as {@link ModelMatrix#aliasedColumns} finds them from the columns:
     * Gram-Schmidt in column order, where the squared residual norm of column j after the kept columns before it is
     * the Schur complement g_jj - g_jB G_BB^{-1} g_Bj, from a growing Cholesky factor of G_BB; a column is aliased
     * when that norm is at most {@link ModelMatrix#DEFAULT_RANK_TOLERANCE} of its own (sqrt of {@code sumsq}).
     */
    static int[] aliasedOfGram(double[][] gram, double[] sumsq) {
        int p = sumsq.length;
        List<Integer> kept = new ArrayList<>();
        List<Integer> aliasedList = new ArrayList<>();
        double[][] chol = new double[p][p];
        for (int j = 0; j < p; j++) {
            double norm0 = Math.sqrt(sumsq[j]);
            int b = kept.size();
            double[] w = new double[b];
            double res = gram[j][j];
            for (int a = 0; a < b; a++) {
                double s = gram[kept.get(a)][j];
                for (int c = 0; c < a; c++) {
                    s -= chol[a][c] * w[c];
                }
                w[a] = s / chol[a][a];
                res -= w[a] * w[a];
            }
            double norm = Math.sqrt(Math.max(res, 0));
            if (norm0 == 0 || norm <= ModelMatrix.DEFAULT_RANK_TOLERANCE * norm0) {
                aliasedList.add(j);
            } else {
                System.arraycopy(w, 0, chol[b], 0, b);
                chol[b][b] = norm;
                kept.add(j);
            }
        }
        return aliasedList.stream().mapToInt(Integer::intValue).toArray();
    }

    /** This design, fitted from its statistics by visit pattern (the rows stay for BLUPs and fitted values). */
    Design withVisitPatterns(VisitPatterns patterns) {
        Design d = new Design(frame, response, fixed, droppedColumns, randomTerms, residual, warnings, statistics);
        d.visitPatterns = patterns;
        return d;
    }

    /**
     * A design without rows for a residual-structure fit from statistics by visit pattern aggregated elsewhere: the
     * frame's factors hold only their levels, the residual design its visits and subjects.
     */
    static Design rowFree(ModelFrame frame, ModelMatrix fixed, List<RandomEffectTerm> terms, List<String> warnings,
            ResidualDesign residual, VisitPatterns patterns) {
        Design d = new Design(frame, new double[0], fixed, List.of(), terms, residual, warnings, null);
        d.visitPatterns = patterns;
        return d;
    }

    /** The statistics by visit pattern this design's residual structure is fitted from, or null (from rows). */
    public VisitPatterns visitPatterns() {
        return visitPatterns;
    }

    Design withStatistics(CrossProducts stats) {
        return new Design(frame, response, fixed, droppedColumns, randomTerms, residual, warnings, stats);
    }

    /** A design without rows, from the statistics of rows read elsewhere (see {@link CrossProducts}). */
    static Design rowFree(ModelFrame frame, ModelMatrix fixed, List<String> dropped, List<RandomEffectTerm> terms,
            List<String> warnings, CrossProducts stats) {
        return new Design(frame, new double[0], fixed, dropped, terms, null, warnings, stats);
    }
}
