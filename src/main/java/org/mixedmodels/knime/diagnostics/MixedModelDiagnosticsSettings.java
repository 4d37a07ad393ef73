package org.mixedmodels.knime.diagnostics;

import java.util.ArrayList;
import java.util.List;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.plot.DiagnosticPlots;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;

/** The Diagnostics node's settings: which plots, which subjects, image size and interval level. */
final class MixedModelDiagnosticsSettings {
    /** Prefix of each plot's on/off key, followed by the plot's label ({@code plot_residuals}, ...). */
    static final String PLOT_PREFIX = "plot_";
    static final String SUBJECTS = "subjects";
    static final String MAX_SUBJECTS = "max_subjects";
    static final String WIDTH = "image_width";
    static final String HEIGHT = "image_height";
    static final String CONFIDENCE_LEVEL = "confidence_level";

    boolean[] plots = new boolean[PlotKind.values().length];
    String[] subjects = {};
    int maxSubjects = DiagnosticPlots.Options.defaults().maxSubjects();
    int width = FigureWriter.DEFAULT_WIDTH;
    int height = FigureWriter.DEFAULT_HEIGHT;
    double confidenceLevel = DiagnosticPlots.Options.defaults().level();

    MixedModelDiagnosticsSettings() {
        java.util.Arrays.fill(plots, true);
    }

    boolean draws(final PlotKind kind) {
        return plots[kind.ordinal()];
    }

    void saveTo(final NodeSettingsWO s) {
        for (PlotKind k : PlotKind.values()) {
            s.addBoolean(PLOT_PREFIX + k.label(), plots[k.ordinal()]);
        }
        s.addStringArray(SUBJECTS, subjects);
        s.addInt(MAX_SUBJECTS, maxSubjects);
        s.addInt(WIDTH, width);
        s.addInt(HEIGHT, height);
        s.addDouble(CONFIDENCE_LEVEL, confidenceLevel);
    }

    static MixedModelDiagnosticsSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        MixedModelDiagnosticsSettings r = new MixedModelDiagnosticsSettings();
        for (PlotKind k : PlotKind.values()) {
            r.plots[k.ordinal()] = s.getBoolean(PLOT_PREFIX + k.label());
        }
        String[] subjects = s.getStringArray(SUBJECTS);
        r.subjects = subjects == null ? new String[0] : subjects;
        r.maxSubjects = s.getInt(MAX_SUBJECTS);
        r.width = s.getInt(WIDTH);
        r.height = s.getInt(HEIGHT);
        r.confidenceLevel = s.getDouble(CONFIDENCE_LEVEL);
        return r;
    }

    void validate() throws InvalidSettingsException {
        if (width < FigureWriter.MIN_SIZE || height < FigureWriter.MIN_SIZE || width > FigureWriter.MAX_SIZE
            || height > FigureWriter.MAX_SIZE) {
            throw new InvalidSettingsException("The image size must be between " + FigureWriter.MIN_SIZE + " and "
                + FigureWriter.MAX_SIZE + " pixels a side; it is " + width + " x " + height + ".");
        }
        if (maxSubjects < 1) {
            throw new InvalidSettingsException("Show at least one subject; the number of subjects is " + maxSubjects
                + ".");
        }
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new InvalidSettingsException("The confidence level must be between 0 and 1 (e.g. 0.95); it is "
                + confidenceLevel + ".");
        }
    }

    DiagnosticPlots.Options options() {
        List<String> chosen = new ArrayList<>();
        for (String s : subjects) {
            if (!s.isBlank()) {
                chosen.add(s.strip());
            }
        }
        return new DiagnosticPlots.Options(chosen, Math.max(maxSubjects, chosen.size()), confidenceLevel,
            DiagnosticPlots.Options.defaults().labelled());
    }
}
