package org.mixedmodels.engine.inference;

import static org.mixedmodels.engine.testing.Tolerance.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Upper tail of the studentized range against R 4.2.2's {@code ptukey(q, nmeans, df, lower.tail = FALSE)}.
 * 1e-7 relative: R's own algorithm (Copenhaver and Holland 1988) is accurate to about 1e-8.
 */
class StudentizedRangeTest {

    @ParameterizedTest(name = "ptukey({0}, {1}, {2})")
    @CsvSource({
        "3.5, 3, 12, 0.0699954852754487",
        "2.0, 2, 5, 0.216437229269771",
        "4.2, 5, 40, 0.0380461802773783",
        "3.0, 4, Infinity, 0.146271481047657",
        "6, 3, 2, 0.0920938042467953",
        "1.2, 10, 100, 0.9975433571178",
        "8, 3, 30, 1.06873140189867e-05"})
    void matchesR(double q, int k, double df, double expected) {
        assertClose(expected, StudentizedRange.upperTail(q, k, df), 1e-7, "ptukey upper tail");
    }
}
