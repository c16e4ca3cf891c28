package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void goSyntaxParses() {
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("200ms")).isEqualTo(Duration.ofMillis(200));
        assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(Duration.ofMillis(3_723_004));
        assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("300us")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(Durations.parse("300µs")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(Durations.parse("7ns")).isEqualTo(Duration.ofNanos(7));
        assertThat(Durations.parse(" 0 ")).isZero();
        assertThat(Durations.parse("0s")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5x", "s", "-5s", "5 s", "1h 30m", "5S", "1e3s", "99999999999999h"})
    void otherTextIsRejected(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
