package org.mixedmodels.knime.learner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.FormulaSyntaxException;
import org.mixedmodels.engine.formula.ResidualTerm;
import org.mixedmodels.engine.glmm.Family;
import org.mixedmodels.engine.glmm.GlmmOptions;
import org.mixedmodels.engine.glmm.Link;
import org.mixedmodels.engine.inference.CovarianceType;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.LinearContrasts;
import org.mixedmodels.engine.inference.RobustCovariance;
import org.mixedmodels.knime.data.ColumnTyping;
import org.mixedmodels.knime.data.ReferenceLevels;

/**
 * The Learner's settings. {@code formula} is what is fitted; the other model fields record the dialog's
 * formula builder (response, fixed-effect columns, interactions, groupings, slopes) so the dialog reopens
 * as it was closed. With {@code use_typed_formula} the user typed the formula instead.
 */
final class MixedModelLearnerSettings {
    static final String FORMULA = "formula";
    static final String USE_TYPED_FORMULA = "use_typed_formula";
    static final String RESPONSE = "response";
    static final String FIXED_COLUMNS = "fixed_columns";
    static final String INTERACTIONS = "interactions";
    static final String GROUPING_COLUMNS = "grouping_columns";
    static final String NESTED = "nested";
    static final String RANDOM_SLOPES = "random_slopes";
    static final String CORRELATED_SLOPES = "correlated_slopes";
    static final String METHOD = "method";
    static final String DF_METHOD = "df_method";
    static final String CONFIDENCE_LEVEL = "confidence_level";
    static final String REFERENCE_LEVELS = "reference_levels";
    static final String RESIDUAL_STRUCTURE = "residual_structure";
    static final String RESIDUAL_TIME = "residual_time";
    static final String RESIDUAL_SUBJECT = "residual_subject";
    /** The column whose levels get their own structure parameters (SAS GROUP=, {@code us(visit | arm / subject)}). */
    static final String RESIDUAL_GROUP = "residual_group";
    /** The column by whose levels the residual variance differs (nlme varIdent, {@code varident(sex | subject)}). */
    static final String RESIDUAL_VARIANCE_BY = "residual_variance_by";
    /** The multi-df test with a sandwich: eigen (the eigen-contrast F test) or htz (clubSandwich's HTZ test). */
    static final String ROBUST_TEST = "robust_test";
    /** The CLI's {@code --robust-test} values. */
    static final String EIGEN = "eigen";
    static final String HTZ = "htz";
    static final String LEVEL_ORDERS = "level_orders";
    /** Fail on a missing value in a model column instead of leaving the row out (counted in a warning). */
    static final String FAIL_ON_MISSING = "fail_on_missing";
    /** Numeric columns read as categorical (SAS CLASS, R's factor()). */
    static final String CATEGORICAL_COLUMNS = "categorical_columns";
    /** Comma-separated texts that are missing values in string columns (R's na.strings). */
    static final String MISSING_TOKENS = "missing_tokens";
    /** Covariance of the fixed effects: model, empirical (CR0) or empirical-cr2 (CR2). */
    static final String VCOV = "fixed_effects_covariance";
    /** Response distribution: gaussian (the linear mixed model), binomial or poisson (a GLMM as glmer). */
    static final String FAMILY = "family";
    /** The GLMM's link; empty for the family's canonical link (logit, log). */
    static final String LINK = "link";
    /** Binomial successes out of this column's trials; empty for a 0/1 response. */
    static final String TRIALS_COLUMN = "trials_column";
    /** A column added to the linear predictor (log exposure); empty for none. */
    static final String OFFSET_COLUMN = "offset_column";
    /** glmer's nAGQ: 1 Laplace, more adaptive Gauss-Hermite nodes. */
    static final String NAGQ = "nagq";
    static final String GAUSSIAN = "gaussian";
    /** The builder's choice of no residual covariance term. */
    static final String NO_RESIDUAL_STRUCTURE = "none";

