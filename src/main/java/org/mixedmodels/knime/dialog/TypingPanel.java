package org.mixedmodels.knime.dialog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;

import javax.swing.JTextField;

import org.knime.core.data.DataColumnSpec;
import org.knime.core.data.DataTableSpec;
import org.knime.core.node.util.filter.NameFilterConfiguration;
import org.knime.core.node.util.filter.column.DataColumnSpecFilterConfiguration;
import org.knime.core.node.util.filter.column.DataColumnSpecFilterPanel;
import org.mixedmodels.knime.data.ColumnTyping;
import org.mixedmodels.knime.data.TableToDataFrame;

/**
 * The Learner's reading settings for the nodes that read a table themselves (ICC, Design Effect, Joint Model): the
 * numeric columns treated as categorical, in KNIME's include/exclude filter (string columns are hidden, being
 * categorical already), and the missing-value tokens of string cells.
 */
public final class TypingPanel {
    /** Numeric columns read as levels (SAS CLASS, R's factor()). */
    public final DataColumnSpecFilterPanel categorical = new DataColumnSpecFilterPanel();
    /** Texts that mean "missing" in string cells, comma-separated (R's na.strings). */
    public final JTextField missingTokens = new JTextField("NA", 20);
    private DataTableSpec spec = new DataTableSpec();

    public TypingPanel() {
        categorical.setIncludeTitle("Treat as categorical");
        categorical.setExcludeTitle("Available");
        categorical.setToolTipText("Numeric columns whose values are levels (treatment, visit or site codes), as SAS's "
            + "CLASS statement or R's factor()");
        missingTokens.setToolTipText("Texts in string cells that are missing values, comma-separated (e.g. NA, ., "
            + "NULL); empty and KNIME's missing cells are always missing");
    }

    /** Shows the spec's numeric columns, those of {@code typing} included, and its tokens. */
    public void load(final DataTableSpec table, final ColumnTyping typing) {
        spec = table;
        DataColumnSpecFilterConfiguration c = new DataColumnSpecFilterConfiguration("categorical");
        List<String> in = typing.categorical().stream().filter(spec::containsName).toList();
        List<String> ex = Arrays.stream(spec.getColumnNames()).filter(n -> !in.contains(n)).toList();
        c.loadDefaults(in.toArray(String[]::new), ex.toArray(String[]::new),
            NameFilterConfiguration.EnforceOption.EnforceInclusion);
        categorical.loadConfiguration(c, spec);
        categorical.resetHiding();
        categorical.hideNames(StreamSupport.stream(spec.spliterator(), false).filter(s -> !TableToDataFrame.isNumeric(s))
            .toArray(DataColumnSpec[]::new));
        missingTokens.setText(String.join(", ", typing.missingTokens()));
    }

    /** The choice: the included numeric columns, in the table's order, and the tokens. */
    public ColumnTyping typing() {
        List<String> chosen = new ArrayList<>();
        for (String n : categorical.getIncludedNamesAsSet()) {
            if (spec.containsName(n) && TableToDataFrame.isNumeric(spec.getColumnSpec(n))) {
                chosen.add(n);
            }
        }
        return new ColumnTyping(chosen, ColumnTyping.parseTokens(missingTokens.getText()));
    }
}
