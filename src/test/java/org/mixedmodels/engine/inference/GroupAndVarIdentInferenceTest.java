package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Kenward-Roger and the robust covariance for fits with group-specific parameters ({@code us(visit | arm / subject)})
 * and with a varident term, against pbkrtest 0.5.2 (its KR on V written as a linear combination of generators) and
 * clubSandwich 0.5.8 ({@code mmrm-extra/generate-group-varident.R}). The group-specific model has its fixed effects
 * fully interacted with the arm, so it is each arm's own gls fit side by side and the references are those fits'.
 * Tolerances: SEs 1e-4 relative and covariances 1e-4 of sqrt(V_ii V_jj) (nlme stops in about the 5th digit of its
 * variance parameters on fev_data, see ResidualCovarianceReferenceTest), df 1e-3 relative.
 */
class GroupAndVarIdentInferenceTest {
    private static JsonObject reference() {
        Path p = ReferenceCase.root().resolve("mmrm-extra").resolve("group_varident_kr_robust.json");
        try {
            return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FitResult groupSpecific() {
        DataFrame d = CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        return LinearMixedModel.fit(reference().getAsJsonObject("group_specific").get("formula").getAsString(), d,
                FitOptions.reml());
    }

    /** Our coefficient index of each reference term of an arm ("PBO:AVISITVIS2" is ours "ARMCDPBO:AVISITVIS2"). */
    private static int[] indices(FitResult fit, JsonArray terms) {
        List<String> names = fit.design().fixed().names();
        int[] at = new int[terms.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = names.indexOf("ARMCD" + terms.get(i).getAsString());
            assertEquals(true, at[i] >= 0, terms.get(i).getAsString());
        }
        return at;
    }

    private static void assertMatrix(JsonArray expected, double[][] ours, int[] at, double rel, String what) {
        for (int i = 0; i < at.length; i++) {
            for (int j = 0; j < at.length; j++) {
                assertClose(expected.get(i).getAsJsonArray().get(j).getAsDouble(), ours[at[i]][at[j]], rel,
                        Math.sqrt(ours[at[i]][at[i]] * ours[at[j]][at[j]]), what + " " + i + "," + j);
            }
        }
    }

    @Test
    void groupSpecificKenwardRogerMatchesPbkrtest() {
        FitResult fit = groupSpecific();
        for (DfMethod method : List.of(DfMethod.KENWARD_ROGER, DfMethod.KENWARD_ROGER_LINEAR)) {
            FixedEffectsInference kr = FixedEffectsInference.of(fit, method, 0.95);
            double[][] adjusted = new KenwardRoger(fit).adjustedCovariance();
            for (var e : reference().getAsJsonObject("group_specific").getAsJsonArray("arms")) {
                JsonObject arm = e.getAsJsonObject();
                int[] at = indices(fit, arm.getAsJsonArray("terms"));
                assertMatrix(arm.getAsJsonArray("vcov_kr"), adjusted, at, 1e-4, arm.get("arm") + " KR vcov");
                for (int i = 0; i < at.length; i++) {
                    CoefficientTest c = kr.coefficients().get(at[i]);
                    assertClose(arm.getAsJsonArray("se_kr").get(i).getAsDouble(), c.se(), 1e-4, method + " se " + c.term());
                    assertClose(arm.getAsJsonArray("df_kr").get(i).getAsDouble(), c.df(), 1e-3, method + " df " + c.term());
                }
            }
        }
    }

    @Test
    void groupSpecificRobustCovarianceMatchesClubSandwich() {
        FitResult fit = groupSpecific();
        for (var e : reference().getAsJsonObject("group_specific").getAsJsonArray("arms")) {
            JsonObject arm = e.getAsJsonObject();
            int[] at = indices(fit, arm.getAsJsonArray("terms"));
            for (var r : arm.getAsJsonArray("robust")) {
                JsonObject robust = r.getAsJsonObject();
                CovarianceType type = robust.get("type").getAsString().equals("CR0") ? CovarianceType.EMPIRICAL
                        : CovarianceType.EMPIRICAL_CR2;
                assertMatrix(robust.getAsJsonArray("vcov"), new RobustCovariance(fit, type).covariance(), at, 1e-4,
                        arm.get("arm") + " " + type);
                FixedEffectsInference inference = FixedEffectsInference.of(fit, DfMethod.SATTERTHWAITE, 0.95, type);
                for (int i = 0; i < at.length; i++) {
                    CoefficientTest c = inference.coefficients().get(at[i]);
                    assertClose(robust.getAsJsonArray("se").get(i).getAsDouble(), c.se(), 1e-4, type + " se " + c.term());
                    assertClose(robust.getAsJsonArray("df_satterthwaite").get(i).getAsDouble(), c.df(), 1e-3,
                            type + " df " + c.term());
                }
            }
        }
    }

    @Test
    void varIdentKenwardRogerMatchesPbkrtest() {
        JsonObject ref = reference().getAsJsonObject("varident");
        DataFrame d = CsvReader.read(ReferenceCase.root().resolve("data").resolve("orthodont.csv"));
        FitResult fit = LinearMixedModel.fit(ref.get("formula").getAsString(), d, FitOptions.reml());
        assertClose(ref.get("logLik").getAsDouble(), fit.logLik(), 1e-8, "REML log-likelihood");
        List<String> names = fit.design().fixed().names();
        for (DfMethod method : List.of(DfMethod.KENWARD_ROGER, DfMethod.KENWARD_ROGER_LINEAR)) {
            FixedEffectsInference kr = FixedEffectsInference.of(fit, method, 0.95);
            JsonArray terms = ref.getAsJsonArray("terms");
            for (int i = 0; i < terms.size(); i++) {
                CoefficientTest c = kr.coefficients().get(names.indexOf(terms.get(i).getAsString()));
                assertClose(ref.getAsJsonArray("se_kr").get(i).getAsDouble(), c.se(), 1e-4, method + " se " + c.term());
                assertClose(ref.getAsJsonArray("df_kr").get(i).getAsDouble(), c.df(), 1e-3, method + " df " + c.term());
            }
        }
    }

    /**
     * varident(visit | subject) alone is diag(visit | subject): the same likelihood and V linear in the same
     * per-visit variances, so the same KR (to the two optima's agreement, about 1e-6 in the variances).
     */
    @Test
    void varIdentByVisitIsDiag() {
        DataFrame d = CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        FitResult diag = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + diag(AVISIT | USUBJID)", d, FitOptions.reml());
        FitResult varIdent = LinearMixedModel.fit("FEV1 ~ ARMCD * AVISIT + varident(AVISIT | USUBJID)", d,
                FitOptions.reml());
        assertClose(diag.logLik(), varIdent.logLik(), 1e-9, "same likelihood");
        FixedEffectsInference a = FixedEffectsInference.of(diag, DfMethod.KENWARD_ROGER, 0.95);
        FixedEffectsInference b = FixedEffectsInference.of(varIdent, DfMethod.KENWARD_ROGER, 0.95);
        for (int i = 0; i < a.coefficients().size(); i++) {
            assertClose(a.coefficients().get(i).se(), b.coefficients().get(i).se(), 1e-5, "se " + i);
            assertClose(a.coefficients().get(i).df(), b.coefficients().get(i).df(), 1e-4, "df " + i);
        }
    }
}
