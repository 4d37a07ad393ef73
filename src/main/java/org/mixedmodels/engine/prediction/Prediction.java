package org.mixedmodels.engine.prediction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.CategoricalColumn;
import org.mixedmodels.engine.data.Column;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.design.ModelMatrix;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.Term;

/**
 * Predictions of a {@link FittedModel} for the rows of a table.
 *
 * <ul>
 * <li>population: x'beta;</li>
 * <li>conditional: x'beta + z'b for the groups seen in training (lme4's {@code predict(m, newdata)});
 * a level not seen contributes 0, as lme4's {@code allow.new.levels = TRUE};</li>
 * <li>the SE of the population mean, sqrt(x' V x), and a prediction interval for a new observation
 * from a new group: x'beta +- z sqrt(x'Vx + z'Dz + sigma^2) (normal quantile);</li>
 * <li>optionally, for rows of levels not seen in training whose response is known, the conditional
 * modes of those levels are first estimated from their own rows: b = D Z'(Z D Z' + sigma^2 I)^{-1}
 * (y - X beta - effects of the other, known, groups), the BLUP given the model's parameters.</li>
 * </ul>
 *
 * With a residual covariance term the residual variance in the interval is the row's visit's (the diagonal of
 * the fitted structure, of the row's group with group-specific parameters, times the varident variance ratio of
 * the row's stratum), and a new subject's BLUP uses the residual covariance over its visits in place of
 * sigma^2 I; a visit, group or stratum not seen in training gets no interval (NaN).
 *
 * Rows with a missing value in a column the prediction needs get NaN.
 */
public final class Prediction {
    private final double[] population;
    private final double[] conditional;
    private final double[] se;
    private final double[] lower;
    private final double[] upper;
    private int rowsWithNewLevels;
    private final Map<String, Map<String, double[]>> newLevelModes = new LinkedHashMap<>();

    private Prediction(int n) {
        population = new double[n];
        conditional = new double[n];
        se = new double[n];
        lower = new double[n];
        upper = new double[n];
        java.util.Arrays.fill(population, Double.NaN);
        java.util.Arrays.fill(conditional, Double.NaN);
        java.util.Arrays.fill(se, Double.NaN);
        java.util.Arrays.fill(lower, Double.NaN);
        java.util.Arrays.fill(upper, Double.NaN);
    }

    public double[] population() {
        return population.clone();
    }

    public double[] conditional() {
        return conditional.clone();
    }

    /** SE of the population-level fitted mean. */
    public double[] standardError() {
        return se.clone();
    }

    public double[] lower() {
        return lower.clone();
    }

    public double[] upper() {
        return upper.clone();
    }

    /** Rows whose prediction used at least one group level not seen in training (and not estimated). */
    public int rowsWithNewLevels() {
        return rowsWithNewLevels;
    }

    /** Conditional modes estimated for new levels, by grouping factor and level. */
    public Map<String, Map<String, double[]>> newLevelModes() {
        return newLevelModes;
    }

