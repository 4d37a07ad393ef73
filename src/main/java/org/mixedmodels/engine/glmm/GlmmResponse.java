package org.mixedmodels.engine.glmm;

import java.util.ArrayList;
import java.util.List;

import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;

/**
 * The response of a GLMM in the form R's glm family objects take it: y (for the binomial the proportion
 * successes / trials), the prior weights (the trials; 1 for a 0/1 response and for counts) and the offset on the
 * link scale. The checks are glmer's, each with the row (1-based, as in the data table) and what to do; nothing is
 * dropped or changed.
 *
 * @param y the response per model-frame row
 * @param weights the prior weights per row
 * @param offset the offset per row (zeros without an offset column)
 * @param warnings glmer's warnings (non-integer counts)
 */
public record GlmmResponse(double[] y, double[] weights, double[] offset, List<String> warnings) {

    /**
     * @param response the response column's values per model-frame row (successes when {@code trials} is given)
     * @param rows the data-table row of each model-frame row
     * @param responseName the response column's name, for messages
     * @param trials the column of trials (binomial successes out of trials), or null
     * @param offsetName the offset column, or null
     */
    static GlmmResponse of(Family family, double[] response, int[] rows, String responseName, DataFrame data,
            String trials, String offsetName) {
        int n = response.length;
        double[] y = new double[n];
        double[] wt = new double[n];
        List<String> warnings = new ArrayList<>();
        if (trials != null && family != Family.BINOMIAL) {
            throw new MixedModelException("A trials column ('" + trials + "') goes only with the binomial family; "
                    + "leave it out for the " + family.rName() + " family.");
        }
        double[] m = trials == null ? null : column(data, trials, rows, "trials");
        boolean nonInteger = false;
        for (int i = 0; i < n; i++) {
            double v = response[i];
            int row = rows[i] + 1;
            if (family == Family.BINOMIAL && m == null) {
                if (v != 0 && v != 1) {
                    throw new MixedModelException("The binomial response '" + responseName + "' must be 0 or 1, but row "
                            + row + " has " + v + ". For successes out of a number of trials, give the trials column"
                            + " (--trials); for a proportion, give the successes and the trials.");
                }
                y[i] = v;
                wt[i] = 1;
            } else if (family == Family.BINOMIAL) {
                if (v < 0) {
                    throw new MixedModelException("The successes '" + responseName + "' must not be negative, but row "
                            + row + " has " + v + ".");
                }
                if (!(m[i] > 0)) {
                    throw new MixedModelException("The trials '" + trials + "' must be positive, but row " + row + " has "
                            + m[i] + "; a row without trials carries no information: remove it from the data.");
                }
                if (v > m[i]) {
                    throw new MixedModelException("Row " + row + " has more successes ('" + responseName + "' = " + v
                            + ") than trials ('" + trials + "' = " + m[i] + "); the successes must be at most the trials.");
                }
                nonInteger |= v != Math.rint(v) || m[i] != Math.rint(m[i]);
                y[i] = v / m[i];
                wt[i] = m[i];
            } else {
                if (v < 0) {
                    throw new MixedModelException("The count '" + responseName + "' must not be negative (Poisson), but row "
                            + row + " has " + v + ".");
                }
                nonInteger |= v != Math.rint(v);
                y[i] = v;
                wt[i] = 1;
            }
        }
        if (nonInteger) {
            // glmer's own warnings, from R's binomial()$aic and dpois
            warnings.add(family == Family.BINOMIAL ? "non-integer #successes in a binomial glm!"
                    : "non-integer x in the Poisson response '" + responseName + "'; the log-likelihood uses lgamma(x + 1).");
        }
        double[] offset = offsetName == null ? new double[n] : column(data, offsetName, rows, "offset");
        return new GlmmResponse(y, wt, offset, List.copyOf(warnings));
    }

    private static double[] column(DataFrame data, String name, int[] rows, String role) {
        if (!data.hasColumn(name)) {
            throw new MixedModelException("The " + role + " column '" + name + "' is not in the data; columns: "
                    + String.join(", ", data.columnNames()) + ".");
        }
        Column c = data.column(name);
        if (!(c instanceof NumericColumn num)) {
            throw new MixedModelException("The " + role + " column '" + name + "' must be numeric.");
        }
        double[] out = new double[rows.length];
        int missing = 0;
        int first = -1;
        for (int i = 0; i < rows.length; i++) {
            if (num.isMissing(rows[i]) || !Double.isFinite(num.value(rows[i]))) {
                missing++;
                first = first < 0 ? rows[i] + 1 : first;
            } else {
                out[i] = num.value(rows[i]);
            }
        }
        if (missing > 0) {
            throw new MixedModelException("The " + role + " column '" + name + "' has " + missing
                    + (missing == 1 ? " missing value" : " missing values") + " (first in row " + first
                    + ") in rows the model uses; fill them in or remove those rows (nothing is dropped silently).");
        }
        return out;
    }
}
