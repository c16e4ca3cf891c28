package io.tuns.server.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a new forwarded channel is refused: too many sharing the budget, or a paused channel waiting too long. */
class ChannelAdmissionTest {

    private static final long MIB = 1L << 20;
    private static final long KIB = 1024;

    @ParameterizedTest(name = "{0} MiB budget, {1} open, {2} KiB each, first waited {3} ms -> {4}")
    @CsvSource(textBlock = """
            # budget MiB, open, per channel KiB, oldest wait ms, verdict
            46,    0,    320,    0, ADMIT
            46,  146,    320,    0, ADMIT
            46,  147,    320,    0, SHARE
            46, 4000,    320,    0, SHARE
            46,   10,    320,  999, ADMIT
            46,   10,    320, 1000, LINE
            46,  200,    320, 5000, SHARE
            479, 1531,   320,    0, ADMIT
            479, 1532,   320,    0, SHARE
            1,     0,   2048,    0, SHARE
            1,     0,      0,    0, ADMIT
            """)
    void decides(long budgetMib, long open, long perChannelKib, long oldestWaitMillis,
                 ChannelAdmission.Verdict expected) {
        assertThat(ChannelAdmission.decide(budgetMib * MIB, open, perChannelKib * KIB, oldestWaitMillis))
                .isEqualTo(expected);
    }

    @Test
    void aChannelNeedsItsSmallestWindowAndItsQueuedWrites() {
        assertThat(ChannelAdmission.perChannel(256 * KIB)).isEqualTo(320 * KIB);
        assertThat(ChannelAdmission.perChannel(0)).isEqualTo(MemoryBudget.MIN_WINDOW_BYTES);
    }
}
