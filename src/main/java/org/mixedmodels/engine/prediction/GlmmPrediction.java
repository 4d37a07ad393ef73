package org.mixedmodels.engine.prediction;

import java.util.Arrays;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.glmm.GlmFamily;

/**
 * Predictions of a GLMM for the rows of a table, as lme4's {@code predict.merMod}: the linear predictor
 * eta = x'beta + offset (+ z'b for the levels seen in the fit: {@code re.form = NULL}; without: {@code re.form = NA})
 * on the link scale ({@code type = "link"}), and g^-1(eta) on the response scale ({@code type = "response"}:
 * probabilities for the binomial, means for the Poisson, per unit of exp(offset) when the offset is a log exposure
 * taken as 0). A level not seen contributes 0, as {@code allow.new.levels = TRUE}. The population prediction's
 * standard error on the link scale is sqrt(x' V x), V the covariance of beta; its confidence interval on the
 * response scale is g^-1(eta +- z SE), which stays within the response's range. Rows with a missing value in a
 * column the prediction needs (the offset too) get NaN.
 */
public final class GlmmPrediction {
    private final double[] conditionalLink;
    private final double[] populationLink;
    private final double[] populationSe;
    private final GlmFamily family;
    private final double z;
    private final int rowsWithNewLevels;

    private GlmmPrediction(double[] conditionalLink, double[] populationLink, double[] populationSe, GlmFamily family,
            double z, int rowsWithNewLevels) {
        this.conditionalLink = conditionalLink;
        this.populationLink = populationLink;
        this.populationSe = populationSe;
        this.family = family;
        this.z = z;
        this.rowsWithNewLevels = rowsWithNewLevels;
    }

    /**
     * @param level coverage of the population prediction's confidence interval, e.g. 0.95
     * @param offsetFromData whether to add the model's offset column from {@code data} (false: offset 0, predictions
     *     per unit of exposure)
     */
    public static GlmmPrediction of(GlmmModel model, DataFrame data, double level, boolean offsetFromData) {
        if (!(level > 0 && level < 1)) {
            throw new MixedModelException("The confidence level must be between 0 and 1; got " + level + ".");
        }
        // the linear model's predictions of the same coefficients and modes are x'beta and x'beta + z'b
        Prediction linear = Prediction.of(model.linearPredictor(), data, 0.95, false);
        int n = data.rowCount();
        double[] offset = new double[n];
        if (offsetFromData && model.offset() != null) {
            if (!data.hasColumn(model.offset())) {
                throw new MixedModelException("The model's offset column '" + model.offset() + "' is not in the table;"
                        + " add it (the predictions need it), or predict per unit of exposure (offset 0).");
            }
            Column c = data.column(model.offset());
            if (!(c instanceof NumericColumn num)) {
                throw new MixedModelException("The offset column '" + model.offset() + "' must be numeric.");
            }
            for (int i = 0; i < n; i++) {
                offset[i] = num.isMissing(i) ? Double.NaN : num.value(i);
            }
        }
        double[] cond = linear.conditional();
        double[] pop = linear.population();
        for (int i = 0; i < n; i++) {
            cond[i] += offset[i];
            pop[i] += offset[i];
        }
        double zq = new NormalDistribution().inverseCumulativeProbability((1 + level) / 2);
        return new GlmmPrediction(cond, pop, linear.standardError(), model.glmFamily(), zq, linear.rowsWithNewLevels());
    }

    /** x'beta + offset + z'b per row (lme4's {@code predict(m, newdata, type = "link")}). */
    public double[] conditionalLink() {
        return conditionalLink.clone();
    }

    /** x'beta + offset per row ({@code re.form = NA, type = "link"}). */
    public double[] populationLink() {
        return populationLink.clone();
    }

    /** g^-1 of the conditional linear predictor: probabilities or means ({@code type = "response"}). */
    public double[] conditionalResponse() {
        return inverse(conditionalLink);
    }

    /** g^-1 of the population linear predictor ({@code re.form = NA, type = "response"}). */
    public double[] populationResponse() {
        return inverse(populationLink);
    }

    /** The SE of the population linear predictor, sqrt(x' V x) (link scale). */
    public double[] populationStandardError() {
        return populationSe.clone();
    }

    /** Lower limit of the population prediction's confidence interval, on the link or the response scale. */
    public double[] populationLower(boolean linkScale) {
        return limit(-1, linkScale);
    }

    /** Upper limit of the population prediction's confidence interval. */
    public double[] populationUpper(boolean linkScale) {
        return limit(1, linkScale);
    }

    /** Rows whose conditional prediction used a group level not seen in the fit (its mode taken as 0). */
    public int rowsWithNewLevels() {
        return rowsWithNewLevels;
    }

    private double[] limit(int sign, boolean linkScale) {
        double[] out = new double[populationLink.length];
        for (int i = 0; i < out.length; i++) {
            double eta = populationLink[i] + sign * z * populationSe[i];
            out[i] = linkScale ? eta : Double.isNaN(eta) ? Double.NaN : family.linkinv(eta);
        }
        return out;
    }

    private double[] inverse(double[] eta) {
        double[] out = Arrays.copyOf(eta, eta.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(eta[i]) ? Double.NaN : family.linkinv(eta[i]);
        }
        return out;
    }
}
