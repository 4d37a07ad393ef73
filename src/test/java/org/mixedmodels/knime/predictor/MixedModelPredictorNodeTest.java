package org.mixedmodels.knime.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.knime.core.data.DataCell;
import org.knime.core.data.DataRow;
import org.knime.core.data.DataTableSpec;
import org.knime.core.data.DataType;
import org.knime.core.data.def.DefaultRow;
import org.knime.core.data.def.IntCell;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.port.PortObject;
import org.knime.core.node.port.PortObjectRoundTrip;
import org.knime.core.node.port.PortObjectSpec;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;

/**
 * The Predictor, fed with a model that went through the port's save/load (as between two KNIME sessions),
 * reproduces lme4's fitted values from the model alone.
 */
class MixedModelPredictorNodeTest {

    static MixedModelPortObject savedAndLoaded(final ReferenceCase c) throws Exception {
        FitResult fit = c.fit();
        return PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(FittedModel.of(fit), fit.warnings()));
    }

    /**
     * A model trained on numeric Days, given Days as a string column of numbers: the Predictor does not re-type the
     * string column as numbers (its KNIME type is the user's declaration) and refuses it, naming the column.
     */
    @org.junit.jupiter.api.Test
    void aStringColumnOfNumbersIsNotReadAsNumbers() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        BufferedDataTable text = org.mixedmodels.knime.KnimeTables.withStringColumn(
            org.mixedmodels.knime.KnimeTables.reference(c.string("data")), "Days", (i, l) -> null);
        InvalidSettingsException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidSettingsException.class,
            () -> PredictorAccess.predict(savedAndLoaded(c), text));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("The predictor column 'Days' is not "
            + "numeric: it is a String column") && e.getMessage().contains("\"String to Number\""), e.getMessage());
    }

    static NodeHarness<MixedModelPredictorNodeModel> predictor(final MixedModelPredictorSettings s)
        throws InvalidSettingsException {
        NodeHarness<MixedModelPredictorNodeModel> h = NodeHarness.of(new MixedModelPredictorNodeFactory());
        NodeSettings settings = new NodeSettings("model");
        s.saveTo(settings);
        h.loadSettings(settings);
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sleepstudy_slopes", "orthodont_crosslevel_male_reference", "nf1_lesions",
        "pastes_nested", "penicillin_crossed"})
    void reproducesLme4FittedValuesFromTheSavedModel(final String name) throws Exception {
        ReferenceCase c = ReferenceCase.load(name);
        MixedModelPortObject model = savedAndLoaded(c);
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.includePopulation = true;
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(s);
        BufferedDataTable out = (BufferedDataTable)h.execute(model, data)[0];
        String response = model.getSpec().response();
        double[] conditional = KnimeTables.doubles(out, "Prediction (" + response + ")");
        double[] population = KnimeTables.doubles(out, "Population prediction (" + response + ")");
        double[] expectedConditional = c.numbers("fitted_conditional_first");
        double[] expectedPopulation = c.numbers("fitted_population_first");
        for (int i = 0; i < expectedConditional.length; i++) {
            assertClose(expectedConditional[i], conditional[i], 1e-6, "conditional fitted " + i);
            assertClose(expectedPopulation[i], population[i], 1e-6, "population fitted " + i);
        }
        assertNull(h.warning());
        assertEquals(data.getDataTableSpec().getNumColumns() + 2, out.getDataTableSpec().getNumColumns());
    }

    @Test
    void optionalColumnsAndTheirNames() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.hasCustomName = true;
        s.customName = "Predicted reaction";
        s.includeStandardError = true;
        s.includeInterval = true;
        s.intervalLevel = 0.9;
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(s);
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObjectSpec[] specs = h.configure(savedAndLoaded(c).getSpec(), data.getDataTableSpec());
        assertArrayEquals(new String[] {"Reaction", "Days", "Subject", "Predicted reaction",
            "SE of population prediction (Reaction)", "Lower 90% prediction limit (Reaction)",
            "Upper 90% prediction limit (Reaction)"}, ((DataTableSpec)specs[0]).getColumnNames());
        BufferedDataTable out = (BufferedDataTable)h.execute(savedAndLoaded(c), data)[0];
        double[] lower = KnimeTables.doubles(out, "Lower 90% prediction limit (Reaction)");
        double[] upper = KnimeTables.doubles(out, "Upper 90% prediction limit (Reaction)");
        double[] se = KnimeTables.doubles(out, "SE of population prediction (Reaction)");
        // Days = 0: population mean 251.405, SE 6.825 (lme4's SE of the intercept), and the interval's
        // variance is SE^2 + var(intercept) + sigma^2 = 6.825^2 + 612.09 + 654.94 (varcorr).
        assertClose(6.82455577032695, se[0], 1e-5, "SE at Days 0");
        double halfWidth = 1.6448536269514722 * Math.sqrt(6.82455577032695 * 6.82455577032695 + 612.089746819563
            + 654.940997101908);
        assertClose(2 * halfWidth, upper[0] - lower[0], 1e-5, "interval width at Days 0");
    }

    @Test
    void unknownGroupsFallBackToPopulationWithAWarning() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        int subject = data.getDataTableSpec().findColumnIndex("Subject");
        List<DataRow> rows = new ArrayList<>();
        for (DataRow r : data) {
            DataCell[] cells = new DataCell[r.getNumCells()];
            for (int j = 0; j < cells.length; j++) {
                cells[j] = r.getCell(j);
            }
            if (((IntCell)cells[subject]).getIntValue() == 308) {
                cells[subject] = new IntCell(999); // a subject the model has not seen
            }
            rows.add(new DefaultRow(r.getKey(), cells));
        }
        BufferedDataTable renamed = NodeHarness.table(data.getDataTableSpec(), rows);
        MixedModelPortObject model = savedAndLoaded(c);

        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.includePopulation = true;
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(s);
        BufferedDataTable out = (BufferedDataTable)h.execute(model, renamed)[0];
        assertTrue(h.warning().startsWith("10 row(s) belong to group levels not seen"), h.warning());
        // the new subject's 10 rows get the population prediction; the others keep their random effects
        double[] population = KnimeTables.doubles(out, "Population prediction (Reaction)");
        double[] prediction = KnimeTables.doubles(out, "Prediction (Reaction)");
        assertArrayEquals(java.util.Arrays.copyOf(population, 10), java.util.Arrays.copyOf(prediction, 10), 0.0);
        assertTrue(Math.abs(population[10] - prediction[10]) > 1, "subject 309 keeps its random effects");
    }

    @Test
    void estimatesNewGroupsFromTheirRows() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        int subject = data.getDataTableSpec().findColumnIndex("Subject");
        List<DataRow> rows = new ArrayList<>();
        for (DataRow r : data) {
            if (((IntCell)r.getCell(subject)).getIntValue() == 308) {
                DataCell[] cells = new DataCell[r.getNumCells()];
                for (int j = 0; j < cells.length; j++) {
                    cells[j] = j == subject ? new IntCell(999) : r.getCell(j);
                }
                rows.add(new DefaultRow(r.getKey(), cells));
            }
        }
        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.estimateNewGroups = true;
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(s);
        BufferedDataTable out = (BufferedDataTable)h.execute(savedAndLoaded(c),
            NodeHarness.table(data.getDataTableSpec(), rows))[0];
        // Subject 308's own rows were in the training data, so the BLUP estimated for "999" from the same rows
        // with the model's parameters is 308's BLUP, and the predictions are lme4's fitted values for 308.
        double[] fitted = c.numbers("fitted_conditional_first");
        double[] predicted = KnimeTables.doubles(out, "Prediction (Reaction)");
        for (int i = 0; i < 10; i++) {
            assertClose(fitted[i], predicted[i], 1e-6, "row " + i);
        }
        assertTrue(h.warning().contains("estimated from their own rows"), h.warning());
    }

    @Test
    void missingPredictorGivesMissingPredictionAndAWarning() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        List<DataRow> rows = new ArrayList<>();
        int i = 0;
        for (DataRow r : data) {
            DataCell[] cells = new DataCell[r.getNumCells()];
            for (int j = 0; j < cells.length; j++) {
                cells[j] = r.getCell(j);
            }
            if (i++ == 0) {
                cells[1] = DataType.getMissingCell();
            }
            rows.add(new DefaultRow(r.getKey(), cells));
        }
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(new MixedModelPredictorSettings());
        BufferedDataTable out = (BufferedDataTable)h.execute(savedAndLoaded(c),
            NodeHarness.table(data.getDataTableSpec(), rows))[0];
        assertTrue(Double.isNaN(KnimeTables.doubles(out, "Prediction (Reaction)")[0]));
        assertTrue(h.warning().contains("1 row(s) have a missing value"), h.warning());
        // nothing lost: every row, in order, with its key; the missing prediction says why
        assertEquals(data.size(), out.size());
        List<String> inKeys = new ArrayList<>();
        data.forEach(r -> inKeys.add(r.getKey().getString()));
        List<String> outKeys = new ArrayList<>();
        out.forEach(r -> outKeys.add(r.getKey().getString()));
        assertEquals(inKeys, outKeys);
        DataRow first = out.iterator().next();
        DataCell prediction = first.getCell(out.getDataTableSpec().findColumnIndex("Prediction (Reaction)"));
        assertTrue(prediction instanceof org.knime.core.data.MissingCell m && m.getError().contains("'Days'"),
            String.valueOf(prediction));
    }

    @Test
    void missingColumnFailsAtConfigure() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_slopes");
        NodeHarness<MixedModelPredictorNodeModel> h = predictor(new MixedModelPredictorSettings());
        DataTableSpec noDays = new DataTableSpec(new String[] {"Reaction", "Subject"},
            new DataType[] {org.knime.core.data.def.DoubleCell.TYPE, IntCell.TYPE});
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
            () -> h.configure(savedAndLoaded(c).getSpec(), noDays));
        assertTrue(e.getMessage().contains("Column 'Days' (a predictor of the model) is not in the input table"),
            e.getMessage());

        MixedModelPredictorSettings s = new MixedModelPredictorSettings();
        s.estimateNewGroups = true;
        DataTableSpec noResponse = new DataTableSpec(new String[] {"Days", "Subject"},
            new DataType[] {IntCell.TYPE, IntCell.TYPE});
        InvalidSettingsException e2 = assertThrows(InvalidSettingsException.class,
            () -> predictor(s).configure(savedAndLoaded(c).getSpec(), noResponse));
        assertTrue(e2.getMessage().contains("needs the response column 'Reaction'"), e2.getMessage());

        MixedModelPredictorSettings blank = new MixedModelPredictorSettings();
        blank.hasCustomName = true;
        InvalidSettingsException e3 = assertThrows(InvalidSettingsException.class, () -> predictor(blank));
        assertTrue(e3.getMessage().contains("custom prediction column name is empty"), e3.getMessage());
    }

    @Test
    void learnerToPredictorEndToEnd() throws Exception {
        var learner = NodeHarness.of(new org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory());
        NodeSettings ls = learner.settings();
        ls.addString("formula", "distance ~ age * Sex + (age | Subject)");
        ls.addBoolean("use_typed_formula", true);
        learner.loadSettings(ls);
        ReferenceCase c = ReferenceCase.load("orthodont_crosslevel");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        PortObject model = learner.execute(data)[0];
        BufferedDataTable out =
            (BufferedDataTable)predictor(new MixedModelPredictorSettings()).execute(model, data)[0];
        double[] fitted = c.numbers("fitted_conditional_first");
        double[] predicted = KnimeTables.doubles(out, "Prediction (distance)");
        for (int i = 0; i < fitted.length; i++) {
            assertClose(fitted[i], predicted[i], 1e-6, "row " + i);
        }
        // the model reproduces the engine's fit exactly after the port's save and load
        FitResult direct = LinearMixedModel.fit(c.string("formula"), c.data(), FitOptions.reml());
        assertArrayEquals(FittedModel.of(direct).beta(), ((MixedModelPortObject)model).model().beta(), 0.0);
    }
}
