package org.mixedmodels.engine.formula;

import java.util.List;

/**
 * One term of a model formula: the product (interaction) of its variables, e.g. {@code age:Sex}.
 * The variables are in the order of their first appearance in the formula, which is the order R uses
 * in term labels and coefficient names. A term with no variables is the intercept.
 */
public record Term(List<String> variables) {
    public Term {
        variables = List.copyOf(variables);
    }

    public static Term of(String... variables) {
        return new Term(List.of(variables));
    }

    /** Interaction order: 1 for a main effect, 2 for a two-way interaction, ... */
    public int degree() {
        return variables.size();
    }

    /** The label R gives the term: variables joined by ':'. */
    public String label() {
        return String.join(":", variables);
    }

    @Override
    public String toString() {
        return label();
    }
}
