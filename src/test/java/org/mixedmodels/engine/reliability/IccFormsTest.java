package org.mixedmodels.engine.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

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
 * The six Shrout-Fleiss forms against psych 2.2.9 ICC() (case {@code ratings_icc_forms}). Tolerances follow the
 * reference README: estimates 1e-6 relative, which here covers the ICCs, the F ratios, the p-values (compared on
 * the log scale below 1e-10, see {@link org.mixedmodels.engine.testing.Tolerance#assertPClose}) and the interval
 * limits, all closed forms of the mean squares and F quantiles; the df are integers and compared exactly.
 */
class IccFormsTest {

    private static final double REL = 1e-6;

    private static ReferenceCase reference() {
        return ReferenceCase.load("ratings_icc_forms");
    }

    private static IccForms.Result referenceResult() {
        ReferenceCase c = reference();
        return IccForms.compute(c.data(), c.string("subject"), c.string("value"), c.string("rater"));
    }

    @Test
    void matchesPsychIcc() {
        ReferenceCase c = reference();
        IccForms.Result r = referenceResult();
        assertEquals(20, r.subjects());
        assertEquals(4, r.raters());
        assertEquals(0.95, r.confidence());
        List<JsonObject> expected = c.objects("forms");
        assertEquals(6, expected.size());
        for (JsonObject e : expected) {
            IccForm.Type type = IccForm.Type.of(e.get("type").getAsString());
            IccForm f = r.form(type);
            String what = type.label();
            assertEquals(type, f.type());
            assertEquals(e.get("description").getAsString().replace('_', ' '), type.description(), what);
            assertClose(e.get("icc").getAsDouble(), f.icc(), REL, what + " icc");
            assertClose(e.get("F").getAsDouble(), f.f(), REL, what + " F");
            assertEquals(e.get("df1").getAsDouble(), f.df1(), 0.0, what + " df1");
            assertEquals(e.get("df2").getAsDouble(), f.df2(), 0.0, what + " df2");
            assertPClose(e.get("p").getAsDouble(), f.p(), REL, what + " p");
            assertClose(e.get("lower").getAsDouble(), f.lower(), REL, what + " lower");
            assertClose(e.get("upper").getAsDouble(), f.upper(), REL, what + " upper");
            assertEquals(IccForm.Interpretation.of(e.get("icc").getAsDouble()), f.interpretation(), what);
        }
        assertEquals(IccForm.Interpretation.GOOD, r.form(IccForm.Type.ICC1).interpretation());
        assertEquals(IccForm.Interpretation.EXCELLENT, r.form(IccForm.Type.ICC3).interpretation());
    }

    @Test
    void matrixInputGivesTheSameForms() {
        IccForms.Result longForm = referenceResult();
        double[][] m = matrix(reference().data(), longForm);
        IccForms.Result wide = IccForms.compute(m);
        for (IccForm.Type t : IccForm.Type.values()) {
            IccForm a = longForm.form(t);
            IccForm b = wide.form(t);
            assertClose(a.icc(), b.icc(), 1e-12, t + " icc");
            assertClose(a.f(), b.f(), 1e-12, t + " F");
            assertClose(a.p(), b.p(), 1e-10, t + " p");
            assertClose(a.lower(), b.lower(), 1e-12, t + " lower");
            assertClose(a.upper(), b.upper(), 1e-12, t + " upper");
        }
        assertClose(longForm.msr(), wide.msr(), 1e-12, "MSR");
        assertClose(longForm.msc(), wide.msc(), 1e-12, "MSC");
        assertClose(longForm.mse(), wide.mse(), 1e-12, "MSE");
        assertClose(longForm.msw(), wide.msw(), 1e-12, "MSW");
    }

    /** Shrout and Fleiss (1979) Table 2 example: 6 targets, 4 judges; Table 4 prints the ICCs to 2 digits. */
    @Test
    void reproducesShroutFleissTable4() {
        double[][] sf = {{9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7}};
        IccForms.Result r = IccForms.compute(sf);
        // Shrout and Fleiss Table 2: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02 (rounded to 2 decimals)
        assertEquals(11.24, r.msr(), 0.005);
        assertEquals(6.26, r.msw(), 0.005);
        assertEquals(32.49, r.msc(), 0.005);
        assertEquals(1.02, r.mse(), 0.005);
        double[] printed = {0.17, 0.29, 0.71, 0.44, 0.62, 0.91};
        for (IccForm.Type t : IccForm.Type.values()) {
            assertEquals(printed[t.ordinal()], r.form(t).icc(), 0.005, t.label());
            assertTrue(r.form(t).lower() < r.form(t).icc() && r.form(t).icc() < r.form(t).upper(), t.label());
        }
    }

    @Test
    void confidenceLevelIsSettable() {
        ReferenceCase c = reference();
        IccForms.Result r95 = referenceResult();
        IccForms.Result r90 = IccForms.compute(c.data(), "subject", "rating", "rater", 0.90);
        assertEquals(0.90, r90.confidence());
        for (IccForm.Type t : IccForm.Type.values()) {
            assertEquals(r95.form(t).icc(), r90.form(t).icc(), t.label());
            assertEquals(r95.form(t).p(), r90.form(t).p(), t.label());
            assertTrue(r90.form(t).lower() > r95.form(t).lower(), t.label() + " lower");
            assertTrue(r90.form(t).upper() < r95.form(t).upper(), t.label() + " upper");
        }
        MixedModelException e = assertThrows(MixedModelException.class, () -> IccForms.compute(c.data(), "subject",
                "rating", "rater", 95));
        assertTrue(e.getMessage().contains("between 0 and 1"), e.getMessage());
    }

    @Test
    void interpretationFollowsKooAndLi() {
        assertEquals(IccForm.Interpretation.POOR, IccForm.Interpretation.of(-0.2));
        assertEquals(IccForm.Interpretation.POOR, IccForm.Interpretation.of(0.49));
        assertEquals(IccForm.Interpretation.MODERATE, IccForm.Interpretation.of(0.5));
        assertEquals(IccForm.Interpretation.MODERATE, IccForm.Interpretation.of(0.74));
        assertEquals(IccForm.Interpretation.GOOD, IccForm.Interpretation.of(0.75));
        assertEquals(IccForm.Interpretation.GOOD, IccForm.Interpretation.of(0.9));
        assertEquals(IccForm.Interpretation.EXCELLENT, IccForm.Interpretation.of(0.91));
        assertEquals(IccForm.Interpretation.POOR, IccForm.Interpretation.of(Double.NaN));
    }

    // ---- errors -------------------------------------------------------------------------------------------

    @Test
    void nonNumericRatingColumnIsRefused() {
        DataFrame d = longTable(List.of("s1", "s1", "s2", "s2"), List.of("a", "b", "a", "b"), null,
                new String[] {"low", "high", "low", "low"});
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(d, "subject", "rating", "rater"));
        assertMessage(e, "'rating'", "not numeric", "low");
    }

    @Test
    void unknownColumnIsNamed() {
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(reference().data(), "subject", "score", "rater"));
        assertMessage(e, "rating column 'score'", "subject, rater, rating");
    }

    @Test
    void missingRatingIsRefused() {
        Rows rows = Rows.of(reference().data());
        rows.missing.set(5);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(rows.frame(), "subject", "rating", "rater"));
        assertMessage(e, "'" + rows.subjects.get(5) + "'", "'" + rows.raters.get(5) + "'", "missing",
                "complete, balanced data", "mixed-model ICC");
    }

    @Test
    void subjectWithoutARatingFromSomeRaterIsRefused() {
        Rows rows = Rows.of(reference().data());
        String subject = rows.subjects.get(7);
        String rater = rows.raters.get(7);
        rows.remove(7);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(rows.frame(), "subject", "rating", "rater"));
        assertMessage(e, "Subject '" + subject + "'", "no rating from rater '" + rater + "'",
                "complete, balanced data", "mixed-model ICC");
    }

    @Test
    void duplicateRatingIsRefused() {
        Rows rows = Rows.of(reference().data());
        rows.add(rows.subjects.get(3), rows.raters.get(3), 61.0);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(rows.frame(), "subject", "rating", "rater"));
        assertMessage(e, "'" + rows.subjects.get(3) + "'", "more than one rating from rater '" + rows.raters.get(3) + "'",
                "complete, balanced data", "mixed-model ICC");
    }

    @Test
    void raggedMatrixIsRefused() {
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(new double[][] {{1, 2, 3}, {2, 3}, {4, 5, 6}}));
        assertMessage(e, "Row 2", "complete, balanced data", "mixed-model ICC");
        e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(new double[][] {{1, 2}, {2, Double.NaN}, {4, 5}}));
        assertMessage(e, "subject 2", "rater 2", "missing");
    }

    @Test
    void fewerThanTwoSubjectsIsRefused() {
        DataFrame d = longTable(List.of("s1", "s1", "s1"), List.of("a", "b", "c"), new double[] {1, 2, 3}, null);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(d, "subject", "rating", "rater"));
        assertMessage(e, "at least 2 subjects", "'subject'");
        e = assertThrows(MixedModelException.class, () -> IccForms.compute(new double[][] {{1, 2, 3}}));
        assertMessage(e, "at least 2 subjects");
    }

    @Test
    void fewerThanTwoRatersIsRefused() {
        DataFrame d = longTable(List.of("s1", "s2", "s3"), List.of("a", "a", "a"), new double[] {1, 2, 3}, null);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(d, "subject", "rating", "rater"));
        assertMessage(e, "at least 2 raters", "'rater'");
        e = assertThrows(MixedModelException.class, () -> IccForms.compute(new double[][] {{1}, {2}, {3}}));
        assertMessage(e, "at least 2 raters");
    }

    @Test
    void identicalValuesAreRefused() {
        DataFrame d = longTable(List.of("s1", "s1", "s2", "s2"), List.of("a", "b", "a", "b"),
                new double[] {0.1, 0.1, 0.1, 0.1}, null);
        MixedModelException e = assertThrows(MixedModelException.class,
                () -> IccForms.compute(d, "subject", "rating", "rater"));
        assertMessage(e, "identical", "'rating'", "0.1");
        e = assertThrows(MixedModelException.class, () -> IccForms.compute(new double[][] {{3, 3}, {3, 3}}));
        assertMessage(e, "identical");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static void assertMessage(MixedModelException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    private static double[][] matrix(DataFrame d, IccForms.Result r) {
        double[][] m = new double[r.subjects()][r.raters()];
        NumericColumn v = (NumericColumn) d.column("rating");
        for (int row = 0; row < d.rowCount(); row++) {
            m[r.subjectLabels().indexOf(d.column("subject").label(row))][r.raterLabels()
                    .indexOf(d.column("rater").label(row))] = v.value(row);
        }
        return m;
    }

    private static DataFrame longTable(List<String> subjects, List<String> raters, double[] values, String[] text) {
        List<Column> cols = new ArrayList<>();
        cols.add(new CategoricalColumn("subject", subjects.toArray(String[]::new)));
        cols.add(new CategoricalColumn("rater", raters.toArray(String[]::new)));
        cols.add(values != null ? new NumericColumn("rating", values) : new CategoricalColumn("rating", text));
        return new DataFrame(cols);
    }

    /** The reference table as editable rows, to derive the incomplete and duplicated variants. */
    private static final class Rows {
        final List<String> subjects = new ArrayList<>();
        final List<String> raters = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        final BitSet missing = new BitSet();

        static Rows of(DataFrame d) {
            Rows r = new Rows();
            NumericColumn v = (NumericColumn) d.column("rating");
            for (int i = 0; i < d.rowCount(); i++) {
                r.add(d.column("subject").label(i), d.column("rater").label(i), v.value(i));
            }
            return r;
        }

        void add(String subject, String rater, double value) {
            subjects.add(subject);
            raters.add(rater);
            values.add(value);
        }

        void remove(int i) {
            subjects.remove(i);
            raters.remove(i);
            values.remove(i);
        }

        DataFrame frame() {
            double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
            return new DataFrame(List.of(new CategoricalColumn("subject", subjects.toArray(String[]::new)),
                    new CategoricalColumn("rater", raters.toArray(String[]::new)), new NumericColumn("rating", v,
                            (BitSet) missing.clone())));
        }
    }
}
