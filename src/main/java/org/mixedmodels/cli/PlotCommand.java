package org.mixedmodels.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.plot.DiagnosticPlots;
import org.mixedmodels.plot.Figure;
import org.mixedmodels.plot.FigureWriter;
import org.mixedmodels.plot.PlotKind;

/**
 * {@code plot --data FILE --formula F [--what residuals,qq,...] --out DIR [--format png|svg]}: fits the model and
 * writes the diagnostic plots (the same as the KNIME Diagnostics node's) to {@code DIR/<plot>.<format>}, printing
 * each file's path. Without {@code --what} every plot the model has is drawn and the others are named on stderr;
 * a plot asked for by name that the model does not have (no residual structure for {@code correlation}) is an
 * error.
 */
final class PlotCommand {
    private PlotCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, List<String>> o = CommandLineOptions.parse(args, Commands.PLOT);
        String data = CommandLineOptions.single(o, "--data", true);
        String formula = CommandLineOptions.single(o, "--formula", true);
        Path dir = Path.of(CommandLineOptions.single(o, "--out", true));
        String what = CommandLineOptions.single(o, "--what", false);
        String formatText = CommandLineOptions.single(o, "--format", false);
        FigureWriter.Format format;
        List<PlotKind> kinds;
        try {
            format = formatText == null ? FigureWriter.Format.PNG : FigureWriter.Format.parse(formatText);
            kinds = what == null ? List.of(PlotKind.values()) : PlotKind.parseList(what);
        } catch (MixedModelException e) {
            throw new Main.UsageException(e.getMessage());
        }
        int width = whole(o, "--width", FigureWriter.DEFAULT_WIDTH);
        int height = whole(o, "--height", FigureWriter.DEFAULT_HEIGHT);
        int maxSubjects = whole(o, "--max-subjects", DiagnosticPlots.Options.defaults().maxSubjects());
        String subjectText = CommandLineOptions.single(o, "--subjects", false);
        List<String> subjects = new ArrayList<>();
        if (subjectText != null) {
            for (String s : subjectText.split(",")) {
                if (!s.isBlank()) {
                    subjects.add(s.strip());
                }
            }
        }
        double level = level(o);
        String method = CommandLineOptions.single(o, "--method", false);
        FitOptions.Method m = method == null ? FitOptions.Method.REML : Main.parseMethod(method);
        FitResult fit = LinearMixedModel.fit(formula, DataOptions.read(o, data).data(),
                new FitOptions(m, Main.references(o), Main.levelOrders(o)));
        DiagnosticPlots.Options options = new DiagnosticPlots.Options(subjects,
                Math.max(maxSubjects, subjects.size()), level, DiagnosticPlots.Options.defaults().labelled());
        List<Figure> figures = new ArrayList<>();
        for (PlotKind k : kinds) {
            Figure f = DiagnosticPlots.figure(k, fit, options);
            if (f.applicable()) {
                figures.add(f);
            } else if (what == null) {
                err.println("Not drawn: " + k.label() + ": " + f.message());
            } else {
                throw new MixedModelException("The plot '" + k.label() + "' does not apply to this model: " + f.message());
            }
        }
        try {
            Files.createDirectories(dir);
            for (Figure f : figures) {
                Path file = dir.resolve(f.kind().label() + "." + format.extension());
                FigureWriter.write(f, format, width, height, file);
                out.println(file);
            }
        } catch (IOException e) {
            throw new MixedModelException("Cannot write the plots to " + dir + ": " + e.getMessage());
        }
        for (String w : fit.warnings()) {
            err.println("Warning: " + w);
        }
        return 0;
    }

    private static int whole(Map<String, List<String>> o, String flag, int otherwise) {
        String v = CommandLineOptions.single(o, flag, false);
        if (v == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new Main.UsageException(flag + " takes a whole number, not '" + v + "'.");
        }
    }

    private static double level(Map<String, List<String>> o) {
        String v = CommandLineOptions.single(o, "--conf-level", false);
        if (v == null) {
            return DiagnosticPlots.Options.defaults().level();
        }
        try {
            double level = Double.parseDouble(v);
            if (level > 0 && level < 1) {
                return level;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Main.UsageException("--conf-level takes a number between 0 and 1, e.g. 0.95; got '" + v + "'.");
    }
}
