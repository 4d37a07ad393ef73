package org.mixedmodels.knime.port;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;
import org.mixedmodels.engine.fit.ResidualFit;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.prediction.GlmmModel;

/**
 * Writes a {@link FittedModel} to KNIME model content and reads it back: a versioned, readable document
 * (every number a named entry, matrices row by row, one block per grouping factor with its BLUPs per level).
 * Version 1 layout:
 *
 * <pre>
 * format_version, formula, method, sigma
 * factor_levels/&lt;variable&gt;      levels, reference first
 * fixed_effects/names, estimates, covariance/row_i
 * groups/group_g/name, variables, columns, levels, covariance/row_i,
 *                blups/&lt;column index&gt;, conditional_sd/&lt;column index&gt;   (one value per level)
 * statistics/&lt;name&gt;                nobs, logLik, AIC, BIC, objective, singular, converged
 * warnings
 * </pre>
 *
 * Version 2 adds, for models with a residual covariance term, {@code residual_structure/} with
 * {@code structure}, {@code time}, {@code subject}, {@code visits} (in the structure's order) and
 * {@code parameters} (the structure's unconstrained parameters; the rest follows from them and sigma).
 * Version 3 adds {@code column_typing/} with {@code categorical_columns} and {@code missing_tokens}, how the
 * Learner read its table (written by {@link MixedModelPortObject}; absent in older models: none and {@code NA}).
 * Version 4 adds to {@code residual_structure/} the {@code group_factor} and its {@code groups} of group-specific
 * parameters ({@code us(visit | arm / subject)}) and the {@code variance_factor} and its {@code strata} of a
 * {@code varident} term; only models with one of these are written as version 4, so older versions refuse just those.
 * Version 5 adds, for a GLMM, {@code glmm/} with {@code family}, {@code link}, {@code trials} and {@code offset}
 * (columns, empty for none) and {@code nAGQ}; the rest of the layout is the linear predictor's (method {@code Laplace}
 * or {@code AGQ}, sigma 1). Without the block the model is a linear mixed model, as every model of versions 1 to 4;
 * only GLMMs are written as version 5.
 */
final class FittedModelContent {
    /** Raised when the layout changes; older models stay readable. */
    static final int FORMAT_VERSION = 5;
    /** The version of models with group-specific parameters or a varident term. */
    static final int GROUPED_FORMAT_VERSION = 4;
    /** The version of models without group-specific parameters or a varident term (their layout is version 3's). */
    static final int PLAIN_FORMAT_VERSION = 3;
    /** The block with a GLMM's family, link, trials and offset columns and nAGQ (version 5). */
    static final String GLMM = "glmm";
    /** The block with the Learner's categorical columns and missing tokens (version 3). */
    static final String COLUMN_TYPING = "column_typing";

    private FittedModelContent() {
    }

    static void save(final FittedModel model, final List<String> warnings, final ModelContentWO content) {
        boolean grouped = model.residual() != null
            && (model.residual().groupFactor() != null || model.residual().varianceFactor() != null);
        save(model, warnings, content, grouped ? GROUPED_FORMAT_VERSION : PLAIN_FORMAT_VERSION);
    }

