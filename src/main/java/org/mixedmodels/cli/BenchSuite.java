package org.mixedmodels.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.ProfiledDeviance;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.GeneralizedLinearMixedModel;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.GlmmResult;

/**
 * The performance suite ({@code bench --suite}): data sets of the shapes users fit, generated with fixed seeds,
 * each fitted once cold and then warm; one line per case with rows, groups, objective evaluations, the cold fit's
 * seconds (including building the design), the best warm fit, the cost of one evaluation of the objective (warm,
 * at the optimum; random-effects models only), the case's peak heap (garbage of earlier cases collected first),
 * the seconds of the Satterthwaite df, (cases that say so) of the Kenward-Roger df, and the heap the case's data
 * and fit hold after a full collection ({@code live_MB}: unlike the peak, it does not depend on how far the
 * collector lets the young generation grow). {@code --scale} shrinks every case (the smoke
 * test runs them at 1%), {@code --case} picks cases by name, {@code --write-data DIR} writes each data set as CSV
 * with an R script that times lme4 (and lmerTest) on the same data, and a shell script that times both whole
 * processes (read the CSV, fit, print) side by side.
 */
final class BenchSuite {
    /**
     * One benchmark: a name, a formula, a generator of its data at a scale, and lme4's call on the data frame
     * {@code d} ("mmrm" where R has no counterpart on Debian); {@code lmerTest} says whether the R script also
     * times lmerTest's fit, summary and anova (Satterthwaite), which our default {@code fit} matches;
     * {@code kenwardRoger} whether the bench also times Kenward-Roger's df (kr_s); {@code glmm} the family of a
     * generalized model, or null for a linear one.
     */
    record Case(String name, String formula, IntFunction<DataFrame> data, int fullSize, String lme4, boolean lmerTest,
            boolean kenwardRoger, GlmmOptions glmm) {
        Case(String name, String formula, IntFunction<DataFrame> data, int fullSize, String lme4) {
            this(name, formula, data, fullSize, lme4, false, false, null);
        }

        Case(String name, String formula, IntFunction<DataFrame> data, int fullSize, String lme4, boolean lmerTest) {
            this(name, formula, data, fullSize, lme4, lmerTest, false, null);
        }
    }

