package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.inference.CoefficientTest;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * Residual-structure fits from statistics by visit pattern ({@link VisitPatterns}) against the same fits from rows,
 * on the reference cases with residual structures. The two evaluate the same likelihood with different arithmetic
 * (per-pattern sums against per-subject whitening; for qtcf_ri_ar1 BOBYQA without gradients on both), so the
 * optimizer's own tolerance separates them: logLik to 1e-9 relative, estimates to 1e-5 of their SE, SEs 1e-5
 * relative, Satterthwaite df 1e-4 relative (numerical Hessian of a criterion evaluated two ways).
 */
class VisitPatternsTest {
    private static final Map<String, String> FEV_REFERENCES = Map.of("RACE", "Asian", "AVISIT", "VIS1", "SEX", "Male",
            "ARMCD", "PBO");

    static Design design(String name) {
        return switch (name) {
            case "fev_cs" -> fev("FEV1 ~ ARMCD + SEX + cs(AVISIT | USUBJID)");
            case "fev_ar1" -> fev("FEV1 ~ ARMCD * AVISIT + ar1(AVISIT | USUBJID)");
            case "fev_us" -> fev("FEV1 ~ ARMCD * AVISIT + RACE + SEX + us(AVISIT | USUBJID)");
            case "fev_ar1_varident" -> fev("FEV1 ~ ARMCD + ar1(AVISIT | USUBJID) + varident(SEX | USUBJID)");
            case "fev_us_by_arm" -> fev("FEV1 ~ AVISIT + us(AVISIT | ARMCD / USUBJID)");
            case "fev_toeph" -> fev("FEV1 ~ ARMCD * AVISIT + toeph(AVISIT | USUBJID)");
            default -> {
                ReferenceCase c = ReferenceCase.load(name);
                yield Design.build(FormulaParser.parse(c.string("formula") + " + " + c.string("residual")), c.data(),
                        references(name));
            }
        };
    }

    static Map<String, String> references(String name) {
        return name.startsWith("fev") ? FEV_REFERENCES : name.equals("mmrm_us") ? Map.of("visit", "WEEK2") : Map.of();
    }

    static FitOptions.Method method(String name) {
        return name.startsWith("fev") ? FitOptions.Method.REML
                : FitOptions.Method.valueOf(ReferenceCase.load(name).string("method"));
    }

    private static Design fev(String formula) {
        DataFrame data = CsvReader.read(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        return Design.build(FormulaParser.parse(formula), data, FEV_REFERENCES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mmrm_us", "qtcf_gls_ar1", "qtcf_ri_ar1", "fev_cs", "fev_ar1", "fev_us", "fev_ar1_varident",
        "fev_us_by_arm", "fev_toeph"})
    void statisticsThenFitMatchesTheRowsFit(String name) {
        Design rows = design(name);
        FitOptions options = new FitOptions(method(name), references(name));
        FitResult fromRows = LinearMixedModel.fit(rows, options);
        Design stats = VisitPatterns.fitFromStatistics(rows);
        assertNotNull(stats.visitPatterns());
        FitResult fromStats = LinearMixedModel.fit(stats, options);
        assertClose(fromRows.logLik(), fromStats.logLik(), 1e-9, "logLik");
        assertEquals(fromRows.nobs(), fromStats.nobs());
        FixedEffectsInference a = FixedEffectsInference.of(fromRows, DfMethod.SATTERTHWAITE, 0.95);
        FixedEffectsInference b = FixedEffectsInference.of(fromStats, DfMethod.SATTERTHWAITE, 0.95);
        for (int i = 0; i < a.coefficients().size(); i++) {
            CoefficientTest x = a.coefficients().get(i);
            CoefficientTest y = b.coefficients().get(i);
            assertClose(x.estimate(), y.estimate(), 1e-5, x.se(), x.term() + " estimate");
            assertClose(x.se(), y.se(), 1e-5, x.term() + " se");
            assertClose(x.df(), y.df(), 1e-4, x.term() + " df");
        }
        assertArrayEquals(fromRows.fittedPopulation(), fromStats.fittedPopulation(), 1e-5 * fromRows.sigma());
        // the rows stay with an in-memory design, so its BLUPs are computed per subject as from rows
        assertEquals(fromRows.randomEffects().size(), fromStats.randomEffects().size());
    }

    @Test
    void patternsAreFewerThanSubjectsAndSumsDoNotDependOnOrder() {
        Design d = design("fev_us");
        VisitPatterns all = VisitPatterns.of(d);
        assertEquals(d.nobs(), all.rows());
        assertTrue(all.patterns().size() < all.subjects() / 5,
                all.patterns().size() + " patterns for " + all.subjects() + " subjects");
        // the subjects split in two halves, summed separately and merged either way round: the same doubles
        ResidualDesign r = d.residual();
        int[][] bySubject = r.rowsBySubject();
        VisitPatterns first = new VisitPatterns(all.fixedCount(), 0);
        VisitPatterns second = new VisitPatterns(all.fixedCount(), 0);
        double[][] x = d.fixed().columns();
        for (int s = 0; s < bySubject.length; s++) {
            int m = bySubject[s].length;
            if (m == 0) {
                continue;
            }
            int[] position = new int[m];
            double[][] xy = new double[m][x.length + 1];
            for (int j = 0; j < m; j++) {
                int i = bySubject[s][j];
                position[j] = r.position()[i];
                for (int c = 0; c < x.length; c++) {
                    xy[j][c] = x[c][i];
                }
                xy[j][x.length] = d.response()[i];
            }
            (s % 2 == 0 ? first : second).addSubject(position, null, 0, new double[m][0], xy);
        }
        VisitPatterns ab = VisitPatterns.of(all.fixedCount(), 0, first.patterns()).merge(second);
        VisitPatterns ba = VisitPatterns.of(all.fixedCount(), 0, second.patterns()).merge(first);
        List<VisitPatterns.Pattern> expected = all.patterns();
        for (VisitPatterns v : List.of(ab, ba)) {
            List<VisitPatterns.Pattern> got = v.patterns();
            assertEquals(expected.size(), got.size());
            for (int k = 0; k < got.size(); k++) {
                assertEquals(expected.get(k).count(), got.get(k).count());
                assertArrayEquals(expected.get(k).sums(), got.get(k).sums(), 0);
            }
        }
    }

    @Test
    void aContinuousTimeStructureIsRefusedWithItsReason() {
        Design d = design("qtcf_ri_car1");
        MixedModelException e = assertThrows(MixedModelException.class, () -> VisitPatterns.of(d));
        assertTrue(e.getMessage().contains("numeric time"), e.getMessage());
    }
}
