package org.mixedmodels.engine.design;

import java.util.List;

/**
 * One random-effects term as lme4 holds it after expanding nesting and splitting {@code ||}: a grouping
 * factor and the term's model columns, with a full (correlated) covariance matrix over them whose
 * relative Cholesky factor is parameterised by {@code k(k+1)/2} thetas in column-major lower-triangle
 * order.
 *
 * @param groupName the grouping factor's name as lme4 prints it ({@code Subject}, {@code cask:batch})
 * @param grouping the grouping factor over the model frame's rows
 * @param model the term's model matrix ({@code (Intercept)}, {@code Days}, ...)
 */
public record RandomEffectTerm(String groupName, Factor grouping, ModelMatrix model) {

    /** Columns per level. */
    public int k() {
        return model.columnCount();
    }

    public List<String> columnNames() {
        return model.names();
    }

    public int levelCount() {
        return grouping.levelCount();
    }

    public int thetaCount() {
        return k() * (k() + 1) / 2;
    }
}
