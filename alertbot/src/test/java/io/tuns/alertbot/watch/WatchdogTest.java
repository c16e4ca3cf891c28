package io.tuns.alertbot.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.MutableClock;
import io.tuns.alertbot.RecordingMailSink;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.irc.Failure;
import io.tuns.alertbot.irc.FailureReason;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchdogTest {
    static final Failure REFUSED = new Failure(FailureReason.CONNECTION_REFUSED, "Connection refused", false);
    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2024-05-27T15:02:00Z"));
    RecordingMailSink mail = new RecordingMailSink();
    AlertbotConfig.Watch cfg = new AlertbotConfig.Watch(Duration.ofSeconds(60), 0, Duration.ofHours(4),
            Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(2));

    Watchdog watchdog(AlertbotConfig.Watch c) throws Exception {
        return new Watchdog(c, clock, "irc://bouncer:6697", "channel #ops", List.of("ops@example.org"), mail,
                new MailText(ZoneId.of("America/New_York"), "bot@example.org"), new StateStore(dir), "test");
    }

    Watchdog w;

    @BeforeEach
    void up() throws Exception {
        w = watchdog(cfg);
        w.onUp();
    }

    void failFor(Duration d, Duration step) {
        for (Duration t = Duration.ZERO; t.compareTo(d) < 0; t = t.plus(step)) {
            w.onFailure(REFUSED);
            clock.advance(step);
            w.tick();
        }
    }

    @Test
    void downOnlyAfterGraceThenRemindersThenExactlyOneRecovered() {
        failFor(Duration.ofSeconds(55), Duration.ofSeconds(5));
        assertThat(mail.mails).isEmpty();
        failFor(Duration.ofSeconds(10), Duration.ofSeconds(5));
        assertThat(mail.subjects()).containsExactly("[DOWN] IRC bouncer irc://bouncer:6697 — connection refused");
        String body = mail.mails.get(0).body();
        assertThat(body).contains("2024-05-27T15:02:00Z (2024-05-27 11:02:00 EDT)").contains("attempts:");

        // many more failures and ticks over 3h59m: no more mail
        for (int i = 0; i < 239; i++) {
            clock.advance(Duration.ofMinutes(1));
            w.onFailure(REFUSED);
            w.tick();
        }
        assertThat(mail.mails).hasSize(1);
        clock.advance(Duration.ofMinutes(1));
        w.tick();
        assertThat(mail.mails).hasSize(2);
        assertThat(mail.mails.get(1).subject()).startsWith("[STILL DOWN 4h1m]");
        assertThat(mail.mails.get(1).inReplyTo()).contains(mail.mails.get(0).messageId());
        clock.advance(Duration.ofHours(4));
        w.tick();
        assertThat(mail.mails).hasSize(3);

        clock.advance(Duration.ofMinutes(30));
        w.onUp();
        w.onUp();
        w.tick();
        assertThat(mail.mails).hasSize(4);
        assertThat(mail.mails.get(3).subject()).isEqualTo("[RECOVERED after 8h31m] IRC bouncer irc://bouncer:6697");
        assertThat(mail.mails.get(3).inReplyTo()).contains(mail.mails.get(0).messageId());
    }

    @Test
    void recoveryWithinGraceSendsNothing() {
        failFor(Duration.ofSeconds(30), Duration.ofSeconds(5));
        w.onUp();
        clock.advance(Duration.ofMinutes(5));
        w.tick();
        assertThat(mail.mails).isEmpty();
    }

    @Test
    void failureThresholdTriggersBeforeGrace() throws Exception {
        w = watchdog(new AlertbotConfig.Watch(Duration.ofHours(1), 3, Duration.ofHours(4), Duration.ofSeconds(5),
                Duration.ofMinutes(5), Duration.ofMinutes(2)));
        w.onUp();
        w.onFailure(REFUSED);
        w.onFailure(REFUSED);
        assertThat(mail.mails).isEmpty();
        w.onFailure(REFUSED);
        assertThat(mail.subjects()).hasSize(1).allMatch(s -> s.startsWith("[DOWN]"));
    }

    @Test
    void permanentFailureAlertsAtOnce() {
        w.onFailure(new Failure(FailureReason.AUTH_REJECTED, "464 Invalid Password", true));
        assertThat(mail.subjects()).containsExactly(
                "[DOWN] IRC bouncer irc://bouncer:6697 — authentication rejected: 464 Invalid Password");
    }

    @Test
    void restartNeitherReAlertsNorForgetsTheIncident() throws Exception {
        failFor(Duration.ofSeconds(70), Duration.ofSeconds(5));
        assertThat(mail.mails).hasSize(1);
        Watchdog restarted = watchdog(cfg);
        assertThat(restarted.status()).isEqualTo(Watchdog.Status.DOWN);
        restarted.onFailure(REFUSED);
        clock.advance(Duration.ofMinutes(10));
        restarted.tick();
        assertThat(mail.mails).hasSize(1);
        restarted.onUp();
        assertThat(mail.mails).hasSize(2);
        assertThat(mail.mails.get(1).subject()).startsWith("[RECOVERED after 11m");
        assertThat(mail.mails.get(1).inReplyTo()).contains(mail.mails.get(0).messageId());
    }

    @Test
    void hangIsDownAtDetectionNamedPingTimeoutAndDowntimeCountsFromTheLastGoodLine() {
        Instant lastLine = clock.instant();
        clock.advance(Duration.ofSeconds(90)); // the read deadline: the bouncer hung right after its last line
        w.onFailure(new Failure(FailureReason.PING_TIMEOUT, "nothing received for 90s", false, lastLine));
        assertThat(mail.subjects()).containsExactly(
                "[DOWN] IRC bouncer irc://bouncer:6697 — ping timeout: nothing received for 90s");
        assertThat(mail.mails.get(0).body()).contains("since:        2024-05-27T15:02:00Z");

        // Reconnecting to a hung host: the kernel accepts, the handshake times out. The cause stays the hang.
        Failure handshake = new Failure(FailureReason.TIMEOUT, "no answer to the TLS handshake", false);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(20));
            w.onFailure(handshake);
            w.tick();
        }
        clock.advance(Duration.ofHours(4));
        w.tick();
        assertThat(mail.mails.get(1).subject()).startsWith("[STILL DOWN")
                .endsWith("ping timeout: nothing received for 90s (now connect timeout)");
        assertThat(mail.mails.get(1).body()).contains("last error:   connect timeout: no answer to the TLS handshake");

        w.onUp();
        // 90 s undetected + 100 s of retries + 4 h: counted from the last good line, not from the detection.
        assertThat(mail.mails.get(2).subject()).isEqualTo("[RECOVERED after 4h3m] IRC bouncer irc://bouncer:6697");
        assertThat(mail.mails.get(2).body()).contains("downtime:     4h3m");
    }

    @Test
    void killedBouncerGoesDownAGraceAfterItsLastLine() {
        Instant lastLine = clock.instant();
        clock.advance(Duration.ofSeconds(25)); // killed 25 s after its last PONG; the close is seen at once
        w.onFailure(REFUSED.withLastGood(lastLine));
        clock.advance(Duration.ofSeconds(34));
        w.tick();
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        w.tick();
        assertThat(mail.subjects()).hasSize(1).allMatch(s -> s.startsWith("[DOWN]"));
    }
}
