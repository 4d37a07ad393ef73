package org.mixedmodels.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tables of a SAS PROC MIXED listing (the files in {@code reference/sas-fev}): fit statistics,
 * covariance parameter estimates, fixed-effect solutions, Type 3 tests and LS means. SAS prints
 * fixed-width columns, page headers in the middle of tables and a row of zeros with missing SE for each
 * reference level; rows are split into words, the numbers taken from the right.
 */
public final class SasListing {
    private static final List<String> HEADINGS = List.of("Model Information", "Class Level Information", "Dimensions",
            "Number of Observations", "Iteration History", "Convergence criteria", "Covariance Parameter Estimates",
            "Fit Statistics", "Null Model Likelihood Ratio Test", "Solution for Fixed Effects",
            "Type 3 Tests of Fixed Effects", "Least Squares Means", "Differences of Least Squares Means",
            "Tests of Effect Slices");

    /** One table row: the leading words (effect and levels) and the numbers after them. */
    public record Row(String effect, List<String> levels, double[] numbers) {
        /** The level words, e.g. {@code [VIS2, TRT]} or {@code [Black, or, African, American]}. */
        public List<String> levelWords() {
            return levels;
        }
    }

    private final List<String> lines;

    private SasListing(List<String> lines) {
        this.lines = lines;
    }

    public static SasListing load(String file) {
        try {
            return new SasListing(Files.readAllLines(ReferenceCase.root().resolve("sas-fev").resolve(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** -2 (restricted) log-likelihood. */
    public double minus2LogLik() {
        for (String l : lines) {
            String t = l.strip();
            if (t.startsWith("-2 Res Log Likelihood") || t.startsWith("-2 Log Likelihood")) {
                String[] w = t.split("\\s+");
                return Double.parseDouble(w[w.length - 1]);
            }
        }
        throw new IllegalStateException("no -2 log-likelihood in the listing");
    }

    /** The levels of a class variable in SAS's order (single-word levels), from the Class Level Information. */
    public List<String> classLevels(String variable) {
        for (String[] w : section("Class Level Information")) {
            if (w[0].equals(variable)) {
                return List.of(Arrays.copyOfRange(w, 2, w.length));
            }
        }
        throw new IllegalStateException("no class variable " + variable + " in the listing");
    }

    /** Cov Parm name to estimate, e.g. {@code UN(2,1)}, {@code AR(1)}, {@code Residual}. */
    public Map<String, Double> covarianceParameters() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String[] w : section("Covariance Parameter Estimates")) {
            if (w.length >= 5 && isNumber(w[w.length - 1]) && isNumber(w[w.length - 4])) {
                out.put(w[0], Double.parseDouble(w[w.length - 4]));
            }
        }
        return out;
    }

    /**
     * The rows of a table whose last {@code numbers} words are numbers (SAS's "<.0001" read as 1e-4),
     * skipping reference-level rows (missing SE).
     */
    public List<Row> table(String heading, int numbers) {
        List<Row> rows = new ArrayList<>();
        for (String[] w : section(heading)) {
            if (w.length <= numbers || w[w.length - 1].equals(".")) {
                continue;
            }
            double[] values = new double[numbers];
            boolean numeric = true;
            for (int i = 0; i < numbers; i++) {
                String s = w[w.length - numbers + i];
                numeric &= isNumber(s) || s.equals("<.0001");
                values[i] = s.equals("<.0001") ? 1e-4 : numeric ? Double.parseDouble(s) : Double.NaN;
            }
            if (numeric) {
                rows.add(new Row(w[0], List.of(Arrays.copyOfRange(w, 1, w.length - numbers)), values));
            }
        }
        return rows;
    }

    /** The word-split lines of a section, page headers left out. */
    private List<String[]> section(String heading) {
        List<String[]> out = new ArrayList<>();
        boolean inside = false;
        for (String l : lines) {
            String t = l.strip();
            if (HEADINGS.contains(t) || t.startsWith("Estimated R") || t.startsWith("Convergence criteria")) {
                inside = t.equals(heading);
                continue;
            }
            if (inside && !t.isEmpty() && !t.startsWith("The SAS System") && !t.equals("The Mixed Procedure")) {
                out.add(t.split("\\s+"));
            }
        }
        return out;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
