package org.mixedmodels.cli;

import java.io.PrintStream;
import java.util.Map;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;

/**
 * The {@code bench} command: fits generated data sets of fixed seed and prints one line per case with
 * rows, groups, objective evaluations, the first (cold) fit's seconds, the best of the warm fits, and
 * the peak heap use of the process.
 */
final class Bench {
    private Bench() {
    }

    static int run(int subjects, int visits, int repeats, PrintStream out) {
        out.printf("%-34s %9s %8s %6s %9s %9s %9s%n", "case", "rows", "groups", "evals", "cold_s", "warm_s", "peak_MB");
        DataFrame data = SimulatedData.longitudinal(subjects, visits, 20261124L);
        String formula = "y ~ time * arm + (time | subject)";
        long t0 = System.nanoTime();
        FitResult fit = LinearMixedModel.fit(formula, data, FitOptions.reml());
        double cold = (System.nanoTime() - t0) / 1e9;
        double warm = Double.NaN;
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            LinearMixedModel.fit(formula, data, FitOptions.reml());
            double s = (System.nanoTime() - t) / 1e9;
            warm = Double.isNaN(warm) ? s : Math.min(warm, s);
        }
        out.printf("%-34s %9d %8d %6d %9.3f %9.3f %9.0f%n", "longitudinal (time | subject)", fit.nobs(),
                fit.ngroups().get("subject"), fit.optimizer().evaluations(), cold, warm, HeapUse.peakMegabytes());

        // MMRM: unstructured covariance over the visits (visits * (visits + 1) / 2 parameters), no random effects
        DataFrame trial = mmrmTrial(subjects, visits, 20261125L);
        Design design = Design.build(FormulaParser.parse("y ~ arm * visit + us(visit | subject)"), trial, Map.of());
        long t1 = System.nanoTime();
        FitResult us = LinearMixedModel.fit(design, FitOptions.reml());
        double usCold = (System.nanoTime() - t1) / 1e9;
        double usWarm = Double.NaN;
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            LinearMixedModel.fit(design, FitOptions.reml());
            double sec = (System.nanoTime() - t) / 1e9;
            usWarm = Double.isNaN(usWarm) ? sec : Math.min(usWarm, sec);
        }
        out.printf("%-34s %9d %8d %6d %9.3f %9.3f %9.0f%n", "mmrm us(visit | subject)", trial.rowCount(), subjects,
                us.optimizer().evaluations(), usCold, usWarm, HeapUse.peakMegabytes());
        return 0;
    }

    /** Two arms, categorical visits V01.., AR(1)-like errors with a variance growing over visits. */
    static DataFrame mmrmTrial(int subjects, int visits, long seed) {
        return mmrmTrial(subjects, visits, 0, seed);
    }

    /**
     * As {@link #mmrmTrial(int, int, long)} with monotone dropout: after each visit a subject leaves with
     * probability {@code dropout} (drawn from a second generator, so the responses are those of the full data),
     * and subjects fall into up to {@code visits} visit patterns.
     */
    static DataFrame mmrmTrial(int subjects, int visits, double dropout, long seed) {
        java.util.Random random = new java.util.Random(seed);
        java.util.Random leaving = new java.util.Random(seed + 1);
        java.util.List<String> subject = new java.util.ArrayList<>();
        java.util.List<String> arm = new java.util.ArrayList<>();
        java.util.List<String> visit = new java.util.ArrayList<>();
        java.util.List<Double> y = new java.util.ArrayList<>();
        for (int s = 0; s < subjects; s++) {
            double level = 2 * random.nextGaussian();
            double previous = 0;
            boolean present = true;
            for (int v = 0; v < visits; v++) {
                previous = 0.6 * previous + random.nextGaussian() * (1 + 0.1 * v);
                if (v > 0 && dropout > 0 && present && leaving.nextDouble() < dropout) {
                    present = false;
                }
                if (present) {
                    subject.add("S" + s);
                    arm.add(s % 2 == 0 ? "active" : "placebo");
                    visit.add(String.format(java.util.Locale.ROOT, "V%02d", v + 1));
                    y.add(1 + (s % 2) * 0.3 * v + level + previous);
                }
            }
        }
        return new DataFrame(java.util.List.of(new CategoricalColumn("subject", subject.toArray(new String[0])),
                new CategoricalColumn("arm", arm.toArray(new String[0])),
                new CategoricalColumn("visit", visit.toArray(new String[0])),
                new NumericColumn("y", y.stream().mapToDouble(Double::doubleValue).toArray())));
    }
}
