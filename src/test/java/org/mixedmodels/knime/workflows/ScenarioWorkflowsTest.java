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
        assertEquals(13, readers.size(), "CSV Readers in the 12 workflows (two in the joint model)");
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
