package org.mixedmodels.knime.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContent;
import org.knime.core.node.port.PortObjectRoundTrip;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The model port's saved document: complete, exact, versioned and readable. */
class MixedModelPortObjectTest {

    @Test
    void everyNumberSurvivesSaveAndLoadBitForBit() throws Exception {
        FitResult fit = ReferenceCase.load("pastes_nested").fit();
        FittedModel before = FittedModel.of(fit);
        MixedModelPortObject loaded =
            PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(before, List.of("a warning")));
        FittedModel after = loaded.model();
        assertEquals(before.formula(), after.formula());
        assertEquals(before.method(), after.method());
        assertEquals(before.factorLevels(), after.factorLevels());
        assertEquals(before.fixedNames(), after.fixedNames());
        assertArrayEquals(before.beta(), after.beta(), 0.0);
        assertArrayEquals(before.fixedCovariance(), after.fixedCovariance());
        assertEquals(before.sigma(), after.sigma(), 0.0);
        assertEquals(before.statistics(), after.statistics());
        assertEquals(before.groups().size(), after.groups().size());
        for (int g = 0; g < before.groups().size(); g++) {
            FittedModel.Group a = before.groups().get(g);
            FittedModel.Group b = after.groups().get(g);
            assertEquals(a.name(), b.name());
            assertEquals(a.variables(), b.variables());
            assertEquals(a.columns(), b.columns());
            assertEquals(a.levels(), b.levels());
            assertArrayEquals(a.covariance(), b.covariance());
            assertArrayEquals(a.modes(), b.modes());
            assertArrayEquals(a.conditionalSd(), b.conditionalSd());
        }
        assertEquals(List.of("a warning"), loaded.warnings());
        assertEquals(MixedModelPortObjectSpec.of(before.parsedFormula()), loaded.getSpec());
    }

    @Test
    void savedContentIsReadableAndVersioned() throws Exception {
        FitResult fit = ReferenceCase.load("sleepstudy_slopes").fit();
        String xml = PortObjectRoundTrip.savedContent(new MixedModelPortObject(FittedModel.of(fit), List.of()));
        assertTrue(xml.startsWith("content.xml\n"), xml.substring(0, 40));
        assertTrue(xml.contains("<entry key=\"class_name\" type=\"xstring\" value=\""
            + MixedModelPortObject.class.getName() + "\"/>"));
        assertTrue(xml.contains("<entry key=\"format_version\" type=\"xint\" value=\"3\"/>"));
        assertFalse(xml.contains("residual_structure"), "no residual block without a residual term");
        assertTrue(xml.contains("<entry key=\"formula\" type=\"xstring\" value=\"Reaction ~ Days + (Days | Subject)\"/>"));
        assertTrue(xml.contains("<config key=\"blups\">"));
    }

    @Test
    void residualStructureSurvivesSavingAndVersionOneModelsStillLoad() throws Exception {
        ReferenceCase c = ReferenceCase.load("qtcf_ri_ar1");
        FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit(c.string("formula") + " + " + c.string("residual"),
            c.data(), org.mixedmodels.engine.fit.FitOptions.reml());
        MixedModelPortObject loaded = PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(FittedModel.of(fit),
            List.of()));
        org.mixedmodels.engine.fit.ResidualFit r = loaded.model().residual();
        assertEquals("ar1", r.structure());
        assertEquals("visit", r.timeName());
        assertEquals("animal", r.subjectName());
        assertEquals(fit.residual().visits(), r.visits());
        assertArrayEquals(fit.residual().parameters(), r.parameters());
        assertEquals((Double)fit.residual().description().get("phi"), (Double)r.description().get("phi"), 1e-15);
        String xml = PortObjectRoundTrip.savedContent(loaded);
        assertTrue(xml.contains("<config key=\"residual_structure\">"), xml);
        String text = loaded.summaryText();
        assertTrue(text.contains("Residual covariance: ar1(visit | animal)") && text.contains("phi = 0.5891"), text);

        // a model saved by the first format (no residual block) reads as before
        ModelContent v1 = new ModelContent("model");
        FittedModelContent.save(FittedModel.of(ReferenceCase.load("sleepstudy_slopes").fit()), List.of(), v1);
        v1.addInt("format_version", 1);
        FittedModelContent.Loaded old = FittedModelContent.load(v1);
        assertNull(old.model().residual());
        assertEquals("Reaction ~ Days + (Days | Subject)", old.model().formula());
    }

    /**
     * Group-specific parameters and a varident term survive saving (format 4, written only for such models): the
     * loaded model rebuilds every group's covariance and the SD ratios, and predicts as the model before saving.
     */
    @Test
    void groupSpecificAndVarIdentModelsSurviveSaving() throws Exception {
        org.mixedmodels.engine.data.DataFrame fev = org.mixedmodels.engine.data.CsvReader.read(
            ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        for (String formula : List.of("FEV1 ~ ARMCD * AVISIT + ar1h(AVISIT | ARMCD / USUBJID) + varident(SEX | USUBJID)",
            "FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) + varident(RACE | USUBJID)")) {
            FitResult fit = org.mixedmodels.engine.fit.LinearMixedModel.fit(formula, fev,
                org.mixedmodels.engine.fit.FitOptions.reml());
            FittedModel model = FittedModel.of(fit);
            String xml = PortObjectRoundTrip.savedContent(new MixedModelPortObject(model, List.of()));
            assertTrue(xml.contains("<entry key=\"format_version\" type=\"xint\" value=\"4\"/>"), formula);
            MixedModelPortObject loaded = PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(model, List.of()));
            org.mixedmodels.engine.fit.ResidualFit r = loaded.model().residual();
            assertEquals(fit.residual().groupFactor(), r.groupFactor());
            assertEquals(fit.residual().groups(), r.groups());
            assertEquals(fit.residual().varianceFactor(), r.varianceFactor());
            assertEquals(fit.residual().strata(), r.strata());
            assertArrayEquals(fit.residual().parameters(), r.parameters());
            assertEquals(fit.residual().description().get("sd_ratios"), r.description().get("sd_ratios"), formula);
            if (r.groupFactor() != null) {
                java.util.Map<?, ?> before = (java.util.Map<?, ?>) fit.residual().description().get("groups");
                java.util.Map<?, ?> after = (java.util.Map<?, ?>) r.description().get("groups");
                for (Object level : before.keySet()) {
                    assertTrue(java.util.Arrays.deepEquals((double[][]) ((java.util.Map<?, ?>) before.get(level))
                        .get("covariance"), (double[][]) ((java.util.Map<?, ?>) after.get(level)).get("covariance")));
                }
            }
            org.mixedmodels.engine.prediction.Prediction a = org.mixedmodels.engine.prediction.Prediction.of(model, fev,
                0.95, false);
            org.mixedmodels.engine.prediction.Prediction b = org.mixedmodels.engine.prediction.Prediction.of(
                loaded.model(), fev, 0.95, false);
            assertArrayEquals(a.upper(), b.upper(), 0.0, formula);
            assertArrayEquals(a.conditional(), b.conditional(), 0.0, formula);
        }
    }

    @Test
    void columnTypingTravelsWithTheModelAndOlderModelsReadAsTheDefault() throws Exception {
        FittedModel model = FittedModel.of(ReferenceCase.load("sleepstudy_slopes").fit());
        org.mixedmodels.knime.data.ColumnTyping typing =
            new org.mixedmodels.knime.data.ColumnTyping(List.of("Days"), List.of(".", "NULL"));
        MixedModelPortObject loaded = PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(model, List.of(),
            typing));
        assertEquals(typing, loaded.typing());
        assertTrue(PortObjectRoundTrip.savedContent(loaded).contains("<config key=\"column_typing\">"));

        // a model saved by format 2 (before the Learner had these choices) reads as none categorical, NA missing
        ModelContent v2 = new ModelContent("model");
        FittedModelContent.save(model, List.of(), v2);
        v2.addInt("format_version", 2);
        MixedModelPortObject old = new MixedModelPortObject();
        old.load(v2, null, new org.knime.core.node.ExecutionMonitor());
        assertEquals(org.mixedmodels.knime.data.ColumnTyping.DEFAULT, old.typing());
        assertEquals(List.of("NA"), old.typing().missingTokens());
    }

    /** Models and specs saved before GLMMs (format 3, no family) load as linear mixed models. */
    @Test
    void olderModelsAndSpecsAreLinearModels() throws Exception {
        ModelContent v3 = new ModelContent("model");
        FittedModelContent.save(FittedModel.of(ReferenceCase.load("sleepstudy_slopes").fit()), List.of(), v3);
        v3.addInt("format_version", 3);
        MixedModelPortObject old = new MixedModelPortObject();
        old.load(v3, null, new org.knime.core.node.ExecutionMonitor());
        assertNull(old.glmm());
        assertFalse(old.isGeneralized());
        assertEquals("gaussian", old.getSpec().family());
        ModelContent spec = new ModelContent("spec");
        spec.addString("formula", "Reaction ~ Days + (Days | Subject)");
        spec.addString("response", "Reaction");
        spec.addStringArray("predictors", "Days");
        spec.addStringArray("grouping_columns", "Subject");
        MixedModelPortObjectSpec loaded = new MixedModelPortObjectSpec();
        loaded.load(spec);
        assertEquals("gaussian", loaded.family());
        assertNull(loaded.offset());
        assertEquals(MixedModelPortObjectSpec.of(FittedModel.of(ReferenceCase.load("sleepstudy_slopes").fit())
            .parsedFormula()), loaded);
    }

    /** A GLMM's block (format 5, written only for GLMMs): family, link, trials, offset and nAGQ survive saving; the spec has the family. */
    @Test
    void aGlmmTravelsWithItsFamily() throws Exception {
        ReferenceCase c = ReferenceCase.load("cbpp_binomial_agq5");
        org.mixedmodels.engine.glmm.GlmmOptions o = org.mixedmodels.engine.glmm.GlmmOptions
            .of(org.mixedmodels.engine.glmm.Family.BINOMIAL).withTrials("size").withNAGQ(5);
        org.mixedmodels.engine.glmm.GlmmResult fit = org.mixedmodels.engine.glmm.GeneralizedLinearMixedModel
            .fit("incidence ~ period + (1 | herd)", c.data(), o);
        org.mixedmodels.engine.prediction.GlmmModel glmm = org.mixedmodels.engine.prediction.GlmmModel.of(fit, o);
        MixedModelPortObject loaded = PortObjectRoundTrip.saveAndLoad(new MixedModelPortObject(glmm, List.of(),
            org.mixedmodels.knime.data.ColumnTyping.DEFAULT, "report"));
        assertEquals("binomial", loaded.glmm().family());
        assertEquals("size", loaded.glmm().trials());
        assertNull(loaded.glmm().offset());
        assertEquals(5, loaded.glmm().nAGQ());
        assertEquals("AGQ", loaded.model().method());
        assertArrayEquals(fit.beta(), loaded.model().beta());
        assertArrayEquals(fit.fixedCovariance(), loaded.model().fixedCovariance());
        assertEquals("binomial", loaded.getSpec().family());
        assertTrue(loaded.getSpec().isGeneralized());
        String xml = PortObjectRoundTrip.savedContent(loaded);
        assertTrue(xml.contains("<config key=\"glmm\">") && xml.contains("value=\"binomial\""), xml);
        assertTrue(xml.contains("<entry key=\"format_version\" type=\"xint\" value=\"5\"/>"), xml);
        assertEquals("report", loaded.viewText());
    }

    @Test
    void newerFormatIsRefusedWithAMessage() {
        ModelContent content = new ModelContent("model");
        content.addInt("format_version", FittedModelContent.FORMAT_VERSION + 1);
        InvalidSettingsException e =
            assertThrows(InvalidSettingsException.class, () -> FittedModelContent.load(content));
        assertTrue(e.getMessage().contains("newer version"), e.getMessage());
    }

    @Test
    void summaryShowsTheFitAsText() throws Exception {
        FitResult fit = ReferenceCase.load("sleepstudy_slopes").fit();
        MixedModelPortObject model = new MixedModelPortObject(FittedModel.of(fit), List.of());
        String text = model.summaryText();
        assertTrue(text.contains("Formula: Reaction ~ Days + (Days | Subject)"), text);
        assertTrue(text.contains("251.405"), text);
        assertTrue(text.contains("Subject: 18 groups"), text);
        assertEquals(1, model.getViews().length);
        assertEquals("Linear mixed model Reaction ~ Days + (Days | Subject) (REML, 180 observations)",
            model.getSummary());
    }
}
