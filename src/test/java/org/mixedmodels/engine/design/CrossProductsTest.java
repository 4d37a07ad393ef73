package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.engine.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A fit from cross-product statistics equals the fit from rows: in memory ({@link CrossProducts#of}), and from sums
 * over batches of rows coded by an {@link CrossProducts.Encoder} and merged in another order, as a distributed job
 * makes them ({@link CrossProducts#fromParts}; the Spark module's tests run the same through Spark).
 */
class CrossProductsTest {
    /** Statistics from the same rows summed in another order (compensated sums): the same doubles, the same fit. */
    static final double SAME = 1e-10;
    /**
     * Statistics against rows: the sums differ in the last bits (compensated against plain summation), and the
     * optimizer, which stops within its own tolerance, turns that into differences up to about 1e-7 in theta.
     */
    static final double OPTIMIZER = 1e-6;
    /** Satterthwaite's df between rows and statistics: numerical second derivatives amplify the above tenfold. */
    static final double OPTIMIZER_DF = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_slopes", "sleepstudy_slopes_ml", "sleepstudy_uncorrelated",
            "sleepstudy_intercept_ml", "sleepstudy_no_intercept_slopes", "sleepstudy_no_fixed", "sleepstudy_tiny_units",
            "pastes_nested", "neurons_three_level", "penicillin_crossed", "orthodont_crosslevel",
            "orthodont_crosslevel_male_reference", "cake_factor_temperature", "nf1_lesions", "crossover_ab_ba",
            "dyestuff2_singular", "chip_random_slope", "mice_cage_lmm"})
    void statisticsGiveTheFitFromRows(String name) {
        ReferenceCase c = ReferenceCase.load(name);
        FitOptions options = c.options();
        Design design = Design.build(FormulaParser.parse(c.string("formula")), c.data(), options.referenceLevels());
        FitResult rows = LinearMixedModel.fit(design, options);
        CrossProducts inMemory = CrossProducts.of(design);
        FitResult fromStats = LinearMixedModel.fit(inMemory.design(), options);
        assertSame(rows, fromStats, OPTIMIZER, name + " (in memory)");
        FitResult distributed = LinearMixedModel.fit(batched(c.string("formula"), c.data(), options, 3, 7).design(),
                options);
        assertSame(fromStats, distributed, SAME, name + " (batched)");
        Tolerance.assertClose(c.number("logLik"), distributed.logLik(), 1e-6, name + " logLik vs lme4");
        assertEquals(0, distributed.fittedConditional().length, "a row-free fit has no fitted values");
        assertEquals(rows.design().fixed().names(), distributed.design().fixed().names());
        assertEquals(rows.warnings(), distributed.warnings(), name + " warnings");
    }

    @Test
    void missingValuesAreCountedAsFromRows() {
        DataFrame data = ReferenceCase.data("data/sleepstudy.csv");
        // blank out a response and a predictor value
        double[] reaction = new double[data.rowCount()];
        double[] days = new double[data.rowCount()];
        java.util.BitSet missingReaction = new java.util.BitSet();
        java.util.BitSet missingDays = new java.util.BitSet();
        for (int r = 0; r < reaction.length; r++) {
            reaction[r] = ((NumericColumn) data.column("Reaction")).value(r);
            days[r] = ((NumericColumn) data.column("Days")).value(r);
        }
        missingReaction.set(3);
        missingReaction.set(50);
        missingDays.set(50);
        missingDays.set(100);
        List<Column> cols = new ArrayList<>();
        cols.add(new NumericColumn("Reaction", reaction, missingReaction));
        cols.add(new NumericColumn("Days", days, missingDays));
        cols.add(data.column("Subject"));
        DataFrame holes = new DataFrame(cols);
        FitOptions options = FitOptions.reml();
        FitResult rows = LinearMixedModel.fit("Reaction ~ Days + (Days | Subject)", holes, options);
        FitResult stats = LinearMixedModel.fit(batched("Reaction ~ Days + (Days | Subject)", holes, options, 2, 1)
                .design(), options);
        assertEquals(3, rows.design().frame().omittedRows());
        assertEquals(rows.design().frame().omittedRows(), stats.design().frame().omittedRows());
        assertEquals(rows.nobs(), stats.nobs());
        assertSame(rows, stats, OPTIMIZER, "sleepstudy with holes");
        FitResult inMemory = LinearMixedModel.fit(CrossProducts.of(rows.design()).design(), options);
        assertSame(inMemory, stats, SAME, "sleepstudy with holes");
        assertEquals(rows.warnings(), stats.warnings());
    }

    @Test
    void aliasedColumnsAreDroppedAsFromRows() {
        DataFrame data = ReferenceCase.data("data/sleepstudy.csv");
        double[] twice = new double[data.rowCount()];
        for (int r = 0; r < twice.length; r++) {
            twice[r] = 2 * ((NumericColumn) data.column("Days")).value(r);
        }
        List<Column> cols = new ArrayList<>();
        for (String n : data.columnNames()) {
            cols.add(data.column(n));
        }
        cols.add(new NumericColumn("Days2", twice));
        DataFrame withAlias = new DataFrame(cols);
        String formula = "Reaction ~ Days + Days2 + (1 | Subject)";
        FitResult rows = LinearMixedModel.fit(formula, withAlias, FitOptions.reml());
        FitResult stats = LinearMixedModel.fit(batched(formula, withAlias, FitOptions.reml(), 3, 2).design(),
                FitOptions.reml());
        assertEquals(List.of("Days2"), rows.design().droppedColumns());
        assertEquals(rows.design().droppedColumns(), stats.design().droppedColumns());
        assertSame(rows, stats, OPTIMIZER, "aliased");
        FitResult inMemory = LinearMixedModel.fit(CrossProducts.of(rows.design()).design(), FitOptions.reml());
        assertSame(inMemory, stats, SAME, "aliased");
        assertEquals(rows.warnings(), stats.warnings());
    }

    @Test
    void residualStructuresAreRefusedWithTheReason() {
        MixedModelException e = assertThrows(MixedModelException.class, () -> CrossProducts.Encoder.of(
                "y ~ visit + ar1(visit | subject)", Map.of(), Map.of(), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("residual covariance structure"), e.getMessage());
        assertTrue(e.getMessage().contains("per visit pattern"), e.getMessage());
    }

    @Test
    void theStatisticsGrowWithGroupsNotRows() {
        DataFrame data = ReferenceCase.data("data/sleepstudy.csv");
        CrossProducts stats = batched("Reaction ~ Days + (Days | Subject)", data, FitOptions.reml(), 1, 0);
        // 18 subjects: per subject 2x2 Z'Z and 3 rows (X, y) x 2 of Z'[X y]; the rest is [X y]'[X y]
        assertEquals(18 * (4 + 6) * 8 + 18 * 3 * 4 + 19 * 4 + 6 * (8 + 8), stats.bytes());
        assertNull(stats.design().residual());
    }

    static void assertSame(FitResult expected, FitResult actual, double tol, String what) {
        double dfTol = tol == OPTIMIZER ? OPTIMIZER_DF : tol;
        assertEquals(expected.theta().length, actual.theta().length);
        double thetaScale = 0;
        for (double t : expected.theta()) {
            thetaScale = Math.max(thetaScale, Math.abs(t));
        }
        for (int i = 0; i < expected.theta().length; i++) {
            Tolerance.assertClose(expected.theta()[i], actual.theta()[i], tol, thetaScale, what + " theta " + i);
        }
        Tolerance.assertClose(expected.sigma(), actual.sigma(), tol, what + " sigma");
        Tolerance.assertClose(expected.logLik(), actual.logLik(), tol, what + " logLik");
        assertEquals(expected.nobs(), actual.nobs());
        assertEquals(expected.ngroups(), actual.ngroups());
        FixedEffectsInference ie = FixedEffectsInference.of(expected, DfMethod.SATTERTHWAITE, 0.95);
        FixedEffectsInference ia = FixedEffectsInference.of(actual, DfMethod.SATTERTHWAITE, 0.95);
        for (int j = 0; j < expected.fixedEffects().size(); j++) {
            var e = expected.fixedEffects().get(j);
            var a = actual.fixedEffects().get(j);
            assertEquals(e.term(), a.term());
            Tolerance.assertClose(e.estimate(), a.estimate(), tol, e.se(), what + " " + e.term());
            Tolerance.assertClose(e.se(), a.se(), tol, what + " se " + e.term());
            // Satterthwaite's df come from numerical second derivatives of the criterion, which amplify differences
            // at the optimum: 1e-6 between rows and statistics; from the same statistics they are the same doubles.
            Tolerance.assertClose(ie.coefficients().get(j).df(), ia.coefficients().get(j).df(), dfTol,
                    what + " df " + e.term());
        }
        double scale = 0;
        for (RandomEffect r : expected.randomEffects()) {
            scale = Math.max(scale, Math.abs(r.value()));
        }
        assertEquals(expected.randomEffects().size(), actual.randomEffects().size());
        for (int i = 0; i < expected.randomEffects().size(); i++) {
            RandomEffect e = expected.randomEffects().get(i);
            RandomEffect a = actual.randomEffects().get(i);
            assertEquals(e.level(), a.level());
            assertEquals(e.term(), a.term());
            Tolerance.assertClose(e.value(), a.value(), tol, scale, what + " blup " + e.group() + " " + e.level());
            Tolerance.assertClose(e.condsd(), a.condsd(), tol, what + " condsd " + e.level());
        }
    }

    /**
     * The statistics as a distributed job makes them: levels collected over the complete rows, rows in
     * {@code batches} shuffled batches coded by the encoder, column moments first (the centring), then groups and
     * rest per batch, merged across batches.
     */
    static CrossProducts batched(String formulaText, DataFrame data, FitOptions options, int batches, long seed) {
        Formula formula = FormulaParser.parse(formulaText);
        List<String> vars = formula.variables();
        Set<String> categorical = new LinkedHashSet<>();
        for (String v : vars) {
            if (data.column(v) instanceof CategoricalColumn || formula.groupingVariables().contains(v)) {
                categorical.add(v);
            }
        }
        List<Integer> complete = new ArrayList<>();
        for (int r = 0; r < data.rowCount(); r++) {
            boolean ok = true;
            for (String v : vars) {
                ok &= !data.column(v).isMissing(r);
            }
            if (ok) {
                complete.add(r);
            }
        }
        Map<String, Set<String>> labels = new LinkedHashMap<>();
        Map<String, Set<List<String>>> tuples = new LinkedHashMap<>();
        for (String v : categorical) {
            labels.put(v, new LinkedHashSet<>());
        }
        for (RandomTerm t : formula.randomTerms()) {
            if (t.grouping().size() > 1) {
                tuples.put(t.groupingName(), new LinkedHashSet<>());
            }
        }
        for (int r : complete) {
            for (String v : categorical) {
                labels.get(v).add(data.column(v).label(r));
            }
            for (RandomTerm t : formula.randomTerms()) {
                if (t.grouping().size() > 1) {
                    List<String> tuple = new ArrayList<>();
                    for (String g : t.grouping()) {
                        tuple.add(data.column(g).label(r));
                    }
                    tuples.get(t.groupingName()).add(tuple);
                }
            }
        }
        CrossProducts.Encoder encoder = CrossProducts.Encoder.of(formulaText, labels, tuples, options.referenceLevels(),
                options.levelOrders());
        java.util.Collections.shuffle(complete, new Random(seed));
        List<CrossProducts.RowBatch> coded = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<Integer> rows = complete.subList(complete.size() * b / batches, complete.size() * (b + 1) / batches);
            Map<String, int[]> codes = new HashMap<>();
            Map<String, double[]> numbers = new HashMap<>();
            for (String v : vars) {
                if (categorical.contains(v)) {
                    int[] c = new int[rows.size()];
                    for (int i = 0; i < c.length; i++) {
                        c[i] = encoder.code(v, data.column(v).label(rows.get(i)));
                    }
                    codes.put(v, c);
                } else {
                    double[] x = new double[rows.size()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = ((NumericColumn) data.column(v)).value(rows.get(i));
                    }
                    numbers.put(v, x);
                }
            }
            coded.add(encoder.encode(codes, numbers, rows.size()));
        }
        CrossProducts.Moments moments = encoder.newMoments();
        for (CrossProducts.RowBatch b : coded) {
            CrossProducts.Moments part = encoder.newMoments();
            part.add(b);
            moments.merge(part);
        }
        CrossProducts.Layout layout = encoder.layout(moments);
        Map<Integer, CrossProducts.Group> groups = new HashMap<>();
        CrossProducts.Rest rest = null;
        for (CrossProducts.RowBatch b : coded) {
            CrossProducts.Accumulator acc = new CrossProducts.Accumulator(layout);
            acc.add(b);
            for (CrossProducts.Group g : acc.groups()) {
                groups.merge(g.level(), g, CrossProducts.Group::merge);
            }
            rest = rest == null ? acc.rest() : rest.merge(acc.rest());
        }
        return CrossProducts.fromParts(encoder, moments, groups.values(), rest, data.rowCount() - complete.size());
    }
}
