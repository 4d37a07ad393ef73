package org.mixedmodels.engine.formula;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed mixed-model formula in lme4 notation, e.g.
 * {@code Reaction ~ Days + (Days | Subject)}.
 *
 * @param response the response column
 * @param intercept whether the fixed part has an intercept
 * @param fixedTerms the fixed-effect terms without the intercept, crossings expanded, duplicates
 *     removed, ordered by degree (main effects, then two-way interactions, ...) and within a degree in
 *     formula order, as R's {@code terms()} orders them
 * @param randomTerms the random-effect terms, nesting expanded
 * @param residualTerms residual covariance terms ({@code ar1(visit | subject)}, ...)
 * @param source the formula text as given
 */
public record Formula(String response, boolean intercept, List<Term> fixedTerms,
        List<RandomTerm> randomTerms, List<ResidualTerm> residualTerms, String source) {

    public Formula {
        fixedTerms = List.copyOf(fixedTerms);
        randomTerms = List.copyOf(randomTerms);
        residualTerms = List.copyOf(residualTerms);
    }

    /** Every column the model uses, response first, each once. */
    public List<String> variables() {
        Set<String> vars = new LinkedHashSet<>();
        vars.add(response);
        fixedTerms.forEach(t -> vars.addAll(t.variables()));
        for (RandomTerm r : randomTerms) {
            r.effects().forEach(t -> vars.addAll(t.variables()));
            vars.addAll(r.grouping());
        }
        for (ResidualTerm r : residualTerms) {
            vars.add(r.time());
            vars.add(r.subject());
            if (r.group() != null) {
                vars.add(r.group());
            }
        }
        return new ArrayList<>(vars);
    }

    /** The columns used as grouping factors (always treated as categorical). */
    public Set<String> groupingVariables() {
        Set<String> vars = new LinkedHashSet<>();
        randomTerms.forEach(r -> vars.addAll(r.grouping()));
        residualTerms.forEach(r -> vars.add(r.subject()));
        residualTerms.stream().filter(r -> r.group() != null).forEach(r -> vars.add(r.group()));
        return vars;
    }

    @Override
    public String toString() {
        return source;
    }
}
