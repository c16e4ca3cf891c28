package io.tuns.server.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.MemoryBudgetSetting;
import io.tuns.server.memory.MemoryPlan.Bounds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryPlanTest {

    private static final long MIB = 1L << 20;
    /** The defaults: 4096 channels × (1 MiB + 256 KiB) + 64 MiB capture + 1 MiB render. */
    private static final Bounds DEFAULTS = new Bounds(4096, MIB, 256 << 10, 64 * MIB, MIB);
    private static final Bounds SMALL = new Bounds(16, MIB, 256 << 10, 4 * MIB, MIB);

    @ParameterizedTest(name = "{0}, -Xmx{1}m, {2} MiB used at start -> budget {3} MiB")
    @CsvSource(textBlock = """
            auto,   128,  20, 48
            auto,   128,  60, 34
            auto,   256,  20, 112
            auto,   1024, 20, 496
            auto,   40,   20, 8
            64MiB,  256,  20, 64
            """)
    void budgetIsHalfOfWhatTheHeapLeavesAboveTheBaselineUnlessSet(String flag, long heapMib, long usedMib,
                                                                   long budgetMib) {
        MemoryPlan p = MemoryPlan.of(MemoryBudgetSetting.parse(flag), heapMib * MIB, usedMib * MIB, SMALL);
        assertThat(p.enforced()).isTrue();
        assertThat(p.budget()).isEqualTo(budgetMib * MIB);
        assertThat(p.newBudget().limit()).isEqualTo(budgetMib * MIB);
    }

    @Test
    void defaultsExceedASmallHeapAndTheWarningNamesTheFlagsLargestFirst() {
        MemoryPlan p = MemoryPlan.of(MemoryBudgetSetting.parse("auto"), 256 * MIB, 20 * MIB, DEFAULTS);
        assertThat(p.worstCase()).isEqualTo(4096 * (MIB + (256 << 10)) + 65 * MIB);
        assertThat(p.warning()).isEqualTo("the configured bounds allow 5.1 GiB, more than the 112.0 MiB memory"
                + " budget: under load windows will shrink and new connections get 503. To stay clear of it, lower"
                + " --max-forwarded-channels or --ssh-window-size (4.0 GiB), --ssh-write-high-water (1.0 GiB),"
                + " --inspect-max-total-bytes (64.0 MiB).");
        assertThat(p.describe()).isEqualTo("heap=\"256.0 MiB\" baseline=\"32.0 MiB\" budget=\"112.0 MiB\""
                + " worst_case=\"5.1 GiB\"");
    }

    @Test
    void boundsThatFitTheBudgetNeedNoWarning() {
        MemoryPlan p = MemoryPlan.of(MemoryBudgetSetting.parse("auto"), 1024 * MIB, 20 * MIB, SMALL);
        assertThat(p.worstCase()).isEqualTo(16 * (MIB + (256 << 10)) + 5 * MIB);
        assertThat(p.warning()).isNull();
    }

    @Test
    void offWarnsWhenTheBoundsExceedTheHeap() {
        MemoryPlan off = MemoryPlan.of(MemoryBudgetSetting.parse("off"), 256 * MIB, 20 * MIB, DEFAULTS);
        assertThat(off.enforced()).isFalse();
        assertThat(off.newBudget().enforced()).isFalse();
        assertThat(off.warning()).startsWith("--memory-budget=off and the configured bounds allow 5.1 GiB, more than"
                + " the 256.0 MiB heap: a busy server can run out of memory. Remove --memory-budget=off or lower"
                + " --max-forwarded-channels");
        assertThat(MemoryPlan.of(MemoryBudgetSetting.parse("off"), 1024 * MIB, 20 * MIB, SMALL).warning()).isNull();
    }

    @Test
    void aFixedBudgetAboveTheHeapIsCalledOut() {
        MemoryPlan p = MemoryPlan.of(MemoryBudgetSetting.parse("1GiB"), 256 * MIB, 20 * MIB, SMALL);
        assertThat(p.budget()).isEqualTo(1024 * MIB);
        assertThat(p.warning()).isEqualTo("--memory-budget 1.0 GiB is more than the 256.0 MiB heap leaves above its"
                + " 32.0 MiB baseline: the governor cannot prevent an OutOfMemoryError. Lower --memory-budget or"
                + " raise -Xmx.");
    }
}
