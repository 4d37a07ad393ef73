package org.mixedmodels.engine.formula;

import java.util.List;

/**
 * A random-effects term {@code (lhs | grouping)} or {@code (lhs || grouping)}.
 *
 * @param intercept whether the term has a random intercept ({@code 1 + x} or plain {@code x}; not {@code 0 + x})
 * @param effects the random slopes: the terms of the left-hand side other than the intercept
 * @param grouping the grouping factor; several variables stand for their interaction, in lme4's
 *     naming order (the nesting {@code (1 | a/b)} becomes {@code (1 | a)} and {@code (1 | b:a)}, so
 *     the inner factor comes first, as lme4 names it)
 * @param correlated false for {@code ||}: the covariance matrix of the term is diagonal
 */
public record RandomTerm(boolean intercept, List<Term> effects, List<String> grouping, boolean correlated) {
    public RandomTerm {
        effects = List.copyOf(effects);
        grouping = List.copyOf(grouping);
    }

    /** The grouping factor's name as lme4 prints it, e.g. {@code Subject} or {@code cask:batch}. */
    public String groupingName() {
        return String.join(":", grouping);
    }
}
