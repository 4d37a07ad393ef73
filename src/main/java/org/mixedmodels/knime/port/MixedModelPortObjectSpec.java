package org.mixedmodels.knime.port;

import java.util.List;
import java.util.Objects;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;
import org.knime.core.node.port.AbstractSimplePortObjectSpec;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;

/**
 * What a downstream node knows about a mixed model before it is fitted: the formula and the columns a
 * table must hold to be predicted from it (predictors and grouping columns) and the response; for a GLMM also its
 * family and offset column.
 */
public final class MixedModelPortObjectSpec extends AbstractSimplePortObjectSpec {

    /** Serializer, registered in plugin.xml. */
    public static final class Serializer extends AbstractSimplePortObjectSpecSerializer<MixedModelPortObjectSpec> {
    }

    private String formula;
    private String response;
    private List<String> predictors;
    private List<String> groupingColumns;
    /** {@code gaussian} for a linear mixed model, else the GLMM's family ({@code binomial}, {@code poisson}). */
    private String family = GAUSSIAN;
    /** The GLMM's offset column, or null. */
    private String offset;

    /** The family of a linear mixed model (and of specs saved before GLMMs). */
    public static final String GAUSSIAN = "gaussian";

    /** For the framework; it loads the content afterwards. */
    public MixedModelPortObjectSpec() {
        this("", "", List.of(), List.of());
    }

    public MixedModelPortObjectSpec(final String formula, final String response, final List<String> predictors,
        final List<String> groupingColumns) {
        this.formula = formula;
        this.response = response;
        this.predictors = List.copyOf(predictors);
        this.groupingColumns = List.copyOf(groupingColumns);
    }

    /** The spec of a GLMM: as {@link #of(Formula)}, with its family and offset column (null for none). */
    public static MixedModelPortObjectSpec of(final Formula formula, final String family, final String offset) {
        MixedModelPortObjectSpec s = of(formula);
        s.family = family == null ? GAUSSIAN : family;
        s.offset = offset;
        return s;
    }

    /** {@code gaussian}, {@code binomial} or {@code poisson}. */
    public String family() {
        return family;
    }

    /** True for a binomial or Poisson model (a GLMM). */
    public boolean isGeneralized() {
        return !GAUSSIAN.equals(family);
    }

    /** The GLMM's offset column, or null. */
    public String offset() {
        return offset;
    }

    /** The spec of a model with this formula. */
    public static MixedModelPortObjectSpec of(final Formula formula) {
        // a grouping column is a predictor too where a fixed term uses it (the arm of us(visit | arm / subject))
        java.util.Set<String> fixed = new java.util.HashSet<>();
        formula.fixedTerms().forEach(t -> fixed.addAll(t.variables()));
        List<String> predictors = formula.variables().stream().filter(v -> !v.equals(formula.response())
            && (!formula.groupingVariables().contains(v) || fixed.contains(v))).toList();
        return new MixedModelPortObjectSpec(formula.source(), formula.response(), predictors,
            List.copyOf(formula.groupingVariables()));
    }

    public String formula() {
        return formula;
    }

    public Formula parsedFormula() {
        return FormulaParser.parse(formula);
    }

    public String response() {
        return response;
    }

    /** Columns of the fixed part and the random slopes (not the response, not the grouping columns). */
    public List<String> predictors() {
        return predictors;
    }

    public List<String> groupingColumns() {
        return groupingColumns;
    }

    @Override
    protected void save(final ModelContentWO model) {
        model.addString("formula", formula);
        model.addString("response", response);
        model.addStringArray("predictors", predictors.toArray(String[]::new));
        model.addStringArray("grouping_columns", groupingColumns.toArray(String[]::new));
        if (isGeneralized()) {
            model.addString("family", family);
            model.addString("offset", offset);
        }
    }

    @Override
    protected void load(final ModelContentRO model) throws InvalidSettingsException {
        formula = model.getString("formula");
        response = model.getString("response");
        predictors = List.of(model.getStringArray("predictors"));
        groupingColumns = List.of(model.getStringArray("grouping_columns"));
        // absent in linear models' specs and in those saved before GLMMs
        family = model.getString("family", GAUSSIAN);
        offset = model.getString("offset", null);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof MixedModelPortObjectSpec s && s.formula.equals(formula) && s.response.equals(response)
            && s.predictors.equals(predictors) && s.groupingColumns.equals(groupingColumns) && s.family.equals(family)
            && Objects.equals(s.offset, offset);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formula, response, predictors, groupingColumns, family, offset);
    }
}