    /**
     * @param level coverage of the prediction interval, e.g. 0.95
     * @param estimateNewLevels estimate the random effects of unseen levels from their rows' responses
     */
    public static Prediction of(FittedModel model, DataFrame data, double level, boolean estimateNewLevels) {
        if (!(level > 0 && level < 1)) {
            throw new MixedModelException("The prediction interval's level must be between 0 and 1; got " + level + ".");
        }
        Formula formula = model.parsedFormula();
        int n = data.rowCount();
        if (n == 0) {
            return new Prediction(0);
        }
        // Which columns are needed, and is each row complete in them?
        List<String> needed = new ArrayList<>();
        for (String v : formula.variables()) {
            if (!v.equals(formula.response())) {
                needed.add(v);
            }
        }
        for (String v : needed) {
            data.column(v); // unknown column: a clear error naming the table's columns
        }
        boolean[] complete = new boolean[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            boolean ok = true;
            for (String v : needed) {
                Column c = data.column(v);
                ok &= !c.isMissing(i) && !(c instanceof NumericColumn num && !Double.isFinite(num.value(i)));
            }
            complete[i] = ok;
            if (ok) {
                m++;
            }
        }
        int[] rows = new int[m];
        for (int i = 0, r = 0; i < n; i++) {
            if (complete[i]) {
                rows[r++] = i;
            }
        }
        ModelFrame frame = frame(model, formula, data, rows);
        double[][] x = fixedColumns(model, formula, frame);

        double[] pop = new double[m];
        double[] cond = new double[m];
        double[] seMean = new double[m];
        double[] marginalVar = new double[m];
        VisitPositions visits = VisitPositions.of(model, data, rows);
        double[] beta = model.beta();
        double[][] v = model.fixedCovariance();
        int p = beta.length;
        for (int r = 0; r < m; r++) {
            double s = 0;
            double q = 0;
            for (int j = 0; j < p; j++) {
                s += x[j][r] * beta[j];
                for (int l = 0; l < p; l++) {
                    q += x[j][r] * v[j][l] * x[l][r];
                }
            }
            pop[r] = s;
            cond[r] = s;
            seMean[r] = Math.sqrt(Math.max(q, 0));
            marginalVar[r] = q + visits.residualVariance(model, r);
        }

        // Random effects per grouping factor.
        List<double[][]> zs = new ArrayList<>();
        List<int[]> levelOfRow = new ArrayList<>();
        List<String[]> labelOfRow = new ArrayList<>();
        for (FittedModel.Group g : model.groups()) {
            double[][] z = randomColumns(g, formula, frame);
            Map<String, Integer> index = new HashMap<>();
            for (int l = 0; l < g.levels().size(); l++) {
                index.put(g.levels().get(l), l);
            }
            int[] levelIdx = new int[m];
            String[] labels = new String[m];
            for (int r = 0; r < m; r++) {
                StringBuilder label = new StringBuilder();
                for (String var : g.variables()) {
                    label.append(label.length() == 0 ? "" : ":").append(data.column(var).label(rows[r]));
                }
                labels[r] = label.toString();
                levelIdx[r] = index.getOrDefault(labels[r], -1);
                double zdz = 0;
                for (int a = 0; a < z.length; a++) {
                    for (int b = 0; b < z.length; b++) {
                        zdz += z[a][r] * g.covariance()[a][b] * z[b][r];
                    }
                }
                marginalVar[r] += zdz;
            }
            zs.add(z);
            levelOfRow.add(levelIdx);
            labelOfRow.add(labels);
        }
        boolean[] usesNewLevel = new boolean[m];
        for (int gi = 0; gi < model.groups().size(); gi++) {
            FittedModel.Group g = model.groups().get(gi);
            double[][] z = zs.get(gi);
            int[] levelIdx = levelOfRow.get(gi);
            for (int r = 0; r < m; r++) {
                if (levelIdx[r] < 0) {
                    usesNewLevel[r] = true;
                    continue;
                }
                for (int a = 0; a < z.length; a++) {
                    cond[r] += z[a][r] * g.modes()[levelIdx[r]][a];
                }
            }
        }
        Map<String, Map<String, double[]>> modes = estimateNewLevels
                ? estimateNewLevels(model, formula, data, rows, cond, zs, levelOfRow, labelOfRow, usesNewLevel, visits)
                : Map.of();
        double zq = new NormalDistribution().inverseCumulativeProbability((1 + level) / 2);
        Prediction result = new Prediction(n);
        int newRows = 0;
        for (int r = 0; r < m; r++) {
            int i = rows[r];
            result.population[i] = pop[r];
            result.conditional[i] = cond[r];
            result.se[i] = seMean[r];
            double half = zq * Math.sqrt(marginalVar[r]);
            result.lower[i] = pop[r] - half;
            result.upper[i] = pop[r] + half;
            if (usesNewLevel[r]) {
                newRows++;
            }
        }
        result.rowsWithNewLevels = newRows;
        result.newLevelModes.putAll(modes);
        return result;
    }

