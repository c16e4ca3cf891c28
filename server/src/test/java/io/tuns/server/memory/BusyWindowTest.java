package io.tuns.server.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BusyWindowTest {

    private static final long KIB = 1024;
    private static final long MIB = 1L << 20;

    /** A budget of 100 MiB; the level in MiB; a channel opened with {@code windowKib}; the window it keeps. */
    @ParameterizedTest(name = "{0} MiB of 100 in use, opened with {1} KiB -> keeps {2} KiB")
    @CsvSource(textBlock = """
            0,     1024, 1024
            59.9,  1024, 1024
            60,    1024, 1024
            75,    1024,  544
            82.5,  1024,  304
            89.9,  1024,   67
            90,    1024,   64
            99.9,  1024,   64
            100,   1024,    0
            150,   1024,    0
            75,      32,   32
            95,      32,   32
            100,     32,    0
            75,      64,   64
            """)
    void theWindowFollowsTheBudgetLevel(double inUseMib, long windowKib, long keptKib) {
        long kept = BusyWindow.target((long) (inUseMib * MIB), 100 * MIB, windowKib * KIB);
        assertThat(kept / KIB).isEqualTo(keptKib);
        assertThat(kept).isBetween(0L, windowKib * KIB);
    }

    @ParameterizedTest(name = "limit {0}")
    @CsvSource({"1", "99", "8388608", "9223372036854775806"})
    void neverOutsideZeroAndTheWindowWhateverTheLimit(long limit) {
        for (long inUse : new long[] {0, limit / 2, limit - 1, limit, Long.MAX_VALUE}) {
            assertThat(BusyWindow.target(inUse, limit, 1 << 20)).isBetween(0L, 1L << 20);
        }
    }

    @org.junit.jupiter.api.Test
    void anOffBudgetKeepsTheWholeWindow() {
        MemoryBudget off = MemoryBudget.off();
        off.reserve(MemoryBudget.Kind.QUEUED_WRITES, 1L << 40);
        assertThat(off.busyWindow(MIB)).isEqualTo(MIB);
        assertThat(off.full()).isFalse();
    }
}
