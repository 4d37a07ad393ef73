package org.mixedmodels.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The reader's fast paths give what the slow ones give: {@link CsvReader#shortDecimal} the same bits as
 * Double.parseDouble, and {@link CsvReader#writtenAsFormatted} the same answer as comparing with
 * {@link NumericColumn#format} (BigDecimal), on numbers written the ways files write them.
 */
class NumberTextFastPathTest {
    private static String[] writings(double v, SplittableRandom random) {
        int digits = 1 + random.nextInt(19);
        return new String[] {Double.toString(v), String.format(Locale.ROOT, "%." + digits + "g", v),
            String.format(Locale.ROOT, "%." + random.nextInt(20) + "f", v), NumericColumn.format(v),
            new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).toPlainString(),
            new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).toPlainString() + "0"};
    }

    private static double randomValue(SplittableRandom random) {
        switch (random.nextInt(5)) {
            case 0:
                return random.nextGaussian();
            case 1:
                return (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-25, 25));
            case 2:
                return random.nextInt(-100_000, 100_000) / Math.pow(10, random.nextInt(8));
            case 3:
                return Math.round(random.nextGaussian() * 1e15) / 1e15;
            default:
                return random.nextLong() / Math.pow(10, random.nextInt(30));
        }
    }

    @Test
    void shortDecimalsAreParsedToTheSameBits() {
        SplittableRandom random = new SplittableRandom(20261202L);
        int fast = 0;
        for (int k = 0; k < 4_000; k++) {
            for (String s : writings(randomValue(random), random)) {
                for (String t : new String[] {s, s.startsWith("-") ? s.substring(1) : "-" + s, "00" + s, s + "."}) {
                    double v = CsvReader.shortDecimal(t);
                    if (v == v) {
                        fast++;
                        double slow = Double.parseDouble(t);
                        assertEquals(Double.doubleToRawLongBits(slow), Double.doubleToRawLongBits(v), t);
                    }
                }
            }
        }
        assertEquals(true, fast > 12_000, "the fast path was taken " + fast + " times");
        for (String t : new String[] {"-0", "-0.0", "0", ".5", "5.", "999999999999999", "0.000000000000000000001",
            "123456789012345e0", "1e5", "+1", "-", ".", "1.2.3", "1234567890123456"}) {
            double v = CsvReader.shortDecimal(t);
            if (v == v) {
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(t)), Double.doubleToRawLongBits(v), t);
            }
        }
    }

    @Test
    void writtenAsFormattedAgreesWithFormat() {
        SplittableRandom random = new SplittableRandom(20261203L);
        for (int k = 0; k < 4_000; k++) {
            for (String s : writings(randomValue(random), random)) {
                double d = Double.parseDouble(s);
                assertEquals(s.equals(NumericColumn.format(d)), CsvReader.writtenAsFormatted(s, d), s);
            }
        }
        for (String s : new String[] {"-0", "0.5", "00.5", ".5", "-.5", "1.50", "1.", "1e3", "4.9e-324", "1e-310",
            "0.0000000000000000000000000001", "123456789012345.6", "12345678901234.5", "-0.719673340968262",
            "1.36201245890399", "0.12931101773515", "9.99999999999999"}) {
            double d = Double.parseDouble(s);
            assertEquals(s.equals(NumericColumn.format(d)), CsvReader.writtenAsFormatted(s, d), s);
        }
    }
}
