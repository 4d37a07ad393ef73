package org.mixedmodels.engine.fit;

import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The analytic gradient of the REML and ML criteria of residual-structure models against central differences
 * of the criterion, at a point away from the optimum (where the gradient is large). Tolerance 1e-5 of the
 * gradient's largest component: the differences' own error at step 1e-5 is about 1e-8 of it.
 */
class ResidualGradientTest {
    private static DataFrame fev() {
        return CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"us, true", "us, false", "ar1, true", "ar1h, true", "cs, true", "csh, false", "diag, true",
        "toep, true", "toeph, true", "adh, true", "adh, false", "arma11, true"})
    void visitStructures(String structure, boolean reml) {
        check("FEV1 ~ ARMCD * AVISIT + RACE + SEX + " + structure + "(AVISIT | USUBJID)", fev(), reml);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ar1, true", "us, false"})
    void withRandomIntercept(String structure, boolean reml) {
        check("FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) + " + structure + "(AVISIT | USUBJID)", fev(), reml);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"us(AVISIT | USUBJID) + varident(SEX | USUBJID)",
        "ar1(AVISIT | USUBJID) + varident(RACE | USUBJID)", "(1 | USUBJID) + varident(RACE | USUBJID)",
        "varident(ARMCD | USUBJID)", "us(AVISIT | ARMCD / USUBJID)", "ar1h(AVISIT | RACE / USUBJID) + varident(SEX | USUBJID)",
        "(1 | USUBJID) + ar1(AVISIT | ARMCD / USUBJID)"})
    void withVarIdentOrGroups(String terms) {
        check("FEV1 ~ ARMCD * AVISIT + " + terms, fev(), true);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sp_exp", "sp_gau", "sp_exp_nugget", "sp_gau_nugget"})
    void continuousTime(String structure) {
        DataFrame d = CsvReader.read(ReferenceCase.root().resolve("data").resolve("ctime.csv"));
        check("y_gau ~ group * time + " + structure + "(time | subject)", d, true);
    }

    private static void check(String formula, DataFrame data, boolean reml) {
        Design design = Design.build(FormulaParser.parse(formula), data, Map.of());
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, reml);
        double[] x = model.initial();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] += 0.3 * random.nextGaussian();
            if (model.lowerBounds()[i] == 0) {
                x[i] = 0.5 + Math.abs(x[i]);
            }
        }
        double[] grad = new double[x.length];
        model.valueAndGradient(x, grad);
        double largest = 0;
        for (double g : grad) {
            largest = Math.max(largest, Math.abs(g));
        }
        // the deviance with sigma explicit (what Satterthwaite's Hessian differentiates), in x and in sigma
        double sigma = 1.3 * Math.sqrt(Math.abs(model.value(x)) / x.length + 1);
        double[] dgrad = new double[x.length + 1];
        model.devianceGradient(x, sigma, dgrad);
        double dLargest = 0;
        for (double g : dgrad) {
            dLargest = Math.max(dLargest, Math.abs(g));
        }
        for (int i = 0; i <= x.length; i++) {
            double h = 1e-5;
            double[] up = java.util.Arrays.copyOf(x, x.length);
            double[] down = java.util.Arrays.copyOf(x, x.length);
            double su = sigma;
            double sd = sigma;
            if (i < x.length) {
                up[i] += h;
                down[i] -= h;
            } else {
                su += h;
                sd -= h;
            }
            double numeric = (model.deviance(up, su) - model.deviance(down, sd)) / (2 * h);
            assertClose(numeric, dgrad[i], 1e-5, dLargest, formula + " deviance parameter " + i);
        }
        for (int i = 0; i < x.length; i++) {
            double h = 1e-5;
            double[] up = x.clone();
            double[] down = x.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (model.value(up) - model.value(down)) / (2 * h);
            assertClose(numeric, grad[i], 1e-5, largest, formula + " parameter " + i);
        }
    }
}
