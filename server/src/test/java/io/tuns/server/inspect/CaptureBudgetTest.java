package io.tuns.server.inspect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureBudgetTest {

    @Test
    void neverExceedsItsLimitUnderConcurrentAcquire() throws Exception {
        long limitBytes = 1_000_000;
        CaptureBudget budget = new CaptureBudget(limitBytes);
        AtomicLong maxSeen = new AtomicLong();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                java.util.Random random = new java.util.Random(seed);
                List<Integer> held = new ArrayList<>();
                for (int i = 0; i < 200_000; i++) {
                    if (held.isEmpty() || random.nextBoolean()) {
                        int n = 1 + random.nextInt(20_000);
                        if (budget.tryCharge(n)) {
                            held.add(n);
                        }
                    } else {
                        budget.release(held.remove(held.size() - 1));
                    }
                    maxSeen.accumulateAndGet(budget.inUseBytes(), Math::max);
                }
                held.forEach(budget::release);
            });
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(maxSeen.get()).isLessThanOrEqualTo(limitBytes).isGreaterThan(limitBytes / 2);
        assertThat(budget.inUseBytes()).isZero();
    }

    @Test
    void refusesWhatDoesNotFitWithoutChargingIt() {
        CaptureBudget budget = new CaptureBudget(100);
        assertThat(budget.tryCharge(60)).isTrue();
        assertThat(budget.tryCharge(41)).isFalse();
        assertThat(budget.inUseBytes()).isEqualTo(60);
        assertThat(budget.tryCharge(40)).isTrue();
        assertThat(budget.availableBytes()).isZero();
    }

    @Test
    void aDoubleReleaseIsCaught() {
        CaptureBudget budget = new CaptureBudget(100);
        budget.tryCharge(10);
        budget.release(10);
        assertThatThrownBy(() -> budget.release(10)).isInstanceOf(IllegalStateException.class);
        assertThat(budget.inUseBytes()).isZero();
    }

    /** The server's memory budget refuses capture first (above half of it): the charge fails and nothing is held. */
    @Test
    void captureGivesWayWhenTheServerIsShortOfMemory() {
        io.tuns.server.memory.MemoryBudget memory = io.tuns.server.memory.MemoryBudget.of(1000);
        CaptureBudget budget = new CaptureBudget(10_000, memory);
        assertThat(budget.tryCharge(399)).isTrue();
        memory.reserve(io.tuns.server.memory.MemoryBudget.Kind.SSH_WINDOW, 100);
        assertThat(budget.tryCharge(1)).as("500 of 1000 held: capture's ceiling").isTrue();
        assertThat(budget.tryCharge(1)).isFalse();
        assertThat(budget.inUseBytes()).isEqualTo(400);
        budget.release(400);
        assertThat(memory.inUse(io.tuns.server.memory.MemoryBudget.Kind.CAPTURE)).isZero();
        assertThat(memory.refusals(io.tuns.server.memory.MemoryBudget.Kind.CAPTURE)).isEqualTo(1);
    }
}
