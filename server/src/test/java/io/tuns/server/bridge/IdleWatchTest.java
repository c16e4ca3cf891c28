package io.tuns.server.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each way an idle watch ends: cut once after silence, kept alive by traffic, stopped before the cut. */
class IdleWatchTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void silenceCutsExactlyOnce() throws Exception {
        IdleWatch w = new IdleWatch(Duration.ofMillis(100));
        AtomicInteger cuts = new AtomicInteger();
        w.start(scheduler, cuts::incrementAndGet);
        Thread.sleep(600);
        assertThat(cuts).hasValue(1);
        assertThat(w.stop()).as("the cut already stopped the watch").isFalse();
    }

    @Test
    void trafficKeepsItOpenUntilItStops() throws Exception {
        IdleWatch w = new IdleWatch(Duration.ofMillis(200));
        AtomicInteger cuts = new AtomicInteger();
        w.start(scheduler, cuts::incrementAndGet);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
        while (System.nanoTime() < end) {
            w.touch();
            Thread.sleep(20);
        }
        assertThat(cuts).as("bytes every 20 ms").hasValue(0);
        Thread.sleep(600);
        assertThat(cuts).as("then silence").hasValue(1);
    }

    @Test
    void stoppedBeforeTheTimeoutNeverCuts() throws Exception {
        IdleWatch w = new IdleWatch(Duration.ofMillis(100));
        AtomicInteger cuts = new AtomicInteger();
        w.start(scheduler, cuts::incrementAndGet);
        assertThat(w.stop()).isTrue();
        Thread.sleep(400);
        assertThat(cuts).hasValue(0);
        assertThat(w.stop()).isFalse();
    }
}
