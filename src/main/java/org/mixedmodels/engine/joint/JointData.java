package org.mixedmodels.engine.joint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.data.NumericRequirement;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.design.ModelMatrix;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.Term;

/**
 * The checked and arranged input of a joint model: per subject the longitudinal response and design rows, the
 * event time and indicator, the hazard covariates, the separate linear mixed model that gives starting values and
 * centres the quadrature, and the means to build the design rows x_i(t), z_i(t) at any time t.
 *
 * <p>x_i(t) and z_i(t) are the model rows of the subject's first longitudinal record with the time variable set
 * to t, as JM builds {@code Xtime}, {@code Xs} from {@code data.id} (Rizopoulos 2010, section 2): so covariates
 * other than time are taken as baseline values.
 */
final class JointData {
    final int n;
    final List<String> subjects;
    final String subjectColumn;
    final int p;
    final int q;
    final List<String> fixedNames;
    final List<String> randomNames;
    final double[][] y;
    final double[][][] x;
    final double[][][] z;
    final double[][] measurementTimes;
    final double[] time;
    final int[] event;
    final double[][] w;
    final List<String> wNames;
    final Baseline baseline;
    /** Piecewise baseline: 0, the knots, max(T) + 1; null for the Weibull baseline. */
    final double[] boundaries;
    final FitResult lmm;
    final double lmmSigma;
    final double[][] lmmD;
    final double[][] lmmRanef;
    final List<String> warnings;
    final int nobs;

    private final Design design;
    private final RandomEffectTerm term;
    private final int[] baseRow;
    private final String timeVariable;
    private final List<String> gridVariables;

    private JointData(Builder b) {
        this.n = b.subjects.size();
        this.subjects = List.copyOf(b.subjects);
        this.subjectColumn = b.subjectColumn;
        this.design = b.design;
        this.term = b.term;
        this.p = design.fixed().columnCount();
        this.q = term.k();
        this.fixedNames = design.fixed().names();
        this.randomNames = term.columnNames();
        this.y = b.y;
        this.x = b.x;
        this.z = b.z;
        this.measurementTimes = b.times;
        this.time = b.time;
        this.event = b.event;
        this.w = b.w;
        this.wNames = List.copyOf(b.wNames);
        this.baseline = b.baseline;
        this.boundaries = b.boundaries;
        this.lmm = b.lmm;
        this.lmmSigma = b.lmm.sigma();
        this.lmmD = b.lmmD;
        this.lmmRanef = b.ranef;
        this.warnings = List.copyOf(b.warnings);
        this.baseRow = b.baseRow;
        this.timeVariable = b.timeVariable;
        this.gridVariables = b.gridVariables;
        this.nobs = b.nobs;
    }

    private static final class Builder {
        List<String> subjects;
        String subjectColumn;
        Design design;
        RandomEffectTerm term;
        double[][] y;
        double[][][] x;
        double[][][] z;
        double[][] times;
        double[] time;
        int[] event;
        double[][] w;
        List<String> wNames;
        Baseline baseline;
        double[] boundaries;
        FitResult lmm;
        double[][] lmmD;
        double[][] ranef;
        List<String> warnings = new ArrayList<>();
        int[] baseRow;
        String timeVariable;
        List<String> gridVariables;
        int nobs;
    }

