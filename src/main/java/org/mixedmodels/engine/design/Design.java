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
    private final ModelFrame frame;
    private final double[] response;
    private final ModelMatrix fixed;
    private final List<String> droppedColumns;
    private final List<RandomEffectTerm> randomTerms;
    private final ResidualDesign residual;
    private final List<String> warnings;

    private Design(ModelFrame frame, double[] response, ModelMatrix fixed, List<String> droppedColumns,
            List<RandomEffectTerm> randomTerms, ResidualDesign residual, List<String> warnings) {
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
        checkResponseVaries(formula.response(), y);

        ModelMatrix full = ModelMatrix.build(frame, formula.intercept(), formula.fixedTerms());
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

        List<RandomEffectTerm> terms = randomTerms(formula, frame);
        int n = frame.size();
        for (RandomEffectTerm t : terms) {
            if (t.levelCount() < 2) {
                throw new MixedModelException("The grouping factor '" + t.groupName() + "' has only one level ('"
                        + t.grouping().levels().get(0) + "') in the rows used; a random effect needs at least two groups.");
            }
            if (t.levelCount() >= n) {
                throw new MixedModelException("The grouping factor '" + t.groupName() + "' has " + t.levelCount()
                        + " levels for " + n + " rows (one row per group): its variance cannot be told apart from the residual variance. "
                        + "A random effect needs groups with more than one row.");
            }
            if ((long) t.levelCount() * t.k() >= n && t.k() > 1) {
                throw new MixedModelException("The term (" + String.join(" + ", t.columnNames()) + " | " + t.groupName()
                        + ") has " + t.levelCount() * t.k() + " random effects for " + n
                        + " rows; the random-effects parameters and the residual variance are unidentifiable. Use fewer random slopes.");
            }
        }
        ResidualDesign residual = formula.residualTerms().isEmpty() ? null
                : ResidualDesign.of(formula.residualTerms().get(0), frame);
        if (residual != null && frame.isCategorical(residual.timeName()) && !frame.hasLevelOrder(residual.timeName())) {
            String warning = ResidualDesign.visitOrderWarning(residual.timeName(), residual.visits());
            if (warning != null) {
                warnings.add(warning);
            }
        }
        return new Design(frame, y, fixed, dropped, terms, residual, warnings);
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
     * The terms in lme4's order: {@code ||} split into one term per left-hand-side term, then, if any
     * term has more levels than the one before it, ordered by decreasing number of levels exactly as
     * lme4's {@code mkReTrms} does ({@code rev(order(nl))}, which also reverses ties).
     */
    private static List<RandomEffectTerm> randomTerms(Formula formula, ModelFrame frame) {
        List<RandomEffectTerm> terms = new ArrayList<>();
        for (RandomTerm r : formula.randomTerms()) {
            List<Factor> parts = new ArrayList<>();
            for (String g : r.grouping()) {
                parts.add(frame.factor(g));
            }
            Factor grouping = Factor.interaction(parts);
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
        return response.length;
    }
}
