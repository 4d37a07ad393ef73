package org.mixedmodels.knime.workflows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.NodeSettingsRO;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.knime.KnimeTables;
import org.mixedmodels.workflows.WorkflowRunner;

/**
 * The scenario workflows in test-workflows/: the committed files are what {@link ScenarioWorkflows} writes, every
 * workflow is well formed as KNIME loads it, and each runs headless (the CSV Reader reads its file, our nodes run
 * for real) to the reference results.
 */
class ScenarioWorkflowsTest {
    private static final Path ROOT = Path.of("test-workflows");

    @Test
    void committedWorkflowsAreWhatTheGeneratorWrites(@TempDir final Path tmp) throws Exception {
        ScenarioWorkflows.main(new String[] {tmp.toString()});
        assertEquals(files(tmp), files(ROOT), "the files of test-workflows/ (regenerate with ScenarioWorkflows.main)");
        for (String f : files(tmp)) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve(f)), Files.readAllBytes(ROOT.resolve(f)), f
                + " differs from what ScenarioWorkflows writes; regenerate with ScenarioWorkflows.main");
        }
    }

    private static Set<String> files(final Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void everyWorkflowIsWellFormedAsKnimeLoadsIt() throws Exception {
        for (String name : ScenarioWorkflows.all().keySet()) {
            Path dir = ROOT.resolve(name);
            List<WorkflowRunner.Node> nodes = WorkflowRunner.nodes(dir);
            for (WorkflowRunner.Node n : nodes) {
                NodeSettingsRO s = n.settings();
                for (String key : List.of("factory", "node-name", "node-bundle-name", "node-bundle-symbolic-name",
                    "node-bundle-vendor")) {
                    assertFalse(s.getString(key).isBlank(), name + ": " + key);
                }
                assertEquals("IDLE", s.getString("state"));
                assertFalse(s.getNodeSettings("nodeAnnotation").getString("text").isBlank(), name + " annotation");
                if (!n.factory().equals(WorkflowRunner.CSV_READER)) {
                    Class.forName(n.factory()); // a factory that exists
                    assertEquals("org.mixedmodels.knime", s.getString("node-bundle-symbolic-name"));
                } else {
                    assertEquals("org.knime.base", s.getString("node-bundle-symbolic-name"));
                    assertEquals("org.knime.features.base.feature.group", s.getString("node-feature-symbolic-name"));
                }
                assertEquals(n.settings().getNodeSettings("ports").keySet().size(), outputs(n.factory()),
                    name + ": one ports entry per output port of " + n.name());
            }
            for (WorkflowRunner.Connection c : WorkflowRunner.connections(dir)) {
                assertTrue(c.sourcePort() >= 0 && c.destPort() >= 0, name + ": port 0 is the flow-variable port");
                assertTrue(nodes.stream().anyMatch(n -> n.id() == c.source()) && nodes.stream()
                    .anyMatch(n -> n.id() == c.dest()), name + ": connection between existing nodes");
            }
            assertTrue(Files.readString(dir.resolve("workflowset.meta")).contains("name=\"Comments\""), name);
        }
    }

    /** The number of output ports of a node: the CSV Reader has one, ours as their models say. */
    private static int outputs(final String factory) throws Exception {
        if (factory.equals(WorkflowRunner.CSV_READER)) {
            return 1;
        }
        return new org.knime.core.node.StandInNodeContainer((org.knime.core.node.NodeFactory<?>)Class.forName(factory)
            .getDeclaredConstructor().newInstance()).outputCount();
    }

    private static BufferedDataTable table(final WorkflowRunner.Result r, final String node, final int port) {
        return (BufferedDataTable)r.outputs(node)[port];
    }

    private static void assertFixedEffects(final ReferenceCase c, final BufferedDataTable fixed, final double rel) {
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        for (JsonObject e : c.objects("fixed")) {
            int i = terms.indexOf(e.get("term").getAsString());
            assertTrue(i >= 0, e.get("term") + " in " + terms);
            assertClose(e.get("estimate").getAsDouble(), est[i], rel, e.get("se").getAsDouble(), "estimate " + terms.get(i));
        }
    }

    @Test
    void learnerScenariosReproduceLme4() throws Exception {
        String[][] cases = {{"00 Sleep study random slopes", "sleepstudy_slopes"},
            {"01 NF1 lesions within patients", "nf1_lesions"}, {"02 Trials within neurons within subjects",
                "neurons_three_level"}, {"05 Condition effect varying by donor", "chip_random_slope"},
            {"06 Cross-level interaction", "crosslevel_interaction"}, {"09 Delta-radiomics per-patient slopes",
                "delta_radiomics_stage1"}};
        for (String[] s : cases) {
            ReferenceCase c = ReferenceCase.load(s[1]);
            WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve(s[0]));
            assertFixedEffects(c, table(r, "Mixed Model Learner", 1), 1e-6);
            assertClose(c.number("logLik"), KnimeTables.doubles(table(r, "Mixed Model Learner", 4), "Log-likelihood")[0],
                1e-6, s[0] + " logLik");
        }
        // the per-patient slopes of stage 1, ready for stage 2
        ReferenceCase stage1 = ReferenceCase.load("delta_radiomics_stage1");
        BufferedDataTable ranef = table(WorkflowRunner.run(ROOT.resolve("09 Delta-radiomics per-patient slopes")),
            "Mixed Model Learner", 3);
        List<String> levels = KnimeTables.strings(ranef, "Level");
        double[] slopes = KnimeTables.doubles(ranef, "month");
        for (JsonObject e : stage1.objects("ranef")) {
            if (e.get("term").getAsString().equals("month")) {
                int i = levels.indexOf(e.get("level").getAsString());
                assertClose(e.get("value").getAsDouble(), slopes[i], 1e-5, 10 * e.get("condsd").getAsDouble(), "slope");
            }
        }
    }

    @Test
    void qtcfComparesAr1WithCompoundSymmetry() throws Exception {
        WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve("03 QTcF AR(1) versus compound symmetry"));
        BufferedDataTable lrt = table(r, "Mixed Model Comparison", 0);
        double[] logLik = KnimeTables.doubles(lrt, "Log-likelihood");
        assertClose(ReferenceCase.load("qtcf_ri_only_nlme").number("logLik"), logLik[0], 1e-7, "compound symmetry");
        assertClose(ReferenceCase.load("qtcf_ri_ar1").number("logLik"), logLik[1], 1e-7, "AR(1)");
        assertClose(2 * (logLik[1] - logLik[0]), KnimeTables.doubles(lrt, "Chi-square")[1], 1e-9, "chi-square");
        assertEquals("REML", KnimeTables.strings(lrt, "Criterion").get(0), "same fixed effects: no refit");
    }

    @Test
    void crossoverGivesTheTreatmentContrast() throws Exception {
        ReferenceCase c = ReferenceCase.load("crossover_lsmeans");
        WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve("04 AB-BA cross-over trial"));
        BufferedDataTable pairs = table(r, "Mixed Model Tests", 2);
        JsonObject ab = c.objects("pairs_kenward_roger").get(0);
        assertEquals(ab.get("contrast").getAsString(), KnimeTables.strings(pairs, "Contrast").get(0));
        assertClose(ab.get("estimate").getAsDouble(), KnimeTables.doubles(pairs, "Estimate")[0], 1e-6, "A - B");
        assertClose(ab.get("df").getAsDouble(), KnimeTables.doubles(pairs, "df")[0], 1e-3, "KR df");
        assertEquals(3, table(r, "Mixed Model Tests", 0).size(), "Type III: treatment, period, sequence");
    }

    @Test
    void reliabilityScenarios() throws Exception {
        BufferedDataTable icc = table(WorkflowRunner.run(ROOT.resolve("07 Radiomics test-retest reliability")),
            "Intraclass Correlation", 0);
        assertClose(ReferenceCase.load("radiomics_icc").number("icc"), KnimeTables.doubles(icc, "ICC")[0], 1e-6, "icc");
        double[] lower = KnimeTables.doubles(icc, "Lower");
        assertTrue(lower[0] < KnimeTables.doubles(icc, "ICC")[0], "bootstrap interval");
        JsonObject mice = ReferenceCase.load("design_effect").json().getAsJsonObject("mice");
        BufferedDataTable de = table(WorkflowRunner.run(ROOT.resolve("08 Mice in cages design effect")),
            "Design Effect", 0);
        assertClose(mice.get("design_effect").getAsDouble(), KnimeTables.doubles(de, "Design effect")[0], 1e-6, "DE");
        assertClose(mice.get("effective_n").getAsDouble(), KnimeTables.doubles(de, "Effective n")[0], 1e-6, "n eff");
    }

    @Test
    void mmrmGivesLsMeansByArmAtEachVisit() throws Exception {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve("11 MMRM unstructured covariance"));
        assertFixedEffects(c, table(r, "Mixed Model Learner", 1), 1e-4); // flat likelihood: 1e-4 of the SE
        BufferedDataTable means = table(r, "Mixed Model Tests", 1);
        List<String> levels = KnimeTables.strings(means, "Level");
        for (JsonObject e : c.objects("lsmeans_satterthwaite")) {
            int i = levels.indexOf(e.get("arm").getAsString() + " " + e.get("visit").getAsString());
            assertClose(e.get("estimate").getAsDouble(), KnimeTables.doubles(means, "Estimate")[i], 1e-4,
                e.get("se").getAsDouble(), "LS mean " + levels.get(i));
        }
        assertEquals(4, table(r, "Mixed Model Tests", 2).size(), "one arm difference per visit");
    }

    @Test
    void jointModelOfCd4AndSurvival() throws Exception {
        ReferenceCase c = ReferenceCase.load("aids_joint_weibull");
        WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve("10 Joint model of CD4 and survival"));
        BufferedDataTable event = table(r, "Joint Model Learner", 1);
        int assoc = KnimeTables.strings(event, "Term").indexOf("Assoct");
        JsonObject expected = c.objects("event").stream().filter(e -> e.get("term").getAsString().equals("Assoct"))
            .findFirst().orElseThrow();
        // JM stops short of its maximum (AidsJointModelTest): 1e-3 relative or 0.1 SE
        assertClose(expected.get("estimate").getAsDouble(), KnimeTables.doubles(event, "Estimate")[assoc], 1e-3,
            100 * expected.get("se").getAsDouble(), "Assoct");
        assertTrue(table(r, "Joint Model Learner", 4).size() > 0, "survival predictions");
    }

    @Test
    void theRunnerPrintsEveryOutputTable() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WorkflowRunner.print(WorkflowRunner.run(Path.of(WorkflowRunner.DEFAULT_WORKFLOW)),
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("== Mixed Model Tests (#3), output 2: LS means"), text);
        assertTrue(text.contains("active WEEK12"), text);
    }
}