    private BenchSuite() {
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("insteval-crossed", "y ~ service * dept + (1 | s) + (1 | d)", BenchSuite::instEval, 73_421,
            "lmer(y ~ service * dept + (1 | s) + (1 | d), data = d)", true));
        // the issue's small and medium nested sizes (whole process against lme4: mostly JVM start and JIT)
        c.add(new Case("nested-1k-schools", "y ~ x + (1 | school/student)", BenchSuite::schools, 8_000,
            "lmer(y ~ x + (1 | school/student), data = d)"));
        c.add(new Case("nested-2k-schools", "y ~ x + (1 | school/student)", BenchSuite::schools, 16_000,
            "lmer(y ~ x + (1 | school/student), data = d)"));
        c.add(new Case("nested-10k-schools", "y ~ x + (1 | school/student)", BenchSuite::schools, 80_000,
            "lmer(y ~ x + (1 | school/student), data = d)", false, true, null));
        c.add(new Case("nested-100k-schools", "y ~ x + (1 | school/student)", BenchSuite::schools, 800_000,
            "lmer(y ~ x + (1 | school/student), data = d)"));
        c.add(new Case("crossed-6000x2500", "y ~ x + (1 | user) + (1 | item)", BenchSuite::userItem, 300_000,
            "lmer(y ~ x + (1 | user) + (1 | item), data = d)"));
        c.add(new Case("longitudinal-200k", "y ~ time * arm + (time | subject)",
            n -> SimulatedData.longitudinal(n / 10, 10, 20261124L), 200_000,
            "lmer(y ~ time * arm + (time | subject), data = d)"));
        c.add(new Case("longitudinal-1m", "y ~ time * arm + (time | subject)",
            n -> SimulatedData.longitudinal(n / 10, 10, 20261126L), 1_000_000,
            "lmer(y ~ time * arm + (time | subject), data = d)"));
        // the issue's Kenward-Roger size: a random intercept, 10,000 groups of 10 rows (kr_s)
        c.add(new Case("random-intercept-100k", "y ~ x + (1 | g)", BenchSuite::randomIntercept, 100_000,
            "lmer(y ~ x + (1 | g), data = d)", false, true, null));
        // Kenward-Roger on a crossed design (V^-1 by the Woodbury identity, no n x n matrix): 100,000 ratings of 833
        // items by 2,000 users, the crossed-6000x2500 generator at a third of its size (kr_s)
        c.add(new Case("crossed-kr-100k", "y ~ x + (1 | user) + (1 | item)", BenchSuite::userItem, 100_000,
            "lmer(y ~ x + (1 | user) + (1 | item), data = d)", false, true, null));
        c.add(new Case("nested-500k", "rate ~ condition + (1 | subject/neuron)", BenchSuite::nested, 500_000,
            "lmer(rate ~ condition + (1 | subject/neuron), data = d)"));
        c.add(new Case("ar1-ri-200k", "y ~ arm * visit + (1 | subject) + ar1(visit | subject)",
            n -> Bench.mmrmTrial(n / 10, 10, 20261127L), 200_000,
            "nlme::lme(y ~ arm * visit, random = ~ 1 | subject, correlation = nlme::corAR1(form = ~ 1 | subject), data = d)"));
        c.add(new Case("us-10-visits-50k", "y ~ arm * visit + us(visit | subject)",
            n -> Bench.mmrmTrial(n / 10, 10, 20261125L), 500_000, "mmrm"));
        // the issue's MMRM sizes: 1,000 subjects with monotone dropout (5% per visit), 10 and 30 visits
        c.add(new Case("us-10x1000-dropout", "y ~ arm * visit + us(visit | subject)",
            n -> Bench.mmrmTrial(Math.max(40, n / 10), 10, 0.05, 20261201L), 10_000, "mmrm"));
        // issue 18's slow case: 30 visits x 100 subjects (889 s before the analytic gradient)
        c.add(new Case("us-30x100-dropout", "y ~ arm * visit + us(visit | subject)",
            n -> Bench.mmrmTrial(Math.max(40, n / 30), 30, 0.05, 20261204L), 3_000, "mmrm"));
        c.add(new Case("us-30x1000-dropout", "y ~ arm * visit + us(visit | subject)",
            n -> Bench.mmrmTrial(Math.max(200, n / 30), 30, 0.05, 20261202L), 30_000, "mmrm"));
        // issue 21: a binary longitudinal GLMM, 20,000 subjects x 10 visits, random intercept and slope (Laplace)
        c.add(new Case("glmm-binary-20000x10", "response ~ time * arm + (time | subject)",
            n -> binaryLongitudinal(Math.max(20, n / 10), 10, 20261203L), 200_000,
            "glmer(response ~ time * arm + (time | subject), family = binomial, data = d)", false, false,
            GlmmOptions.of(Family.BINOMIAL)));
        return c;
    }

    static int run(double scale, List<String> only, int repeats, Path writeData, PrintStream out) throws IOException {
        out.printf("%-22s %9s %9s %6s %9s %9s %9s %9s %9s %6s %9s %9s%n", "case", "rows", "groups", "evals", "cold_s",
            "warm_s", "eval_ms", "peak_MB", "df_s", "iters", "kr_s", "live_MB");
        List<Case> selected = new ArrayList<>();
        for (Case c : cases()) {
            if (only.isEmpty() || only.contains(c.name())) {
                selected.add(c);
            }
        }
        if (selected.isEmpty()) {
            throw new Main.UsageException("--case names none of the cases: " + cases().stream().map(Case::name).toList()
                + ".");
        }
        for (Case c : selected) {
            HeapUse.resetPeak(); // this case's peak, not the largest one before it
            DataFrame data = c.data().apply(Math.max(40, (int)Math.round(c.fullSize() * scale)));
            if (writeData != null) {
                write(data, writeData.resolve(c.name() + ".csv"));
            }
            if (c.glmm() != null) {
                runGlmm(c, data, repeats, out);
                continue;
            }
            long t0 = System.nanoTime();
            FitResult fit = LinearMixedModel.fit(c.formula(), data, FitOptions.reml());
            double cold = (System.nanoTime() - t0) / 1e9;
            double warm = Double.NaN;
            Design design = Design.build(FormulaParser.parse(c.formula()), data, java.util.Map.of());
            for (int r = 0; r < repeats; r++) {
                long t = System.nanoTime();
                LinearMixedModel.fit(design, FitOptions.reml());
                double s = (System.nanoTime() - t) / 1e9;
                warm = Double.isNaN(warm) ? s : Math.min(warm, s);
            }
            // the Satterthwaite df of the coefficient table and the Type III tests (lmerTest's summary + anova)
            long td = System.nanoTime();
            FixedEffectsInference.of(fit);
            double df = (System.nanoTime() - td) / 1e9;
            // Kenward-Roger's df of the coefficients and Type III tests (cases that say so)
            String kr = String.format("%9s", "-");
            if (c.kenwardRoger()) {
                long tk = System.nanoTime();
                FixedEffectsInference.of(fit, DfMethod.KENWARD_ROGER, 0.95);
                kr = String.format(Locale.ROOT, "%9.3f", (System.nanoTime() - tk) / 1e9);
            }
            int groups = fit.ngroups().values().stream().mapToInt(Integer::intValue).sum();
            String perEvaluation = design.residual() == null
                ? String.format(Locale.ROOT, "%9.2f", evaluationMillis(design, fit.theta())) : String.format("%9s", "-");
            double peak = HeapUse.peakMegabytes();
            design = null; // the warm fits' copy of the design: live_MB is the data and one fit (with its design)
            double live = HeapUse.liveMegabytes();
            java.lang.ref.Reference.reachabilityFence(data);
            out.printf(Locale.ROOT, "%-22s %9d %9d %6d %9.3f %9.3f %s %9.0f %9.3f %6d %s %9.0f%n", c.name(), fit.nobs(),
                groups, fit.optimizer().evaluations(), cold, warm, perEvaluation, peak, df,
                fit.optimizer().iterations(), kr, live);
        }
        if (writeData != null) {
            writeLme4Script(selected, writeData);
            writeWholeProcessScript(selected, writeData);
        }
        return 0;
    }

    /**
     * A GLMM case: the cold fit (design, GLM start, optimization, Hessian for the SEs), the best warm one, the
     * milliseconds per deviance evaluation (the optimizer's inner loop: PIRLS on the blocked factor, warm, at the
     * optimum); df_s and kr_s are "-" (z tests need no df) and iters the optimizer's deviance evaluations without the Hessian's.
     */
    private static void runGlmm(Case c, DataFrame data, int repeats, PrintStream out) {
        long t0 = System.nanoTime();
        GlmmResult fit = GeneralizedLinearMixedModel.fit(c.formula(), data, c.glmm());
        double cold = (System.nanoTime() - t0) / 1e9;
        double warm = Double.NaN;
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            GeneralizedLinearMixedModel.fit(c.formula(), data, c.glmm());
            double s = (System.nanoTime() - t) / 1e9;
            warm = Double.isNaN(warm) ? s : Math.min(warm, s);
        }
        double perEvaluation = GeneralizedLinearMixedModel.evaluationMillis(c.formula(), data, c.glmm(), fit);
        int groups = fit.ngroups().values().stream().mapToInt(Integer::intValue).sum();
        double peak = HeapUse.peakMegabytes();
        double live = HeapUse.liveMegabytes();
        java.lang.ref.Reference.reachabilityFence(data);
        out.printf(Locale.ROOT, "%-22s %9d %9d %6d %9.3f %9.3f %9.2f %9.0f %9s %6d %9s %9.0f%n", c.name(), fit.nobs(),
            groups, fit.evaluations(), cold, warm, perEvaluation, peak, "-", fit.evaluations(), "-", live);
    }

    /**
     * A binary longitudinal trial: {@code subjects} subjects in arm A or B, visits 0..visits-1, logit P(response) =
     * -0.5 + 0.1 time + 0.4 armB + 0.15 time:armB + b0 + b1 time with SD(b0) = 1, SD(b1) = 0.2, corr(b0, b1) = -0.3.
     * For {@code response ~ time * arm + (time | subject)}, binomial.
     */
    static DataFrame binaryLongitudinal(int subjects, int visits, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = subjects * visits;
        double[] response = new double[n];
        double[] time = new double[n];
        String[] arm = new String[n];
        String[] subject = new String[n];
        int row = 0;
        for (int s = 0; s < subjects; s++) {
            String id = "S" + s;
            String a = random.nextBoolean() ? "A" : "B";
            double z0 = SimulatedData.gaussian(random);
            double z1 = SimulatedData.gaussian(random);
            double b0 = z0;
            double b1 = 0.2 * (-0.3 * z0 + Math.sqrt(1 - 0.09) * z1);
            double effect = a.equals("B") ? 1.0 : 0.0;
            for (int v = 0; v < visits; v++) {
                double eta = -0.5 + 0.1 * v + effect * (0.4 + 0.15 * v) + b0 + b1 * v;
                time[row] = v;
                arm[row] = a;
                subject[row] = id;
                response[row] = random.nextDouble() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
                row++;
            }
        }
        return new DataFrame(List.of(new NumericColumn("response", response), new NumericColumn("time", time),
                new CategoricalColumn("arm", arm), new CategoricalColumn("subject", subject)));
    }

    /**
     * Milliseconds per evaluation of the profiled objective at theta (the optimizer's inner loop): warm, the best
     * of up to 5 rounds of repeated evaluations lasting about 0.2 s each.
     */
    static double evaluationMillis(Design design, double[] theta) {
        ProfiledDeviance deviance = new ProfiledDeviance(design, true);
        deviance.value(theta);
        double best = Double.POSITIVE_INFINITY;
        for (int round = 0; round < 5; round++) {
            int count = 0;
            long t0 = System.nanoTime();
            long elapsed;
            do {
                deviance.value(theta);
                count++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < 200_000_000L && count < 50);
            best = Math.min(best, elapsed / 1e6 / count);
        }
        return best;
    }

    /**
     * Pupils in schools, the issue's nested case: n / 8 schools, 4 students per school (student labels repeat
     * across schools, so the model names the nesting: school/student), 2 rows per student, one covariate.
     */
    static DataFrame schools(final int n) {
        SplittableRandom random = new SplittableRandom(20261201L);
        int schools = Math.max(2, n / 8);
        int rows = schools * 8;
        String[] school = new String[rows];
        String[] student = new String[rows];
        double[] x = new double[rows];
        double[] y = new double[rows];
        int i = 0;
        for (int a = 0; a < schools; a++) {
            double us = SimulatedData.gaussian(random);
            for (int b = 0; b < 4; b++) {
                double ut = 0.7 * SimulatedData.gaussian(random);
                for (int r = 0; r < 2; r++) {
                    school[i] = "sc" + a;
                    student[i] = "st" + b;
                    x[i] = SimulatedData.gaussian(random);
                    y[i] = 2 + 0.5 * x[i] + us + ut + 0.8 * SimulatedData.gaussian(random);
                    i++;
                }
            }
        }
        return new DataFrame(List.of(new NumericColumn("y", y), new NumericColumn("x", x),
            new CategoricalColumn("school", school), new CategoricalColumn("student", student)));
    }

    /** A random intercept: n / 10 groups of 10 rows, one covariate. */
    static DataFrame randomIntercept(final int n) {
        SplittableRandom random = new SplittableRandom(20261203L);
        int groups = Math.max(4, n / 10);
        int rows = groups * 10;
        String[] g = new String[rows];
        double[] x = new double[rows];
        double[] y = new double[rows];
        for (int a = 0, i = 0; a < groups; a++) {
            double u = SimulatedData.gaussian(random);
            for (int r = 0; r < 10; r++, i++) {
                g[i] = "g" + a;
                x[i] = SimulatedData.gaussian(random);
                y[i] = 2 + 0.5 * x[i] + u + SimulatedData.gaussian(random);
            }
        }
        return new DataFrame(List.of(new NumericColumn("y", y), new NumericColumn("x", x),
            new CategoricalColumn("g", g)));
    }

    /**
     * Crossed users and items (ratings): 6,000 users x 2,500 items at 300,000 rows (scaled with n), each row a
     * random user and a random item, one covariate.
     */
    static DataFrame userItem(final int n) {
        SplittableRandom random = new SplittableRandom(20261202L);
        int users = Math.max(5, (int)Math.round(6000.0 * n / 300_000));
        int items = Math.max(5, (int)Math.round(2500.0 * n / 300_000));
        double[] userEffect = new double[users];
        double[] itemEffect = new double[items];
        for (int i = 0; i < users; i++) {
            userEffect[i] = 0.6 * SimulatedData.gaussian(random);
        }
        for (int i = 0; i < items; i++) {
            itemEffect[i] = 0.4 * SimulatedData.gaussian(random);
        }
        String[] user = new String[n];
        String[] item = new String[n];
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int u = random.nextInt(users);
            int it = random.nextInt(items);
            user[i] = "u" + u;
            item[i] = "i" + it;
            x[i] = SimulatedData.gaussian(random);
            y[i] = 3 + 0.2 * x[i] + userEffect[u] + itemEffect[it] + SimulatedData.gaussian(random);
        }
        return new DataFrame(List.of(new NumericColumn("y", y), new NumericColumn("x", x),
            new CategoricalColumn("user", user), new CategoricalColumn("item", item)));
    }

    /**
     * InstEval's shape (lme4's data set): ratings of lecturers d by students s, crossed; 2,972 students and 1,128
     * lecturers at full size; 14 departments (the lecturer's); service 0/1; 28 fixed-effect columns.
     */
    static DataFrame instEval(final int n) {
        SplittableRandom random = new SplittableRandom(20261128L);
        int students = Math.max(5, (int)Math.round(2972.0 * n / 73_421));
        int lecturers = Math.max(5, (int)Math.round(1128.0 * n / 73_421));
        double[] studentEffect = new double[students];
        double[] lecturerEffect = new double[lecturers];
        int[] lecturerDept = new int[lecturers];
        for (int i = 0; i < students; i++) {
            studentEffect[i] = 0.33 * SimulatedData.gaussian(random);
        }
        for (int i = 0; i < lecturers; i++) {
            lecturerEffect[i] = 0.52 * SimulatedData.gaussian(random);
            lecturerDept[i] = i % 14;
        }
        String[] s = new String[n];
        String[] d = new String[n];
        String[] dept = new String[n];
        String[] service = new String[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int st = random.nextInt(students);
            int le = random.nextInt(lecturers);
            boolean serv = random.nextDouble() < 0.4;
            s[i] = "s" + st;
            d[i] = "d" + le;
            dept[i] = String.format(Locale.ROOT, "D%02d", lecturerDept[le] + 1);
            service[i] = serv ? "1" : "0";
            y[i] = 3.2 + 0.05 * lecturerDept[le] - (serv ? 0.07 : 0) + studentEffect[st] + lecturerEffect[le]
                + 1.18 * SimulatedData.gaussian(random);
        }
        return new DataFrame(List.of(new NumericColumn("y", y), new CategoricalColumn("s", s),
            new CategoricalColumn("d", d), new CategoricalColumn("dept", dept), new CategoricalColumn("service", service)));
    }

    /** Trials in neurons in subjects: 100 subjects x 50 neurons x (n / 5000) trials, two conditions. */
    static DataFrame nested(final int n) {
        SplittableRandom random = new SplittableRandom(20261129L);
        int subjects = Math.max(4, Math.min(100, n / 500));
        int neurons = Math.max(2, Math.min(50, n / (subjects * 10)));
        int trials = Math.max(2, n / (subjects * neurons));
        int rows = subjects * neurons * trials;
        String[] subject = new String[rows];
        String[] neuron = new String[rows];
        String[] condition = new String[rows];
        double[] rate = new double[rows];
        int i = 0;
        for (int a = 0; a < subjects; a++) {
            double sa = 2 * SimulatedData.gaussian(random);
            for (int b = 0; b < neurons; b++) {
                double nb = 1.5 * SimulatedData.gaussian(random);
                for (int t = 0; t < trials; t++) {
                    subject[i] = "S" + a;
                    neuron[i] = "N" + b;
                    condition[i] = t % 2 == 0 ? "control" : "stim";
                    rate[i] = 20 + (t % 2) * 1.5 + sa + nb + 3 * SimulatedData.gaussian(random);
                    i++;
                }
            }
        }
        return new DataFrame(List.of(new NumericColumn("rate", rate), new CategoricalColumn("subject", subject),
            new CategoricalColumn("neuron", neuron), new CategoricalColumn("condition", condition)));
    }

    private static void write(final DataFrame data, final Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            List<String> names = data.columnNames();
            w.write(String.join(",", names));
            w.write('\n');
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < data.rowCount(); i++) {
                line.setLength(0);
                for (int j = 0; j < names.size(); j++) {
                    Column c = data.column(names.get(j));
                    line.append(j == 0 ? "" : ",").append(c.label(i));
                }
                w.write(line.append('\n').toString());
            }
        }
    }

    /**
     * lme4_bench.R: per case, the seconds of read.csv, of lme4's fit, and (where the case says so) of lmerTest's fit
     * + summary + anova with Satterthwaite's df; run with {@code Rscript lme4_bench.R} in the data folder.
     */
    private static void writeLme4Script(final List<Case> cases, final Path dir) throws IOException {
        StringBuilder r = new StringBuilder("# Times R's lme4 (and nlme, lmerTest) on the data bench --suite wrote here.\n"
            + "suppressMessages(library(lme4))\n"
            + "has_lmerTest <- suppressMessages(requireNamespace('lmerTest', quietly = TRUE))\n"
            + "cat(sprintf('%-22s %9s %9s %9s %12s\\n', 'case', 'rows', 'read_s', 'lme4_s', 'lmerTest_s'))\n");
        for (Case c : cases) {
            if (c.lme4().equals("mmrm")) {
                continue; // the mmrm package is not on Debian; SAS/mmrm timings are not measured here
            }
            r.append("tr <- system.time(d <- read.csv('").append(c.name())
                .append(".csv', stringsAsFactors = TRUE))[['elapsed']]\n");
            if (c.formula().contains("visit")) {
                r.append("d$visit <- factor(d$visit)\n");
            }
            r.append("st <- system.time(m <- ").append(c.lme4()).append(")\nt <- st[['elapsed']]\n");
            if (c.lmerTest()) {
                r.append("tt <- if (has_lmerTest) system.time({mt <- lmerTest::").append(c.lme4())
                    .append("; s <- summary(mt); a <- anova(mt)})[['elapsed']] else NA\n");
            } else {
                r.append("tt <- NA\n");
            }
            r.append("cat(sprintf('%-22s %9d %9.3f %9.3f %12.3f  cpu_s %.3f\\n', '").append(c.name())
                .append("', nrow(d), tr, t, tt, st[['user.self']] + st[['sys.self']]))\n");
        }
        Files.writeString(dir.resolve("lme4_bench.R"), r.toString(), StandardCharsets.UTF_8);
    }

    /** The name suffix of a crossed case's Satterthwaite line in whole_process.sh. */
    static final String SATTERTHWAITE_SUFFIX = "/satt";

    /**
     * Whether a case's random effects are crossed: lme4's formula has two or more bar terms ((1 | s) + (1 | d));
     * a nested term (1 | school/student) is one.
     */
    static boolean crossed(final Case c) {
        return c.glmm() == null && c.lme4().startsWith("lmer(")
            && c.formula().chars().filter(ch -> ch == '|').count() >= 2;
    }

    /**
     * whole_process.sh: per random-effects case, the wall-clock seconds (and, through GNU time, the CPU seconds) of
     * our whole command ({@code fit --ddf none}, reading the CSV and printing JSON) and of Rscript reading the same
     * CSV and fitting with lme4, run one after the other on the same machine. Ours runs through the launcher
     * {@code bin/mixed-models} next to the jar (the README's way to run the CLI; {@code CLI=jar} times
     * {@code java -jar} instead); {@code JAR} names the CLI jar (default mixed-models-cli.jar here), {@code LAUNCHER}
     * the launcher (default bin/mixed-models in the jar's folder), {@code TIME} the timing prefix. A crossed case also
     * gets a line {@code <case>/satt}: ours with Satterthwaite's df (the default {@code fit}) against Rscript with
     * read.csv + lmerTest's lmer + summary + anova, the tables our output holds (the issue's second comparison).
     */
    private static void writeWholeProcessScript(final List<Case> cases, final Path dir) throws IOException {
        StringBuilder sh = new StringBuilder("#!/bin/sh\n# Whole-process seconds, ours (the launcher bin/mixed-models,"
            + " or java -jar with CLI=jar; fit --ddf none) and lme4 (Rscript: read.csv + lmer), on the CSVs bench"
            + " --suite wrote here; wall seconds on stdout, CPU seconds (user+sys) on stderr.\n"
            + "cd \"$(dirname \"$0\")\"\nJAR=${JAR:-mixed-models-cli.jar}\n"
            + "LAUNCHER=${LAUNCHER:-$(dirname \"$JAR\")/bin/mixed-models}\n"
            + "if [ \"${CLI:-launcher}\" = jar ]; then set -- java -jar \"$JAR\"; "
            + "else set -- env \"MIXED_MODELS_JAR=$JAR\" \"$LAUNCHER\"; fi\n"
            + "now() { date +%s.%N; }\n"
            + "# A crossed case (two or more random-effects terms, as (1 | s) + (1 | d)) has a second line, named with the"
            + " suffix " + SATTERTHWAITE_SUFFIX + ": ours with the default --ddf satterthwaite against Rscript with"
            + " read.csv + lmerTest::lmer + summary + anova (lme4_s is then lmerTest's).\n"
            + "printf '%-22s %9s %9s %9s\\n' case ours_s lme4_s ratio\n");
        for (Case c : cases) {
            String options;
            if (c.glmm() != null) {
                // the GLMM case: fit --family (the issue's CLI), lme4's glmer
                options = " --family " + c.glmm().family().rName();
            } else if (c.lme4().equals("mmrm") || !c.lme4().startsWith("lmer(")) {
                continue;
            } else {
                options = " --ddf none";
            }
            sh.append("t0=$(now); ${TIME:-/usr/bin/time -f '  ours cpu_s %U+%S'} \"$@\" fit --data ")
                .append(c.name()).append(".csv --formula '").append(c.formula()).append("'").append(options)
                .append(" --format json > /dev/null; t1=$(now)\n");
            sh.append("${TIME:-/usr/bin/time -f '  lme4 cpu_s %U+%S'} Rscript -e \"suppressMessages(library(lme4)); d <- read.csv('")
                .append(c.name()).append(".csv', stringsAsFactors = TRUE); m <- ").append(c.lme4())
                .append("\"; t2=$(now)\n");
            sh.append("awk -v a=$t0 -v b=$t1 -v c=$t2 'BEGIN { printf \"%-22s %9.2f %9.2f %9.2f\\n\", \"")
                .append(c.name()).append("\", b - a, c - b, (b - a) / (c - b) }'\n");
            if (crossed(c)) {
                // the default fit (Satterthwaite's df for the coefficient table and the Type III tests) against
                // what lmerTest needs for the same tables: its lmer (which also keeps the deviance function), then
                // summary() (Satterthwaite t tests) and anova() (Type III F tests)
                sh.append("t0=$(now); ${TIME:-/usr/bin/time -f '  ours-satt cpu_s %U+%S'} \"$@\" fit --data ")
                    .append(c.name()).append(".csv --formula '").append(c.formula())
                    .append("' --ddf satterthwaite --format json > /dev/null; t1=$(now)\n");
                sh.append("${TIME:-/usr/bin/time -f '  lmerTest cpu_s %U+%S'} Rscript -e \"suppressMessages(library(lmerTest)); d <- read.csv('")
                    .append(c.name()).append(".csv', stringsAsFactors = TRUE); m <- lmerTest::").append(c.lme4())
                    .append("; s <- summary(m); a <- anova(m)\"; t2=$(now)\n");
                sh.append("awk -v a=$t0 -v b=$t1 -v c=$t2 'BEGIN { printf \"%-22s %9.2f %9.2f %9.2f\\n\", \"")
                    .append(c.name()).append(SATTERTHWAITE_SUFFIX).append("\", b - a, c - b, (b - a) / (c - b) }'\n");
            }
        }
        Files.writeString(dir.resolve("whole_process.sh"), sh.toString(), StandardCharsets.UTF_8);
    }
}