    static JointData build(DataFrame longData, DataFrame survData, JointModelSpec spec) {
        Builder b = new Builder();
        b.baseline = spec.baseline();
        b.timeVariable = spec.timeVariable();
        if (spec.baseline() == null) {
            throw new MixedModelException("No baseline hazard given; choose weibull or piecewise.");
        }
        Formula formula = FormulaParser.parse(spec.longitudinalFormula());
        if (formula.randomTerms().size() != 1 || !formula.residualTerms().isEmpty()
                || !formula.randomTerms().get(0).correlated() || formula.randomTerms().get(0).grouping().size() != 1) {
            throw new MixedModelException("The longitudinal formula '" + spec.longitudinalFormula() + "' must have exactly"
                    + " one random-effects term (x | subject) with a single grouping column, the subject, and no residual"
                    + " covariance term; a joint model shares one subject's random effects with the hazard.");
        }
        String subject = formula.randomTerms().get(0).grouping().get(0);
        b.subjectColumn = subject;
        Formula survFormula = survivalFormula(spec);

        // ---- columns and values ------------------------------------------------------------------------------
        Set<String> longColumns = new LinkedHashSet<>(formula.variables());
        longColumns.add(spec.timeVariable());
        for (String c : longColumns) {
            requireColumn(longData, c, "longitudinal");
        }
        Set<String> survColumns = new LinkedHashSet<>();
        survColumns.add(subject);
        survColumns.add(spec.survivalTime());
        survColumns.add(spec.event());
        survColumns.addAll(survFormula.variables());
        for (String c : survColumns) {
            requireColumn(survData, c, "survival");
        }
        NumericRequirement.of(longData.column(spec.timeVariable()), "time", "the time variable of the longitudinal"
                + " table must be a number on the same scale as the survival time '" + spec.survivalTime() + "'");
        noMissing(longData, longColumns, "longitudinal");
        noMissing(survData, survColumns, "survival");
        double[] eventTime = numeric(survData, spec.survivalTime(), "survival time");
        double[] eventValue = numeric(survData, spec.event(), "event indicator");
        for (String ref : spec.referenceLevels().keySet()) {
            if (!longData.hasColumn(ref) && !survData.hasColumn(ref)) {
                throw new MixedModelException("A reference level was given for column '" + ref + "', which is in neither"
                        + " the longitudinal nor the survival table.");
            }
        }

        // ---- the survival table: one row per subject ----------------------------------------------------------
        Column survId = survData.column(subject);
        Map<String, Integer> survRow = new LinkedHashMap<>();
        for (int r = 0; r < survData.rowCount(); r++) {
            String id = survId.label(r);
            Integer previous = survRow.putIfAbsent(id, r);
            if (previous != null) {
                throw new MixedModelException("Subject '" + id + "' has two rows in the survival table (data rows "
                        + (previous + 1) + " and " + (r + 1) + "); the survival table needs exactly one row per subject.");
            }
            double t = eventTime[r];
            if (!(t > 0) || !Double.isFinite(t)) {
                throw new MixedModelException("Subject '" + id + "' has " + spec.survivalTime() + " = "
                        + NumericColumn.format(t) + " in data row " + (r + 1) + " of the survival table; event and"
                        + " censoring times must be positive finite numbers. Correct the time or remove the subject.");
            }
            double e = eventValue[r];
            if (e != 0 && e != 1) {
                throw new MixedModelException("Subject '" + id + "' has " + spec.event() + " = "
                        + NumericColumn.format(e) + " in data row " + (r + 1) + " of the survival table; the event"
                        + " indicator must be 1 (event) or 0 (censored). Recode the column.");
            }
        }
        if (Arrays.stream(eventValue).noneMatch(e -> e == 1)) {
            throw new MixedModelException("No subject has an event (" + spec.event() + " = 1); the hazard cannot be"
                    + " estimated without events.");
        }
        Column longId = longData.column(subject);
        Set<String> longIds = new LinkedHashSet<>();
        for (int r = 0; r < longData.rowCount(); r++) {
            longIds.add(longId.label(r));
        }
        List<String> onlyLong = new ArrayList<>();
        for (String id : longIds) {
            if (!survRow.containsKey(id)) {
                onlyLong.add(id);
            }
        }
        List<String> onlySurv = new ArrayList<>();
        for (String id : survRow.keySet()) {
            if (!longIds.contains(id)) {
                onlySurv.add(id);
            }
        }
        if (!onlyLong.isEmpty() || !onlySurv.isEmpty()) {
            StringBuilder m = new StringBuilder("The subjects of the two tables differ (column '" + subject + "'):");
            if (!onlyLong.isEmpty()) {
                m.append(" ").append(list(onlyLong)).append(onlyLong.size() == 1 ? " is" : " are")
                        .append(" in the longitudinal table only;");
            }
            if (!onlySurv.isEmpty()) {
                m.append(" ").append(list(onlySurv)).append(onlySurv.size() == 1 ? " is" : " are")
                        .append(" in the survival table only;");
            }
            m.append(" every subject needs its measurements and one row with its event or censoring time. Remove these"
                    + " subjects or add their missing rows.");
            throw new MixedModelException(m.toString());
        }
        double[] longTime = numeric(longData, spec.timeVariable(), "time");
        for (int r = 0; r < longData.rowCount(); r++) {
            String id = longId.label(r);
            int sr = survRow.get(id);
            if (longTime[r] > eventTime[sr]) {
                throw new MixedModelException("Subject '" + id + "' has a measurement at " + spec.timeVariable() + " = "
                        + NumericColumn.format(longTime[r]) + " (data row " + (r + 1) + " of the longitudinal table) after"
                        + " its event or censoring time " + spec.survivalTime() + " = " + NumericColumn.format(eventTime[sr])
                        + " (data row " + (sr + 1) + " of the survival table). Measurements after the event cannot inform"
                        + " its hazard; correct the times or drop those measurements.");
            }
            if (!Double.isFinite(longTime[r])) {
                throw new MixedModelException("Column '" + spec.timeVariable() + "' holds " + NumericColumn.format(longTime[r])
                        + " in data row " + (r + 1) + " of the longitudinal table; times must be finite numbers.");
            }
        }

        // ---- the separate linear mixed model --------------------------------------------------------------------
        Map<String, String> longRefs = new HashMap<>();
        Map<String, String> survRefs = new HashMap<>();
        spec.referenceLevels().forEach((col, level) -> {
            if (formula.variables().contains(col)) {
                longRefs.put(col, level);
            }
            if (survFormula.variables().contains(col)) {
                survRefs.put(col, level);
            }
        });
        FitResult lmm = LinearMixedModel.fit(formula, longData,
                new FitOptions(spec.centring(), longRefs));
        b.lmm = lmm;
        b.design = lmm.design();
        b.term = b.design.randomTerms().get(0);
        b.warnings.addAll(lmm.warnings());
        ModelFrame frame = b.design.frame();
        List<String> levels = b.term.grouping().levels();
        int n = levels.size();
        b.subjects = levels;
        b.nobs = frame.size();
        int[] count = new int[n];
        for (int r = 0; r < frame.size(); r++) {
            count[b.term.grouping().code(r)]++;
        }
        int p = b.design.fixed().columnCount();
        int q = b.term.k();
        b.y = new double[n][];
        b.x = new double[n][][];
        b.z = new double[n][][];
        b.times = new double[n][];
        b.baseRow = new int[n];
        for (int i = 0; i < n; i++) {
            b.y[i] = new double[count[i]];
            b.x[i] = new double[count[i]][p];
            b.z[i] = new double[count[i]][q];
            b.times[i] = new double[count[i]];
            b.baseRow[i] = -1;
        }
        int[] fill = new int[n];
        double[] response = b.design.response();
        double[][] xc = b.design.fixed().columns();
        double[][] zc = b.term.model().columns();
        double[] frameTime = frame.numeric(spec.timeVariable());
        for (int r = 0; r < frame.size(); r++) {
            int i = b.term.grouping().code(r);
            int j = fill[i]++;
            if (b.baseRow[i] < 0) {
                b.baseRow[i] = r;
            }
            b.y[i][j] = response[r];
            for (int c = 0; c < p; c++) {
                b.x[i][j][c] = xc[c][r];
            }
            for (int c = 0; c < q; c++) {
                b.z[i][j][c] = zc[c][r];
            }
            b.times[i][j] = frameTime[r];
        }
        b.lmmD = lmmCovariance(lmm.theta(), lmm.sigma(), q);
        b.ranef = new double[n][q];
        Map<String, Integer> levelIndex = new HashMap<>();
        for (int i = 0; i < n; i++) {
            levelIndex.put(levels.get(i), i);
        }
        for (RandomEffect re : lmm.randomEffects()) {
            if (re.group().equals(b.term.groupName())) {
                b.ranef[levelIndex.get(re.level())][b.term.columnNames().indexOf(re.term())] = re.value();
            }
        }

        // ---- survival rows in subject order, and the hazard covariates ------------------------------------------
        b.time = new double[n];
        b.event = new int[n];
        int[] survRowOfSubject = new int[n];
        for (int i = 0; i < n; i++) {
            int r = survRow.get(levels.get(i));
            survRowOfSubject[i] = r;
            b.time[i] = eventTime[r];
            b.event[i] = (int) eventValue[r];
        }
        ModelFrame survFrame = ModelFrame.of(survFormula, survData, survRefs);
        ModelMatrix full = ModelMatrix.build(survFrame, true, survFormula.fixedTerms());
        int[] aliased = full.aliasedColumns(ModelMatrix.DEFAULT_RANK_TOLERANCE);
        ModelMatrix kept = full.without(aliased);
        if (aliased.length > 0) {
            List<String> dropped = new ArrayList<>();
            for (int j : aliased) {
                dropped.add(full.names().get(j));
            }
            b.warnings.add("the hazard's covariate matrix is rank deficient so dropping " + String.join(", ", dropped) + ".");
        }
        List<String> wNames = new ArrayList<>(kept.names());
        int intercept = wNames.indexOf(ModelMatrix.INTERCEPT);
        wNames.remove(ModelMatrix.INTERCEPT);
        b.wNames = wNames;
        b.w = new double[n][wNames.size()];
        int[] survFrameRows = survFrame.rows();
        int[] frameRowOfData = new int[survData.rowCount()];
        for (int r = 0; r < survFrameRows.length; r++) {
            frameRowOfData[survFrameRows[r]] = r;
        }
        for (int i = 0; i < n; i++) {
            int fr = frameRowOfData[survRowOfSubject[i]];
            int c2 = 0;
            for (int c = 0; c < kept.columnCount(); c++) {
                if (c != intercept) {
                    b.w[i][c2++] = kept.columns()[c][fr];
                }
            }
        }
        if (spec.baseline() == Baseline.PIECEWISE) {
            b.boundaries = piecewiseBoundaries(b.time, 6);
        }

        // ---- variables of x(t), z(t) ----------------------------------------------------------------------------
        Set<String> vars = new LinkedHashSet<>();
        for (Term t : b.design.fixed().terms()) {
            vars.addAll(t.variables());
        }
        for (Term t : b.term.model().terms()) {
            vars.addAll(t.variables());
        }
        b.gridVariables = new ArrayList<>(vars);
        return new JointData(b);
    }