    private static void save(final FittedModel model, final List<String> warnings, final ModelContentWO content,
            final int version) {
        content.addInt("format_version", version);
        content.addString("formula", model.formula());
        content.addString("method", model.method());
        content.addDouble("sigma", model.sigma());
        ModelContentWO levels = content.addModelContent("factor_levels");
        model.factorLevels().forEach((v, l) -> levels.addStringArray(v, l.toArray(String[]::new)));
        ModelContentWO fixed = content.addModelContent("fixed_effects");
        fixed.addStringArray("names", model.fixedNames().toArray(String[]::new));
        fixed.addDoubleArray("estimates", model.beta());
        saveMatrix(model.fixedCovariance(), fixed.addModelContent("covariance"));
        ModelContentWO groups = content.addModelContent("groups");
        for (int g = 0; g < model.groups().size(); g++) {
            FittedModel.Group group = model.groups().get(g);
            ModelContentWO gc = groups.addModelContent("group_" + g);
            gc.addString("name", group.name());
            gc.addStringArray("variables", group.variables().toArray(String[]::new));
            gc.addStringArray("columns", group.columns().toArray(String[]::new));
            gc.addStringArray("levels", group.levels().toArray(String[]::new));
            saveMatrix(group.covariance(), gc.addModelContent("covariance"));
            ModelContentWO blups = gc.addModelContent("blups");
            ModelContentWO sds = gc.addModelContent("conditional_sd");
            for (int c = 0; c < group.columns().size(); c++) {
                blups.addDoubleArray(Integer.toString(c), column(group.modes(), c));
                sds.addDoubleArray(Integer.toString(c), column(group.conditionalSd(), c));
            }
        }
        ModelContentWO stats = content.addModelContent("statistics");
        model.statistics().forEach(stats::addDouble);
        content.addStringArray("warnings", warnings.toArray(String[]::new));
        if (model.residual() != null) {
            ResidualFit r = model.residual();
            ModelContentWO rc = content.addModelContent("residual_structure");
            rc.addString("structure", r.structure());
            rc.addString("time", r.timeName());
            rc.addString("subject", r.subjectName());
            rc.addStringArray("visits", r.visits().toArray(String[]::new));
            rc.addDoubleArray("parameters", r.parameters());
            if (r.groupFactor() != null) {
                rc.addString("group_factor", r.groupFactor());
                rc.addStringArray("groups", r.groups().toArray(String[]::new));
            }
            if (r.varianceFactor() != null) {
                rc.addString("variance_factor", r.varianceFactor());
                rc.addStringArray("strata", r.strata().toArray(String[]::new));
            }
        }
    }

    /** The model and its warnings; {@code glmm} null for a linear mixed model. */
    record Loaded(FittedModel model, GlmmModel glmm, List<String> warnings) {
    }

    /** A GLMM: its linear predictor as above, then the {@code glmm} block. */
    static void save(final GlmmModel glmm, final List<String> warnings, final ModelContentWO content) {
        save(glmm.linearPredictor(), warnings, content, FORMAT_VERSION);
        ModelContentWO g = content.addModelContent(GLMM);
        g.addString("family", glmm.family());
        g.addString("link", glmm.link());
        g.addString("trials", glmm.trials() == null ? "" : glmm.trials());
        g.addString("offset", glmm.offset() == null ? "" : glmm.offset());
        g.addInt("nAGQ", glmm.nAGQ());
    }

