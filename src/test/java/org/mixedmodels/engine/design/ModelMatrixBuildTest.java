package org.mixedmodels.engine.design;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.data.CsvReader;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.formula.Term;

/**
 * {@link ModelMatrix#build} (indicators from the codes, the first variable's columns without the product with the
 * ones) gives the names, columns (bit for bit, zeros' signs included) and assignment of the plain construction:
 * every variable's columns formed, then multiplied into the earlier variables' ones.
 */
class ModelMatrixBuildTest {
    /** The plain construction. */
    private static ModelMatrix plain(ModelFrame frame, boolean intercept, List<Term> terms) {
        int n = frame.size();
        List<String> names = new ArrayList<>();
        List<double[]> columns = new ArrayList<>();
        List<Integer> assign = new ArrayList<>();
        Set<Set<String>> present = new HashSet<>();
        if (intercept) {
            present.add(Set.of());
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1.0);
            names.add(ModelMatrix.INTERCEPT);
            columns.add(ones);
            assign.add(0);
        }
        terms.forEach(t -> present.add(Set.copyOf(t.variables())));
        for (int t = 0; t < terms.size(); t++) {
            Term term = terms.get(t);
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1.0);
            List<String> partNames = List.of("");
            List<double[]> partColumns = List.of(ones);
            for (String v : term.variables()) {
                List<String> vNames = new ArrayList<>();
                List<double[]> vColumns = new ArrayList<>();
                if (frame.isCategorical(v)) {
                    Set<String> rest = new HashSet<>(term.variables());
                    rest.remove(v);
                    Factor f = frame.factor(v);
                    for (int level = present.contains(rest) ? 1 : 0; level < f.levelCount(); level++) {
                        double[] ind = new double[n];
                        for (int i = 0; i < n; i++) {
                            ind[i] = f.code(i) == level ? 1.0 : 0.0;
                        }
                        vNames.add(v + f.levels().get(level));
                        vColumns.add(ind);
                    }
                } else {
                    vNames.add(v);
                    vColumns.add(frame.numeric(v));
                }
                List<String> nextNames = new ArrayList<>();
                List<double[]> nextColumns = new ArrayList<>();
                for (int b = 0; b < vNames.size(); b++) {
                    for (int a = 0; a < partNames.size(); a++) {
                        nextNames.add(partNames.get(a).isEmpty() ? vNames.get(b) : partNames.get(a) + ":" + vNames.get(b));
                        double[] prod = new double[n];
                        for (int i = 0; i < n; i++) {
                            prod[i] = partColumns.get(a)[i] * vColumns.get(b)[i];
                        }
                        nextColumns.add(prod);
                    }
                }
                partNames = nextNames;
                partColumns = nextColumns;
            }
            for (int c = 0; c < partNames.size(); c++) {
                names.add(partNames.get(c));
                columns.add(partColumns.get(c));
                assign.add(t + 1);
            }
        }
        return new ModelMatrix(names, columns.toArray(new double[0][]),
                assign.stream().mapToInt(Integer::intValue).toArray(), terms);
    }

    @Test
    void sameAsThePlainConstruction() throws Exception {
        SplittableRandom random = new SplittableRandom(3L);
        StringBuilder csv = new StringBuilder("y,a,b,c,x,z\n");
        for (int i = 0; i < 200; i++) {
            csv.append(random.nextGaussian()).append(',').append("a").append(random.nextInt(3)).append(',')
                    .append("b").append(random.nextInt(2)).append(',').append(random.nextInt(4)).append(',')
                    .append(random.nextInt(5) == 0 ? "0" : random.nextInt(5) == 0 ? "-0.0" : Double.toString(
                            random.nextGaussian() * 10)).append(',').append(random.nextInt(-3, 4)).append('\n');
        }
        DataFrame data = CsvReader.read(new StringReader(csv.toString()), "m.csv").withCategorical(List.of("c"));
        int checked = 0;
        for (String f : new String[] {"y ~ a * b * x", "y ~ x:a + b", "y ~ 0 + a:b + x * z", "y ~ x * z * a",
            "y ~ c + x:c:b", "y ~ 0 + x", "y ~ a + b + c", "y ~ z:x + a:z + b:c:a"}) {
            Formula formula = FormulaParser.parse(f + " + (1 | a)");
            ModelFrame frame = ModelFrame.of(formula, data, Map.of());
            for (boolean intercept : new boolean[] {formula.intercept(), !formula.intercept()}) {
                ModelMatrix expected = plain(frame, intercept, formula.fixedTerms());
                ModelMatrix built = ModelMatrix.build(frame, intercept, formula.fixedTerms());
                assertEquals(expected.names(), built.names(), f);
                assertArrayEquals(expected.assign(), built.assign(), f);
                for (int j = 0; j < expected.columnCount(); j++) {
                    for (int i = 0; i < frame.size(); i++) {
                        assertEquals(Double.doubleToRawLongBits(expected.columns()[j][i]),
                                Double.doubleToRawLongBits(built.columns()[j][i]), f + " column " + j + " row " + i);
                        checked++;
                    }
                }
            }
        }
        assertEquals(true, checked > 10_000);
    }
}
