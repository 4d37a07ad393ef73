package org.mixedmodels.knime.joint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;
import org.knime.core.node.NodeSettingsWO;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.FormulaSyntaxException;
import org.mixedmodels.engine.joint.Baseline;
import org.mixedmodels.knime.data.ColumnTyping;
import org.mixedmodels.knime.data.ReferenceLevels;

/**
 * The Joint Model Learner's settings: both submodels, the linking columns, the baseline and the horizons; both tables
 * are read as the Learner reads its table ({@link ColumnTyping}).
 */
final class JointModelSettings {
    static final String LONGITUDINAL_FORMULA = "longitudinal_formula";
    static final String TIME_COLUMN = "time_column";
    static final String SURVIVAL_TIME_COLUMN = "survival_time_column";
    static final String EVENT_COLUMN = "event_column";
    static final String SURVIVAL_FORMULA = "survival_formula";
    static final String BASELINE = "baseline";
    static final String REFERENCE_LEVELS = "reference_levels";
    static final String HORIZONS = "horizons";

    String longitudinalFormula = "";
    String timeColumn = "";
    String survivalTimeColumn = "";
    String eventColumn = "";
    String survivalFormula = "~ 1";
    String baseline = "weibull";
    String[] referenceLevels = {};
    double[] horizons = {};
    ColumnTyping typing = ColumnTyping.DEFAULT;

    void saveTo(final NodeSettingsWO s) {
        s.addString(LONGITUDINAL_FORMULA, longitudinalFormula);
        s.addString(TIME_COLUMN, timeColumn);
        s.addString(SURVIVAL_TIME_COLUMN, survivalTimeColumn);
        s.addString(EVENT_COLUMN, eventColumn);
        s.addString(SURVIVAL_FORMULA, survivalFormula);
        s.addString(BASELINE, baseline);
        s.addStringArray(REFERENCE_LEVELS, referenceLevels);
        s.addDoubleArray(HORIZONS, horizons);
        typing.saveTo(s);
    }

    static JointModelSettings loadFrom(final NodeSettingsRO s) throws InvalidSettingsException {
        JointModelSettings r = new JointModelSettings();
        r.longitudinalFormula = s.getString(LONGITUDINAL_FORMULA);
        r.timeColumn = s.getString(TIME_COLUMN);
        r.survivalTimeColumn = s.getString(SURVIVAL_TIME_COLUMN);
        r.eventColumn = s.getString(EVENT_COLUMN);
        r.survivalFormula = s.getString(SURVIVAL_FORMULA);
        r.baseline = s.getString(BASELINE);
        String[] refs = s.getStringArray(REFERENCE_LEVELS);
        r.referenceLevels = refs == null ? new String[0] : refs;
        double[] h = s.getDoubleArray(HORIZONS);
        r.horizons = h == null ? new double[0] : h;
        r.typing = ColumnTyping.loadFrom(s); // absent in workflows saved before it existed: none, NA
        return r;
    }

    void validate() throws InvalidSettingsException {
        if (longitudinalFormula == null || longitudinalFormula.isBlank()) {
            throw new InvalidSettingsException("No longitudinal formula: type one such as "
                + "'CD4 ~ obstime + obstime:drug + (obstime | patient)'.");
        }
        try {
            FormulaParser.parse(longitudinalFormula);
        } catch (FormulaSyntaxException e) {
            throw new InvalidSettingsException("The longitudinal formula '" + longitudinalFormula + "' is not valid: "
                + e.getMessage(), e);
        }
        for (String[] c : new String[][] {{timeColumn, "measurement time"}, {survivalTimeColumn, "event time"},
            {eventColumn, "event indicator"}}) {
            if (c[0] == null || c[0].isBlank()) {
                throw new InvalidSettingsException("Choose the " + c[1] + " column.");
            }
        }
        if (survivalFormula == null || !survivalFormula.trim().startsWith("~")) {
            throw new InvalidSettingsException("The survival formula must be one-sided, e.g. '~ drug' or '~ 1'; it is '"
                + survivalFormula + "'.");
        }
        baseline();
        referenceLevelMap();
        for (double h : horizons) {
            if (!(h > 0) || Double.isInfinite(h)) {
                throw new InvalidSettingsException("Prediction horizons must be positive times; " + h + " is not.");
            }
        }
    }

    Baseline baseline() throws InvalidSettingsException {
        return switch (baseline == null ? "" : baseline) {
            case "weibull" -> Baseline.WEIBULL;
            case "piecewise" -> Baseline.PIECEWISE;
            default -> throw new InvalidSettingsException("Unknown baseline hazard '" + baseline
                + "'; choose weibull or piecewise.");
        };
    }

    Map<String, String> referenceLevelMap() throws InvalidSettingsException {
        return ReferenceLevels.parse(referenceLevels, "drug=ddC");
    }

    List<Double> horizonList() {
        List<Double> list = new ArrayList<>();
        for (double h : horizons) {
            list.add(h);
        }
        return list;
    }
}