    String formula = "";
    boolean useTypedFormula;
    String response = "";
    String[] fixedColumns = {};
    String interactions = "";
    String[] groupingColumns = {};
    boolean nested;
    String[] randomSlopes = {};
    boolean correlatedSlopes = true;
    String method = FitOptions.Method.REML.name();
    String dfMethod = DfMethod.SATTERTHWAITE.label();
    double confidenceLevel = 0.95;
    /** {@code column=level} entries. */
    String[] referenceLevels = {};
    /** The builder's residual covariance structure ({@code none}, {@code ar1}, {@code us}, ...). */
    String residualStructure = NO_RESIDUAL_STRUCTURE;
    String residualTime = "";
    String residualSubject = "";
    /** Empty for one set of structure parameters. */
    String residualGroup = "";
    /** Empty for one residual variance (besides the structure's own per-visit variances). */
    String residualVarianceBy = "";
    String robustTest = EIGEN;
    /** {@code column=level1,level2,...} entries. */
    String[] levelOrders = {};
    /** As KNIME's Linear Regression Learner's "Fail on observations with missing values". */
    boolean failOnMissing;
    String[] categoricalColumns = {};
    String missingTokens = "NA";
    String vcov = CovarianceType.MODEL.label();
    String family = GAUSSIAN;
    String link = "";
    String trialsColumn = "";
    String offsetColumn = "";
    int nAGQ = 1;

    void saveTo(final NodeSettingsWO s) {
        s.addString(FORMULA, formula);
        s.addBoolean(USE_TYPED_FORMULA, useTypedFormula);
        s.addString(RESPONSE, response);
        s.addStringArray(FIXED_COLUMNS, fixedColumns);
        s.addString(INTERACTIONS, interactions);
        s.addStringArray(GROUPING_COLUMNS, groupingColumns);
        s.addBoolean(NESTED, nested);
        s.addStringArray(RANDOM_SLOPES, randomSlopes);
        s.addBoolean(CORRELATED_SLOPES, correlatedSlopes);
        s.addString(METHOD, method);
        s.addString(DF_METHOD, dfMethod);
        s.addDouble(CONFIDENCE_LEVEL, confidenceLevel);
        s.addStringArray(REFERENCE_LEVELS, referenceLevels);
        s.addString(RESIDUAL_STRUCTURE, residualStructure);
        s.addString(RESIDUAL_TIME, residualTime);
        s.addString(RESIDUAL_SUBJECT, residualSubject);
        s.addString(RESIDUAL_GROUP, residualGroup);
        s.addString(RESIDUAL_VARIANCE_BY, residualVarianceBy);
        s.addString(ROBUST_TEST, robustTest);
        s.addStringArray(LEVEL_ORDERS, levelOrders);
        s.addBoolean(FAIL_ON_MISSING, failOnMissing);
        s.addStringArray(CATEGORICAL_COLUMNS, categoricalColumns);
        s.addString(MISSING_TOKENS, missingTokens);
        s.addString(VCOV, vcov);
        s.addString(FAMILY, family);
        s.addString(LINK, link);
        s.addString(TRIALS_COLUMN, trialsColumn);
        s.addString(OFFSET_COLUMN, offsetColumn);
        s.addInt(NAGQ, nAGQ);
    }

