package io.tuns.alertbot.mail;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void atMostNPerSlidingHour() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        RateLimiter r = new RateLimiter(3, clock);
        for (int i = 0; i < 3; i++) {
            assertThat(r.waitTime()).isZero();
            r.recordSend();
            clock.advance(Duration.ofMinutes(10));
        }
        assertThat(r.waitTime()).isEqualTo(Duration.ofMinutes(30));
        clock.advance(Duration.ofMinutes(30));
        assertThat(r.waitTime()).isZero();
    }
}
