package io.tuns.alertbot.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.MutableClock;
import io.tuns.alertbot.RecordingMailSink;
import io.tuns.alertbot.mail.MailClass;
import io.tuns.alertbot.mail.MailText;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per way out of each state of the peer watch. */
class PeerWatchTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    final RecordingMailSink mail = new RecordingMailSink();

    PeerWatch watch() {
        return new PeerWatch("bot-b", "http://b:9095/healthz", Duration.ofMinutes(3), clock, mail,
                new MailText(ZoneOffset.UTC, "bot@example.org"), List.of("ops@example.org"));
    }

    @Test
    void failingWithinGraceThenBackSendsNothing() {
        PeerWatch w = watch();
        w.ok();
        clock.advance(Duration.ofMinutes(1));
        w.failed("HTTP 503");
        assertThat(w.status()).isEqualTo(PeerWatch.Status.FAILING);
        clock.advance(Duration.ofMinutes(1));
        w.tick();
        w.ok();
        assertThat(w.status()).isEqualTo(PeerWatch.Status.UP);
        assertThat(mail.mails).isEmpty();
    }

    @Test
    void downOnceAGraceAfterTheLastGoodProbeThenOneRecovered() {
        PeerWatch w = watch();
        w.ok();
        clock.advance(Duration.ofMinutes(1));
        w.failed("ConnectException");
        clock.advance(Duration.ofSeconds(119));
        w.tick();
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        w.tick();
        w.failed("ConnectException");
        w.tick();
        assertThat(mail.subjects()).containsExactly("[DOWN] peer alert bot bot-b — ConnectException");
        assertThat(mail.mails.get(0).mailClass()).isEqualTo(MailClass.INCIDENT);

        clock.advance(Duration.ofMinutes(7));
        w.ok();
        w.ok();
        assertThat(mail.subjects()).hasSize(2);
        assertThat(mail.mails.get(1).subject()).isEqualTo("[RECOVERED after 10m] peer alert bot bot-b");
        assertThat(mail.mails.get(1).inReplyTo()).contains(mail.mails.get(0).messageId());
        assertThat(w.status()).isEqualTo(PeerWatch.Status.UP);
    }

    @Test
    void aPeerNeverSeenSinceOurStartIsCountedFromTheStart() {
        PeerWatch w = watch();
        clock.advance(Duration.ofMinutes(2));
        w.failed("UnknownHostException");
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        w.tick();
        assertThat(mail.subjects()).containsExactly("[DOWN] peer alert bot bot-b — UnknownHostException");
    }
}
