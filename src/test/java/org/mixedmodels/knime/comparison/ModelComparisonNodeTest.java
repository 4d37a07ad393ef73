package org.mixedmodels.knime.comparison;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;
import static org.mixedmodels.engine.testing.Tolerance.assertPClose;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knime.core.data.DataRow;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeHarness;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.knime.port.MixedModelPortObject;

/** The Mixed Model Comparison node against lme4's anova (sleepstudy_lrt). */
class ModelComparisonNodeTest {

    private static MixedModelPortObject model(final String formula, final FitOptions options) {
        FitResult fit = LinearMixedModel.fit(formula, ReferenceCase.load("sleepstudy_lrt").data(), options);
        return new MixedModelPortObject(FittedModel.of(fit), fit.warnings());
    }

    @Test
    void randomSlopeAgainstRandomInterceptMatchesLme4() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lrt");
        List<String> formulas = new ArrayList<>();
        c.json().getAsJsonArray("models").forEach(m -> formulas.add(m.getAsString()));
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        NodeHarness<ModelComparisonNodeModel> h = NodeHarness.of(new ModelComparisonNodeFactory());
        // the larger model first: the table orders by parameters
        BufferedDataTable out = (BufferedDataTable)h.execute(model(formulas.get(1), FitOptions.ml()),
            model(formulas.get(0), FitOptions.ml()), data, null)[0];
        assertEquals(formulas, KnimeTables.strings(out, "Model"));
        double[] logLik = KnimeTables.doubles(out, "Log-likelihood");
        double[] aic = KnimeTables.doubles(out, "AIC");
        double[] bic = KnimeTables.doubles(out, "BIC");
        for (int i = 0; i < 2; i++) {
            assertClose(c.json().getAsJsonArray("logLik").get(i).getAsDouble(), logLik[i], 1e-6, "logLik " + i);
            assertClose(c.json().getAsJsonArray("AIC").get(i).getAsDouble(), aic[i], 1e-6, "AIC " + i);
            assertClose(c.json().getAsJsonArray("BIC").get(i).getAsDouble(), bic[i], 1e-6, "BIC " + i);
        }
        assertClose(c.number("chisq"), KnimeTables.doubles(out, "Chi-square")[1], 1e-5, "chisq");
        assertEquals(2, KnimeTables.doubles(out, "df")[1], 0);
        assertPClose(c.number("p"), KnimeTables.doubles(out, "Pr(>Chisq)")[1], 1e-4, "p");
        assertEquals("ML", KnimeTables.strings(out, "Criterion").get(0));
    }

    @Test
    void remlFitsWithDifferentFixedEffectsAreRefittedByMl() throws Exception {
        ReferenceCase c = ReferenceCase.load("sleepstudy_lrt");
        BufferedDataTable data = KnimeTables.reference(c.string("data"));
        NodeHarness<ModelComparisonNodeModel> h = NodeHarness.of(new ModelComparisonNodeFactory());
        BufferedDataTable out = (BufferedDataTable)h.execute(model("Reaction ~ 1 + (1 | Subject)", FitOptions.reml()),
            model("Reaction ~ Days + (1 | Subject)", FitOptions.reml()), data, null)[0];
        assertEquals("ML (refitted)", KnimeTables.strings(out, "Criterion").get(0));
        assertTrue(h.warning().contains("refitted by maximum likelihood"), h.warning());
        assertClose(c.json().getAsJsonArray("logLik").get(0).getAsDouble(), KnimeTables.doubles(out, "Log-likelihood")[1],
            1e-6, "ML logLik of the random-intercept model");
    }

    @Test
    void aDifferentTableIsRefused() throws Exception {
        BufferedDataTable full = KnimeTables.reference("data/sleepstudy.csv");
        List<DataRow> rows = new ArrayList<>();
        try (var it = full.iterator()) {
            for (int i = 0; it.hasNext() && i < 120; i++) {
                rows.add(it.next());
            }
        }
        BufferedDataTable part = NodeHarness.table(full.getDataTableSpec(), rows);
        NodeHarness<ModelComparisonNodeModel> h = NodeHarness.of(new ModelComparisonNodeFactory());
        PortObject a = model("Reaction ~ Days + (1 | Subject)", FitOptions.ml());
        PortObject b = model("Reaction ~ Days + (Days | Subject)", FitOptions.ml());
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> h.execute(a, b, part, null));
        assertTrue(e.getMessage().contains("not the one the model"), e.getMessage());
    }
}
