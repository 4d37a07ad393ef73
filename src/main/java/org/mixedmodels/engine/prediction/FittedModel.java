package org.mixedmodels.engine.prediction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.ModelFrame;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ThetaLayout;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.RandomTerm;
import org.mixedmodels.engine.formula.Term;

/**
 * Everything needed to predict from a fitted model without its training table: the formula, the
 * levels of each categorical variable (reference first), the coefficients and their covariance, and
 * per grouping factor the random effects' covariance and the conditional modes of every level seen.
 * This is what a model port carries from a Learner to a Predictor.
 *
 * @param formula the model formula as given
 * @param method "REML" or "ML"
 * @param factorLevels levels of each categorical variable of the fixed part and the random slopes
 * @param fixedNames coefficient names (aliased columns already dropped)
 * @param beta coefficients
 * @param fixedCovariance covariance of the coefficients
 * @param groups one entry per grouping factor, in lme4's order
 * @param sigma residual standard deviation
 * @param statistics fit statistics by name (nobs, logLik, AIC, BIC, objective, singular, converged)
 * @param residual the residual covariance structure within subject, or null for independent residuals
 */
public record FittedModel(String formula, String method, Map<String, List<String>> factorLevels,
        List<String> fixedNames, double[] beta, double[][] fixedCovariance, List<Group> groups, double sigma,
        Map<String, Double> statistics, ResidualFit residual) {

    /**
     * One grouping factor's random effects.
     *
     * @param name the grouping factor as lme4 names it ({@code Subject}, {@code cask:batch})
     * @param variables the columns whose labels, joined by ':', make a level
     * @param columns the random-effect columns ({@code (Intercept)}, {@code Days})
     * @param covariance their covariance matrix (sigma^2 Lambda Lambda'; zero between uncorrelated terms)
     * @param levels the levels seen in training
     * @param modes conditional modes (BLUPs), {@code modes[level][column]}
     * @param conditionalSd their conditional standard deviations, same layout
     */
    public record Group(String name, List<String> variables, List<String> columns, double[][] covariance,
            List<String> levels, double[][] modes, double[][] conditionalSd) {
    }

    /** The response column. */
    public String response() {
        return parsedFormula().response();
    }

    public Formula parsedFormula() {
        return FormulaParser.parse(formula);
    }

    /** Extracts the model from a fit. */
    public static FittedModel of(FitResult fit) {
        Design design = fit.design();
        Formula formula = design.frame().formula();
        Map<String, List<String>> levels = factorLevels(design);
        Map<String, List<RandomEffectTerm>> byGroup = new LinkedHashMap<>();
        for (RandomEffectTerm t : design.randomTerms()) {
            byGroup.computeIfAbsent(t.groupName(), g -> new ArrayList<>()).add(t);
        }
        double[] theta = fit.theta();
        Map<RandomEffectTerm, double[][]> termCov = new LinkedHashMap<>();
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        for (int ti = 0; ti < design.randomTerms().size(); ti++) {
            RandomEffectTerm t = design.randomTerms().get(ti);
            int k = t.k();
            double[][] lam = layout.termLambda(theta, ti);
            double[][] cov = new double[k][k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    for (int u = 0; u < k; u++) {
                        cov[r][c] += lam[r][u] * lam[c][u] * fit.sigma() * fit.sigma();
                    }
                }
            }
            termCov.put(t, cov);
        }
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<String, List<RandomEffectTerm>> e : byGroup.entrySet()) {
            List<String> columns = new ArrayList<>();
            e.getValue().forEach(t -> columns.addAll(t.columnNames()));
            int k = columns.size();
            double[][] cov = new double[k][k];
            int at = 0;
            for (RandomEffectTerm t : e.getValue()) {
                double[][] c = termCov.get(t);
                for (int r = 0; r < t.k(); r++) {
                    System.arraycopy(c[r], 0, cov[at + r], at, t.k());
                }
                at += t.k();
            }
            List<String> groupLevels = e.getValue().get(0).grouping().levels();
            Map<String, Integer> levelIndex = new LinkedHashMap<>();
            for (int i = 0; i < groupLevels.size(); i++) {
                levelIndex.put(groupLevels.get(i), i);
            }
            double[][] modes = new double[groupLevels.size()][k];
            double[][] sds = new double[groupLevels.size()][k];
            int[] seen = new int[groupLevels.size()];
            for (RandomEffect r : fit.randomEffects()) {
                if (r.group().equals(e.getKey())) {
                    int level = levelIndex.get(r.level());
                    int column = seen[level]++;
                    modes[level][column] = r.value();
                    sds[level][column] = r.condsd();
                }
            }
            List<String> variables = List.of(e.getKey().split(":"));
            groups.add(new Group(e.getKey(), variables, columns, cov, groupLevels, modes, sds));
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("nobs", (double) fit.nobs());
        stats.put("logLik", fit.logLik());
        stats.put("AIC", fit.aic());
        stats.put("BIC", fit.bic());
        stats.put("objective", fit.objective());
        stats.put("singular", fit.singular() ? 1.0 : 0.0);
        stats.put("converged", fit.converged() ? 1.0 : 0.0);
        List<String> names = design.fixed().names();
        return new FittedModel(formula.source(), fit.method().name(), levels, names, fit.beta(),
                fit.fixedCovariance(), groups, fit.sigma(), stats, fit.residual());
    }

    /**
     * The levels (reference first) of each categorical variable a prediction needs to code new data: those of the
     * fixed part (also a grouping variable that is a fixed effect, as recipe in recipe + (1 | recipe:replicate)) and
     * of the random slopes.
     */
    public static Map<String, List<String>> factorLevels(Design design) {
        Formula formula = design.frame().formula();
        ModelFrame frame = design.frame();
        Map<String, List<String>> levels = new LinkedHashMap<>();
        java.util.Set<String> fixedVariables = new java.util.HashSet<>();
        formula.fixedTerms().forEach(t -> fixedVariables.addAll(t.variables()));
        for (String v : formula.variables()) {
            // a grouping variable that is also a fixed effect (recipe in recipe + (1 | recipe:replicate)) needs its
            // training levels to code the fixed columns of new data
            boolean grouping = formula.groupingVariables().contains(v) && !fixedVariables.contains(v);
            if (!v.equals(formula.response()) && !grouping && frame.isCategorical(v)) {
                levels.put(v, frame.factor(v).levels());
            }
        }
        for (RandomTerm r : formula.randomTerms()) {
            for (Term t : r.effects()) {
                for (String v : t.variables()) {
                    if (frame.isCategorical(v)) {
                        levels.put(v, frame.factor(v).levels());
                    }
                }
            }
        }
        return levels;
    }
}
