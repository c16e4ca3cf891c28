package io.tuns.alertbot.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsExponentiallyWithJitterUpToTheCap() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), new SplittableRandom(42));
        long[] ceilings = {5, 10, 20, 40, 80, 160, 300, 300, 300};
        for (long c : ceilings) {
            Duration d = b.next();
            assertThat(d).isBetween(Duration.ofMillis(c * 500), Duration.ofSeconds(c));
        }
        for (int i = 0; i < 100; i++) {
            assertThat(b.next()).isLessThanOrEqualTo(Duration.ofMinutes(5));
        }
    }

    @Test
    void jitterSpreadsDelays() {
        Backoff a = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), new SplittableRandom(1));
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), new SplittableRandom(2));
        a.next();
        b.next();
        assertThat(a.next()).isNotEqualTo(b.next());
    }

    @Test
    void resetStartsOver() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new SplittableRandom(3));
        for (int i = 0; i < 10; i++) {
            b.next();
        }
        b.reset();
        assertThat(b.next()).isLessThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void hugeCountsDoNotOverflow() {
        Backoff b = new Backoff(Duration.ofDays(1), Duration.ofDays(2), new SplittableRandom(4));
        for (int i = 0; i < 200; i++) {
            assertThat(b.next()).isPositive().isLessThanOrEqualTo(Duration.ofDays(2));
        }
    }
}
