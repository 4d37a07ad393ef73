package org.mixedmodels.knime.workflows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.knime.core.node.NodeSettings;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.testing.ReferenceCase;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;
import org.mixedmodels.workflows.WorkflowRunner;

/**
 * The application scenarios as KNIME workflows (test-workflows/): their nodes, settings, connections and the
 * text that explains each analysis. {@code main} writes them; {@link ScenarioWorkflowsTest} checks that the
 * committed directories are what this class writes, runs them headless and compares with the references.
 */
public final class ScenarioWorkflows {
    static final String LEARNER = "org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory";
    static final String PREDICTOR = "org.mixedmodels.knime.predictor.MixedModelPredictorNodeFactory";
    static final String ICC = "org.mixedmodels.knime.icc.IccNodeFactory";
    static final String DESIGN_EFFECT = "org.mixedmodels.knime.designeffect.DesignEffectNodeFactory";
    static final String COMPARISON = "org.mixedmodels.knime.comparison.ModelComparisonNodeFactory";
    static final String TESTS = "org.mixedmodels.knime.tests.MixedModelTestsNodeFactory";
    static final String JOINT = "org.mixedmodels.knime.joint.JointModelNodeFactory";
    static final String DIAGNOSTICS = "org.mixedmodels.knime.diagnostics.MixedModelDiagnosticsNodeFactory";
    /** The Diagnostics node's name, as its factory's description gives it. */
    static final String DIAGNOSTICS_NAME = "Mixed Model Diagnostics";

    private ScenarioWorkflows() {
    }

