package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Seeded property test over every lme4 and nlme reference case: multiplying the response or a numeric
 * predictor by a power of ten from 1e-9 to 1e9 or by 60, 1440 or 86400 (minutes, days, seconds) leaves the
 * Satterthwaite and Kenward-Roger df (1e-6 relative), t, p and the Type III F tests unchanged, and scales
 * estimates, SEs and interval ends exactly as the units do (coefficient j by c_y / c_j, c_j the factor its
 * model-matrix column took). Residual-structure models are among the nlme cases.
 */
class UnitsInvariancePropertyTest {
    private static final double[] FACTORS = {1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 10, 100, 1e3, 1e4,
        1e5, 1e6, 1e7, 1e8, 1e9, 60, 1440, 86400};
    /**
     * The df of the rescaled fit, relative: the 1e-6, for lme4-style and residual-structure fits alike. The
     * df are computed in unit-free coordinates at an optimum that is itself unit-free (the optimizer's point
     * polished by a Newton step, fit.NewtonPolish: the unit-free theta agree to about 1e-9 across units), so what
     * is left is the rounding of the numerical Hessian of the criterion (at most 1.4e-8 with two draws per case,
     * under 1e-7 with four).
     */
    private static final double DF_TOLERANCE = 1e-6;
    /**
     * The optimum in the unit-free coordinates (theta times its column's scale; the residual structure's own
     * parameters), relative to max(|value|, 1): the Newton step's point is the zero of the difference gradient,
     * found again to the gradient's rounding over the curvature: about 1e-9 mostly, up to 2e-7 in the flat
     * directions of sleepstudy_no_intercept_slopes (curvature 0.25, and without an intercept the response is not
     * centred, so the criterion rounds more).
     */
    private static final double OPTIMUM_TOLERANCE = 1e-6;
    /**
     * Estimates, SEs, t, F and interval ends (scaled), relative (to the SE for estimates and interval ends): they
     * follow the optimum, which agrees to about 1e-9.
     */
    private static final double ESTIMATE_TOLERANCE = 1e-6;
    private static final long SEED = 15;
    /** Kenward-Roger is checked up to this many rows: every lme4 reference case (the largest has 1,200). */
    private static final int MAX_ROWS_FOR_KR = 1200;

