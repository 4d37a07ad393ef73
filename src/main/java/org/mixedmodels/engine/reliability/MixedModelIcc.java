package org.mixedmodels.engine.reliability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.data.NumericRequirement;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.fit.VarCorrRow;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;

/**
 * The intraclass correlation of repeated measurements from the variance components of a REML random-intercept
 * model, {@code value ~ 1 [+ fixed columns] + (1 | subject)}: ICC = var_between / (var_between + var_within).
 *
 * <p>This is the one-way ICC(1) of Shrout and Fleiss (1979) written as a variance ratio of the mixed model
 * (McGraw and Wong 1996, Psychol Methods 1:30; Nakagawa and Schielzeth 2010, Biol Rev 85:935, "repeatability").
 * It is used instead of the ANOVA forms of {@link IccForms} because test-retest studies are rarely balanced (2, 3
 * or 4 scans per patient): REML needs no balance, uses every measurement, including those of subjects measured
 * once (they inform the between-subject variance), and on balanced data with a positive estimate it equals the
 * ANOVA ICC(1) exactly. With fixed-effect columns it is the adjusted repeatability of Nakagawa and Schielzeth (2010),
 * the ICC after the variance those columns explain is removed.
 *
 * <p>The interval is a parametric bootstrap percentile interval, as lme4's {@code bootMer} / {@code confint(...,
 * method = "boot")} does it (Davison and Hinkley 1997, ch. 2 and 5): the ICC is a non-linear function of two
 * variance components near a boundary, where Wald intervals are poor, and no exact F interval exists for unbalanced
 * data. Every replicate draws from its own generator, seeded from the master seed in replicate order, so that the
 * interval depends only on the seed and the number of replicates.
 */
public final class MixedModelIcc {
    /** Enough replicates that the Monte Carlo error of the 2.5% and 97.5% quantiles is small against their width. */
    public static final int DEFAULT_REPLICATES = 1000;
    /** A fixed default seed: the same data give the same interval unless the user asks for another seed. */
    public static final long DEFAULT_SEED = 20240101L;
    public static final double DEFAULT_CONFIDENCE = 0.95;

    private MixedModelIcc() {
    }

    /**
     * How to estimate.
     *
     * @param fixedColumns fixed-effect columns (covariates or factors) to adjust for; empty for the plain ICC
     * @param replicates   parametric bootstrap replicates; 0 for the point estimate only
     * @param seed         master seed of the bootstrap
     * @param confidence   level of the percentile interval
     */
    public record Options(List<String> fixedColumns, int replicates, long seed, double confidence) {
        public Options {
            fixedColumns = List.copyOf(fixedColumns);
        }

        /** No covariates and no bootstrap. */
        public static Options pointEstimate() {
            return new Options(List.of(), 0, DEFAULT_SEED, DEFAULT_CONFIDENCE);
        }

        /** No covariates, {@link #DEFAULT_REPLICATES} replicates from {@link #DEFAULT_SEED}, 95%. */
        public static Options defaults() {
            return new Options(List.of(), DEFAULT_REPLICATES, DEFAULT_SEED, DEFAULT_CONFIDENCE);
        }

        public Options withFixedColumns(List<String> columns) {
            return new Options(columns, replicates, seed, confidence);
        }

        public Options withBootstrap(int replicates, long seed) {
            return new Options(fixedColumns, replicates, seed, confidence);
        }

        public Options withConfidence(double confidence) {
            return new Options(fixedColumns, replicates, seed, confidence);
        }
    }

    /**
     * The parametric bootstrap.
     *
     * @param replicates requested replicates
     * @param used       replicates whose refit gave an ICC (the interval comes from these)
     * @param seed       master seed
     * @param confidence level of the interval
     * @param lower      lower percentile limit
     * @param upper      upper percentile limit
     * @param iccs       the replicate ICCs in replicate order (NaN where a refit failed)
     */
    public record Bootstrap(int replicates, int used, long seed, double confidence, double lower, double upper,
            double[] iccs) {
    }

