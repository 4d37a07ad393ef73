package org.mixedmodels.knime.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;

import com.google.gson.JsonObject;

/**
 * The Learner's variance-components table lists varident's SD ratios, one row per stratum as nlme's varIdent prints
 * its coefficients (the reference stratum's 1): the engine's values (1e-12 relative) and nlme's (1e-4 relative, as the
 * engine's own test), with the variance ratio their square.
 */
class VarIdentComponentsTest {
    @Test
    void theSdRatiosOfVarIdentAreRowsOfTheVarianceComponents() throws Exception {
        ReferenceCase c = ReferenceCase.load("orthodont_varident");
        String formula = c.string("formula") + " + varident(Sex | Subject)";
        MixedModelLearnerSettings s = new MixedModelLearnerSettings();
        s.formula = formula;
        PortObject[] out = LongFitProgressTest.learner(s).execute(KnimeTables.reference(c.string("data")));
        BufferedDataTable components = (BufferedDataTable)out[2];
        List<String> groups = KnimeTables.strings(components, "Group");
        List<String> terms = KnimeTables.strings(components, "Term");
        double[] variance = KnimeTables.doubles(components, "Variance");
        double[] sd = KnimeTables.doubles(components, "Std. Dev.");
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).equals("Residual SD ratio by Sex (varident)")) {
                rows.add(i);
            }
        }
        FitResult engine = LinearMixedModel.fit(formula, c.data(), FitOptions.reml());
        Map<?, ?> ratios = (Map<?, ?>)engine.residual().description().get("sd_ratios");
        JsonObject nlme = c.json().getAsJsonObject("variance_function").getAsJsonObject("sd_ratios");
        assertEquals(List.of("Female", "Male"), rows.stream().map(terms::get).toList(), groups.toString());
        for (int i : rows) {
            String level = terms.get(i);
            double expected = (Double)ratios.get(level);
            assertEquals(expected, sd[i], 1e-12 * expected, "the engine's SD ratio " + level);
            assertEquals(nlme.get(level).getAsDouble(), sd[i], 1e-4 * expected, "nlme's SD ratio " + level);
            assertEquals(sd[i] * sd[i], variance[i], 1e-12 * variance[i], "variance ratio " + level);
        }
    }
}
