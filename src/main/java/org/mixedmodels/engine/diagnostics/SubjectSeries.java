package org.mixedmodels.engine.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.design.ResidualDesign;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.Term;

/**
 * One subject's observed and fitted series over time, as nlme's {@code plot(augPred(fit))} and lattice's
 * {@code xyplot(y ~ time | subject)} draw them: the observations, the subject's fitted curve (with its BLUPs) and
 * the population curve (fixed effects only).
 *
 * <p>The subject is the residual structure's subject, otherwise the first grouping factor of the formula; the
 * time axis is the residual structure's time, otherwise the first numeric variable of that factor's random
 * slopes, otherwise the first numeric fixed-effect variable, otherwise the row's number within the subject (1, 2, ...).
 *
 * @param subject the subject's level
 * @param x the times, increasing (visit positions 0, 1, ... for a categorical time)
 * @param observed the response
 * @param fitted the conditional fitted values
 * @param fittedMarginal the population fitted values
 */
public record SubjectSeries(String subject, double[] x, double[] observed, double[] fitted, double[] fittedMarginal) {

    /**
     * The axes of the series of a fit.
     *
     * @param subjectName the subject factor's column(s)
     * @param timeName the time column, or null for the row order
     * @param timeLabels the labels of the positions of a categorical time (null for numeric time)
     */
    public record Axes(String subjectName, String timeName, List<String> timeLabels) {
    }

    /** The subject factor and time axis the series of {@code fit} use. */
    public static Axes axes(FitResult fit) {
        Design design = fit.design();
        ModelFrame frame = design.frame();
        ResidualDesign residual = design.residual();
        if (residual != null) {
            return new Axes(residual.subject().name(), residual.timeName(),
                    frame.isCategorical(residual.timeName()) ? residual.visits() : null);
        }
        List<RandomTerm> random = frame.formula().randomTerms();
        if (random.isEmpty()) {
            throw new MixedModelException("The model has no grouping factor and no residual structure: there are no "
                    + "subjects whose series could be drawn.");
        }
        RandomTerm first = random.get(0);
        String subject = String.join(":", first.grouping());
        for (Term t : first.effects()) {
            for (String v : t.variables()) {
                if (!frame.isCategorical(v)) {
                    return new Axes(subject, v, null);
                }
            }
        }
        for (Term t : design.fixed().terms()) {
            for (String v : t.variables()) {
                if (!frame.isCategorical(v)) {
                    return new Axes(subject, v, null);
                }
            }
        }
        return new Axes(subject, null, null);
    }

    /** The subject factor over the model frame's rows. */
    private static Factor subjectFactor(FitResult fit, Axes axes) {
        Design design = fit.design();
        if (design.residual() != null) {
            return design.residual().subject();
        }
        for (RandomEffectTerm t : design.randomTerms()) {
            if (t.groupName().equals(axes.subjectName())) {
                return t.grouping();
            }
        }
        return design.frame().factor(axes.subjectName());
    }

    /**
     * Each model-frame row's subject and data row, {@code "Subject 308, row 12"} (rows counted from 1 in the data), to name
     * the points of a plot; the row alone without a subject factor.
     */
    public static List<String> rowLabels(FitResult fit) {
        int[] dataRows = fit.design().frame().rows();
        Factor factor = null;
        try {
            factor = subjectFactor(fit, axes(fit));
        } catch (MixedModelException noSubjects) {
            // a model without groups: rows only
        }
        List<String> labels = new ArrayList<>(dataRows.length);
        for (int i = 0; i < dataRows.length; i++) {
            labels.add((factor == null ? "" : factor.name() + " " + factor.levels().get(factor.code(i)) + ", ") + "row "
                    + (dataRows[i] + 1));
        }
        return labels;
    }

    /** All subjects' levels, in level order. */
    public static List<String> subjects(FitResult fit) {
        return subjectFactor(fit, axes(fit)).levels();
    }

    /**
     * The series of the named subjects (all when {@code subjects} is empty), at most {@code limit}, in the order
     * given (level order when all). An unknown subject is an error naming a few of the known ones.
     */
    public static List<SubjectSeries> of(FitResult fit, List<String> subjects, int limit) {
        Axes axes = axes(fit);
        Factor factor = subjectFactor(fit, axes);
        List<String> chosen = subjects.isEmpty() ? factor.levels() : subjects;
        for (String s : chosen) {
            if (!factor.levels().contains(s)) {
                throw new MixedModelException("'" + s + "' is not a level of the subject factor '" + axes.subjectName()
                        + "'; its levels include " + String.join(", ", factor.levels().subList(0,
                                Math.min(5, factor.levelCount()))) + ".");
            }
        }
        chosen = chosen.subList(0, Math.min(limit, chosen.size()));
        Design design = fit.design();
        double[] y = design.response();
        int n = y.length;
        double[] time = new double[n];
        if (axes.timeName() == null) {
            int[] seen = new int[factor.levelCount()];
            for (int i = 0; i < n; i++) {
                time[i] = ++seen[factor.code(i)];
            }
        } else if (axes.timeLabels() != null) {
            for (int i = 0; i < n; i++) {
                time[i] = design.residual().position()[i];
            }
        } else {
            time = design.frame().numeric(axes.timeName());
        }
        List<SubjectSeries> series = new ArrayList<>();
        for (String s : chosen) {
            int code = factor.levels().indexOf(s);
            double[] t = time;
            int[] rows = IntStream.range(0, n).filter(i -> factor.code(i) == code).boxed()
                    .sorted(Comparator.comparingDouble(i -> t[i])).mapToInt(Integer::intValue).toArray();
            series.add(new SubjectSeries(s, pick(t, rows), pick(y, rows), pick(fit.fittedConditional(), rows),
                    pick(fit.fittedPopulation(), rows)));
        }
        return series;
    }

    private static double[] pick(double[] v, int[] rows) {
        return Arrays.stream(rows).mapToDouble(i -> v[i]).toArray();
    }
}