    /**
     * The estimate.
     *
     * @param subjectColumn  the subject (cluster) column
     * @param valueColumn    the measurement column
     * @param fixedColumns   the fixed-effect columns adjusted for
     * @param nobs           rows used
     * @param omittedRows    rows left out for a missing subject, value or fixed-effect value
     * @param sizes          measurements per subject over the rows used, subjects in order of first appearance
     * @param varBetween     between-subject variance (the random intercept's REML variance)
     * @param varWithin      within-subject (residual) variance
     * @param icc            varBetween / (varBetween + varWithin)
     * @param fit            the REML fit
     * @param bootstrap      the interval, or null when no replicates were asked for
     * @param warnings       what the user should know (rows left out, a boundary fit, failed replicates)
     */
    public record Result(String subjectColumn, String valueColumn, List<String> fixedColumns, int nobs, int omittedRows,
            Map<String, Integer> sizes, double varBetween, double varWithin, double icc, FitResult fit,
            Bootstrap bootstrap, List<String> warnings) {

        public int subjects() {
            return sizes.size();
        }

        /** Lower interval limit; NaN without bootstrap. */
        public double lower() {
            return bootstrap == null ? Double.NaN : bootstrap.lower();
        }

        /** Upper interval limit; NaN without bootstrap. */
        public double upper() {
            return bootstrap == null ? Double.NaN : bootstrap.upper();
        }

        /** Koo and Li (2016) label of the point estimate. */
        public IccForm.Interpretation interpretation() {
            return IccForm.Interpretation.of(icc);
        }

        /** Whether the between-subject variance was estimated at its boundary 0 (ICC 0). */
        public boolean singular() {
            return fit.singular();
        }
    }

    /** The point estimate without covariates and without an interval. */
    public static Result estimate(DataFrame data, String subjectColumn, String valueColumn) {
        return estimate(data, subjectColumn, valueColumn, Options.pointEstimate());
    }

    public static Result estimate(DataFrame data, String subjectColumn, String valueColumn, Options options) {
        checkOptions(options);
        Prepared p = prepare(data, subjectColumn, valueColumn, options.fixedColumns());
        Formula formula = FormulaParser.parse(p.formula);
        FitResult fit = LinearMixedModel.fit(formula, p.frame, FitOptions.reml());
        double[] components = components(fit);
        double between = components[0];
        double within = components[1];
        double icc = between / (between + within);
        List<String> warnings = new ArrayList<>(fit.warnings());
        if (p.omitted > 0) {
            warnings.add(0, p.omitted + " of " + (p.omitted + p.frame.rowCount()) + " rows were left out because of a"
                    + " missing value in column" + (p.roles.size() > 1 ? "s " : " ") + quoted(p.roles) + ".");
        }
        if (fit.singular()) {
            warnings.add("The between-subject variance is estimated as 0, so the ICC is 0: the subjects differ no more"
                    + " than repeated measurements of one subject do.");
        }
        Bootstrap bootstrap = null;
        if (options.replicates() > 0) {
            bootstrap = bootstrap(p, formula, fit, between, within, options);
            int failed = bootstrap.replicates() - bootstrap.used();
            if (failed > 0) {
                warnings.add(failed + " of " + bootstrap.replicates() + " bootstrap refits failed; the interval uses"
                        + " the other " + bootstrap.used() + ".");
            }
        }
        return new Result(subjectColumn, valueColumn, options.fixedColumns(), p.frame.rowCount(), p.omitted, p.sizes,
                between, within, icc, fit, bootstrap, Collections.unmodifiableList(warnings));
    }

    private static void checkOptions(Options options) {
        if (options.replicates() < 0) {
            throw new MixedModelException("The number of bootstrap replicates must be 0 (no interval) or more; it is "
                    + options.replicates() + ".");
        }
        if (!(options.confidence() > 0 && options.confidence() < 1)) {
            throw new MixedModelException("The confidence level must lie strictly between 0 and 1 (e.g. 0.95); it is "
                    + options.confidence() + ".");
        }
    }

    /** Between-subject variance and residual variance, from lme4-style VarCorr rows. */
    private static double[] components(FitResult fit) {
        double between = Double.NaN;
        double within = Double.NaN;
        for (VarCorrRow row : fit.varCorr()) {
            if ("Residual".equals(row.group())) {
                within = row.vcov();
            } else if (row.var2() == null && Double.isNaN(between)) {
                between = row.vcov();
            }
        }
        return new double[] {between, within};
    }

    // ---- input checks and the clean table --------------------------------------------------------------------

    /** The complete rows as a fresh table of only the columns the model uses, plus what the bootstrap needs. */
    private record Prepared(DataFrame frame, String formula, int omitted, Map<String, Integer> sizes, int[] codes,
            int valueIndex, List<String> roles) {
    }

