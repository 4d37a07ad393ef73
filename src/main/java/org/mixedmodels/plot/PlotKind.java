package org.mixedmodels.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mixedmodels.engine.MixedModelException;

/** The diagnostic plots, by the names the command line's {@code --what} and the output files use. */
public enum PlotKind {
    /** Pearson residuals against fitted values (lme4's {@code plot(fit)}, SAS's residual panel). */
    RESIDUALS("residuals", "Residuals vs fitted"),
    /** Normal QQ plots of the residuals and of each random effect (nlme's {@code qqnorm}). */
    QQ("qq", "Normal QQ plots"),
    /** BLUPs with their prediction intervals (lme4's {@code dotplot(ranef(fit, condVar = TRUE))}). */
    CATERPILLAR("caterpillar", "Random effects with prediction intervals"),
    /** Observed and fitted series of some subjects (nlme's {@code plot(augPred(fit))}). */
    TRAJECTORIES("trajectories", "Observed and fitted by subject"),
    /** LS means with confidence intervals (emmeans' {@code emmip}). */
    LSMEANS("lsmeans", "LS means"),
    /** The residual structure's correlation matrix as a heat map (SAS's {@code RCORR}). */
    CORRELATION("correlation", "Residual correlation");

    private final String label;
    private final String title;

    PlotKind(String label, String title) {
        this.label = label;
        this.title = title;
    }

    /** The name on the command line and in file names. */
    public String label() {
        return label;
    }

    /** The plot's title. */
    public String title() {
        return title;
    }

    public static PlotKind parse(String name) {
        for (PlotKind k : values()) {
            if (k.label.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new MixedModelException("Unknown plot '" + name + "'; the plots are: " + String.join(", ", labels()) + ".");
    }

    /** A comma-separated list of plot names, each once, in the order given. */
    public static List<PlotKind> parseList(String names) {
        List<PlotKind> kinds = new ArrayList<>();
        for (String n : names.split(",")) {
            if (n.isBlank()) {
                continue;
            }
            PlotKind k = parse(n);
            if (!kinds.contains(k)) {
                kinds.add(k);
            }
        }
        if (kinds.isEmpty()) {
            throw new MixedModelException("Name at least one plot: " + String.join(", ", labels()) + ".");
        }
        return kinds;
    }

    public static List<String> labels() {
        List<String> labels = new ArrayList<>();
        for (PlotKind k : values()) {
            labels.add(k.label);
        }
        return labels;
    }
}
