package org.mixedmodels.engine.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The mixed-model ICC against lme4 1.1-31 (cases {@code radiomics_icc}, the variance components of the REML fit
 * {@code feature ~ 1 + (1 | patient)} on unbalanced test-retest data, and {@code radiomics_icc_lmm}, the full fit).
 * Point estimates are held to the reference README's 1e-6 relative (estimates and log-likelihoods). The reference
 * gives no interval for the ICC, so the bootstrap interval is tested by its properties, and against the exact F
 * interval of ICC(1) on balanced data (see {@link #intervalIsCloseToTheExactIntervalOnBalancedData}).
 */
class MixedModelIccTest {

    private static final double REL = 1e-6;

    private static ReferenceCase reference() {
        return ReferenceCase.load("radiomics_icc");
    }

    private static MixedModelIcc.Result referenceResult() {
        ReferenceCase c = reference();
        return MixedModelIcc.estimate(c.data(), c.string("subject"), c.string("value"));
    }

    @Test
    void matchesLme4VarianceComponents() {
        ReferenceCase c = reference();
        MixedModelIcc.Result r = referenceResult();
        assertClose(c.number("var_between"), r.varBetween(), REL, "var_between");
        assertClose(c.number("var_within"), r.varWithin(), REL, "var_within");
        assertClose(c.number("icc"), r.icc(), REL, "icc");
        assertEquals(IccForm.Interpretation.GOOD, r.interpretation());
        assertNull(r.bootstrap());
        assertTrue(Double.isNaN(r.lower()) && Double.isNaN(r.upper()));
        assertFalse(r.singular());
        assertEquals(0, r.omittedRows());
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
    }

    @Test
    void matchesTheLme4Fit() {
        ReferenceCase c = ReferenceCase.load("radiomics_icc_lmm");
        MixedModelIcc.Result r = referenceResult();
        assertEquals(c.number("nobs"), r.nobs());
        assertEquals(c.json().getAsJsonObject("ngroups").get("patient").getAsInt(), r.subjects());
        assertClose(c.number("sigma"), r.fit().sigma(), REL, "sigma");
        assertClose(c.number("theta"), r.fit().theta()[0], REL, "theta");
        assertClose(c.number("logLik"), r.fit().logLik(), REL, "REML logLik");
        JsonObject intercept = c.objects("fixed").get(0);
        assertClose(intercept.get("estimate").getAsDouble(), r.fit().fixedEffects().get(0).estimate(), REL, "intercept");
        assertClose(intercept.get("se").getAsDouble(), r.fit().fixedEffects().get(0).se(), 1e-5, "intercept SE");
        List<JsonObject> vc = c.objects("varcorr");
        assertClose(vc.get(0).get("vcov").getAsDouble(), r.varBetween(), REL, "varcorr patient");
        assertClose(vc.get(1).get("vcov").getAsDouble(), r.varWithin(), REL, "varcorr Residual");
    }

    /** The test-retest layout the ICC is for: unbalanced, 2 to 4 scans per patient. */
    @Test
    void referenceDataAreUnbalancedTestRetest() {
        MixedModelIcc.Result r = referenceResult();
        int min = r.sizes().values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        int max = r.sizes().values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertEquals(2, min);
        assertEquals(4, max);
        assertEquals(r.nobs(), r.sizes().values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(4, r.sizes().get("R01")); // the first four rows of the CSV
    }

    /**
     * REML on balanced data with a positive estimate reproduces the ANOVA estimators, so the mixed-model ICC equals
     * Shrout and Fleiss's ICC(1) (psych::ICC, case {@code ratings_icc_forms}) to the README's 1e-6.
     */
    @Test
    void equalsIcc1OnBalancedData() {
        ReferenceCase c = ReferenceCase.load("ratings_icc_forms");
        MixedModelIcc.Result r = MixedModelIcc.estimate(c.data(), "subject", "rating");
        double icc1 = c.objects("forms").get(0).get("icc").getAsDouble();
        assertClose(icc1, r.icc(), REL, "ICC(1)");
    }

    // ---- bootstrap interval ----------------------------------------------------------------------------------

    private static MixedModelIcc.Result withBootstrap(int replicates, long seed) {
        ReferenceCase c = reference();
        return MixedModelIcc.estimate(c.data(), "patient", "feature",
                MixedModelIcc.Options.defaults().withBootstrap(replicates, seed));
    }

    @Test
    void intervalContainsTheEstimateAndLiesInTheUnitInterval() {
        MixedModelIcc.Result r = withBootstrap(400, 7);
        MixedModelIcc.Bootstrap b = r.bootstrap();
        assertEquals(400, b.replicates());
        assertEquals(400, b.used());
        assertEquals(0.95, b.confidence());
        assertTrue(0 <= r.lower() && r.lower() < r.icc() && r.icc() < r.upper() && r.upper() <= 1,
                r.lower() + " " + r.icc() + " " + r.upper());
        for (double icc : b.iccs()) {
            assertTrue(icc >= 0 && icc <= 1, "replicate ICC " + icc);
        }
        // the point estimate's variance components are unchanged by the bootstrap
        assertClose(reference().number("icc"), r.icc(), REL, "icc");
    }

    @Test
    void sameSeedGivesTheSameInterval() {
        MixedModelIcc.Result a = withBootstrap(100, 42);
        MixedModelIcc.Result b = withBootstrap(100, 42);
        assertEquals(a.lower(), b.lower(), 0.0);
        assertEquals(a.upper(), b.upper(), 0.0);
        assertArrayEquals(a.bootstrap().iccs(), b.bootstrap().iccs(), 0.0);
        MixedModelIcc.Result other = withBootstrap(100, 43);
        assertNotEquals(a.lower(), other.lower());
        // replicate r depends on the seed and r only: the first 50 of 100 are the 50 of a shorter run
        MixedModelIcc.Result shorter = withBootstrap(50, 42);
        for (int i = 0; i < 50; i++) {
            assertEquals(a.bootstrap().iccs()[i], shorter.bootstrap().iccs()[i], 0.0, "replicate " + i);
        }
    }

    @Test
    void narrowerLevelGivesANarrowerInterval() {
        ReferenceCase c = reference();
        MixedModelIcc.Options o = MixedModelIcc.Options.defaults().withBootstrap(200, 3);
        MixedModelIcc.Result r95 = MixedModelIcc.estimate(c.data(), "patient", "feature", o);
        MixedModelIcc.Result r80 = MixedModelIcc.estimate(c.data(), "patient", "feature", o.withConfidence(0.8));
        assertTrue(r80.lower() > r95.lower() && r80.upper() < r95.upper());
    }

    /**
     * No reference gives a bootstrap interval for the ICC (lme4's bootMer draws from R's generator, which cannot be
     * reproduced here anyway), so the comparator is the exact F interval of ICC(1) (Shrout and Fleiss 1979, psych::ICC,
     * case {@code ratings_icc_forms}) on balanced data, where it is the interval of the same one-way random model.
     * The two are different constructions and agree only to within their own inaccuracies: the percentile method
     * carries the downward small-sample bias of the ICC estimator into its limits (20 subjects; seen here as the
     * bootstrap limits sitting about 0.02 below the exact lower limit and 0.01 below the upper), and the 2.5% and 97.5%
     * quantiles of 1000 replicates have a Monte Carlo SD of about 0.007 (limits over seeds 1 to 4 and the default
     * seed range over 0.764 to 0.780 and 0.936 to 0.941). Hence 0.04 absolute: bias plus three Monte Carlo SDs, a
     * quarter of the interval's width of 0.16, which still catches a wrong simulation (subject effects drawn per row
     * instead of per subject, or an SD used as a variance, move the limits by far more).
     */
    @Test
    void intervalIsCloseToTheExactIntervalOnBalancedData() {
        ReferenceCase c = ReferenceCase.load("ratings_icc_forms");
        JsonObject icc1 = c.objects("forms").get(0);
        MixedModelIcc.Result r = MixedModelIcc.estimate(c.data(), "subject", "rating", MixedModelIcc.Options.defaults());
        assertEquals(MixedModelIcc.DEFAULT_REPLICATES, r.bootstrap().replicates());
        assertEquals(icc1.get("lower").getAsDouble(), r.lower(), 0.04, "lower");
        assertEquals(icc1.get("upper").getAsDouble(), r.upper(), 0.04, "upper");
        if (reference().json().has("lower")) {
            // an lme4 bootMer percentile interval, should the reference ever carry one: the same construction with
            // R's random numbers, so the two runs' Monte Carlo errors (about 0.007 each) separate them; 0.04 is ample
            MixedModelIcc.Result ours = withBootstrap(1000, MixedModelIcc.DEFAULT_SEED);
            assertEquals(reference().number("lower"), ours.lower(), 0.04, "lower vs lme4");
            assertEquals(reference().number("upper"), ours.upper(), 0.04, "upper vs lme4");
        }
    }

    // ---- fixed effects ----------------------------------------------------------------------------------------

    /** lme4: {@code weight_g ~ treatment + (1 | cage)} on mice_cages (case {@code design_effect}, mice part). */
    @Test
    void fixedEffectColumnsGiveTheAdjustedIcc() {
        JsonObject mice = ReferenceCase.load("design_effect").json().getAsJsonObject("mice");
        DataFrame d = ReferenceCase.data("data/mice_cages.csv");
        MixedModelIcc.Result r = MixedModelIcc.estimate(d, "cage", "weight_g",
                MixedModelIcc.Options.pointEstimate().withFixedColumns(List.of("treatment")));
        assertClose(mice.get("icc").getAsDouble(), r.icc(), REL, "adjusted icc");
        assertEquals(List.of("treatment"), r.fixedColumns());
        assertEquals(2, r.fit().fixedEffects().size());
        MixedModelIcc.Result plain = MixedModelIcc.estimate(d, "cage", "weight_g");
        assertNotEquals(plain.icc(), r.icc(), 1e-3);
    }

    /** The bootstrap simulates around X beta, so the treatment effect stays out of the replicate ICCs too. */
    @Test
    void bootstrapWithFixedEffects() {
        DataFrame d = ReferenceCase.data("data/mice_cages.csv");
        MixedModelIcc.Result r = MixedModelIcc.estimate(d, "cage", "weight_g",
                MixedModelIcc.Options.defaults().withFixedColumns(List.of("treatment")).withBootstrap(300, 9));
        assertEquals(300, r.bootstrap().used());
        assertTrue(0 <= r.lower() && r.lower() < r.icc() && r.icc() < r.upper() && r.upper() <= 1,
                r.lower() + " " + r.icc() + " " + r.upper());
    }

    @Test
    void rowsWithMissingValuesAreLeftOutAndReported() {
        Rows rows = Rows.of(reference().data());
        rows.missing.set(4);
        MixedModelIcc.Result r = MixedModelIcc.estimate(rows.frame(), "patient", "feature");
        assertEquals(135, r.nobs());
        assertEquals(1, r.omittedRows());
        assertTrue(r.warnings().get(0).contains("1 of 136 rows were left out"), r.warnings().toString());
        assertTrue(Math.abs(r.icc() - reference().number("icc")) < 0.05);
    }

    @Test
    void subjectsMeasuredOnceStillCount() {
        Rows rows = Rows.of(reference().data());
        rows.add("NEW1", 12.0);
        rows.add("NEW2", 9.5);
        MixedModelIcc.Result r = MixedModelIcc.estimate(rows.frame(), "patient", "feature");
        assertEquals(47, r.subjects());
        assertEquals(1, r.sizes().get("NEW1"));
    }

    // ---- errors ----------------------------------------------------------------------------------------------

    @Test
    void nonNumericValueColumnIsRefused() {
        DataFrame d = table(List.of("a", "a", "b", "b"), null, new String[] {"low", "high", "low", "low"});
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "value column 'value'", "not numeric", "low");
    }

    @Test
    void fewerThanTwoSubjectsIsRefused() {
        DataFrame d = table(List.of("a", "a", "a"), new double[] {1, 2, 3}, null);
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "at least 2 subjects", "only 1 ('a')", "column 'subject'");
    }

    @Test
    void noRepeatedMeasurementIsRefused() {
        DataFrame d = table(List.of("a", "b", "c", "d"), new double[] {1, 2, 3, 5}, null);
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "No subject has 2 or more measurements", "each of the 4 subjects in column 'subject'",
                "single value in column 'value'");
    }

    @Test
    void noRepeatedMeasurementAfterMissingRowsSaysSo() {
        DataFrame d = new DataFrame(List.of(new CategoricalColumn("subject", new String[] {"a", "a", "b", "b"}),
                new NumericColumn("value", new double[] {1, 0, 2, 0}, bits(1, 3))));
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "No subject has 2 or more measurements", "among the 2 complete rows");
    }

    @Test
    void unknownAndRepeatedColumnsAreNamed() {
        DataFrame d = reference().data();
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "patient", "score"));
        assertMessage(e, "value column 'score'", "patient, scan, feature");
        e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "patient", "feature",
                MixedModelIcc.Options.pointEstimate().withFixedColumns(List.of("age"))));
        assertMessage(e, "fixed-effect column 'age'");
        e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "feature", "feature"));
        assertMessage(e, "different columns");
    }

    @Test
    void constantValuesAreRefused() {
        DataFrame d = table(List.of("a", "a", "b", "b"), new double[] {2, 2, 2, 2}, null);
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "identical", "'value'");
        DataFrame perfect = table(List.of("a", "a", "b", "b"), new double[] {2, 2, 3, 3}, null);
        e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(perfect, "subject", "value"));
        assertMessage(e, "repeated measurements", "within-subject variance is 0");
    }

    @Test
    void nonFiniteValueIsRefused() {
        DataFrame d = table(List.of("a", "a", "b", "b"), new double[] {1, Double.POSITIVE_INFINITY, 2, 3}, null);
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "subject", "value"));
        assertMessage(e, "data row 2", "subject 'a'", "finite");
    }

    @Test
    void badOptionsAreRefused() {
        DataFrame d = reference().data();
        MixedModelException e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "patient",
                "feature", MixedModelIcc.Options.defaults().withBootstrap(-1, 1)));
        assertMessage(e, "replicates", "-1");
        e = assertThrows(MixedModelException.class, () -> MixedModelIcc.estimate(d, "patient", "feature",
                MixedModelIcc.Options.defaults().withConfidence(95)));
        assertMessage(e, "between 0 and 1");
    }

    @Test
    void quantileIsRType7() {
        double[] x = {1, 2, 3, 4, 5};
        assertEquals(1.1, MixedModelIcc.quantile(x, 0.025), 1e-12);
        assertEquals(4.9, MixedModelIcc.quantile(x, 0.975), 1e-12);
        assertEquals(3, MixedModelIcc.quantile(x, 0.5), 0.0);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static void assertMessage(MixedModelException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    private static BitSet bits(int... set) {
        BitSet b = new BitSet();
        for (int i : set) {
            b.set(i);
        }
        return b;
    }

    private static DataFrame table(List<String> subjects, double[] values, String[] text) {
        List<Column> cols = new ArrayList<>();
        cols.add(new CategoricalColumn("subject", subjects.toArray(String[]::new)));
        cols.add(values != null ? new NumericColumn("value", values) : new CategoricalColumn("value", text));
        return new DataFrame(cols);
    }

    /** The radiomics table as editable rows (patient, feature). */
    private static final class Rows {
        final List<String> patients = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        final BitSet missing = new BitSet();

        static Rows of(DataFrame d) {
            Rows r = new Rows();
            NumericColumn v = (NumericColumn) d.column("feature");
            for (int i = 0; i < d.rowCount(); i++) {
                r.add(d.column("patient").label(i), v.value(i));
            }
            return r;
        }

        void add(String patient, double value) {
            patients.add(patient);
            values.add(value);
        }

        DataFrame frame() {
            double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
            return new DataFrame(List.of(new CategoricalColumn("patient", patients.toArray(String[]::new)),
                    new NumericColumn("feature", v, (BitSet) missing.clone())));
        }
    }
}