    private static Prepared prepare(DataFrame data, String subjectColumn, String valueColumn, List<String> fixed) {
        List<String> roles = new ArrayList<>();
        roles.add(subjectColumn);
        roles.add(valueColumn);
        roles.addAll(fixed);
        String[] roleNames = new String[roles.size()];
        roleNames[0] = "subject";
        roleNames[1] = "value";
        for (int i = 2; i < roleNames.length; i++) {
            roleNames[i] = "fixed-effect";
        }
        for (int i = 0; i < roles.size(); i++) {
            String c = roles.get(i);
            if (c == null || c.isBlank()) {
                throw new MixedModelException("No " + roleNames[i] + " column was given; name one of the table's"
                        + " columns: " + String.join(", ", data.columnNames()) + ".");
            }
            if (!data.hasColumn(c)) {
                throw new MixedModelException("The " + roleNames[i] + " column '" + c + "' is not in the table; its"
                        + " columns are: " + String.join(", ", data.columnNames()) + ".");
            }
            if (c.indexOf('`') >= 0) {
                throw new MixedModelException("The column name '" + c + "' contains a backtick (`), which a model"
                        + " formula cannot quote; rename the column.");
            }
        }
        if (new LinkedHashSet<>(roles).size() < roles.size()) {
            throw new MixedModelException("The subject ('" + subjectColumn + "'), value ('" + valueColumn
                    + "') and fixed-effect (" + quoted(fixed) + ") columns must all be different columns.");
        }
        Column subject = data.column(subjectColumn);
        NumericColumn value = NumericRequirement.of(data.column(valueColumn), "value",
                "the ICC needs numeric measurements");
        List<Column> fixedCols = new ArrayList<>();
        for (String f : fixed) {
            fixedCols.add(data.column(f));
        }

        BitSet keep = new BitSet(data.rowCount());
        for (int r = 0; r < data.rowCount(); r++) {
            boolean complete = !subject.isMissing(r) && !value.isMissing(r);
            for (Column c : fixedCols) {
                complete &= !c.isMissing(r);
            }
            if (!complete) {
                continue;
            }
            checkFinite(value, r, subject.label(r));
            for (Column c : fixedCols) {
                if (c instanceof NumericColumn num) {
                    checkFinite(num, r, subject.label(r));
                }
            }
            keep.set(r);
        }
        int n = keep.cardinality();
        if (n == 0) {
            throw new MixedModelException("No row has a subject, a value" + (fixed.isEmpty() ? "" : " and every"
                    + " fixed-effect value") + ": every row has a missing value in column" + (roles.size() > 1 ? "s " : " ")
                    + quoted(roles) + ".");
        }
        int[] rows = keep.stream().toArray();
        Map<String, Integer> index = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        int[] codes = new int[n];
        double[] y = new double[n];
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            int r = rows[i];
            s[i] = subject.label(r);
            codes[i] = index.computeIfAbsent(s[i], k -> index.size());
            sizes.merge(s[i], 1, Integer::sum);
            y[i] = value.value(r);
        }
        String where = " in column '" + subjectColumn + "'" + (n < data.rowCount() ? " (among the " + n
                + " complete rows)" : "");
        if (sizes.size() < 2) {
            throw new MixedModelException("The ICC needs at least 2 subjects, but there is only 1 ('" + s[0] + "')" + where
                    + ": it compares the spread between subjects with the spread between measurements of one subject.");
        }
        int repeated = 0;
        for (int size : sizes.values()) {
            repeated += size >= 2 ? 1 : 0;
        }
        if (repeated == 0) {
            throw new MixedModelException("No subject has 2 or more measurements: each of the " + sizes.size()
                    + " subjects" + where + " has a single value in column '" + valueColumn + "', so the within-subject"
                    + " variance cannot be separated from the between-subject variance. The ICC needs repeated"
                    + " measurements (e.g. test and retest scans) of at least one subject; check that the subject"
                    + " column identifies subjects, not measurements.");
        }
        boolean constant = true;
        for (double v : y) {
            constant &= v == y[0];
        }
        if (constant) {
            throw new MixedModelException("All " + n + " values of column '" + valueColumn + "' are identical ("
                    + NumericColumn.format(y[0]) + "), so the ICC (a ratio of variances) is undefined. Check that the"
                    + " right column was chosen.");
        }
        if (fixed.isEmpty() && noWithinVariation(y, codes, sizes.size())) {
            throw new MixedModelException("Every subject's repeated measurements in column '" + valueColumn + "' are"
                    + " identical, so the within-subject variance is 0 and the ICC is 1 by definition; the mixed model"
                    + " cannot be fitted with no residual variation. Check that the right column was chosen.");
        }