    static Stream<String> cases() {
        List<String> names = new ArrayList<>(ReferenceCase.names("lme4"));
        // the nlme cases (residual covariance structures; they carry no lme4 theta)
        names.addAll(List.of("qtcf_gls_ar1", "qtcf_ri_ar1", "qtcf_ri_car1", "qtcf_ri_only_nlme", "mmrm_us"));
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rescalingLeavesInferenceUnchanged(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        String formula = c.string("formula") + (c.json().has("residual") && c.json().get("residual").isJsonPrimitive()
                ? " + " + c.string("residual") : "");
        Formula parsed = FormulaParser.parse(formula);
        FitOptions options = options(c);
        DataFrame data = c.data();
        Random random = new Random(SEED + name.hashCode());
        List<String> predictors = new ArrayList<>();
        for (String v : parsed.variables()) {
            boolean structural = parsed.groupingVariables().contains(v)
                    || parsed.residualTerms().stream().anyMatch(r -> r.time().equals(v));
            if (!v.equals(parsed.response()) && !structural && data.column(v) instanceof NumericColumn) {
                predictors.add(v);
            }
        }
        FitResult base = LinearMixedModel.fit(formula, data, options);
        List<DfMethod> methods = new ArrayList<>(List.of(DfMethod.SATTERTHWAITE));
        // Kenward-Roger's lme4 path works on dense n x n matrices (about 1 s at 1,000 rows); up to MAX_ROWS_FOR_KR
        // that is every REML reference case, crosslevel_interaction's 1,200 rows the largest
        boolean smallEnoughForKr = base.residual() != null || base.nobs() <= MAX_ROWS_FOR_KR;
        if (base.method() == FitOptions.Method.REML && !base.fixedEffects().isEmpty() && smallEnoughForKr) {
            methods.add(DfMethod.KENWARD_ROGER);
        }
        Map<DfMethod, FixedEffectsInference> baseInference = new HashMap<>();
        for (DfMethod m : methods) {
            baseInference.put(m, FixedEffectsInference.of(base, m, 0.95));
        }
        List<String> columns = new ArrayList<>();
        columns.add(parsed.response());
        if (!predictors.isEmpty()) {
            columns.add(predictors.get(random.nextInt(predictors.size())));
        }
        // one draw per column in the build; -Dinvariance.draws=N for more
        int draws = Integer.getInteger("invariance.draws", 1);
        List<String> drawn = new ArrayList<>();
        for (int d = 0; d < draws; d++) {
            drawn.addAll(columns);
        }
        double dfTolerance = DF_TOLERANCE;
        // p in the far tail (1e-9) moves by about t^2 times the relative change of t, and with the df
        double pTolerance = 1e-5;
        double estimateTolerance = ESTIMATE_TOLERANCE;
        double[] baseOptimum = unitFreeOptimum(base);
        for (String column : drawn) {
            double factor = FACTORS[random.nextInt(FACTORS.length)];
            String what = name + ", " + column + " x " + factor;
            FitResult scaled = LinearMixedModel.fit(formula, rescaled(data, column, factor), options);
            double cy = column.equals(parsed.response()) ? factor : 1;
            double[] optimum = unitFreeOptimum(scaled);
            for (int i = 0; i < optimum.length; i++) {
                assertClose(baseOptimum[i], optimum[i], OPTIMUM_TOLERANCE, 1, what + " unit-free optimum [" + i + "]");
            }
            double[] cx = columnFactors(base, scaled);
            for (DfMethod m : methods) {
                FixedEffectsInference a = baseInference.get(m);
                FixedEffectsInference b = FixedEffectsInference.of(scaled, m, 0.95);
                String label = what + " (" + m + ")";
                assertEquals(a.coefficients().size(), b.coefficients().size());
                for (int j = 0; j < a.coefficients().size(); j++) {
                    CoefficientTest x = a.coefficients().get(j);
                    CoefficientTest y = b.coefficients().get(j);
                    double unit = cy / cx[j];
                    String t = label + " " + x.term();
                    assertClose(x.estimate() * unit, y.estimate(), estimateTolerance, x.se() * Math.abs(unit), t + " estimate");
                    assertClose(x.se() * Math.abs(unit), y.se(), estimateTolerance, t + " se");
                    assertClose(x.df(), y.df(), dfTolerance, t + " df");
                    assertClose(x.t(), y.t(), estimateTolerance, 1, t + " t");
                    assertPClose(x.p(), y.p(), pTolerance, t + " p");
                    assertClose(x.lower() * unit, unit > 0 ? y.lower() : y.upper(), estimateTolerance,
                            x.se() * Math.abs(unit), t + " lower");
                    assertClose(x.upper() * unit, unit > 0 ? y.upper() : y.lower(), estimateTolerance,
                            x.se() * Math.abs(unit), t + " upper");
                }
                for (int k = 0; k < a.typeIII().size(); k++) {
                    TermTest x = a.typeIII().get(k);
                    TermTest y = b.typeIII().get(k);
                    String t = label + " " + x.term();
                    assertEquals(x.numDf(), y.numDf(), 0.0, t + " numdf");
                    assertClose(x.denDf(), y.denDf(), dfTolerance, t + " dendf");
                    assertClose(x.f(), y.f(), estimateTolerance, t + " F");
                    assertPClose(x.p(), y.p(), pTolerance, t + " p");
                }
            }
        }
    }

    /**
     * LS means and their pairwise differences (Satterthwaite and Kenward-Roger) of the emmeans reference cases:
     * rescaling the response scales means, differences, SEs and interval ends; rescaling the covariate age (the
     * means are taken at its mean) changes nothing; df, t and all p-values, Tukey's among them, stay.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("lsMeansCases")
    void lsMeansAreInvariant(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        Random random = new Random(SEED + name.hashCode());
        FitResult base = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        List<String> columns = new ArrayList<>(List.of(FormulaParser.parse(c.string("formula")).response()));
        if (c.data().hasColumn("age")) {
            columns.add("age");
        }
        for (String column : columns) {
            double factor = FACTORS[random.nextInt(FACTORS.length)];
            FitResult scaled = LinearMixedModel.fit(c.string("formula"), rescaled(c.data(), column, factor),
                    FitOptions.reml());
            double unit = column.equals("age") ? 1 : factor;
            List<DfMethod> methods = base.nobs() <= MAX_ROWS_FOR_KR ? List.of(DfMethod.SATTERTHWAITE, DfMethod.KENWARD_ROGER)
                    : List.of(DfMethod.SATTERTHWAITE);
            for (DfMethod m : methods) {
                String what = name + ", " + column + " x " + factor + " (" + m + ")";
                EstimatedMarginalMeans a = EstimatedMarginalMeans.of(base, List.of(c.string("specs")), m, 0.95);
                EstimatedMarginalMeans b = EstimatedMarginalMeans.of(scaled, List.of(c.string("specs")), m, 0.95);
                for (int i = 0; i < a.means().size(); i++) {
                    EstimatedMarginalMeans.Mean x = a.means().get(i);
                    EstimatedMarginalMeans.Mean y = b.means().get(i);
                    assertClose(x.estimate() * unit, y.estimate(), ESTIMATE_TOLERANCE, x.se() * unit, what + " mean");
                    assertClose(x.se() * unit, y.se(), ESTIMATE_TOLERANCE, what + " se");
                    assertClose(x.df(), y.df(), DF_TOLERANCE, what + " df");
                    assertClose(x.lower() * unit, y.lower(), ESTIMATE_TOLERANCE, x.se() * unit, what + " lower");
                    assertClose(x.upper() * unit, y.upper(), ESTIMATE_TOLERANCE, x.se() * unit, what + " upper");
                }
                for (int i = 0; i < a.differences().size(); i++) {
                    EstimatedMarginalMeans.Difference x = a.differences().get(i);
                    EstimatedMarginalMeans.Difference y = b.differences().get(i);
                    assertClose(x.estimate() * unit, y.estimate(), ESTIMATE_TOLERANCE, x.se() * unit, what + " difference");
                    assertClose(x.df(), y.df(), DF_TOLERANCE, what + " difference df");
                    assertPClose(x.p(), y.p(), 1e-5, what + " p");
                    assertPClose(x.pTukey(), y.pTukey(), 1e-5, what + " Tukey p");
                    assertPClose(x.pHolm(), y.pHolm(), 1e-5, what + " Holm p");
                }
            }
        }
    }

    static Stream<String> lsMeansCases() {
        return Stream.of("crossover_lsmeans", "nf1_lsmeans");
    }

    /** The case's options; mmrm_us's visits in time order, as its reference. */
    static FitOptions options(ReferenceCase c) {
        FitOptions options = c.options();
        return c.name().equals("mmrm_us")
                ? options.withLevelOrders(Map.of("visit", List.of("WEEK2", "WEEK4", "WEEK8", "WEEK12"))) : options;
    }

    /** theta times its random-effect column's scale, then the residual structure's parameters (unit-free). */
    static double[] unitFreeOptimum(FitResult fit) {
        double[] scale = LinearMixedModel.thetaScales(fit.design().randomTerms());
        double[] a = fit.residual() == null ? new double[0] : fit.residual().parameters();
        double[] u = java.util.Arrays.copyOf(fit.theta(), fit.theta().length + a.length);
        for (int i = 0; i < scale.length; i++) {
            u[i] *= scale[i];
        }
        System.arraycopy(a, 0, u, fit.theta().length, a.length);
        return u;
    }

    /** The data with one numeric column multiplied by the factor. */
    static DataFrame rescaled(DataFrame data, String column, double factor) {
        List<Column> out = new ArrayList<>();
        for (String n : data.columnNames()) {
            Column col = data.column(n);
            if (n.equals(column)) {
                NumericColumn num = (NumericColumn) col;
                double[] v = new double[num.size()];
                java.util.BitSet missing = new java.util.BitSet();
                for (int i = 0; i < v.length; i++) {
                    v[i] = num.value(i) * factor;
                    if (num.isMissing(i)) {
                        missing.set(i);
                    }
                }
                out.add(new NumericColumn(n, v, missing));
            } else {
                out.add(col);
            }
        }
        return new DataFrame(out);
    }

    /** Per model-matrix column, the factor it was multiplied by (its largest entry's ratio). */
    static double[] columnFactors(FitResult base, FitResult scaled) {
        double[][] x = base.design().fixed().columns();
        double[][] y = scaled.design().fixed().columns();
        double[] f = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            int at = 0;
            for (int i = 0; i < x[j].length; i++) {
                if (Math.abs(x[j][i]) > Math.abs(x[j][at])) {
                    at = i;
                }
            }
            f[j] = x[j][at] == 0 ? 1 : y[j][at] / x[j][at];
        }
        return f;
    }
}