    /** Rows of new levels, one grouping factor at a time, when that factor is the only unknown one. */
    private static Map<String, Map<String, double[]>> estimateNewLevels(FittedModel model, Formula formula,
            DataFrame data, int[] rows, double[] cond, List<double[][]> zs, List<int[]> levelOfRow,
            List<String[]> labelOfRow, boolean[] usesNewLevel, VisitPositions visits) {
        Map<String, Map<String, double[]>> modes = new LinkedHashMap<>();
        Column response = data.hasColumn(formula.response()) ? data.column(formula.response()) : null;
        if (!(response instanceof NumericColumn y)) {
            return modes;
        }
        int m = rows.length;
        for (int gi = 0; gi < model.groups().size(); gi++) {
            FittedModel.Group g = model.groups().get(gi);
            double[][] z = zs.get(gi);
            int[] levelIdx = levelOfRow.get(gi);
            Map<String, List<Integer>> members = new LinkedHashMap<>();
            for (int r = 0; r < m; r++) {
                if (levelIdx[r] >= 0 || y.isMissing(rows[r]) || !Double.isFinite(y.value(rows[r]))) {
                    continue;
                }
                boolean othersKnown = true;
                for (int other = 0; other < model.groups().size(); other++) {
                    othersKnown &= other == gi || levelOfRow.get(other)[r] >= 0;
                }
                if (othersKnown) {
                    members.computeIfAbsent(labelOfRow.get(gi)[r], l -> new ArrayList<>()).add(r);
                }
            }
            int k = g.columns().size();
            RealMatrix d = MatrixUtils.createRealMatrix(g.covariance());
            for (Map.Entry<String, List<Integer>> e : members.entrySet()) {
                List<Integer> rs = e.getValue();
                int nl = rs.size();
                // cond already holds x'beta plus the known groups' effects.
                double[] resid = new double[nl];
                RealMatrix zl = MatrixUtils.createRealMatrix(nl, k);
                for (int a = 0; a < nl; a++) {
                    int r = rs.get(a);
                    resid[a] = y.value(rows[r]) - cond[r];
                    for (int c = 0; c < k; c++) {
                        zl.setEntry(a, c, z[c][r]);
                    }
                }
                RealMatrix vmat = zl.multiply(d).multiply(zl.transpose());
                double[][] residualCov = visits.residualCovariance(model, rs);
                if (residualCov == null) {
                    continue; // a visit not seen in training: the level stays unestimated
                }
                vmat = vmat.add(MatrixUtils.createRealMatrix(residualCov));
                double[] w;
                try {
                    w = new CholeskyDecomposition(vmat).getSolver().solve(MatrixUtils.createRealVector(resid)).toArray();
                } catch (org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException
                        | org.apache.commons.math3.linear.NonSymmetricMatrixException singular) {
                    throw new MixedModelException("The random effects of the new level '" + e.getKey() + "' of '"
                            + g.name() + "' cannot be estimated: the covariance of its rows is singular (e.g. the same "
                            + "visit twice). Give each visit once.");
                }
                double[] b = d.multiply(zl.transpose()).operate(w);
                modes.computeIfAbsent(g.name(), x -> new LinkedHashMap<>()).put(e.getKey(), b);
                for (int r : rs) {
                    for (int c = 0; c < k; c++) {
                        cond[r] += z[c][r] * b[c];
                    }
                    usesNewLevel[r] = false;
                    for (int other = 0; other < model.groups().size(); other++) {
                        usesNewLevel[r] |= other != gi && levelOfRow.get(other)[r] < 0;
                    }
                }
            }
        }
        return modes;
    }

    /**
     * Each complete row's visit position in the fitted residual structure (-1 for a visit not seen in training),
     * numeric time, group of group-specific parameters and varident stratum (-1 for a level not seen in training);
     * empty without a residual term.
     */
    private record VisitPositions(int[] position, double[] time, int[] group, int[] stratum) {
        static VisitPositions of(FittedModel model, DataFrame data, int[] rows) {
            ResidualFit residual = model.residual();
            if (residual == null) {
                return new VisitPositions(null, null, null, null);
            }
            int[] position = new int[rows.length];
            double[] time = new double[rows.length];
            if (residual.structure().equals("id")) {
                // varident alone: independent rows, no visits
                java.util.Arrays.fill(time, Double.NaN);
            } else {
                Column c = data.column(residual.timeName());
                List<String> visits = residual.visits();
                for (int r = 0; r < rows.length; r++) {
                    String label = c instanceof NumericColumn num ? NumericColumn.format(num.value(rows[r]))
                            : c.label(rows[r]);
                    position[r] = visits.indexOf(label);
                    time[r] = c instanceof NumericColumn num ? num.value(rows[r]) : Double.NaN;
                }
            }
            return new VisitPositions(position, time, levels(data, rows, residual.groupFactor(), residual.groups()),
                    levels(data, rows, residual.varianceFactor(), residual.strata()));
        }

        /** Each row's index among the training levels of a factor (-1 if unseen), or null without the factor. */
        private static int[] levels(DataFrame data, int[] rows, String factor, List<String> levels) {
            if (factor == null) {
                return null;
            }
            Column c = data.column(factor);
            int[] code = new int[rows.length];
            for (int r = 0; r < rows.length; r++) {
                String label = c instanceof NumericColumn num ? NumericColumn.format(num.value(rows[r])) : c.label(rows[r]);
                code[r] = levels.indexOf(label);
            }
            return code;
        }

        /**
         * The residual variance of complete row r: sigma^2, or the structure's at the row's visit, group and stratum;
         * NaN for a visit, group or stratum not seen in training.
         */
        double residualVariance(FittedModel model, int r) {
            if (position == null) {
                return model.sigma() * model.sigma();
            }
            double[][] v = residualCovariance(model, List.of(r));
            return v == null ? Double.NaN : v[0][0];
        }

