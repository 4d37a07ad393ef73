package org.mixedmodels.knime.port;

import java.awt.Font;
import java.util.List;
import java.util.Locale;

import javax.swing.JComponent;
import javax.swing.JScrollPane;
import javax.swing.JTextArea;

import org.knime.core.node.CanceledExecutionException;
import org.knime.core.node.ExecutionMonitor;
import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.ModelContentRO;
import org.knime.core.node.ModelContentWO;
import org.knime.core.node.port.AbstractSimplePortObject;
import org.knime.core.node.port.PortObjectSpec;
import org.knime.core.node.port.PortType;
import org.knime.core.node.port.PortTypeRegistry;
import org.mixedmodels.engine.prediction.FittedModel;
import org.mixedmodels.engine.prediction.GlmmModel;
import org.mixedmodels.knime.data.ColumnTyping;

/**
 * A fitted linear mixed model or GLMM travelling from the Learner to the Predictor: everything needed to predict
 * without the training table (see {@link FittedModelContent} for the saved layout).
 */
public final class MixedModelPortObject extends AbstractSimplePortObject {

    public static final PortType TYPE = PortTypeRegistry.getInstance().getPortType(MixedModelPortObject.class);
    /** The type of an optional mixed-model input port. */
    public static final PortType TYPE_OPTIONAL =
        PortTypeRegistry.getInstance().getPortType(MixedModelPortObject.class, true);

    /** The key of the Learner's summary text in the port's content (absent in older ports). */
    static final String REPORT_KEY = "report_text";

    /** Serializer, registered in plugin.xml. */
    public static final class Serializer extends AbstractSimplePortObjectSerializer<MixedModelPortObject> {
    }

    private FittedModel model;
    /** The GLMM's family and offset with the same linear predictor as {@link #model}; null for a linear model. */
    private GlmmModel glmm;
    private List<String> warnings;
    /** How the Learner read its table; the Predictor and the refitting nodes read theirs the same way. */
    private ColumnTyping typing = ColumnTyping.DEFAULT;
    private MixedModelPortObjectSpec spec;
    /** The command line's summary of the fit, written by the Learner (null in ports saved before it was kept). */
    private String report;

    /** For the framework; it loads the content afterwards. */
    public MixedModelPortObject() {
    }

    public MixedModelPortObject(final FittedModel model, final List<String> warnings) {
        this(model, warnings, ColumnTyping.DEFAULT);
    }

    /** @param typing the categorical columns and missing tokens the Learner read its table with */
    public MixedModelPortObject(final FittedModel model, final List<String> warnings, final ColumnTyping typing) {
        this.typing = typing;
        this.model = model;
        this.warnings = List.copyOf(warnings);
        this.spec = MixedModelPortObjectSpec.of(model.parsedFormula());
    }

    /**
     * @param report the fit's summary as the command line prints it ({@code FitReport.text}): random effects with
     *     correlations, fixed effects with df, p and intervals, Type III tests, warnings
     */
    public MixedModelPortObject(final FittedModel model, final List<String> warnings, final ColumnTyping typing,
        final String report) {
        this(model, warnings, typing);
        this.report = report;
    }

    /**
     * A GLMM (binomial or Poisson, as glmer) travelling from the Learner to the Predictor.
     *
     * @param report the fit's summary as the command line prints it ({@code GlmmReport.text})
     */
    public MixedModelPortObject(final GlmmModel glmm, final List<String> warnings, final ColumnTyping typing,
        final String report) {
        this(glmm.linearPredictor(), warnings, typing, report);
        this.glmm = glmm;
        this.spec = MixedModelPortObjectSpec.of(model.parsedFormula(), glmm.family(), glmm.offset());
    }

    /**
     * The linear predictor (formula, coefficients, modes). For a linear mixed model the whole model; for a GLMM see
     * {@link #glmm()}.
     */
    public FittedModel model() {
        return model;
    }

    /** The GLMM, or null for a linear mixed model. */
    public GlmmModel glmm() {
        return glmm;
    }

    /** True for a binomial or Poisson model. */
    public boolean isGeneralized() {
        return glmm != null;
    }

    /** The Learner's "treat as categorical" columns and missing-value tokens. */
    public ColumnTyping typing() {
        return typing;
    }

    /** The fit's warnings (rows left out, boundary fit, ...). */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public MixedModelPortObjectSpec getSpec() {
        return spec;
    }

    @Override
    public String getSummary() {
        if (glmm != null) {
            return "Generalized linear mixed model " + model.formula() + " (" + glmm.family() + ", " + glmm.link() + ", "
                + model.method() + ", " + (long)statistic("nobs") + " observations)";
        }
        return "Linear mixed model " + model.formula() + " (" + model.method() + ", "
            + (long)statistic("nobs") + " observations)";
    }