    static Loaded load(final ModelContentRO content) throws InvalidSettingsException {
        int version = content.getInt("format_version");
        if (version > FORMAT_VERSION) {
            throw new InvalidSettingsException("This mixed model was saved by a newer version of Mixed Models for "
                + "KNIME (model format " + version + "; this version reads up to " + FORMAT_VERSION
                + "). Update the extension to read it.");
        }
        Map<String, List<String>> factorLevels = new LinkedHashMap<>();
        ModelContentRO levels = content.getModelContent("factor_levels");
        for (String v : levels.keySet()) {
            factorLevels.put(v, List.of(levels.getStringArray(v)));
        }
        ModelContentRO fixed = content.getModelContent("fixed_effects");
        List<String> names = List.of(fixed.getStringArray("names"));
        double[] beta = fixed.getDoubleArray("estimates");
        double[][] fixedCov = loadMatrix(fixed.getModelContent("covariance"), names.size());
        List<FittedModel.Group> groups = new ArrayList<>();
        ModelContentRO gs = content.getModelContent("groups");
        for (int g = 0; gs.containsKey("group_" + g); g++) {
            ModelContentRO gc = gs.getModelContent("group_" + g);
            List<String> columns = List.of(gc.getStringArray("columns"));
            List<String> groupLevels = List.of(gc.getStringArray("levels"));
            double[][] modes = new double[groupLevels.size()][columns.size()];
            double[][] sds = new double[groupLevels.size()][columns.size()];
            ModelContentRO blups = gc.getModelContent("blups");
            ModelContentRO condSd = gc.getModelContent("conditional_sd");
            for (int c = 0; c < columns.size(); c++) {
                setColumn(modes, c, blups.getDoubleArray(Integer.toString(c)));
                setColumn(sds, c, condSd.getDoubleArray(Integer.toString(c)));
            }
            groups.add(new FittedModel.Group(gc.getString("name"), List.of(gc.getStringArray("variables")), columns,
                loadMatrix(gc.getModelContent("covariance"), columns.size()), groupLevels, modes, sds));
        }
        Map<String, Double> statistics = new LinkedHashMap<>();
        ModelContentRO stats = content.getModelContent("statistics");
        for (String key : stats.keySet()) {
            statistics.put(key, stats.getDouble(key));
        }
        double sigma = content.getDouble("sigma");
        ResidualFit residual = null;
        if (content.containsKey("residual_structure")) {
            ModelContentRO rc = content.getModelContent("residual_structure");
            try {
                boolean grouped = rc.containsKey("group_factor");
                boolean stratified = rc.containsKey("variance_factor");
                residual = ResidualFit.of(rc.getString("structure"), rc.getString("time"), rc.getString("subject"),
                    List.of(rc.getStringArray("visits")), rc.getDoubleArray("parameters"), sigma,
                    grouped ? rc.getString("group_factor") : null,
                    grouped ? List.of(rc.getStringArray("groups")) : List.of(),
                    stratified ? rc.getString("variance_factor") : null,
                    stratified ? List.of(rc.getStringArray("strata")) : List.of());
            } catch (RuntimeException e) {
                throw new InvalidSettingsException("The saved residual covariance structure cannot be read: "
                    + e.getMessage(), e);
            }
        }
        FittedModel model = new FittedModel(content.getString("formula"), content.getString("method"),
            factorLevels, names, beta, fixedCov, groups, sigma, statistics, residual);
        GlmmModel glmm = null;
        if (content.containsKey(GLMM)) {
            ModelContentRO g = content.getModelContent(GLMM);
            String trials = g.getString("trials");
            String offset = g.getString("offset");
            try {
                glmm = new GlmmModel(model, g.getString("family"), g.getString("link"), trials.isEmpty() ? null : trials,
                    offset.isEmpty() ? null : offset, g.getInt("nAGQ"));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingsException("The saved GLMM's family cannot be read: " + e.getMessage(), e);
            }
        }
        return new Loaded(model, glmm, List.of(content.getStringArray("warnings")));
    }

    private static void saveMatrix(final double[][] m, final ModelContentWO content) {
        for (int i = 0; i < m.length; i++) {
            content.addDoubleArray("row_" + i, m[i]);
        }
    }

    private static double[][] loadMatrix(final ModelContentRO content, final int n) throws InvalidSettingsException {
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = content.getDoubleArray("row_" + i);
            if (m[i].length != n) {
                throw new InvalidSettingsException("Covariance row " + i + " has " + m[i].length
                    + " entries; expected " + n + ".");
            }
        }
        return m;
    }

    private static double[] column(final double[][] m, final int c) {
        double[] v = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            v[i] = m[i][c];
        }
        return v;
    }

    private static void setColumn(final double[][] m, final int c, final double[] v) throws InvalidSettingsException {
        if (v.length != m.length) {
            throw new InvalidSettingsException("Random-effect column " + c + " has " + v.length
                + " values; expected one per level (" + m.length + ").");
        }
        for (int i = 0; i < m.length; i++) {
            m[i][c] = v[i];
        }
    }
}
