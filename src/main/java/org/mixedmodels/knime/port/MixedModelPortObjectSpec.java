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
 * table must hold to be predicted from it (predictors and grouping columns) and the response.
 */
public final class MixedModelPortObjectSpec extends AbstractSimplePortObjectSpec {

    /** Serializer, registered in plugin.xml. */
    public static final class Serializer extends AbstractSimplePortObjectSpecSerializer<MixedModelPortObjectSpec> {
    }

    private String formula;
    private String response;
    private List<String> predictors;
    private List<String> groupingColumns;

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

    /** The spec of a model with this formula. */
    public static MixedModelPortObjectSpec of(final Formula formula) {
        List<String> predictors = formula.variables().stream()
            .filter(v -> !v.equals(formula.response()) && !formula.groupingVariables().contains(v)).toList();
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
    }

    @Override
    protected void load(final ModelContentRO model) throws InvalidSettingsException {
        formula = model.getString("formula");
        response = model.getString("response");
        predictors = List.of(model.getStringArray("predictors"));
        groupingColumns = List.of(model.getStringArray("grouping_columns"));
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof MixedModelPortObjectSpec s && s.formula.equals(formula) && s.response.equals(response)
            && s.predictors.equals(predictors) && s.groupingColumns.equals(groupingColumns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formula, response, predictors, groupingColumns);
    }
}
