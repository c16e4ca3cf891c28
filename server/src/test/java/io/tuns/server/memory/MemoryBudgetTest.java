package io.tuns.server.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.memory.MemoryBudget.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryBudgetTest {

    private static final long MIB = 1L << 20;

    /** A budget of 100 MiB with {@code heldMib} queued, then one reservation of {@code askMib} for a kind. */
    @ParameterizedTest(name = "{0} MiB held, {1} asks {2} MiB -> {3}")
    @CsvSource(textBlock = """
            0,  CAPTURE,        50, true
            0,  CAPTURE,        51, false
            40, CAPTURE,        10, true
            45, CAPTURE,        10, false
            60, CONSOLE_RENDER, 10, true
            65, CONSOLE_RENDER, 10, false
            85, SSH_WINDOW,      5, true
            86, SSH_WINDOW,      5, false
            95, QUEUED_WRITES,   5, true
            96, QUEUED_WRITES,   5, false
            """)
    void eachKindGivesWayAtItsCeilingCaptureFirst(long heldMib, Kind kind, long askMib, boolean granted) {
        MemoryBudget b = MemoryBudget.of(100 * MIB);
        b.reserve(Kind.QUEUED_WRITES, heldMib * MIB);
        assertThat(b.tryReserve(kind, askMib * MIB)).isEqualTo(granted);
        assertThat(b.inUse()).isEqualTo((heldMib + (granted ? askMib : 0)) * MIB);
        assertThat(b.refusals(kind)).isEqualTo(granted ? 0 : 1);
    }

    @ParameterizedTest(name = "{0} MiB held -> pressure {1}, window {2} KiB")
    @CsvSource(textBlock = """
            0,   false, 1024
            59,  false, 1024
            60,  true,  1024
            82,  true,  1024
            86,  true,  512
            89,  true,  128
            90,  true,  64
            120, true,  64
            """)
    void newChannelsGetSmallerWindowsUnderPressure(double heldMib, boolean pressure, long windowKib) {
        MemoryBudget b = MemoryBudget.of(100 * MIB);
        b.reserve(Kind.SSH_WINDOW, (long) (heldMib * MIB));
        assertThat(b.underPressure()).isEqualTo(pressure);
        assertThat(b.windowFor(1024 * 1024)).isEqualTo(windowKib * 1024);
    }

    @Test
    void aWindowLargerThanTheRoomLeftIsCutToTheRoom() {
        MemoryBudget b = MemoryBudget.of(10 * MIB);
        b.reserve(Kind.SSH_WINDOW, 5 * MIB);
        assertThat(b.underPressure()).isFalse();
        assertThat(b.windowFor(8 * MIB)).as("90 % of 10 MiB less 5 MiB").isEqualTo(4 * MIB);
        assertThat(b.tryReserve(Kind.SSH_WINDOW, b.windowFor(8 * MIB))).isTrue();
    }

    @Test
    void offCountsButNeverRefusesNorPressures() {
        MemoryBudget b = MemoryBudget.off();
        assertThat(b.tryReserve(Kind.CAPTURE, Long.MAX_VALUE / 4)).isTrue();
        assertThat(b.tryReserve(Kind.SSH_WINDOW, Long.MAX_VALUE / 4)).isTrue();
        assertThat(b.underPressure()).isFalse();
        assertThat(b.windowFor(1 << 20)).isEqualTo(1 << 20);
        assertThat(b.inUse(Kind.CAPTURE)).isEqualTo(Long.MAX_VALUE / 4);
        b.release(Kind.CAPTURE, Long.MAX_VALUE / 4);
        b.release(Kind.SSH_WINDOW, Long.MAX_VALUE / 4);
        assertThat(b.inUse()).isZero();
        assertThat(b.refusals()).isZero();
    }

    @Test
    void releasingMoreThanHeldNeverGrowsTheBudgetAndIsCounted() {
        MemoryBudget b = MemoryBudget.of(10 * MIB);
        b.reserve(Kind.QUEUED_WRITES, 100);
        b.reserve(Kind.CAPTURE, 50);
        b.release(Kind.QUEUED_WRITES, 150);
        assertThat(b.inUse(Kind.QUEUED_WRITES)).isZero();
        assertThat(b.inUse()).isEqualTo(50);
        assertThat(b.accountingErrors()).isEqualTo(1);
    }

    @Test
    void observedKindIsReplacedNotAdded() {
        MemoryBudget b = MemoryBudget.of(10 * MIB);
        b.observe(Kind.NETTY_BUFFERS, 1000);
        b.observe(Kind.NETTY_BUFFERS, 300);
        b.reserve(Kind.CAPTURE, 7);
        assertThat(b.inUse()).isEqualTo(307);
        assertThat(b.snapshot()).containsEntry(Kind.NETTY_BUFFERS, 300L).containsEntry(Kind.CAPTURE, 7L);
    }

    @Test
    void negativeSizesAreABug() {
        MemoryBudget b = MemoryBudget.of(MIB);
        assertThatThrownBy(() -> b.tryReserve(Kind.CAPTURE, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryBudget.of(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRefusalNamesTheFlagAndTheFigures() {
        MemoryBudget b = MemoryBudget.of(64 * MIB);
        b.reserve(Kind.SSH_WINDOW, 60 * MIB);
        assertThat(b.refusal()).isEqualTo("the server is short of memory (60.0 MiB of its 64.0 MiB budget in use,"
                + " --memory-budget); try again shortly");
    }

    /** Many threads racing for the last bytes under a ceiling: never more granted than fits, all back at the end. */
    @Test
    void concurrentReservationsNeverOvershootAndAllComeBack() throws Exception {
        MemoryBudget b = MemoryBudget.of(100 * 1000);
        int threads = 8;
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        List<Long> peaks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long peak = 0;
                for (int i = 0; i < 20_000; i++) {
                    if (b.tryReserve(Kind.SSH_WINDOW, 1000)) {
                        granted.incrementAndGet();
                        peak = Math.max(peak, b.inUse());
                        b.release(Kind.SSH_WINDOW, 1000);
                    }
                }
                synchronized (peaks) {
                    peaks.add(peak);
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertThat(granted.get()).isPositive();
        assertThat(peaks).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(90 * 1000));
        assertThat(b.inUse()).isZero();
        assertThat(b.inUse(Kind.SSH_WINDOW)).isZero();
        assertThat(b.accountingErrors()).isZero();
    }
}