    @Override
    public JComponent[] getViews() {
        JTextArea text = new JTextArea(viewText());
        text.setEditable(false);
        text.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
        JScrollPane view = new JScrollPane(text);
        view.setName("Mixed model");
        return new JComponent[] {view};
    }

    private double statistic(final String name) {
        return model.statistics().getOrDefault(name, Double.NaN);
    }

    /** The summary the view shows: the command line's, when the Learner kept it, else {@link #summaryText()}. */
    public String viewText() {
        return report != null ? report : summaryText();
    }

    /**
     * The fit as lme4's summary shows it, from the saved model alone (formula, criteria, random effects, fixed
     * effects, warnings): what the view shows for ports saved before the Learner kept the full report.
     */
    public String summaryText() {
        StringBuilder s = new StringBuilder();
        s.append("Linear mixed model fit by ").append("REML".equals(model.method()) ? "REML" : "maximum likelihood")
            .append('\n');
        s.append("Formula: ").append(model.formula()).append("\n\n");
        s.append(String.format(Locale.ROOT, "%10s %10s %10s %12s%n", "AIC", "BIC", "logLik",
            "REML".equals(model.method()) ? "REML crit." : "deviance"));
        s.append(String.format(Locale.ROOT, "%10.4f %10.4f %10.4f %12.4f%n%n", statistic("AIC"), statistic("BIC"),
            statistic("logLik"), statistic("objective")));
        s.append("Random effects:\n");
        s.append(String.format(Locale.ROOT, " %-14s %-14s %12s %10s%n", "Groups", "Name", "Variance", "Std.Dev."));
        for (FittedModel.Group g : model.groups()) {
            for (int c = 0; c < g.columns().size(); c++) {
                double v = g.covariance()[c][c];
                s.append(String.format(Locale.ROOT, " %-14s %-14s %12.6g %10.6g%n", c == 0 ? g.name() : "",
                    g.columns().get(c), v, Math.sqrt(v)));
            }
        }
        s.append(String.format(Locale.ROOT, " %-14s %-14s %12.6g %10.6g%n", "Residual", "",
            model.sigma() * model.sigma(), model.sigma()));
        s.append(String.format(Locale.ROOT, "Number of obs: %d", (long)statistic("nobs")));
        for (FittedModel.Group g : model.groups()) {
            s.append(", ").append(g.name()).append(": ").append(g.levels().size()).append(" groups");
        }
        s.append("\n\n");
        if (model.residual() != null) {
            s.append(model.residual().summary());
        }
        s.append("Fixed effects:\n");
        s.append(String.format(Locale.ROOT, " %-24s %14s %12s %9s%n", "", "Estimate", "Std. Error", "t value"));
        for (int i = 0; i < model.fixedNames().size(); i++) {
            double se = Math.sqrt(model.fixedCovariance()[i][i]);
            s.append(String.format(Locale.ROOT, " %-24s %14.6g %12.6g %9.3f%n", model.fixedNames().get(i),
                model.beta()[i], se, model.beta()[i] / se));
        }
        if (statistic("singular") == 1) {
            s.append("\nboundary (singular) fit: a variance is estimated as 0 or a correlation as +-1\n");
        }
        for (String w : warnings) {
            s.append("\nWarning: ").append(w).append('\n');
        }
        return s.toString();
    }

    @Override
    protected void save(final ModelContentWO content, final ExecutionMonitor exec) throws CanceledExecutionException {
        if (glmm != null) {
            FittedModelContent.save(glmm, warnings, content);
        } else {
            FittedModelContent.save(model, warnings, content);
        }
        typing.save(content.addModelContent(FittedModelContent.COLUMN_TYPING));
        if (report != null) {
            content.addString(REPORT_KEY, report);
        }
    }

    @Override
    protected void load(final ModelContentRO content, final PortObjectSpec loadedSpec, final ExecutionMonitor exec)
        throws InvalidSettingsException, CanceledExecutionException {
        FittedModelContent.Loaded loaded = FittedModelContent.load(content);
        model = loaded.model();
        glmm = loaded.glmm();
        warnings = loaded.warnings();
        typing = content.containsKey(FittedModelContent.COLUMN_TYPING)
            ? ColumnTyping.load(content.getModelContent(FittedModelContent.COLUMN_TYPING)) : ColumnTyping.DEFAULT;
        report = content.getString(REPORT_KEY, null);
        spec = loadedSpec instanceof MixedModelPortObjectSpec s ? s
            : glmm != null ? MixedModelPortObjectSpec.of(model.parsedFormula(), glmm.family(), glmm.offset())
                : MixedModelPortObjectSpec.of(model.parsedFormula());
    }
}
