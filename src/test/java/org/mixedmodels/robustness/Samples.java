package org.mixedmodels.robustness;

import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

/**
 * Generated test inputs for the property and fuzz tests: a fixed number of argument tuples drawn from a seeded
 * generator, so every build sees the same inputs (a failing case is reported with its index and arguments).
 */
final class Samples {
    private Samples() {
    }

    static Stream<Arguments> of(final int tries, final long seed, final Function<SplittableRandom, Arguments> draw) {
        SplittableRandom random = new SplittableRandom(seed);
        return IntStream.range(0, tries).mapToObj(i -> draw.apply(random));
    }

    /** A string of up to {@code maxLength} characters drawn from {@code chars}. */
    static String string(final SplittableRandom r, final String chars, final int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString();
    }

    /** A string of up to {@code maxLength} arbitrary UTF-16 code units (surrogates and controls included). */
    static String anyString(final SplittableRandom r, final int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            // mostly ASCII and Latin, sometimes any code unit
            b.append((char)(r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(0x250)));
        }
        return b.toString();
    }

    static byte[] bytes(final SplittableRandom r, final int maxLength) {
        byte[] b = new byte[r.nextInt(maxLength + 1)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte)r.nextInt(256);
        }
        return b;
    }

    static SimulatedGroups.Spec spec(final SplittableRandom r) {
        return new SimulatedGroups.Spec(8 + r.nextInt(23), 3 + r.nextInt(8), r.nextBoolean(), r.nextBoolean(),
            r.nextLong());
    }
}
