package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void numbersAndNestingAsWritten() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", 1.0);
        m.put("b", List.of(0.1, Double.NaN, "x\"y"));
        m.put("c", new double[] {2.5, -0.0, 1e300});
        m.put("d", Map.of());
        assertEquals("{\n  \"a\": 1,\n  \"b\": [\n    0.1,\n    null,\n    \"x\\\"y\"\n  ],\n  \"c\": [2.5, 0, 1.0E300],\n"
            + "  \"d\": {}\n}\n", Json.write(m));
    }

    /** The chunked output (a fit's BLUPs run to 100 MB) is the same text, repeated values (cached) included. */
    @Test
    void chunkedOutputIsTheSameText() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("level", "g" + i);
            row.put("value", random.nextGaussian());
            row.put("condsd", i % 3 == 0 ? 0.507769265733187 : random.nextDouble());
            row.put("nested", List.of(List.of(random.nextGaussian())));
            rows.add(row);
        }
        StringBuilder chunked = new StringBuilder();
        Json.write(Map.of("ranef", rows), chunked);
        String whole = Json.write(Map.of("ranef", rows));
        assertEquals(whole, chunked.toString());
        assertEquals(true, whole.length() > 1 << 20);
        StringBuilder plain = new StringBuilder();
        for (Object r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> row = (Map<String, Object>) r;
            plain.append(Json.shortest((Double) row.get("value"))).append(Json.shortest((Double) row.get("condsd")));
        }
        StringBuilder fromJson = new StringBuilder();
        for (String line : whole.split("\n")) {
            if (line.contains("\"value\"") || line.contains("\"condsd\"")) {
                fromJson.append(line.substring(line.indexOf(": ") + 2).replace(",", ""));
            }
        }
        assertEquals(plain.toString(), fromJson.toString());
    }

    /**
     * A long array (fitted values) written in blocks formatted on two threads is the same text as one pass,
     * at every length around the block size, with whole numbers, -0, non-finite values and large and tiny ones.
     */
    @Test
    void arraysFormattedInBlocksAreTheSameText() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        for (int length : new int[] {2 * Json.BLOCK - 1, 2 * Json.BLOCK, 3 * Json.BLOCK + 1, 5 * Json.BLOCK, 123_457}) {
            double[] a = new double[length];
            for (int i = 0; i < length; i++) {
                switch (random.nextInt(8)) {
                    case 0 -> a[i] = random.nextInt(-1000, 1000);
                    case 1 -> a[i] = new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.0, 1e15, 1e-320}[random.nextInt(5)];
                    case 2 -> a[i] = random.nextGaussian() * Math.pow(10, random.nextInt(-30, 30));
                    default -> a[i] = random.nextGaussian();
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fitted", a);
            m.put("after", List.of(1.5));
            StringBuilder blocks = new StringBuilder();
            Json.write(m, blocks);
            StringBuilder onePass = new StringBuilder("{\n  \"fitted\": [");
            for (int i = 0; i < length; i++) {
                double d = a[i];
                onePass.append(i == 0 ? "" : ", ").append(!Double.isFinite(d) ? "null"
                    : d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Json.shortest(d));
            }
            onePass.append("],\n  \"after\": [\n    1.5\n  ]\n}\n");
            assertEquals(onePass.toString(), blocks.toString());
            assertEquals(Json.write(m), blocks.toString());
        }
    }

    /**
     * A number's text reads back as the same double (bit for bit), in Double.toString's layout, and is never
     * longer than Java 17's Double.toString, which sometimes writes a digit more than needed (and, among last digits
     * that both read back, does not always take the closest).
     */
    @Test
    void numbersAreTheShortestTextThatReadsBack() {
        assertEquals("-1.162962472926874E18", Json.shortest(-1.16296247292687411E18));
        assertEquals("1.0E-5", Json.shortest(1e-5));
        assertEquals("0.001", Json.shortest(0.001));
        assertEquals("1234567.0", Json.shortest(1234567.0));
        assertEquals("1.0E7", Json.shortest(1e7));
        assertEquals("4.9E-324", Json.shortest(Double.MIN_VALUE));
        assertEquals("1.7976931348623157E308", Json.shortest(Double.MAX_VALUE));
        assertEquals("-0.0", Json.shortest(-0.0));
        SplittableRandom random = new SplittableRandom(13);
        int shorter = 0;
        for (int i = 0; i < 200_000; i++) {
            double d = switch (i % 3) {
                case 0 -> random.nextGaussian();
                case 1 -> random.nextGaussian() * Math.pow(10, random.nextInt(-40, 40));
                default -> Double.longBitsToDouble(random.nextLong());
            };
            if (!Double.isFinite(d)) {
                continue;
            }
            String text = Json.shortest(d);
            String java17 = Double.toString(d);
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(Double.parseDouble(text)), text);
            assertEquals(java17.contains("E"), text.contains("E"), "layout of " + java17 + " / " + text);
            if (text.length() < java17.length()) {
                shorter++;
            } else {
                // as long: the same digits but, rarely, the last one (the closest of two that both read back)
                assertEquals(java17.length(), text.length(), java17 + " / " + text);
            }
        }
        assertEquals(true, shorter > 0, "some of Java 17's texts have a digit too many");
    }
}