    /**
     * JM's default knots of the piecewise-constant baseline ({@code jointModel}, control {@code lng.in.kn = 6},
     * {@code ObsTimes.knots = TRUE}): the quantiles (R's type 7) of all observed times, events and censorings, at
     * 1/7, ..., 6/7, plus 1e-6, with 0 and max(T) + 1 as the outer boundaries. Matching JM's knots is what makes
     * the xi estimates comparable.
     */
    static double[] piecewiseBoundaries(double[] times, int internalKnots) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        int intervals = internalKnots + 1;
        Set<Double> qs = new LinkedHashSet<>();
        for (int h = 1; h <= internalKnots; h++) {
            qs.add(quantile7(sorted, (double) h / intervals));
        }
        double max = sorted[sorted.length - 1];
        double[] knots = qs.stream().mapToDouble(d -> d + 1e-6).toArray();
        int arg = 0;
        for (int i = 1; i < knots.length; i++) {
            if (knots[i] > knots[arg]) {
                arg = i;
            }
        }
        if (knots[arg] > max) {
            knots[arg] = max - 1e-6;
        }
        double[] out = new double[knots.length + 2];
        System.arraycopy(knots, 0, out, 1, knots.length);
        out[out.length - 1] = max + 1;
        return out;
    }

    private static double quantile7(double[] sorted, double prob) {
        double h = (sorted.length - 1) * prob;
        int lo = (int) Math.floor(h + 4 * Math.ulp(1.0) * Math.max(1, h));
        lo = Math.min(lo, sorted.length - 1);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double frac = h - lo;
        if (frac <= 0) {
            return sorted[lo];
        }
        return (1 - frac) * sorted[lo] + frac * sorted[hi];
    }

    /** D = sigma^2 Lambda Lambda' from lme4's relative covariance factor (theta, lower triangle by column). */
    private static double[][] lmmCovariance(double[] theta, double sigma, int q) {
        double[][] lambda = new double[q][q];
        int t = 0;
        for (int c = 0; c < q; c++) {
            for (int r = c; r < q; r++) {
                lambda[r][c] = theta[t++];
            }
        }
        double[][] d = new double[q][q];
        for (int r = 0; r < q; r++) {
            for (int c = 0; c < q; c++) {
                double s = 0;
                for (int k = 0; k < q; k++) {
                    s += lambda[r][k] * lambda[c][k];
                }
                d[r][c] = sigma * sigma * s;
            }
        }
        return d;
    }

    /** The one-sided survival formula with the survival time as its response, so that it parses as a model formula. */
    private static Formula survivalFormula(JointModelSpec spec) {
        String f = spec.survivalFormula() == null || spec.survivalFormula().isBlank() ? "~ 1" : spec.survivalFormula().strip();
        int tilde = f.indexOf('~');
        String rhs = tilde < 0 ? f : f.substring(tilde + 1);
        if (rhs.contains("|")) {
            throw new MixedModelException("The survival formula '" + f + "' has a random-effects term; the hazard"
                    + " shares the longitudinal random effects and takes baseline covariates only, e.g. ~ drug.");
        }
        String time = spec.survivalTime();
        String quoted = time.matches("[A-Za-z.][A-Za-z0-9._]*") ? time : "`" + time + "`";
        return FormulaParser.parse(quoted + " ~ " + rhs);
    }

    private static void requireColumn(DataFrame data, String column, String table) {
        if (!data.hasColumn(column)) {
            throw new MixedModelException("The " + table + " table has no column '" + column + "'. Its columns are: "
                    + String.join(", ", data.columnNames()) + ".");
        }
    }

    private static void noMissing(DataFrame data, Set<String> columns, String table) {
        for (int r = 0; r < data.rowCount(); r++) {
            for (String c : columns) {
                if (data.column(c).isMissing(r)) {
                    throw new MixedModelException("Column '" + c + "' has a missing value in data row " + (r + 1) + " of the "
                            + table + " table. A joint model needs complete rows: remove or impute the row (the"
                            + " likelihood of a subject cannot skip values silently).");
                }
            }
        }
    }

    private static double[] numeric(DataFrame data, String column, String what) {
        NumericColumn num = NumericRequirement.of(data.column(column), what, what.equals("event indicator")
                ? "code it as 1 (event) or 0 (censored)" : "a joint model needs numbers there");
        double[] v = new double[num.size()];
        for (int r = 0; r < v.length; r++) {
            v[r] = num.value(r);
        }
        return v;
    }


    private static String list(List<String> ids) {
        List<String> shown = ids.size() > 10 ? ids.subList(0, 10) : ids;
        String s = (ids.size() == 1 ? "subject " : "subjects ") + String.join(", ", shown);
        return ids.size() > 10 ? s + " and " + (ids.size() - 10) + " more" : s;
    }

    // ---- design rows at any time ------------------------------------------------------------------------------

    /**
     * x_i(t) and z_i(t) for each pair (subject[r], t[r]).
     *
     * @return {X, Z}: {@code X[r][column]}, {@code Z[r][column]}
     */
    double[][][] designAt(int[] subject, double[] t) {
        int m = subject.length;
        double[][] xs = new double[m][p];
        double[][] zs = new double[m][q];
        if (m == 0) {
            return new double[][][] {xs, zs};
        }
        ModelFrame frame = design.frame();
        Map<String, int[]> levels = new HashMap<>();
        Map<String, double[]> numbers = new HashMap<>();
        for (String v : gridVariables) {
            if (v.equals(timeVariable)) {
                numbers.put(v, t.clone());
            } else if (frame.isCategorical(v)) {
                int[] codes = new int[m];
                for (int r = 0; r < m; r++) {
                    codes[r] = frame.factor(v).code(baseRow[subject[r]]);
                }
                levels.put(v, codes);
            } else {
                double[] col = frame.numeric(v);
                double[] vals = new double[m];
                for (int r = 0; r < m; r++) {
                    vals[r] = col[baseRow[subject[r]]];
                }
                numbers.put(v, vals);
            }
        }
        ModelFrame grid = frame.grid(levels, numbers, m);
        double[][] fx = design.fixedColumnsFor(grid);
        boolean zIntercept = term.columnNames().contains(ModelMatrix.INTERCEPT);
        ModelMatrix zm = ModelMatrix.build(grid, zIntercept, term.model().terms());
        int[] zIndex = new int[q];
        for (int c = 0; c < q; c++) {
            zIndex[c] = zm.names().indexOf(term.columnNames().get(c));
        }
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < p; c++) {
                xs[r][c] = fx[c][r];
            }
            for (int c = 0; c < q; c++) {
                zs[r][c] = zm.columns()[zIndex[c]][r];
            }
        }
        return new double[][][] {xs, zs};
    }

    /** Number of event-time covariates including the Weibull intercept. */
    int eventCovariateCount() {
        return w[0].length + (baseline == Baseline.WEIBULL ? 1 : 0);
    }

    /** The hazard covariate row of subject i, with a leading 1 for the Weibull intercept. */
    double[] eventCovariates(int i) {
        if (baseline == Baseline.PIECEWISE) {
            return w[i];
        }
        double[] out = new double[w[i].length + 1];
        out[0] = 1;
        System.arraycopy(w[i], 0, out, 1, w[i].length);
        return out;
    }

    int baselineParameterCount() {
        return baseline == Baseline.WEIBULL ? 1 : boundaries.length - 1;
    }

    /** Piecewise: the interval of time t (R's findInterval with rightmost.closed). */
    int interval(double t) {
        int k = 0;
        while (k + 2 < boundaries.length && t >= boundaries[k + 1]) {
            k++;
        }
        return k;
    }

}