        /**
         * The residual covariance of the given complete rows (one subject's, so of one group), or null when a row's
         * visit (of a structure indexed by visit), group or stratum was not seen in training.
         */
        double[][] residualCovariance(FittedModel model, List<Integer> rs) {
            int n = rs.size();
            if (position == null) {
                double[][] v = new double[n][n];
                for (int a = 0; a < n; a++) {
                    v[a][a] = model.sigma() * model.sigma();
                }
                return v;
            }
            ResidualFit residual = model.residual();
            int[] pos = new int[n];
            double[] t = new double[n];
            int[] st = stratum == null ? null : new int[n];
            boolean numericTime = org.mixedmodels.engine.formula.ResidualTerm.isContinuousTime(residual.structure());
            boolean indexed = !numericTime && !residual.structure().equals("id");
            int g = group == null ? 0 : group[rs.get(0)];
            for (int a = 0; a < n; a++) {
                pos[a] = position[rs.get(a)];
                t[a] = time[rs.get(a)];
                if (pos[a] < 0 && indexed || group != null && group[rs.get(a)] != g) {
                    return null;
                }
                if (st != null) {
                    st[a] = stratum[rs.get(a)];
                    if (st[a] < 0) {
                        return null;
                    }
                }
            }
            if (g < 0) {
                return null;
            }
            if (!indexed) {
                // a continuous-time structure's variance does not depend on the visit; id has none
                for (int a = 0; a < n; a++) {
                    pos[a] = Math.max(pos[a], 0);
                }
            }
            return residual.covariance(g, pos, t, st, model.sigma());
        }
    }

    /** The model frame of the complete rows, coded with the training levels. */
    private static ModelFrame frame(FittedModel model, Formula formula, DataFrame data, int[] rows) {
        Map<String, int[]> codes = new HashMap<>();
        Map<String, double[]> numbers = new HashMap<>();
        for (String v : formula.variables()) {
            if (v.equals(formula.response()) || formula.groupingVariables().contains(v) && !model.factorLevels()
                    .containsKey(v)) {
                continue;
            }
            Column c = data.column(v);
            List<String> levels = model.factorLevels().get(v);
            if (levels != null) {
                Map<String, Integer> index = new HashMap<>();
                for (int l = 0; l < levels.size(); l++) {
                    index.put(levels.get(l), l);
                }
                int[] code = new int[rows.length];
                for (int r = 0; r < rows.length; r++) {
                    Integer at = index.get(c.label(rows[r]));
                    if (at == null) {
                        throw new MixedModelException("Column '" + v + "' holds the level '" + c.label(rows[r])
                                + "' in row " + (rows[r] + 1) + ", which the model did not see in training; its levels are: "
                                + String.join(", ", levels) + ".");
                    }
                    code[r] = at;
                }
                codes.put(v, code);
            } else {
                if (!(c instanceof NumericColumn num)) {
                    throw new MixedModelException("Column '" + v + "' must be numeric, as it was in training (it holds '"
                            + ((CategoricalColumn) c).label(rows.length > 0 ? rows[0] : 0) + "').");
                }
                double[] values = new double[rows.length];
                for (int r = 0; r < rows.length; r++) {
                    values[r] = num.value(rows[r]);
                }
                numbers.put(v, values);
            }
        }
        return ModelFrame.ofLevels(formula, model.factorLevels(), codes, numbers, rows.length);
    }

    private static double[][] fixedColumns(FittedModel model, Formula formula, ModelFrame frame) {
        ModelMatrix x = ModelMatrix.build(frame, formula.intercept(), formula.fixedTerms());
        double[][] out = new double[model.fixedNames().size()][];
        for (int j = 0; j < out.length; j++) {
            int at = x.names().indexOf(model.fixedNames().get(j));
            if (at < 0) {
                throw new MixedModelException("The model's coefficient '" + model.fixedNames().get(j)
                        + "' cannot be rebuilt from the formula; the model is damaged.");
            }
            out[j] = x.columns()[at];
        }
        return out;
    }

    /** The random-effect columns of one grouping factor, in the model's column order. */
    private static double[][] randomColumns(FittedModel.Group g, Formula formula, ModelFrame frame) {
        Map<String, double[]> byName = new HashMap<>();
        for (RandomTerm r : formula.randomTerms()) {
            if (!r.groupingName().equals(g.name())) {
                continue;
            }
            ModelMatrix all = ModelMatrix.build(frame, r.intercept(), r.effects());
            for (int c = 0; c < all.columnCount(); c++) {
                byName.put(all.names().get(c), all.columns()[c]);
            }
            for (Term t : r.effects()) {
                ModelMatrix single = ModelMatrix.build(frame, false, List.of(t));
                for (int c = 0; c < single.columnCount(); c++) {
                    byName.putIfAbsent(single.names().get(c), single.columns()[c]);
                }
            }
        }
        double[][] out = new double[g.columns().size()][];
        for (int c = 0; c < out.length; c++) {
            out[c] = byName.get(g.columns().get(c));
            if (out[c] == null) {
                throw new MixedModelException("The random-effect column '" + g.columns().get(c) + "' of '" + g.name()
                        + "' cannot be rebuilt from the formula; the model is damaged.");
            }
        }
        return out;
    }
}