        List<Column> columns = new ArrayList<>();
        columns.add(new CategoricalColumn(subjectColumn, s));
        columns.add(new NumericColumn(valueColumn, y));
        for (Column c : fixedCols) {
            columns.add(subset(c, rows));
        }
        StringBuilder formula = new StringBuilder(quote(valueColumn)).append(" ~ 1");
        for (String f : fixed) {
            formula.append(" + ").append(quote(f));
        }
        formula.append(" + (1 | ").append(quote(subjectColumn)).append(')');
        return new Prepared(new DataFrame(columns), formula.toString(), data.rowCount() - n,
                Collections.unmodifiableMap(sizes), codes, 1, roles);
    }

    private static boolean noWithinVariation(double[] y, int[] codes, int subjects) {
        double[] first = new double[subjects];
        boolean[] seen = new boolean[subjects];
        for (int i = 0; i < y.length; i++) {
            if (!seen[codes[i]]) {
                seen[codes[i]] = true;
                first[codes[i]] = y[i];
            } else if (y[i] != first[codes[i]]) {
                return false;
            }
        }
        return true;
    }

    private static void checkFinite(NumericColumn c, int row, String subject) {
        double v = c.value(row);
        if (!Double.isFinite(v)) {
            throw new MixedModelException("Column '" + c.name() + "' holds " + NumericColumn.format(v) + " in data row "
                    + (row + 1) + " (subject '" + subject + "'); only finite numbers can be used. Replace or remove that"
                    + " value (a missing value is left out).");
        }
    }

    private static Column subset(Column c, int[] rows) {
        if (c instanceof NumericColumn num) {
            double[] v = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                v[i] = num.value(rows[i]);
            }
            return new NumericColumn(c.name(), v);
        }
        String[] v = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
            v[i] = c.label(rows[i]);
        }
        return new CategoricalColumn(c.name(), v);
    }

    private static String quote(String name) {
        return "`" + name + "`";
    }

    private static String quoted(List<String> names) {
        List<String> q = new ArrayList<>();
        for (String n : names) {
            q.add("'" + n + "'");
        }
        return String.join(", ", q);
    }


    // ---- parametric bootstrap ---------------------------------------------------------------------------------

    /**
     * Simulates y* = X beta + b* + e* with b* ~ N(0, var_between) per subject and e* ~ N(0, var_within) per row
     * (lme4's {@code simulate.merMod} with {@code use.u = FALSE}), refits by REML with the same design and takes the
     * percentile interval of the replicate ICCs. Replicate r draws its subject effects, then its residuals in row
     * order, from {@code java.util.Random} seeded with the r-th long of a {@code SplittableRandom(seed)}; both
     * algorithms are fixed by the Java specification, so the interval is the same on every JVM.
     */
    private static Bootstrap bootstrap(Prepared p, Formula formula, FitResult fit, double between, double within,
            Options options) {
        int reps = options.replicates();
        SplittableRandom master = new SplittableRandom(options.seed());
        long[] seeds = new long[reps];
        for (int r = 0; r < reps; r++) {
            seeds[r] = master.nextLong();
        }
        double[] mean = fit.fittedPopulation();
        double sdBetween = Math.sqrt(Math.max(between, 0));
        double sdWithin = Math.sqrt(within);
        int n = mean.length;
        int subjects = p.sizes.size();
        List<Column> columns = new ArrayList<>();
        for (String name : p.frame.columnNames()) {
            columns.add(p.frame.column(name));
        }
        String valueName = p.frame.columnNames().get(p.valueIndex);
        double[] iccs = new double[reps];
        int used = 0;
        for (int r = 0; r < reps; r++) {
            Random rng = new Random(seeds[r]);
            double[] b = new double[subjects];
            for (int j = 0; j < subjects; j++) {
                b[j] = sdBetween * rng.nextGaussian();
            }
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = mean[i] + b[p.codes[i]] + sdWithin * rng.nextGaussian();
            }
            List<Column> replicate = new ArrayList<>(columns);
            replicate.set(p.valueIndex, new NumericColumn(valueName, y));
            double icc;
            try {
                double[] c = components(LinearMixedModel.fit(formula, new DataFrame(replicate), FitOptions.reml()));
                icc = c[0] / (c[0] + c[1]);
            } catch (MixedModelException e) {
                icc = Double.NaN;
            }
            iccs[r] = icc;
            used += Double.isFinite(icc) ? 1 : 0;
        }
        if (used < 2 || used < reps / 2) {
            throw new MixedModelException("Only " + used + " of " + reps + " bootstrap refits gave an ICC, too few for"
                    + " an interval; the model is close to unidentifiable for these data.");
        }
        double[] sorted = Arrays.stream(iccs).filter(Double::isFinite).sorted().toArray();
        double alpha = 1 - options.confidence();
        return new Bootstrap(reps, used, options.seed(), options.confidence(), quantile(sorted, alpha / 2),
                quantile(sorted, 1 - alpha / 2), iccs);
    }

    /**
     * R's default quantile (type 7, Hyndman and Fan 1996): linear interpolation between order statistics, so that
     * the limits agree with {@code quantile()} on the same replicates.
     */
    static double quantile(double[] sorted, double prob) {
        double h = (sorted.length - 1) * prob;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
