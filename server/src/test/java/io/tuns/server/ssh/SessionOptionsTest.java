package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SessionOptionsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void parsesKnownCommandsAndAnswersEverythingElse() {
        SessionOptions o = SessionOptions.parse("deadline=15m auto-close=true bogus=1 plainword force-https=maybe sni-proxy=true");
        assertThat(o.get("deadline")).isEqualTo("15m");
        assertThat(o.flag("auto-close")).isTrue();
        assertThat(o.problems()).anyMatch(p -> p.startsWith("Unknown command 'bogus' ignored"));
        assertThat(o.problems()).anyMatch(p -> p.startsWith("Unknown command 'plainword'"));
        assertThat(o.problems()).contains("Command force-https needs true or false, got 'maybe'.");
        assertThat(o.flag("sni-proxy")).isTrue();
        assertThat(o.problems()).hasSize(3);
    }

    @Test
    void emptyCommandLineHasNoProblems() {
        assertThat(SessionOptions.parse(null).problems()).isEmpty();
        assertThat(SessionOptions.parse("  ").values()).isEmpty();
    }

    @Test
    void deadlineFormatsAsSishTakesThem() {
        assertThat(SessionOptions.parseDeadline("15m", NOW)).isEqualTo(NOW.plusSeconds(900));
        assertThat(SessionOptions.parseDeadline("1h30m", NOW)).isEqualTo(NOW.plusSeconds(5400));
        assertThat(SessionOptions.parseDeadline("1741614000", NOW)).isEqualTo(Instant.ofEpochSecond(1741614000));
        assertThat(SessionOptions.parseDeadline("2025-03-10T15:19:22Z", NOW)).isEqualTo(Instant.parse("2025-03-10T15:19:22Z"));
        assertThat(SessionOptions.parseDeadline("2025-03-10T15:19:22+01:00", NOW)).isEqualTo(Instant.parse("2025-03-10T14:19:22Z"));
        assertThat(SessionOptions.parseDeadline("2025-03-10T15:19:22", NOW)).isEqualTo(Instant.parse("2025-03-10T15:19:22Z"));
        assertThatThrownBy(() -> SessionOptions.parseDeadline("soon", NOW)).hasMessageContaining("is not a time");
    }
}