    public static void main(final String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "test-workflows");
        for (Map.Entry<String, WorkflowWriter> e : all().entrySet()) {
            e.getValue().write(out.resolve(e.getKey()));
        }
    }

    /** Workflow directory name to workflow. */
    static Map<String, WorkflowWriter> all() {
        Map<String, WorkflowWriter> w = new LinkedHashMap<>();
        w.put("00 Sleep study random slopes", new WorkflowWriter("Reaction time under sleep deprivation",
            "lme4's sleepstudy: 18 subjects, 10 days each. A random intercept and slope per subject (correlated) model "
                + "how each subject's reaction time grows with days of sleep deprivation; the Predictor gives each "
                + "subject's fitted curve and a prediction interval for a new subject.")
            .data(data("sleepstudy.csv"))
            .node(csv(1, "sleepstudy.csv", "Reads the 180 measurements (Reaction, Days, Subject)."))
            .node(learner(2, "Reaction ~ Days + (Days | Subject)", "satterthwaite", new String[0], new String[0],
                "Random intercept and Days slope per Subject, REML; Satterthwaite df."))
            .node(new WorkflowWriter.Node(3, "Mixed Model Predictor", PREDICTOR, WorkflowWriter.OUR_BUNDLE, s -> {
                s.addBoolean("has_custom_prediction_name", false);
                s.addString("custom_prediction_name", "");
                s.addBoolean("include_population_prediction", true);
                s.addBoolean("include_standard_error", true);
                s.addBoolean("include_prediction_interval", true);
                s.addDouble("prediction_interval_level", 0.95);
                s.addBoolean("estimate_new_groups", false);
            }, 1, "Each subject's fitted values, the population curve and a 95% prediction interval.", 500, 100))
            .node(diagnostics(4, "residuals,qq,caterpillar,trajectories", new String[] {"308", "309", "335", "337"},
                "Residuals vs fitted, QQ plots, BLUPs with 95% intervals; the fitted lines of four subjects "
                    + "(308 and 337 slow down most, 309 and 335 least).", 500, 260))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2).connect(2, 1, 4, 1).connect(1, 1, 4, 2));
        w.put("01 NF1 lesions within patients", simple("Lesion volume in neurofibromatosis type 1",
            "Several lesions per patient: a random intercept per patient accounts for lesions of the same patient "
                + "being alike; age and lesion subtype are fixed effects (Type III tests with Satterthwaite df in the "
                + "Learner's outputs).", "nf1_lesions", "satterthwaite",
            "Random intercept per patient; age and subtype effects.", "residuals,qq,caterpillar,lsmeans"));
        w.put("02 Trials within neurons within subjects", simple("Three-level variance components",
            "Firing rates of trials nested in neurons nested in subjects: (1 | subject/neuron) gives a variance per "
                + "level (subject, neuron within subject, trial), and the condition effect is tested against the right "
                + "level of variation.", "neurons_three_level", "satterthwaite",
            "Nested random intercepts (1 | subject/neuron); variance components per level.",
            "residuals,qq,caterpillar,lsmeans"));
        w.put("03 QTcF AR(1) versus compound symmetry", qtcf());
        w.put("04 AB-BA cross-over trial", crossover());
        w.put("05 Condition effect varying by donor", simple("Random slope: the condition effect differs by donor",
            "ChIP binding under two conditions in several donors: (condition | donor) lets each donor have its own "
                + "condition effect, correlated with its baseline.", "chip_random_slope", "satterthwaite",
            "Random intercept and condition slope per donor.", "residuals,qq,caterpillar,trajectories"));
        w.put("06 Cross-level interaction", simple("Cross-level interaction: condition x anxiety",
            "Trial-level condition and subject-level anxiety: condition * anxiety with random condition slopes per "
                + "subject tests whether the condition effect depends on the subject's anxiety.",
            "crosslevel_interaction", "satterthwaite", "condition * anxiety with (condition | subject).",
            "residuals,qq,caterpillar,trajectories"));
        w.put("07 Radiomics test-retest reliability", new WorkflowWriter("Test-retest reliability of a radiomics feature",
            "Patients scanned 2 to 4 times: the mixed-model ICC (REML random intercept per patient) handles the "
                + "unbalanced repeats; a parametric bootstrap gives its interval (fixed seed: reproducible).")
            .data(data("radiomics_retest.csv"))
            .node(csv(1, "radiomics_retest.csv", "Reads one row per scan: patient, scan, feature."))
            .node(new WorkflowWriter.Node(2, "Intraclass Correlation", ICC, WorkflowWriter.OUR_BUNDLE, s -> {
                s.addString("subject_column", "patient");
                s.addString("value_column", "feature");
                s.addString("rater_column", "");
                s.addInt("bootstrap_replicates", 500);
                s.addLong("seed", 20240101L);
                s.addDouble("confidence_level", 0.95);
            }, 1, "Mixed-model ICC with a 95% bootstrap interval; Koo-Li interpretation.", 300, 100))
            .connect(1, 1, 2, 1));
        w.put("08 Mice in cages design effect", new WorkflowWriter("Design effect of housing mice in cages",
            "40 mice in 8 cages of 5: mice of a cage are alike, so 40 mice carry the information of fewer. The ICC "
                + "of body weight within cages (adjusted for treatment) gives Kish's design effect and the effective "
                + "sample size. With no input table the node also plans: ICC 0.15, 5 per cage, 40 mice give DE 1.6 "
                + "and 25 effective mice.")
            .data(data("mice_cages.csv"))
            .node(csv(1, "mice_cages.csv", "Reads one row per mouse: cage, treatment, weight."))
            .node(new WorkflowWriter.Node(2, "Design Effect", DESIGN_EFFECT, WorkflowWriter.OUR_BUNDLE, s -> {
                s.addBoolean("from_data", true);
                s.addString("cluster_column", "cage");
                s.addString("value_column", "weight_g");
                s.addStringArray("fixed_columns", "treatment");
                s.addDouble("icc", 0.15);
                s.addDouble("cluster_size", 5);
                s.addDouble("sample_size", 40);
                s.addDouble("cluster_size_cv", 0);
            }, 1, "ICC of weight within cages (adjusted for treatment), design effect and effective n.", 300, 100))
            .connect(1, 1, 2, 1));
        w.put("09 Delta-radiomics per-patient slopes", new WorkflowWriter("Delta-radiomics: per-patient slopes for a "
            + "second-stage model", "Stage 1: each patient's feature trajectory over months, (month | patient); the "
                + "Learner's Random effects output holds each patient's slope (BLUP) in the column 'month'. Stage 2, "
                + "outside this workflow's automatic test: join those slopes to the outcome table "
                + "(delta_radiomics_outcome.csv) on patient and fit KNIME's Logistic Regression Learner of the outcome "
                + "on the slope.")
            .data(data("delta_radiomics_long.csv")).data(data("delta_radiomics_outcome.csv"))
            .node(csv(1, "delta_radiomics_long.csv", "Reads the feature per patient and month."))
            .node(learner(2, ReferenceCase.load("delta_radiomics_stage1").string("formula"), "satterthwaite",
                new String[0], new String[0], "Stage 1: random intercept and month slope per patient. Output 4 "
                    + "holds the per-patient slopes for stage 2."))
            .node(diagnostics(3, "residuals,qq,caterpillar,trajectories", new String[0],
                "Residuals, QQ plots, the per-patient slopes with 95% intervals and the first 9 patients' lines.", 520,
                100))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2));
        w.put("10 Joint model of CD4 and survival", new WorkflowWriter("Joint model of CD4 counts and death (AIDS)",
            "467 patients on ddC or ddI: sqrt(CD4) measured at 0, 2, 6, 12 and 18 months, and time to death. Patients "
                + "with falling CD4 die and stop being measured, so a separate mixed model is biased; the joint model "
                + "links the two through the random effects. Assoct is the log hazard ratio of death per unit of the "
                + "current sqrt(CD4) (as R's JM, Weibull baseline); the last output gives each patient's probability of "
                + "surviving to 12 and 18 months given their measurements so far.")
            .data(data("aids_long.csv")).data(data("aids_survival.csv"))
            .node(csv(1, "aids_long.csv", "Longitudinal: sqrt(CD4) per patient and month."))
            .node(csvAt(2, "aids_survival.csv", "Survival: time to death (or censoring) per patient.", 100, 260))
            .node(new WorkflowWriter.Node(3, "Joint Model Learner", JOINT, WorkflowWriter.OUR_BUNDLE, s -> {
                s.addString("longitudinal_formula", "CD4 ~ obstime + obstime:drug + (obstime | patient)");
                s.addString("time_column", "obstime");
                s.addString("survival_time_column", "Time");
                s.addString("event_column", "death");
                s.addString("survival_formula", "~ drug");
                s.addString("baseline", "weibull");
                s.addStringArray("reference_levels", "drug=ddC");
                s.addDoubleArray("horizons", 12, 18);
            }, 5, "Weibull joint model, current-value association; survival predictions at 12 and 18 months.", 300,
                180))
            .connect(1, 1, 3, 1).connect(2, 1, 3, 2));
        w.put("11 MMRM unstructured covariance", mmrm());
        w.put("12 Responder analysis by visit", responders());
        w.put("13 Seizure counts with follow-up time", seizures());
        w.put("14 MMRM with robust standard errors", mmrmRobust());
        return w;
    }

    static Path data(final String file) {
        return ReferenceCase.root().resolve("data").resolve(file);
    }

    /** CSV Reader -> Learner for a reference case's formula. */
    private static WorkflowWriter simple(final String title, final String description, final String reference,
        final String df, final String annotation, final String plots) {
        ReferenceCase c = ReferenceCase.load(reference);
        String file = Path.of(c.string("data")).getFileName().toString();
        return new WorkflowWriter(title, description).data(data(file))
            .node(csv(1, file, "Reads " + file + "."))
            .node(learner(2, c.string("formula"), df, new String[0], new String[0], annotation))
            .node(diagnostics(3, plots, new String[0], "Diagnostic plots: " + plots.replace(",", ", ")
                + " (the first 9 subjects where there are subject series).", 520, 100))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2);
    }

    private static WorkflowWriter qtcf() {
        ReferenceCase ar1 = ReferenceCase.load("qtcf_ri_ar1");
        return new WorkflowWriter("Preclinical QTcF: AR(1) residuals versus compound symmetry",
            "QTcF measured 8 times after dosing in each animal. Model A adds AR(1)-correlated residuals over the "
                + "visits to a random intercept per animal (as nlme's lme with corAR1); model B is the random "
                + "intercept alone (compound symmetry). Both REML with the same fixed effects, so the "
                + "likelihood-ratio test compares them directly.")
            .data(data("qtcf.csv"))
            .node(csv(1, "qtcf.csv", "Reads QTcF per animal, dose and hour."))
            .node(learner(2, ar1.string("formula") + " + " + ar1.string("residual"), "satterthwaite", new String[0],
                new String[0], "A: random intercept per animal + AR(1) residuals over visits."))
            .node(learnerAt(3, ar1.string("formula"), "satterthwaite", new String[0], new String[0],
                "B: random intercept per animal (compound symmetry).", 300, 260))
            .node(new WorkflowWriter.Node(4, "Mixed Model Comparison", COMPARISON, WorkflowWriter.OUR_BUNDLE, s -> {
            }, 1, "Likelihood-ratio test of A against B.", 500, 180))
            .node(diagnostics(5, "residuals,qq,caterpillar,trajectories,correlation", new String[0],
                "Diagnostics of model A: residuals, QQ plots, BLUPs, 9 animals' series and the AR(1) correlation "
                    + "over the visits as a heat map.", 720, 180))
            .connect(1, 1, 2, 1).connect(1, 1, 3, 1).connect(2, 1, 4, 1).connect(3, 1, 4, 2).connect(1, 1, 4, 3)
            .connect(2, 1, 5, 1).connect(1, 1, 5, 2);
    }

    private static WorkflowWriter crossover() {
        ReferenceCase c = ReferenceCase.load("crossover_lsmeans");
        return new WorkflowWriter("AB/BA cross-over trial",
            "Each subject receives treatments A and B in two periods, in sequence AB or BA. Treatment, period and "
                + "sequence are fixed effects and a random intercept per subject takes the within-subject "
                + "correlation. The Tests node gives Type III tests and the LS means of the treatments with the "
                + "A - B contrast (Kenward-Roger df, as SAS PROC MIXED DDFM=KR).")
            .data(data("crossover.csv"))
            .node(csv(1, "crossover.csv", "Reads one row per subject and period."))
            .node(learner(2, c.string("formula"), "kenward-roger", new String[0], new String[0],
                "Treatment, period, sequence; random intercept per subject."))
            .node(tests(3, new String[] {"treatment"}, new String[0], "kenward-roger",
                "Type III tests, LS means of treatment and A - B."))
            .node(diagnostics(4, "residuals,qq,caterpillar,lsmeans", new String[0],
                "Residuals, QQ plots, subject BLUPs with 95% intervals, LS means.", 500, 260))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2).connect(2, 1, 4, 1).connect(1, 1, 4, 2);
    }

    private static WorkflowWriter mmrm() {
        ReferenceCase c = ReferenceCase.load("mmrm_us");
        return new WorkflowWriter("MMRM: change from baseline by arm and visit",
            "A mixed model for repeated measures: change from baseline ~ baseline + arm * visit with an unstructured "
                + "covariance over the four visits within subject (us(visit | subject), as SAS PROC MIXED's "
                + "REPEATED / TYPE=UN and R's mmrm). Subjects who drop out contribute the visits they have. The visit "
                + "order WEEK2, WEEK4, WEEK8, WEEK12 and placebo as the reference arm (the arm effects are active - placebo) are set in the Learner. The Tests node gives the LS means by arm "
                + "at each visit and the arm difference at each visit (Satterthwaite df).")
            .data(data("mmrm_trial.csv"))
            .node(csv(1, "mmrm_trial.csv", "Reads one row per subject and visit."))
            .node(learner(2, c.string("formula") + " + " + c.string("residual"), "satterthwaite",
                new String[] {"arm=placebo"}, new String[] {"visit=WEEK2,WEEK4,WEEK8,WEEK12"}, "Unstructured covariance over visits (MMRM), REML; placebo is the reference arm."))
            .node(tests(3, new String[] {"arm"}, new String[] {"visit"}, "satterthwaite",
                "LS means of arm at each visit; the arm difference per visit."))
            .node(diagnostics(4, "residuals,qq,trajectories,lsmeans,correlation", new String[0], 6,
                "Residuals, QQ plot, 6 subjects' visits, LS means by arm over the visits, the unstructured "
                    + "correlation as a heat map.", 500, 260))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2).connect(2, 1, 4, 1).connect(1, 1, 4, 2);
    }

    /**
     * The MMRM on mmrm's fev_data with clubSandwich's CR2 sandwich and HTZ tests (reference fev_gls_us_robust): the
     * Learner's and the Tests node's every key as they save them. KNIME's CSV Reader reads an empty cell as missing
     * (not R's {@code NA}), so the data file has FEV1's NA cells empty.
     */
    private static WorkflowWriter mmrmRobust() {
        ReferenceCase c = ReferenceCase.load("fev_gls_us_robust");
        String fev;
        try {
            fev = java.nio.file.Files.readString(ReferenceCase.root().resolve("sas-fev").resolve("fev_data.csv"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String blank = java.util.regex.Pattern.compile("(?m)(^|,)NA(?=,|$)").matcher(fev).replaceAll("$1");
        String formula = c.string("formula") + " + " + c.string("residual");
        Consumer<NodeSettingsWO> learner = s -> {
            s.addString("formula", formula);
            s.addBoolean("use_typed_formula", true);
            s.addString("response", "");
            s.addStringArray("fixed_columns");
            s.addString("interactions", "");
            s.addStringArray("grouping_columns");
            s.addBoolean("nested", false);
            s.addStringArray("random_slopes");
            s.addBoolean("correlated_slopes", true);
            s.addString("method", "REML");
            s.addString("df_method", "satterthwaite");
            s.addDouble("confidence_level", 0.95);
            s.addStringArray("reference_levels", "SEX=Male");
            s.addString("residual_structure", "none");
            s.addString("residual_time", "");
            s.addString("residual_subject", "");
            s.addString("residual_group", "");
            s.addString("residual_variance_by", "");
            s.addString("robust_test", "htz");
            s.addStringArray("level_orders");
            s.addBoolean("fail_on_missing", false);
            s.addStringArray("categorical_columns");
            s.addString("missing_tokens", "NA");
            s.addString("fixed_effects_covariance", "empirical-cr2");
            s.addString("family", "gaussian");
            s.addString("link", "");
            s.addString("trials_column", "");
            s.addString("offset_column", "");
            s.addInt("nagq", 1);
        };
        Consumer<NodeSettingsWO> tests = s -> {
            s.addStringArray("lsmeans_factors", "ARMCD");
            s.addStringArray("by_factors", "AVISIT");
            s.addString("df_method", "satterthwaite");
            s.addDouble("confidence_level", 0.95);
            s.addString("fixed_effects_covariance", "empirical-cr2");
            s.addString("contrasts", "pairwise");
            s.addString("robust_test", "htz");
        };
        return new WorkflowWriter("MMRM with robust (sandwich) standard errors",
            "The MMRM FEV1 ~ ARMCD * AVISIT + RACE + SEX with an unstructured covariance over the four visits "
                + "(us(AVISIT | USUBJID)) on the mmrm package's fev_data (200 subjects; FEV1 missing at some visits, "
                + "empty cells in data/fev_data.csv). Standard errors, tests and LS means use the CR2 sandwich "
                + "clustered by subject (Bell-McCaffrey, as clubSandwich and mmrm's vcov = \"Empirical-Bias-Reduced\") "
                + "with its Satterthwaite df, valid even when the unstructured covariance were wrong; the Type III "
                + "tests of RACE and the visit terms are clubSandwich's HTZ tests. SEX = Male is the reference, as in "
                + "the SAS listings.")
            .data("fev_data.csv", blank)
            .node(csv(1, "fev_data.csv", "Reads one row per subject and visit."))
            .node(new WorkflowWriter.Node(2, "Mixed Model Learner", LEARNER, WorkflowWriter.OUR_BUNDLE, learner, 5,
                "Unstructured covariance, REML; CR2 sandwich SEs with Satterthwaite df; HTZ multi-df tests.", 300,
                100))
            .node(new WorkflowWriter.Node(3, "Mixed Model Tests", TESTS, WorkflowWriter.OUR_BUNDLE, tests, 3,
                "Type III (HTZ) tests, LS means of ARMCD at each visit with CR2 SEs; the arm difference per visit.",
                500, 100))
            .node(diagnostics(4, "residuals,qq,trajectories,lsmeans,correlation", new String[0], 6,
                "Residuals, QQ plot, 6 subjects' visits, LS means by arm over the visits, the unstructured "
                    + "correlation as a heat map.", 500, 260))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2).connect(2, 1, 4, 1).connect(1, 1, 4, 2);
    }

    /** A binary endpoint per visit: a GLMM (binomial, logit) with a random intercept per patient, as glmer. */
    private static WorkflowWriter responders() {
        ReferenceCase c = ReferenceCase.load("responder_visits_agq9");
        return new WorkflowWriter("Responder analysis by visit (binary GLMM)",
            "80 patients (40 placebo, 40 active) assessed as responder yes/no at weeks 4, 8, 12 and 16. A logistic mixed "
                + "model, responder ~ arm * visit + (1 | patient), takes the repeated assessments of a patient into "
                + "account through a random intercept (as lme4's glmer with nAGQ = 9, adaptive Gauss-Hermite "
                + "quadrature; SAS PROC GLIMMIX METHOD=QUAD). Placebo is the reference arm, so armactive is the log "
                + "odds ratio at week 4 and the interactions say how it changes by visit. The Predictor gives each "
                + "row's probability of response for its patient and for a typical patient (random effect 0) with a "
                + "95% confidence interval. The data are simulated (generate-glmm-scenarios.R, fixed seed).")
            .data(generated("responder_visits.csv"))
            .node(csv(1, "responder_visits.csv", "Reads one row per patient and visit: arm, visit, responder (0/1)."))
            .node(glmmLearner(2, c.string("formula"), "binomial", "", "", 9, new String[] {"arm=placebo"},
                "Binomial GLMM (logit), random intercept per patient, 9-point adaptive Gauss-Hermite quadrature."))
            .node(glmmPredictor(3, false, "Probability of response: conditional on the patient, and population-level "
                + "with a 95% confidence interval."))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2);
    }

    /** Counts with unequal follow-up: a Poisson GLMM with log(days) as the offset. */
    private static WorkflowWriter seizures() {
        ReferenceCase c = ReferenceCase.load("seizure_counts_laplace");
        return new WorkflowWriter("Seizure counts with follow-up time (Poisson GLMM with an offset)",
            "60 patients (30 placebo, 30 drug), seizures counted over 5 periods of 14 to 42 days. A Poisson mixed "
                + "model with log(days) as the offset models the seizure rate per day: seizures ~ treatment + period "
                + "+ baseline_rate + (1 | patient), Laplace approximation (as lme4's glmer). exp(treatmentdrug) is "
                + "the rate ratio of drug versus placebo. The fit statistics give the overdispersion ratio (Pearson "
                + "chi-square / df). The Predictor gives each period's expected count for its patient and for a "
                + "typical patient, using the offset column of its input. The data are simulated "
                + "(generate-glmm-scenarios.R, fixed seed).")
            .data(generated("seizure_counts.csv"))
            .node(csv(1, "seizure_counts.csv", "Reads one row per patient and period: days, log_days, seizures."))
            .node(glmmLearner(2, c.string("formula"), "poisson", "", "log_days", 1, new String[] {"treatment=placebo"},
                "Poisson GLMM (log), offset log_days, random intercept per patient, Laplace."))
            .node(glmmPredictor(3, false, "Expected seizures per period (rate x days): per patient and "
                + "population-level with a 95% confidence interval."))
            .connect(1, 1, 2, 1).connect(2, 1, 3, 1).connect(1, 1, 3, 2);
    }

    /** A data set the GLMM scenario script writes (src/test/resources/reference/data). */
    static Path generated(final String file) {
        return data(file);
    }

    /** The Learner with every key it saves, a typed formula and the GLMM's family, link, trials, offset and nAGQ. */
    static WorkflowWriter.Node glmmLearner(final int id, final String formula, final String family, final String trials,
        final String offset, final int nAGQ, final String[] references, final String annotation) {
        Consumer<NodeSettingsWO> model = s -> {
            s.addString("formula", formula);
            s.addBoolean("use_typed_formula", true);
            s.addString("response", "");
            s.addStringArray("fixed_columns");
            s.addString("interactions", "");
            s.addStringArray("grouping_columns");
            s.addBoolean("nested", false);
            s.addStringArray("random_slopes");
            s.addBoolean("correlated_slopes", true);
            s.addString("method", "REML");
            s.addString("df_method", "satterthwaite");
            s.addDouble("confidence_level", 0.95);
            s.addStringArray("reference_levels", references);
            s.addString("residual_structure", "none");
            s.addString("residual_time", "");
            s.addString("residual_subject", "");
            s.addStringArray("level_orders");
            s.addBoolean("fail_on_missing", false);
            s.addStringArray("categorical_columns");
            s.addString("missing_tokens", "NA");
            s.addString("fixed_effects_covariance", "model");
            s.addString("family", family);
            s.addString("link", "");
            s.addString("trials_column", trials);
            s.addString("offset_column", offset);
            s.addInt("nagq", nAGQ);
        };
        return new WorkflowWriter.Node(id, "Mixed Model Learner", LEARNER, WorkflowWriter.OUR_BUNDLE, model, 5,
            annotation, 300, 100);
    }

    /** The Predictor with every key it saves: conditional and population predictions with a 95% interval. */
    static WorkflowWriter.Node glmmPredictor(final int id, final boolean linkScale, final String annotation) {
        return new WorkflowWriter.Node(id, "Mixed Model Predictor", PREDICTOR, WorkflowWriter.OUR_BUNDLE, s -> {
            s.addBoolean("has_custom_prediction_name", false);
            s.addString("custom_prediction_name", "");
            s.addBoolean("include_population_prediction", true);
            s.addBoolean("include_standard_error", true);
            s.addBoolean("include_prediction_interval", true);
            s.addDouble("prediction_interval_level", 0.95);
            s.addBoolean("estimate_new_groups", false);
            s.addBoolean("link_scale", linkScale);
        }, 1, annotation, 500, 100);
    }

    static WorkflowWriter.Node csv(final int id, final String file, final String annotation) {
        return csvAt(id, file, annotation, 100, 100);
    }

    static WorkflowWriter.Node csvAt(final int id, final String file, final String annotation, final int x,
        final int y) {
        return new WorkflowWriter.Node(id, "CSV Reader", WorkflowRunner.CSV_READER, WorkflowWriter.KNIME_BASE,
            s -> csvReaderModel(s, file), 1, annotation, x, y);
    }

    /**
     * The CSV Reader's complete model settings, every key of a real saved reader
     * (src/test/resources/knime-settings/csv-reader-5.8.0-configured.keys, which names its source) with KNIME's
     * defaults, except: the file, read relative to the workflow data area ({@code knime.workflow.data}: the
     * workflow's {@code data/} folder, path without {@code data/}), one file (filter mode FILE), no row ID column.
     */
    static void csvReaderModel(final NodeSettingsWO s, final String file) {
        NodeSettingsWO settings = s.addNodeSettings("settings");
        NodeSettingsWO chooserInternals = settings.addNodeSettings("file_selection_Internals");
        chooserInternals.addString("SettingsModelID", "SMID_ReaderFileChooser");
        chooserInternals.addBoolean("EnabledStatus", true);
        NodeSettingsWO selection = settings.addNodeSettings("file_selection");
        NodeSettingsWO fs = selection.addNodeSettings("file_system_chooser__Internals");
        fs.addBoolean("has_fs_port", false);
        fs.addBoolean("overwritten_by_variable", false);
        fs.addString("convenience_fs_category", "RELATIVE");
        fs.addString("relative_to", WorkflowRunner.WORKFLOW_DATA_AREA);
        fs.addString("mountpoint", "LOCAL");
        fs.addString("spaceId", "");
        fs.addString("spaceName", "");
        fs.addInt("custom_url_timeout", 1000);
        fs.addBoolean("connected_fs", true);
        NodeSettingsWO path = selection.addNodeSettings("path");
        path.addBoolean("location_present", true);
        path.addString("file_system_type", "RELATIVE");
        path.addString("file_system_specifier", WorkflowRunner.WORKFLOW_DATA_AREA);
        path.addString("path", file);
        NodeSettingsWO filterInternals = selection.addNodeSettings("filter_mode_Internals");
        filterInternals.addString("SettingsModelID", "SMID_FilterMode");
        filterInternals.addBoolean("EnabledStatus", true);
        NodeSettingsWO filter = selection.addNodeSettings("filter_mode");
        filter.addString("filter_mode", "FILE");
        filter.addBoolean("include_subfolders", false);
        NodeSettingsWO options = filter.addNodeSettings("filter_options");
        options.addBoolean("filter_files_extension", false);
        options.addString("files_extension_expression", "");
        options.addBoolean("files_extension_case_sensitive", false);
        options.addBoolean("filter_files_name", false);
        options.addString("files_name_expression", "*");
        options.addBoolean("files_name_case_sensitive", false);
        options.addString("files_name_filter_type", "WILDCARD");
        options.addBoolean("include_hidden_files", false);
        options.addBoolean("include_special_files", true);
        options.addBoolean("filter_folders_name", false);
        options.addString("folders_name_expression", "*");
        options.addBoolean("folders_name_case_sensitive", false);
        options.addString("folders_name_filter_type", "WILDCARD");
        options.addBoolean("include_hidden_folders", false);
        options.addBoolean("follow_links", true);
        settings.addBoolean("has_column_header", true);
        settings.addBoolean("has_row_id", false);
        settings.addBoolean("support_short_data_rows", false);
        settings.addBoolean("skip_empty_data_rows", false);
        settings.addBoolean("prepend_file_idx_to_row_id", false);
        settings.addString("comment_char", "#");
        settings.addString("column_delimiter", ",");
        settings.addString("quote_char", "\"");
        settings.addString("quote_escape_char", "\"");
        settings.addBoolean("use_line_break_row_delimiter", true);
        settings.addString("row_delimiter", "\n");
        settings.addInt("autodetect_buffer_size", 1048576);
        NodeSettingsWO advanced = s.addNodeSettings("advanced_settings");
        advanced.addString("spec_merge_mode_Internals", "UNION");
        advanced.addBoolean("fail_on_differing_specs", true);
        advanced.addBoolean("append_path_column_Internals", false);
        advanced.addString("path_column_name_Internals", "File Path");
        advanced.addBoolean("limit_data_rows_scanned", true);
        advanced.addLong("max_data_rows_scanned", 10000L);
        advanced.addBoolean("save_table_spec_config_Internals", true);
        advanced.addBoolean("check_table_spec", false);
        advanced.addBoolean("limit_memory_per_column", true);
        advanced.addInt("maximum_number_of_columns", 8192);
        advanced.addString("quote_option", "REMOVE_QUOTES_AND_TRIM");
        advanced.addBoolean("replace_empty_quotes_with_missing", true);
        advanced.addBoolean("no_row_delimiters_in_quotes", false);
        advanced.addLong("min_chunk_size_in_bytes", 67108864L);
        advanced.addInt("max_num_chunks_per_file", 8);
        advanced.addString("thousands_separator", "\0");
        advanced.addString("decimal_separator", ".");
        NodeSettingsWO limit = s.addNodeSettings("limit_rows");
        limit.addBoolean("skip_lines", false);
        limit.addLong("number_of_lines_to_skip", 0L);
        limit.addBoolean("skip_data_rows", false);
        limit.addLong("number_of_rows_to_skip", 0L);
        limit.addBoolean("limit_data_rows", false);
        limit.addLong("max_rows", 50L);
        s.addNodeSettings("encoding").addString("charset", "UTF-8");
    }

    static WorkflowWriter.Node learner(final int id, final String formula, final String df, final String[] references,
        final String[] levelOrders, final String annotation) {
        return learnerAt(id, formula, df, references, levelOrders, annotation, 300, 100);
    }

    private static WorkflowWriter.Node learnerAt(final int id, final String formula, final String df,
        final String[] references, final String[] levelOrders, final String annotation, final int x, final int y) {
        Consumer<NodeSettingsWO> model = s -> {
            s.addString("formula", formula);
            s.addBoolean("use_typed_formula", true);
            s.addString("response", "");
            s.addStringArray("fixed_columns");
            s.addString("interactions", "");
            s.addStringArray("grouping_columns");
            s.addBoolean("nested", false);
            s.addStringArray("random_slopes");
            s.addBoolean("correlated_slopes", true);
            s.addString("method", "REML");
            s.addString("df_method", df);
            s.addDouble("confidence_level", 0.95);
            s.addStringArray("reference_levels", references);
            s.addString("residual_structure", "none");
            s.addString("residual_time", "");
            s.addString("residual_subject", "");
            s.addStringArray("level_orders", levelOrders);
            s.addBoolean("fail_on_missing", false);
        };
        return new WorkflowWriter.Node(id, "Mixed Model Learner", LEARNER, WorkflowWriter.OUR_BUNDLE, model, 5,
            annotation, x, y);
    }

    /** The Diagnostics node drawing {@code plots} (labels of {@link PlotKind}), the first 9 or the given subjects. */
    static WorkflowWriter.Node diagnostics(final int id, final String plots, final String[] subjects,
        final String annotation, final int x, final int y) {
        return diagnostics(id, plots, subjects, Math.max(9, subjects.length), annotation, x, y);
    }

    /**
     * The Diagnostics node with every key its settings save (MixedModelDiagnosticsSettings.saveTo, in its order;
     * {@link ScenarioWorkflowsTest} checks the node saves back exactly these): one on/off key per plot, the subjects,
     * how many subjects at most, the image size (FigureWriter's default) and the interval level.
     */
    static WorkflowWriter.Node diagnostics(final int id, final String plots, final String[] subjects,
        final int maxSubjects, final String annotation, final int x, final int y) {
        java.util.List<PlotKind> chosen = PlotKind.parseList(plots);
        return new WorkflowWriter.Node(id, DIAGNOSTICS_NAME, DIAGNOSTICS, WorkflowWriter.OUR_BUNDLE, s -> {
            for (PlotKind k : PlotKind.values()) {
                s.addBoolean("plot_" + k.label(), chosen.contains(k));
            }
            s.addStringArray("subjects", subjects);
            s.addInt("max_subjects", maxSubjects);
            s.addInt("image_width", FigureWriter.DEFAULT_WIDTH);
            s.addInt("image_height", FigureWriter.DEFAULT_HEIGHT);
            s.addDouble("confidence_level", 0.95);
        }, 1 + PlotKind.values().length, annotation, x, y);
    }

    static WorkflowWriter.Node tests(final int id, final String[] specs, final String[] by, final String df,
        final String annotation) {
        return new WorkflowWriter.Node(id, "Mixed Model Tests", TESTS, WorkflowWriter.OUR_BUNDLE, s -> {
            s.addStringArray("lsmeans_factors", specs);
            s.addStringArray("by_factors", by);
            s.addString("df_method", df);
            s.addDouble("confidence_level", 0.95);
        }, 3, annotation, 500, 100);
    }
}
