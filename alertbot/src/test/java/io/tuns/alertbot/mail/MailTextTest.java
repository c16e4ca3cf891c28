package io.tuns.alertbot.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class MailTextTest {
    @Test
    void timesInUtcAndTheTeamsZone() {
        MailText t = new MailText(ZoneId.of("America/New_York"), "bot@example.org");
        assertThat(t.time(Instant.parse("2024-05-27T15:02:00Z"))).isEqualTo("2024-05-27T15:02:00Z (2024-05-27 11:02:00 EDT)");
        assertThat(new MailText(ZoneId.of("UTC"), "b@x").time(Instant.parse("2024-05-27T15:02:00.5Z")))
                .isEqualTo("2024-05-27T15:02:00Z");
        assertThat(t.newMessageId("down")).startsWith("<down.").endsWith("@example.org>");
    }

    @Test
    void shortDurations() {
        assertThat(MailText.duration(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(MailText.duration(Duration.ofMinutes(116))).isEqualTo("1h56m");
        assertThat(MailText.duration(Duration.ofSeconds(125))).isEqualTo("2m5s");
        assertThat(MailText.duration(Duration.ofDays(2).plusHours(3))).isEqualTo("2d3h");
        assertThat(MailText.duration(Duration.ZERO)).isEqualTo("0s");
    }
}