    /**
     * Reads every key; a missing key is an error naming it, except the residual-structure and level-order keys,
     * the missing-value choice, the categorical columns, the missing tokens and the covariance, which workflows saved
     * before they existed lack (then: no residual term, sorted levels, rows with missing values left out, no column
     * declared categorical, {@code NA} missing, the model-based covariance, no group-specific parameters or variance
     * by a factor, the eigen-contrast robust test; and the GLMM keys: gaussian, the canonical
     * link, no trials or offset column, nAGQ 1).
     */
    static MixedModelLearnerSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelLearnerSettings r = new MixedModelLearnerSettings();
        r.formula = s.getString(FORMULA);
        r.useTypedFormula = s.getBoolean(USE_TYPED_FORMULA);
        r.response = s.getString(RESPONSE);
        r.fixedColumns = orEmpty(s.getStringArray(FIXED_COLUMNS));
        r.interactions = s.getString(INTERACTIONS);
        r.groupingColumns = orEmpty(s.getStringArray(GROUPING_COLUMNS));
        r.nested = s.getBoolean(NESTED);
        r.randomSlopes = orEmpty(s.getStringArray(RANDOM_SLOPES));
        r.correlatedSlopes = s.getBoolean(CORRELATED_SLOPES);
        r.method = s.getString(METHOD);
        r.dfMethod = s.getString(DF_METHOD);
        r.confidenceLevel = s.getDouble(CONFIDENCE_LEVEL);
        r.referenceLevels = orEmpty(s.getStringArray(REFERENCE_LEVELS));
        r.residualStructure = s.getString(RESIDUAL_STRUCTURE, NO_RESIDUAL_STRUCTURE);
        r.residualTime = s.getString(RESIDUAL_TIME, "");
        r.residualSubject = s.getString(RESIDUAL_SUBJECT, "");
        r.residualGroup = s.getString(RESIDUAL_GROUP, "");
        r.residualVarianceBy = s.getString(RESIDUAL_VARIANCE_BY, "");
        r.robustTest = s.getString(ROBUST_TEST, EIGEN);
        r.levelOrders = orEmpty(s.getStringArray(LEVEL_ORDERS, new String[0]));
        r.failOnMissing = s.getBoolean(FAIL_ON_MISSING, false);
        r.categoricalColumns = orEmpty(s.getStringArray(CATEGORICAL_COLUMNS, new String[0]));
        r.missingTokens = s.getString(MISSING_TOKENS, "NA");
        r.vcov = s.getString(VCOV, CovarianceType.MODEL.label());
        r.family = s.getString(FAMILY, GAUSSIAN);
        r.link = s.getString(LINK, "");
        r.trialsColumn = s.getString(TRIALS_COLUMN, "");
        r.offsetColumn = s.getString(OFFSET_COLUMN, "");
        r.nAGQ = s.getInt(NAGQ, 1);
        return r;
    }

    /** KNIME saves a null array as a config without entries; read it as no entries. */
    private static String[] orEmpty(final String[] values) {
        return values == null ? new String[0] : values;
    }

    /** Checks what can be checked without the input table. */
    void validate() throws InvalidSettingsException {
        parsedFormula();
        fitMethod();
        dfMethod();
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new InvalidSettingsException("The confidence level must be between 0 and 1 (e.g. 0.95); it is "
                + confidenceLevel + ".");
        }
        referenceLevelMap();
        levelOrderMap();
        covariance();
        glmmOptions();
        robustTest();
        if (!useTypedFormula) {
            validateResidualBuilder();
        }
    }

    /** The structures the builder offers: every residual structure; varident is the "Residual variance by" choice. */
    static List<String> builderStructures() {
        return ResidualTerm.STRUCTURES.stream().filter(x -> !x.equals(ResidualTerm.VARIDENT)).sorted().toList();
    }

    /** The Residual covariance tab's choices, each refused with what to change. */
    private void validateResidualBuilder() throws InvalidSettingsException {
        boolean structure = !NO_RESIDUAL_STRUCTURE.equals(residualStructure);
        boolean group = !blank(residualGroup);
        boolean varianceBy = !blank(residualVarianceBy);
        if (structure && !builderStructures().contains(residualStructure)) {
            throw new InvalidSettingsException("Unknown residual covariance structure '" + residualStructure
                + "'; choose one of " + String.join(", ", builderStructures()) + " (a residual variance by a factor, "
                + "nlme's varIdent, is chosen in \"Residual variance by\").");
        }
        if (structure && (blank(residualTime) || blank(residualSubject))) {
            throw new InvalidSettingsException("The residual structure " + residualStructure + " needs a visit (or "
                + "time) column and a subject column; choose both.");
        }
        if (group && !structure) {
            throw new InvalidSettingsException("Parameters per level of '" + residualGroup + "' need a residual "
                + "structure; choose one (e.g. us) or set \"Parameters per level of\" to <none>.");
        }
        if (group && (residualGroup.equals(residualSubject) || residualGroup.equals(residualTime))) {
            throw new InvalidSettingsException("The column '" + residualGroup + "' cannot give the structure's groups: "
                + "it is the " + (residualGroup.equals(residualSubject) ? "subject" : "visit") + " column. Choose a "
                + "column constant within subject, such as the treatment arm.");
        }
        if (varianceBy && blank(residualSubject)) {
            throw new InvalidSettingsException("A residual variance by '" + residualVarianceBy + "' needs the subject "
                + "column (rows of different subjects are independent); choose it.");
        }
        if (varianceBy && residualVarianceBy.equals(residualSubject)) {
            throw new InvalidSettingsException("The residual variance cannot differ by the subject column '"
                + residualSubject + "' itself; choose a factor such as sex or the visit.");
        }
    }

    private static boolean blank(final String s) {
        return s == null || s.isBlank();
    }

    /** Whether the multi-df tests under a sandwich are clubSandwich's HTZ tests; refused without a sandwich. */
    boolean robustTest() throws InvalidSettingsException {
        if (!EIGEN.equals(robustTest) && !HTZ.equals(robustTest)) {
            throw new InvalidSettingsException("Unknown robust test '" + robustTest + "'; choose eigen (the Wald F "
                + "test with eigen-contrast df) or htz (clubSandwich's HTZ test).");
        }
        boolean htz = HTZ.equals(robustTest);
        try {
            LinearContrasts.requireHtzCompatible(htz, dfMethod(), covariance());
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        return htz;
    }

    /** {@code column=level1,level2,...} entries as a map; levels in the given order. */
    Map<String, List<String>> levelOrderMap() throws InvalidSettingsException {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (String entry : levelOrders) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new InvalidSettingsException("Level order '" + entry + "' must be written as "
                    + "column=level1,level2,..., e.g. visit=WEEK2,WEEK4,WEEK8,WEEK12.");
            }
            String column = entry.substring(0, eq).trim();
            List<String> levels = new ArrayList<>();
            for (String level : entry.substring(eq + 1).split(",")) {
                if (level.isBlank() || levels.contains(level.trim())) {
                    throw new InvalidSettingsException("The level order of column '" + column
                        + "' has an empty or repeated level: '" + entry + "'.");
                }
                levels.add(level.trim());
            }
            if (map.put(column, levels) != null) {
                throw new InvalidSettingsException("Column '" + column + "' has more than one level order.");
            }
        }
        return map;
    }

    Formula parsedFormula() throws InvalidSettingsException {
        if (formula == null || formula.isBlank()) {
            throw new InvalidSettingsException("No model formula: choose the response and the effects in the "
                + "dialog, or type a formula such as 'Reaction ~ Days + (Days | Subject)'.");
        }
        try {
            return FormulaParser.parse(formula);
        } catch (FormulaSyntaxException e) {
            throw new InvalidSettingsException("The formula '" + formula + "' is not valid: " + e.getMessage(), e);
        }
    }

    FitOptions.Method fitMethod() throws InvalidSettingsException {
        try {
            return FitOptions.Method.valueOf(method);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidSettingsException("Unknown estimation method '" + method + "'; choose REML or ML.");
        }
    }

    DfMethod dfMethod() throws InvalidSettingsException {
        try {
            DfMethod m = DfMethod.parse(dfMethod);
            if ((m == DfMethod.KENWARD_ROGER || m == DfMethod.KENWARD_ROGER_LINEAR)
                && fitMethod() != FitOptions.Method.REML) {
                throw new InvalidSettingsException("Kenward-Roger degrees of freedom are defined for REML fits "
                    + "only; choose REML or another df method.");
            }
            return m;
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    /**
     * The covariance of the fixed effects; Kenward-Roger with a sandwich refused, as the CLI refuses it, and so is a
     * sandwich on random effects of several grouping factors (it clusters by one), before anything runs.
     */
    CovarianceType covariance() throws InvalidSettingsException {
        DfMethod df = dfMethod();
        Formula formula = parsedFormula();
        try {
            CovarianceType type = CovarianceType.parse(vcov == null ? "" : vcov);
            LinearContrasts.requireCompatible(df, type);
            RobustCovariance.requireClusters(formula, type);
            return type;
        } catch (MixedModelException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
    }

    /** True for a binomial or Poisson response (a GLMM). */
    boolean isGeneralized() {
        return family != null && !family.isBlank() && !GAUSSIAN.equalsIgnoreCase(family);
    }

    /**
     * The GLMM's options (null for gaussian), each choice checked with a message saying what to change: the family,
     * the link that goes with it, trials only for the binomial, nAGQ from 1 to 100. Reference levels are added at
     * execute.
     */
    GlmmOptions glmmOptions() throws InvalidSettingsException {
        if (!isGeneralized()) {
            return null;
        }
        Family f;
        try {
            f = Family.of(family);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException("Unknown family '" + family + "'; choose gaussian, binomial or poisson.");
        }
        Link l = null;
        if (link != null && !link.isBlank()) {
            try {
                l = Link.of(link);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingsException(e.getMessage());
            }
            if (!f.links().contains(l)) {
                throw new InvalidSettingsException("The " + f.rName() + " family does not take the " + l.rName()
                    + " link; choose " + String.join(", ", f.links().stream().map(Link::rName).toList()) + ".");
            }
        }
        boolean trials = trialsColumn != null && !trialsColumn.isBlank();
        if (trials && f != Family.BINOMIAL) {
            throw new InvalidSettingsException("A trials column goes with the binomial family only; clear \"Trials\" "
                + "for the " + f.rName() + " family.");
        }
        if (nAGQ < 1 || nAGQ > 100) {
            throw new InvalidSettingsException("The number of quadrature points (nAGQ) must be from 1 (Laplace) to 100;"
                + " it is " + nAGQ + ".");
        }
        if ((!NO_RESIDUAL_STRUCTURE.equals(residualStructure) || !blank(residualVarianceBy)) && !useTypedFormula) {
            throw new InvalidSettingsException("A residual covariance structure or variance by a factor applies to "
                + "linear mixed models only; choose \"none\" and \"Residual variance by\" <none> on the Residual "
                + "covariance tab for a " + f.rName() + " GLMM.");
        }
        boolean offset = offsetColumn != null && !offsetColumn.isBlank();
        return new GlmmOptions(f, l, trials ? trialsColumn : null, offset ? offsetColumn : null, nAGQ,
            referenceLevelMap(), levelOrderMap());
    }

    /** How the table is read: the categorical columns and the missing tokens. */
    ColumnTyping typing() {
        return new ColumnTyping(List.of(categoricalColumns), ColumnTyping.parseTokens(missingTokens));
    }

    Map<String, String> referenceLevelMap() throws InvalidSettingsException {
        return ReferenceLevels.parse(referenceLevels, "treatment=placebo");
    }

    /**
     * The formula the dialog's builder describes: {@code response ~ fixed + interactions + (1 + slopes | g)}
     * per grouping column, or one nested term {@code (1 + slopes | g1/g2)}; uncorrelated slopes use
     * {@code ||}. Column names that are not plain identifiers are quoted with backticks.
     */
    static String buildFormula(final String response, final List<String> fixed, final String interactions,
        final List<String> groups, final boolean nested, final List<String> slopes, final boolean correlated) {
        return buildFormula(response, fixed, interactions, groups, nested, slopes, correlated, NO_RESIDUAL_STRUCTURE,
            "", "");
    }

    /** As above, plus a residual covariance term {@code structure(time | subject)} unless it is {@code none}. */
    static String buildFormula(final String response, final List<String> fixed, final String interactions,
        final List<String> groups, final boolean nested, final List<String> slopes, final boolean correlated,
        final String residual, final String time, final String subject) {
        return buildFormula(response, fixed, interactions, groups, nested, slopes, correlated, residual, time, subject,
            "", "");
    }

    /**
     * As above, the structure's parameters per level of {@code group} ({@code us(visit | arm / subject)}, SAS GROUP=)
     * unless it is empty, and a residual variance per level of {@code varianceBy} ({@code + varident(sex | subject)},
     * nlme's varIdent) unless it is empty; varident stands alone when the structure is {@code none}.
     */
    static String buildFormula(final String response, final List<String> fixed, final String interactions,
        final List<String> groups, final boolean nested, final List<String> slopes, final boolean correlated,
        final String residual, final String time, final String subject, final String group, final String varianceBy) {
        String formula = buildRandomPart(response, fixed, interactions, groups, nested, slopes, correlated);
        if (blank(subject)) {
            return formula;
        }
        if (residual != null && !NO_RESIDUAL_STRUCTURE.equals(residual) && !blank(time)) {
            formula += " + " + residual + "(" + quote(time) + " | " + (blank(group) ? "" : quote(group) + " / ")
                + quote(subject) + ")";
        }
        if (!blank(varianceBy)) {
            formula += " + " + ResidualTerm.VARIDENT + "(" + quote(varianceBy) + " | " + quote(subject) + ")";
        }
        return formula;
    }

    private static String buildRandomPart(final String response, final List<String> fixed, final String interactions,
        final List<String> groups, final boolean nested, final List<String> slopes, final boolean correlated) {
        StringBuilder f = new StringBuilder(quote(response)).append(" ~ ");
        List<String> terms = new ArrayList<>();
        fixed.forEach(c -> terms.add(quote(c)));
        for (String i : interactions.split("[,;]")) {
            if (!i.isBlank()) {
                terms.add(i.trim());
            }
        }
        if (terms.isEmpty()) {
            terms.add("1");
        }
        String effects = slopes.isEmpty() ? "1"
            : (correlated ? "1 + " : "") + String.join(" + ", slopes.stream().map(MixedModelLearnerSettings::quote)
                .toList());
        String bar = correlated || slopes.isEmpty() ? " | " : " || ";
        if (nested && groups.size() > 1) {
            terms.add("(" + effects + bar + String.join("/", groups.stream().map(MixedModelLearnerSettings::quote)
                .toList()) + ")");
        } else {
            groups.forEach(g -> terms.add("(" + effects + bar + quote(g) + ")"));
        }
        return f.append(String.join(" + ", terms)).toString();
    }

    /** A column name as the formula language needs it. */
    static String quote(final String column) {
        return column.matches("[A-Za-z.][A-Za-z0-9._]*") ? column : "`" + column.replace("`", "") + "`";
    }
}
