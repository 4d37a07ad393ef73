package org.mixedmodels.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.formula.FormulaParser;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The contrasts themselves, where they can be written down by hand. */
class TypeIIIContrastsTest {

    @Test
    void covariateByFactorAveragesTheSlopeOverTheFactor() {
        Design d = Design.build(FormulaParser.parse("distance ~ age * Sex + (age | Subject)"),
                ReferenceCase.data("data/orthodont.csv"), Map.of());
        Map<String, double[][]> l = TypeIIIContrasts.of(d);
        assertEquals(java.util.List.of("age", "Sex", "age:Sex"), java.util.List.copyOf(l.keySet()));
        // coefficients: (Intercept), age, SexMale, age:SexMale
        assertArrayEquals(new double[] {0, 1, 0, 0.5}, l.get("age")[0], 1e-12, "average slope over Female and Male");
        assertArrayEquals(new double[] {0, 0, 1, 0}, l.get("Sex")[0], 1e-12, "Sex difference at age 0");
        assertArrayEquals(new double[] {0, 0, 0, 1}, l.get("age:Sex")[0], 1e-12);
    }

    /**
     * The same contrasts in any units of age: the factorization's guard and zapsmall see unit-free numbers (age x 1e-9
     * used to fail the Cholesky's absolute positivity threshold; x 1e9 left rounding in other units' entries).
     */
    @Test
    void contrastsDoNotDependOnTheUnitsOfTheCovariate() {
        for (double factor : new double[] {1e-9, 1e-5, 1440, 1e9}) {
            Design d = Design.build(FormulaParser.parse("distance ~ age * Sex + (age | Subject)"),
                    UnitsInvariancePropertyTest.rescaled(ReferenceCase.data("data/orthodont.csv"), "age", factor), Map.of());
            Map<String, double[][]> l = TypeIIIContrasts.of(d);
            assertArrayEquals(new double[] {0, 1, 0, 0.5}, l.get("age")[0], 1e-12, "age x " + factor);
            assertArrayEquals(new double[] {0, 0, 1, 0}, l.get("Sex")[0], 1e-12, "Sex, age x " + factor);
            assertArrayEquals(new double[] {0, 0, 0, 1}, l.get("age:Sex")[0], 1e-12, "age:Sex, age x " + factor);
        }
    }

    @Test
    void mainEffectsModelTestsEachTermsCoefficients() {
        Design d = Design.build(FormulaParser.parse("log_volume ~ age + subtype + (1 | patient)"),
                ReferenceCase.data("data/nf1_lesions.csv"), Map.of());
        Map<String, double[][]> l = TypeIIIContrasts.of(d);
        assertEquals(2, l.get("subtype").length);
        assertArrayEquals(new double[] {0, 0, 1, 0}, l.get("subtype")[0], 1e-12);
        assertArrayEquals(new double[] {0, 0, 0, 1}, l.get("subtype")[1], 1e-12);
    }

    @Test
    void zapsmallRoundsToSevenSignificantDigitsOfTheLargest() {
        double[][] z = TypeIIIContrasts.zapsmall(new double[][] {{1.0, 1e-9, 0.333333333333}});
        assertArrayEquals(new double[] {1.0, 0.0, 0.3333333}, z[0], 0.0);
    }

    /** The products over the sparser column's non-zero rows are the full sums, bit for bit (zeros of either sign). */
    @Test
    void sparseProductsAreTheFullSums() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11L);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = 1 + random.nextInt(200);
            double[][] columns = new double[2][n];
            for (double[] c : columns) {
                double density = random.nextDouble();
                for (int i = 0; i < n; i++) {
                    double u = random.nextDouble();
                    c[i] = u < density ? (random.nextBoolean() ? 1 : random.nextGaussian() * Math.pow(10, random.nextInt(-5, 6)))
                            : random.nextBoolean() ? 0.0 : -0.0;
                }
            }
            int[][] rows = org.mixedmodels.engine.design.ModelMatrix.nonZeroRows(columns);
            double full = TypeIIIContrasts.dot(columns[0], columns[1]);
            double sparse = TypeIIIContrasts.dot(columns[0], rows[0], columns[1], rows[1]);
            assertEquals(Double.doubleToRawLongBits(full), Double.doubleToRawLongBits(sparse), "trial " + trial);
        }
        assertEquals(null, org.mixedmodels.engine.design.ModelMatrix.nonZeroRows(new double[][] {{0, 1}, {Double.NaN, 0}}),
                "a non-finite entry: summed over all rows");
    }
}
