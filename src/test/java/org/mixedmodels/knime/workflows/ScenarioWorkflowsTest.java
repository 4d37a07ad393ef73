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

import javax.xml.parsers.DocumentBuilderFactory;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
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

    /** Keys and types of a saved settings.xml, as {@code path type} ("config" for a nested config). */
    static Map<String, String> keysAndTypes(final Path settingsXml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Element root = f.newDocumentBuilder().parse(settingsXml.toFile()).getDocumentElement();
        Map<String, String> out = new LinkedHashMap<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(final Element config, final String prefix, final Map<String, String> out) {
        for (Node c = config.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e) {
                String key = prefix + e.getAttribute("key");
                if (e.getLocalName().equals("config")) {
                    out.put(key, "config");
                    collect(e, key + "/", out);
                } else {
                    out.put(key, e.getAttribute("type"));
                }
            }
        }
    }

    /** The {@code path type} lines of a key list under src/test/resources/knime-settings (comments skipped). */
    static Map<String, String> keyList(final String name) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/knime-settings", name))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                out.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return out;
    }

    /** Every CSV Reader of every workflow. */
    private static List<Path> csvReaderSettings() throws Exception {
        List<Path> out = new java.util.ArrayList<>();
        for (String name : ScenarioWorkflows.all().keySet()) {
            Path dir = ROOT.resolve(name);
            NodeSettingsRO nodes = WorkflowRunner.workflow(dir).getNodeSettings("nodes");
            for (String key : nodes.keySet()) {
                Path settings = dir.resolve(nodes.getNodeSettings(key).getString("node_settings_file"));
                if (Files.readString(settings).contains(WorkflowRunner.CSV_READER)) {
                    out.add(settings);
                }
            }
        }
        return out;
    }

    @Test
    void everyCsvReaderHasEveryKeyOfARealSavedReaderAndOfWhatAp50Validates() throws Exception {
        Map<String, String> real = keyList("csv-reader-5.8.0-configured.keys");
        Map<String, String> validated = keyList("csv-reader-5.0.0-validated.keys");
        assertTrue(real.size() > 100 && validated.size() > 30, "the key lists are read");
        List<Path> readers = csvReaderSettings();
        assertEquals(16, readers.size(), "CSV Readers in the 15 workflows (two in the joint model)");
        for (Path settings : readers) {
            Map<String, String> saved = keysAndTypes(settings);
            for (Map<String, Map<String, String>> lists : List.of(Map.of("5.8.0 example", real),
                Map.of("5.0.0 validation", validated))) {
                Map.Entry<String, Map<String, String>> list = lists.entrySet().iterator().next();
                for (Map.Entry<String, String> e : list.getValue().entrySet()) {
                    assertEquals(e.getValue(), saved.get(e.getKey()), settings + ": key " + e.getKey() + " of the "
                        + list.getKey() + " (missing or of another type)");
                }
            }
            NodeSettingsRO path = WorkflowRunner.read(settings).getNodeSettings("model")
                .getNodeSettings("settings").getNodeSettings("file_selection").getNodeSettings("path");
            assertEquals(WorkflowRunner.WORKFLOW_DATA_AREA, path.getString("file_system_specifier"), settings + "");
            assertTrue(Files.isRegularFile(settings.getParent().getParent().resolve("data")
                .resolve(path.getString("path"))), settings + ": the file is in the workflow's data folder");
        }
    }

    @Test
    void aReaderMissingAKeyAp50ValidatesIsRejected(@TempDir final Path tmp) throws Exception {
        Path dir = copyOf("07 Radiomics test-retest reliability", tmp);
        Path settings = dir.resolve("CSV Reader (#1)/settings.xml");
        // the reader as the generator wrote it before: no autodetect_buffer_size (and much more)
        Files.writeString(settings, Files.readString(settings).replaceAll(
            "\\s*<entry key=\"autodetect_buffer_size\"[^>]*/>", ""));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> WorkflowRunner.run(dir));
        assertTrue(e.getMessage().contains("autodetect_buffer_size"), e.getMessage());
    }

    @Test
    void theRunnerRefusesAPathIntoTheWorkflowAsKnimeDoes(@TempDir final Path tmp) throws Exception {
        Path dir = copyOf("07 Radiomics test-retest reliability", tmp);
        Path settings = dir.resolve("CSV Reader (#1)/settings.xml");
        // relative to the workflow, into its data folder: the path the generator wrote before
        Files.writeString(settings, Files.readString(settings)
            .replace("value=\"knime.workflow.data\"", "value=\"knime.workflow\"")
            .replace("value=\"radiomics_retest.csv\"", "value=\"data/radiomics_retest.csv\""));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> WorkflowRunner.run(dir));
        assertTrue(e.getMessage().contains("data/radiomics_retest.csv points to/into a workflow"), e.getMessage());
        // relative to the workflow but outside it (next to the workflow folder) is allowed, as in KNIME
        Files.copy(dir.resolve("data/radiomics_retest.csv"), tmp.resolve("radiomics_retest.csv"));
        Files.writeString(settings, Files.readString(settings)
            .replace("value=\"data/radiomics_retest.csv\"", "value=\"../radiomics_retest.csv\""));
        assertEquals(1, table(WorkflowRunner.run(dir), "Intraclass Correlation", 0).size());
    }

    private static Path copyOf(final String workflow, final Path tmp) throws Exception {
        Path dir = tmp.resolve(workflow);
        for (String f : files(ROOT.resolve(workflow))) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.copy(ROOT.resolve(workflow).resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void workflowVersionAndMetadataMatchTheOldestSupportedKnime() throws Exception {
        String manifest = Files.readString(Path.of("META-INF/MANIFEST.MF")).replace("\r\n ", "").replace("\n ", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("org\\.knime\\.core;bundle-version=\"\\[(\\d+)\\.(\\d+)\\.(\\d+)")
            .matcher(manifest);
        assertTrue(m.find(), "org.knime.core range in MANIFEST.MF");
        int[] lowest = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        // the newest workflow format each AP writes: 4.1.0 up to 5.0, 5.1.0 from 5.1 ([core] FileWorkflowPersistor)
        String format = lowest[0] == 5 && lowest[1] == 0 ? "4.1.0" : "5.1.0";
        for (String name : ScenarioWorkflows.all().keySet()) {
            Path dir = ROOT.resolve(name);
            NodeSettingsRO wf = WorkflowRunner.workflow(dir);
            String[] createdBy = wf.getString("created_by").split("\\.");
            int[] created = {Integer.parseInt(createdBy[0]), Integer.parseInt(createdBy[1]),
                Integer.parseInt(createdBy[2])};
            assertTrue(java.util.Arrays.compare(created, lowest) <= 0, name + ": created by " + wf.getString(
                "created_by") + ", newer than the oldest supported AP " + m.group(0));
            assertEquals(format, wf.getString("version"), name + ": workflow format");
            // the description as KNIME reads it: workflowset.meta below format 5.1, workflow-metadata.xml from 5.1
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Element meta = f.newDocumentBuilder().parse(dir.resolve("workflow-metadata.xml").toFile())
                .getDocumentElement();
            assertEquals("http://www.knime.org/core/node/workflow/metadata/v1.0", meta.getNamespaceURI(), name);
            assertEquals("workflow-metadata", meta.getLocalName(), name);
            assertEquals("text/plain", meta.getAttribute("content-type"), name);
            List<String> order = new java.util.ArrayList<>();
            for (Node c = meta.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element e) {
                    order.add(e.getLocalName());
                }
            }
            assertEquals(List.of("author", "created", "last-modified", "description"), order, name
                + ": the elements in the order of KNIME's metadata-1.0.xsd");
            String description = meta.getElementsByTagNameNS(meta.getNamespaceURI(), "description").item(0)
                .getTextContent();
            assertTrue(description.startsWith(ScenarioWorkflows.all().get(name).title()), name);
            Element legacy = f.newDocumentBuilder().parse(dir.resolve("workflowset.meta").toFile())
                .getDocumentElement();
            String comments = "";
            for (Node c = legacy.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element e && e.getAttribute("name").equals("Comments")) {
                    comments = e.getTextContent().replace("\r", "");
                }
            }
            assertEquals(description, comments, name + ": the same description in both files");
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

    /**
     * The GLMM scenarios against glmer (generate-glmm-scenarios.R, lme4 1.1-31): the Learner's fixed effects, SEs and
     * logLik, and the Predictor's probabilities and expected counts against lme4's {@code predict(type = "response")}
     * with and without the random effects. Tolerances the engine meets (GlmmCommandTest): 9-point AGQ logLik 1e-6,
     * estimates 1e-4, SEs 1e-3; the Laplace fit of one random intercept 1e-5, 1e-3, 2e-2 (lme4's PIRLS stops short).
     */
    @Test
    void glmmScenariosReproduceGlmer() throws Exception {
        String[][] cases = {{"12 Responder analysis by visit", "responder_visits_agq9", "responder"},
            {"13 Seizure counts with follow-up time", "seizure_counts_laplace", "seizures"}};
        for (String[] s : cases) {
            ReferenceCase c = ReferenceCase.load(s[1]);
            boolean agq = c.number("nAGQ") > 1;
            WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve(s[0]));
            BufferedDataTable fixed = table(r, "Mixed Model Learner", 1);
            assertFixedEffects(c, fixed, agq ? 1e-4 : 1e-3);
            double[] se = KnimeTables.doubles(fixed, "Std. Error");
            for (int k = 0; k < se.length; k++) {
                assertClose(c.objects("fixed").get(k).get("se").getAsDouble(), se[k], agq ? 1e-3 : 2e-2, s[0] + " se " + k);
            }
            BufferedDataTable stats = table(r, "Mixed Model Learner", 4);
            assertClose(c.number("logLik"), KnimeTables.doubles(stats, "Log-likelihood")[0], agq ? 1e-6 : 1e-5,
                s[0] + " logLik");
            BufferedDataTable predicted = table(r, "Mixed Model Predictor", 0);
            double[] conditional = KnimeTables.doubles(predicted, "Prediction (" + s[2] + ")");
            double[] population = KnimeTables.doubles(predicted, "Population prediction (" + s[2] + ")");
            double[] lower = KnimeTables.doubles(predicted,
                "Lower 95% confidence limit of population prediction (" + s[2] + ")");
            double[] expected = c.numbers("fitted_response");
            double[] expectedPopulation = c.numbers("fitted_population_response");
            assertEquals(expected.length, conditional.length);
            for (int i = 0; i < expected.length; i++) {
                assertClose(expected[i], conditional[i], agq ? 1e-4 : 1e-3, s[0] + " conditional " + i);
                assertClose(expectedPopulation[i], population[i], agq ? 1e-4 : 1e-3, s[0] + " population " + i);
                assertTrue(lower[i] > 0 && lower[i] < population[i], s[0] + " interval " + i);
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
        // placebo is the reference arm (R's default, the first level alphabetically, is active): the arm terms
        // are the reference's with the sign flipped and the same SE; baseline is unchanged
        BufferedDataTable fixed = table(r, "Mixed Model Learner", 1);
        List<String> terms = KnimeTables.strings(fixed, "Term");
        double[] est = KnimeTables.doubles(fixed, "Estimate");
        double[] se = KnimeTables.doubles(fixed, "Std. Error");
        for (JsonObject e : c.objects("fixed")) {
            String term = e.get("term").getAsString();
            boolean arm = term.startsWith("armplacebo");
            if (!arm && !term.equals("baseline")) {
                continue; // intercept and visit effects are now those of the placebo arm: the LS means check them
            }
            int i = terms.indexOf(arm ? term.replace("armplacebo", "armactive") : term);
            assertTrue(i >= 0, term + " in " + terms);
            double sign = arm ? -1 : 1;
            assertClose(sign * e.get("estimate").getAsDouble(), est[i], 1e-4, e.get("se").getAsDouble(),
                terms.get(i)); // flat likelihood: 1e-4 of the SE
            assertClose(e.get("se").getAsDouble(), se[i], 1e-3, "SE of " + terms.get(i));
        }
        assertEquals(List.of("(Intercept)", "baseline", "armactive"), terms.subList(0, 3), "placebo is the reference");
        BufferedDataTable means = table(r, "Mixed Model Tests", 1);
        List<String> levels = KnimeTables.strings(means, "Level");
        for (JsonObject e : c.objects("lsmeans_satterthwaite")) {
            int i = levels.indexOf(e.get("arm").getAsString() + " " + e.get("visit").getAsString());
            assertClose(e.get("estimate").getAsDouble(), KnimeTables.doubles(means, "Estimate")[i], 1e-4,
                e.get("se").getAsDouble(), "LS mean " + levels.get(i));
        }
        assertEquals(4, table(r, "Mixed Model Tests", 2).size(), "one arm difference per visit");
    }

    /**
     * Workflow 14: the Learner's coefficients with clubSandwich's CR2 SEs (1e-4) and Satterthwaite df (1e-3), the
     * Tests node's Type III test of RACE as clubSandwich's HTZ test (F and df 1e-3), each table naming what it used.
     */
    @Test
    void mmrmWithRobustStandardErrorsMatchesClubSandwich() throws Exception {
        ReferenceCase c = ReferenceCase.load("fev_gls_us_robust");
        WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve("14 MMRM with robust standard errors"));
        BufferedDataTable fixed = table(r, "Mixed Model Learner", 1);
        List<String> terms = KnimeTables.strings(fixed, "Term");
        JsonObject cr2 = c.objects("robust").stream().filter(e -> e.get("type").getAsString().equals("CR2"))
            .findFirst().orElseThrow();
        for (var e : cr2.getAsJsonArray("coef_test")) {
            JsonObject t = e.getAsJsonObject();
            int i = terms.indexOf(t.get("term").getAsString());
            assertTrue(i >= 0, t.get("term") + " in " + terms);
            assertClose(t.get("se").getAsDouble(), KnimeTables.doubles(fixed, "Std. Error")[i], 1e-4, "CR2 se " + i);
            assertClose(t.get("df_satterthwaite").getAsDouble(), KnimeTables.doubles(fixed, "df")[i], 1e-3,
                "CR2 df " + i);
        }
        assertEquals(List.of("empirical-cr2"), KnimeTables.strings(fixed, "Covariance").stream().distinct().toList());
        BufferedDataTable anova = table(r, "Mixed Model Tests", 0);
        int race = KnimeTables.strings(anova, "Term").indexOf("RACE");
        JsonObject htz = c.objects("robust_wald_tests_cr2").stream()
            .filter(e -> e.get("term").getAsString().equals("RACE")).findFirst().orElseThrow().getAsJsonObject("htz");
        assertClose(htz.get("F").getAsDouble(), KnimeTables.doubles(anova, "F")[race], 1e-3, "HTZ F");
        assertClose(htz.get("dendf").getAsDouble(), KnimeTables.doubles(anova, "DenDF")[race], 1e-3, "HTZ den df");
        assertEquals(List.of("htz"), KnimeTables.strings(anova, "Robust test").stream().distinct().toList());
        assertEquals(8, table(r, "Mixed Model Tests", 1).size(), "LS means of 2 arms at 4 visits");
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

    /** The workflows' Diagnostics nodes: node, its workflow, the Learner it reads and their common table source. */
    private record Diagnosed(String workflow, WorkflowRunner.Node diagnostics, WorkflowRunner.Node learner,
        WorkflowRunner.Connection table) {
    }

    private static List<Diagnosed> diagnosed() throws Exception {
        List<Diagnosed> out = new java.util.ArrayList<>();
        for (String name : ScenarioWorkflows.all().keySet()) {
            Path dir = ROOT.resolve(name);
            List<WorkflowRunner.Node> nodes = WorkflowRunner.nodes(dir);
            List<WorkflowRunner.Connection> connections = WorkflowRunner.connections(dir);
            // the Diagnostics node diagnoses linear mixed models; a GLMM Learner (family binomial or poisson) has none
            boolean learner = false;
            for (WorkflowRunner.Node n : nodes) {
                learner |= n.factory().equals(ScenarioWorkflows.LEARNER)
                    && "gaussian".equals(n.settings().getNodeSettings("model").getString("family", "gaussian"));
            }
            List<WorkflowRunner.Node> diagnostics = nodes.stream()
                .filter(n -> n.factory().equals(ScenarioWorkflows.DIAGNOSTICS)).toList();
            assertEquals(learner ? 1 : 0, diagnostics.size(), name + ": one Diagnostics node where a Learner fits a "
                + "model, none elsewhere");
            for (WorkflowRunner.Node d : diagnostics) {
                WorkflowRunner.Connection model = into(connections, d.id(), 0);
                WorkflowRunner.Connection table = into(connections, d.id(), 1);
                WorkflowRunner.Node source = nodes.stream().filter(n -> n.id() == model.source()).findFirst()
                    .orElseThrow();
                assertEquals(ScenarioWorkflows.LEARNER, source.factory(), name + ": the model comes from a Learner");
                assertEquals(0, model.sourcePort(), name + ": the Learner's model port");
                WorkflowRunner.Connection learnerTable = into(connections, source.id(), 0);
                assertEquals(List.of(learnerTable.source(), learnerTable.sourcePort()), List.of(table.source(),
                    table.sourcePort()), name + ": the Diagnostics node reads the table the Learner reads");
                out.add(new Diagnosed(name, d, source, table));
            }
        }
        assertEquals(10, out.size(), "the ten workflows with a linear Mixed Model Learner");
        return out;
    }

    private static WorkflowRunner.Connection into(final List<WorkflowRunner.Connection> connections, final int node,
        final int port) {
        List<WorkflowRunner.Connection> c = connections.stream().filter(k -> k.dest() == node && k.destPort() == port)
            .toList();
        assertEquals(1, c.size(), "one connection into port " + (port + 1) + " of node #" + node);
        return c.get(0);
    }

    @Test
    void theDiagnosticsNodesSettingsAreWhatTheNodeSaves() throws Exception {
        for (Diagnosed d : diagnosed()) {
            org.knime.core.node.NodeSettings saved = (org.knime.core.node.NodeSettings)d.diagnostics().settings()
                .getNodeSettings("model");
            org.knime.core.node.StandInNodeContainer node = new org.knime.core.node.StandInNodeContainer(
                (org.knime.core.node.NodeFactory<?>)Class.forName(d.diagnostics().factory()).getDeclaredConstructor()
                    .newInstance());
            node.loadSettings(saved);
            org.knime.core.node.NodeSettings again = new org.knime.core.node.NodeSettings("model");
            node.saveSettings(again);
            assertEquals(xml(again), xml(saved), d.workflow() + ": every key, in the node's order, with its value");
            // a workflow setting a plot the model cannot draw would draw a "not applicable" image with a warning
            assertTrue(saved.getBoolean("plot_residuals") && saved.getBoolean("plot_qq"), d.workflow());
        }
    }

    private static String xml(final org.knime.core.node.NodeSettings s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.saveToXML(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Node bounds (x, y, w, h) from workflow.knime and its annotation's from settings.xml. */
    private static Map<Integer, int[][]> layout(final Path dir) throws Exception {
        Map<Integer, int[][]> out = new LinkedHashMap<>();
        NodeSettingsRO nodes = WorkflowRunner.workflow(dir).getNodeSettings("nodes");
        for (String key : nodes.keySet()) {
            NodeSettingsRO n = nodes.getNodeSettings(key);
            NodeSettingsRO b = n.getNodeSettings("ui_settings").getNodeSettings("extrainfo.node.bounds");
            int[] bounds = {b.getInt("0"), b.getInt("1"), b.getInt("2"), b.getInt("3")};
            NodeSettingsRO a = WorkflowRunner.read(dir.resolve(n.getString("node_settings_file")))
                .getNodeSettings("nodeAnnotation");
            int[] annotation = {a.getInt("x-coordinate"), a.getInt("y-coordinate"), a.getInt("width"),
                a.getInt("height")};
            out.put(n.getInt("id"), new int[][] {bounds, annotation});
        }
        return out;
    }

    private static boolean overlap(final int[] a, final int[] b) {
        return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
    }

    @Test
    void theDiagnosticsNodeAndItsAnnotationOverlapNoOtherNode() throws Exception {
        for (Diagnosed d : diagnosed()) {
            Map<Integer, int[][]> layout = layout(ROOT.resolve(d.workflow()));
            int[][] mine = layout.get(d.diagnostics().id());
            assertFalse(overlap(mine[0], mine[1]), d.workflow());
            for (Map.Entry<Integer, int[][]> e : layout.entrySet()) {
                if (e.getKey() != d.diagnostics().id()) {
                    for (int[] other : e.getValue()) {
                        for (int[] r : mine) {
                            assertFalse(overlap(r, other), d.workflow() + ": the Diagnostics node or its annotation "
                                + "overlaps node #" + e.getKey() + " or its annotation");
                        }
                    }
                }
            }
        }
    }

    @Test
    void theDiagnosticsNodeRunsInEveryWorkflowWithALearner() throws Exception {
        for (Diagnosed d : diagnosed()) {
            WorkflowRunner.Result r = WorkflowRunner.run(ROOT.resolve(d.workflow()));
            org.knime.core.node.port.PortObject[] out = r.outputs().get(d.diagnostics().id());
            WorkflowRunner.Port[] ports = r.ports().get(d.diagnostics().id());
            BufferedDataTable training = (BufferedDataTable)r.outputs().get(d.table().source())[d.table().sourcePort()];
            BufferedDataTable residuals = (BufferedDataTable)out[0];
            assertFalse(ports[0].isImage(), d.workflow());
            assertEquals(training.size(), residuals.size(), d.workflow() + ": one row per training row");
            assertEquals(rowKeys(training), rowKeys(residuals), d.workflow() + ": the training table's keys and order");
            String formula = d.learner().settings().getNodeSettings("model").getString("formula");
            String response = formula.substring(0, formula.indexOf('~')).strip();
            double[] y = KnimeTables.doubles(training, response);
            double[] fitted = KnimeTables.doubles(residuals, "Fitted");
            double[] residual = KnimeTables.doubles(residuals, "Residual");
            double scale = java.util.Arrays.stream(y).filter(Double::isFinite).map(Math::abs).max().orElseThrow();
            int used = 0;
            for (int i = 0; i < y.length; i++) {
                if (Double.isNaN(y[i])) {
                    assertTrue(Double.isNaN(residual[i]), d.workflow() + " row " + i + ": no residual without y");
                } else {
                    used++;
                    // y - fitted in double precision: 1e-12 of the response's size
                    assertEquals(y[i] - fitted[i], residual[i], 1e-12 * scale, d.workflow() + " row " + i);
                }
            }
            assertTrue(used > 0, d.workflow());
            NodeSettingsRO settings = d.diagnostics().settings().getNodeSettings("model");
            org.mixedmodels.plot.PlotKind[] kinds = org.mixedmodels.plot.PlotKind.values();
            assertEquals(1 + kinds.length, out.length, d.workflow());
            for (int k = 0; k < kinds.length; k++) {
                assertTrue(ports[1 + k].isImage(), d.workflow() + " port " + (k + 2));
                assertEquals(org.knime.core.node.port.image.ImagePortObject.TYPE, ports[1 + k].type());
                byte[] png = WorkflowRunner.png((org.knime.core.node.port.image.ImagePortObject)out[1 + k]);
                assertArrayEquals(new byte[] {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                    java.util.Arrays.copyOf(png, 8), d.workflow() + ": PNG signature of " + kinds[k]);
                java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
                assertEquals(settings.getInt("image_width"), image.getWidth(), d.workflow() + " " + kinds[k]);
                assertEquals(settings.getInt("image_height"), image.getHeight(), d.workflow() + " " + kinds[k]);
                String warning = r.warnings().get(d.diagnostics().id());
                if (settings.getBoolean("plot_" + kinds[k].label()) && warning != null) {
                    assertFalse(warning.contains(kinds[k].title() + ":"), d.workflow() + ": " + kinds[k]
                        + " is selected but the model has nothing for it: " + warning);
                }
            }
        }
    }

    private static List<String> rowKeys(final BufferedDataTable t) {
        List<String> keys = new java.util.ArrayList<>();
        for (org.knime.core.data.DataRow row : t) {
            keys.add(row.getKey().getString());
        }
        return keys;
    }

    @Test
    void theRunnerPrintsImagePortsAsTheirSizeAndNameAndWritesThemOnRequest(@TempDir final Path tmp)
        throws Exception {
        WorkflowRunner.Result r = WorkflowRunner.run(Path.of(WorkflowRunner.DEFAULT_WORKFLOW));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WorkflowRunner.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8), tmp);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("== Mixed Model Diagnostics (#4), output 1: Residuals"), text);
        assertTrue(text.contains("== Mixed Model Diagnostics (#4), output 2: image 'Residuals vs fitted'\n"
            + "PNG Image 900 x 650 with "), text);
        assertTrue(text.contains("== Mixed Model Diagnostics (#4), output 7: image 'Residual correlation'"), text);
        try (Stream<Path> files = Files.list(tmp)) {
            List<Path> pngs = files.sorted().toList();
            assertEquals(6, pngs.size(), pngs.toString());
            assertEquals("4-2 Mixed Model Diagnostics Residuals vs fitted.png", pngs.get(0).getFileName().toString());
            assertArrayEquals(WorkflowRunner.png((org.knime.core.node.port.image.ImagePortObject)r.outputs(
                "Mixed Model Diagnostics")[1]), Files.readAllBytes(pngs.get(0)));
        }
        // off by default: nothing written without the folder
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        WorkflowRunner.print(r, new PrintStream(plain, true, StandardCharsets.UTF_8));
        assertFalse(plain.toString(StandardCharsets.UTF_8).contains("Written to"));
    }

    @Test
    void theRunnerRefusesAConnectionThePortTypeDoesNotTake(@TempDir final Path tmp) throws Exception {
        Path dir = tmp.resolve("wrong");
        // the table where the model belongs: KNIME would not connect a table port to a model port
        new WorkflowWriter("Wrong", "A table into the model port.").data(ScenarioWorkflows.data("sleepstudy.csv"))
            .node(ScenarioWorkflows.csv(1, "sleepstudy.csv", "Reads."))
            .node(ScenarioWorkflows.diagnostics(2, "residuals", new String[0], "Diagnostics.", 300, 100))
            .connect(1, 1, 2, 1).connect(1, 1, 2, 2).write(dir);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> WorkflowRunner.run(dir));
        assertTrue(e.getMessage().contains("Input port 1 takes MixedModelPortObject, but its connection delivers "
            + "BufferedDataTable"), e.getMessage());
    }
}
