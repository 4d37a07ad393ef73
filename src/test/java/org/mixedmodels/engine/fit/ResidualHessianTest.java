package org.mixedmodels.engine.fit;

import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.linalg.SmallMatrices;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The exact second derivatives of the REML and ML criteria of residual-structure models
 * ({@link ResidualCovarianceModel#criterionDerivatives}) against central differences of the analytic gradient
 * ({@link ResidualCovarianceModel#devianceGradient}), in (x, sigma), at a point away from the optimum, for every
 * structure, with random effects, groups and varident terms: tolerance 1e-6 of the Hessian's largest entry (the
 * differences' own error at step 1e-5 is about 1e-9 of it). The expected information is checked against
 * tr(P V_r P V_s) formed densely over all rows, with V_r by central differences of each subject's V.
 */
class ResidualHessianTest {
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
    @CsvSource({"ar1, true", "us, false", "toeph, true"})
    void withRandomEffects(String structure, boolean reml) {
        check("FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) + " + structure + "(AVISIT | USUBJID)", fev(), reml);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"us(AVISIT | USUBJID) + varident(SEX | USUBJID)",
        "ar1(AVISIT | USUBJID) + varident(RACE | USUBJID)", "(1 | USUBJID) + varident(RACE | USUBJID)",
        "varident(ARMCD | USUBJID)", "us(AVISIT | ARMCD / USUBJID)", "ar1h(AVISIT | RACE / USUBJID) + varident(SEX | USUBJID)",
        "(1 | USUBJID) + ar1(AVISIT | ARMCD / USUBJID)", "(1 + VISITN | USUBJID) + ar1h(AVISIT | ARMCD / USUBJID)"})
    void withVarIdentOrGroups(String terms) {
        check("FEV1 ~ ARMCD * AVISIT + " + terms, fev(), true);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"sp_exp, true", "sp_gau, true", "sp_exp_nugget, true", "sp_gau_nugget, false"})
    void continuousTime(String structure, boolean reml) {
        DataFrame d = CsvReader.read(ReferenceCase.root().resolve("data").resolve("ctime.csv"));
        check("y_gau ~ group * time + " + structure + "(time | subject)", d, reml);
    }

    private static void check(String formula, DataFrame data, boolean reml) {
        Design design = Design.build(FormulaParser.parse(formula), data, Map.of());
        ResidualCovarianceModel model = new ResidualCovarianceModel(design, reml);
        double[] x = model.initial();
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < x.length; i++) {
            x[i] += 0.3 * random.nextGaussian();
            if (model.lowerBounds()[i] == 0) {
                x[i] = 0.5 + Math.abs(x[i]);
            }
        }
        int k = x.length;
        double sigma = 1.2 * Math.sqrt(model.evaluate(x).sigma2());
        CriterionDerivatives d = model.criterionDerivatives(x, sigma);
        double[] g = new double[k + 1];
        model.devianceGradient(x, sigma, g);
        double gLargest = 0;
        for (double v : g) {
            gLargest = Math.max(gLargest, Math.abs(v));
        }
        for (int i = 0; i <= k; i++) {
            assertClose(g[i], d.gradient()[i], 1e-10, gLargest, formula + " gradient " + i);
        }
        double largest = 0;
        for (double[] row : d.observed()) {
            for (double v : row) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        double h = 1e-5;
        double[][] numeric = new double[k + 1][];
        for (int j = 0; j <= k; j++) {
            double[] up = x.clone();
            double[] down = x.clone();
            double su = sigma;
            double sd = sigma;
            if (j < k) {
                up[j] += h;
                down[j] -= h;
            } else {
                su += h * sigma;
                sd -= h * sigma;
            }
            double[] gu = new double[k + 1];
            double[] gd = new double[k + 1];
            model.devianceGradient(up, su, gu);
            model.devianceGradient(down, sd, gd);
            numeric[j] = new double[k + 1];
            for (int i = 0; i <= k; i++) {
                numeric[j][i] = (gu[i] - gd[i]) / (2 * h * (j < k ? 1 : sigma));
            }
        }
        for (int i = 0; i <= k; i++) {
            for (int j = 0; j <= k; j++) {
                assertClose(numeric[j][i], d.observed()[i][j], 1e-6, largest,
                        formula + (reml ? " REML" : " ML") + " Hessian " + i + "," + j);
            }
        }
        // d (X'WX)^-1 / dx_r against differences of unscaledFixedCovariance
        for (int r = 0; r < k; r++) {
            double[] up = x.clone();
            double[] down = x.clone();
            up[r] += h;
            down[r] -= h;
            double[][] cu = model.unscaledFixedCovariance(up);
            double[][] cd = model.unscaledFixedCovariance(down);
            double jl = 0;
            for (double[] row : d.unscaledFixedCovarianceJacobian()[r]) {
                for (double v : row) {
                    jl = Math.max(jl, Math.abs(v));
                }
            }
            for (int a = 0; a < cu.length; a++) {
                for (int b = 0; b < cu.length; b++) {
                    assertClose((cu[a][b] - cd[a][b]) / (2 * h), d.unscaledFixedCovarianceJacobian()[r][a][b], 1e-6,
                            jl, formula + " d cov(beta) / dx_" + r);
                }
            }
        }
        if (reml && design.response().length <= 1000) {
            checkExpected(model, design, x, sigma, d);
        }
    }

    /** tr(P V_r P V_s) over all rows, densely, V_r by central differences of each subject's V. */
    private static void checkExpected(ResidualCovarianceModel model, Design design, double[] x, double sigma,
            CriterionDerivatives d) {
        int n = design.response().length;
        int k = x.length;
        int[][] rows = design.residual().rowsBySubject();
        double[][] v = dense(model, rows, x, n);
        double[][] w = SmallMatrices.inverseSpd(v);
        double[][] cols = design.fixed().columns();
        int p = cols.length;
        double[][] xm = new double[n][p];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < p; c++) {
                xm[i][c] = cols[c][i];
            }
        }
        double[][] wx = SmallMatrices.multiply(w, xm);
        double[][] a = SmallMatrices.inverseSpd(SmallMatrices.multiply(SmallMatrices.transpose(xm), wx));
        double[][] pm = SmallMatrices.multiply(SmallMatrices.multiply(wx, a), SmallMatrices.transpose(wx));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                pm[i][j] = w[i][j] - pm[i][j];
            }
        }
        double[][][] pv = new double[k][][];
        for (int r = 0; r < k; r++) {
            double[] up = x.clone();
            double[] down = x.clone();
            up[r] += 1e-5;
            down[r] -= 1e-5;
            double[][] vu = dense(model, rows, up, n);
            double[][] vd = dense(model, rows, down, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    vu[i][j] = (vu[i][j] - vd[i][j]) / 2e-5;
                }
            }
            pv[r] = SmallMatrices.multiply(pm, vu);
        }
        double largest = 0;
        for (double[] row : d.expected()) {
            for (double e : row) {
                largest = Math.max(largest, Math.abs(e));
            }
        }
        for (int r = 0; r < k; r++) {
            double tr = 0;
            for (int i = 0; i < n; i++) {
                tr += pv[r][i][i];
            }
            assertClose(2 * tr / sigma, d.expected()[r][k], 1e-6, largest, "expected information " + r + ", sigma");
            for (int s = 0; s <= r; s++) {
                double t = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        t += pv[r][i][j] * pv[s][j][i];
                    }
                }
                assertClose(t, d.expected()[r][s], 1e-6, largest, "expected information " + r + "," + s);
            }
        }
    }

    private static double[][] dense(ResidualCovarianceModel model, int[][] rows, double[] x, int n) {
        double[][] v = new double[n][n];
        double[][] lambda = model.lambda(x);
        double[] a = java.util.Arrays.copyOfRange(x, x.length - model.structureParameterCount(), x.length);
        for (int[] r : rows) {
            double[][] s = model.subjectCovariance(r, lambda, a);
            for (int j = 0; j < r.length; j++) {
                for (int l = 0; l < r.length; l++) {
                    v[r[j]][r[l]] = s[j][l];
                }
            }
        }
        return v;
    }
}
