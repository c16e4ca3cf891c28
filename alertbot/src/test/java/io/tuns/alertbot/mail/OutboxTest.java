package io.tuns.alertbot.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.config.AlertbotConfig;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    @TempDir
    Path dir;
    final List<String> results = new CopyOnWriteArrayList<>();
    final Outbox.Listener listener = new Outbox.Listener() {
        @Override
        public void onSend(OutboxMail mail, String result) {
            results.add(result);
        }

        @Override
        public void onSize(int size) {}
    };

    static OutboxMail mail(String subject) {
        return mail(subject, "test");
    }

    static OutboxMail mail(String subject, String kind) {
        return new OutboxMail("<" + subject + "@x>", Optional.of("<root@x>"), List.of("ops@example.org"), subject,
                "body of " + subject, Instant.now(), kind);
    }

    static MailBudget budget(int maxQueued, int maxPerHour) {
        return new MailBudget(maxQueued, new RateLimiter(maxPerHour, Clock.systemUTC()));
    }

    Outbox outbox(int incidentMax, int bulkMax) {
        return new Outbox(dir, budget(incidentMax, 10), budget(bulkMax, 10), m -> { }, Clock.systemUTC(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), listener);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachClassIsBoundedOnItsOwnAndPersistsAcrossRestart() {
        Outbox a = outbox(1, 2);
        assertThat(a.enqueue(mail("one", "alert"))).isTrue();
        assertThat(a.enqueue(mail("two", "mentions"))).isTrue();
        assertThat(a.enqueue(mail("three", "alert"))).as("bulk full").isFalse();
        assertThat(a.enqueue(mail("[DOWN]", "incident-down"))).as("a full bulk class never refuses incident mail")
                .isTrue();
        assertThat(a.enqueue(mail("[SILENT]", "heartbeat-silent"))).as("incident full").isFalse();
        Outbox b = outbox(1, 2);
        assertThat(b.size(MailClass.BULK)).isEqualTo(2);
        assertThat(b.size(MailClass.INCIDENT)).isEqualTo(1);
    }

    @Test
    void mailClassesByKind() {
        for (String kind : List.of("incident-down", "incident-reminder", "incident-recovered", "heartbeat-silent",
                "heartbeat-recovered", "test")) {
            assertThat(MailClass.of(kind)).as(kind).isEqualTo(MailClass.INCIDENT);
        }
        for (String kind : List.of("alert", "mentions", "irc-summary", "")) {
            assertThat(MailClass.of(kind)).as(kind).isEqualTo(MailClass.BULK);
        }
    }

    @Test
    void aMailThatWaitedSaysWhenItWasWritten() {
        OutboxMail m = new OutboxMail("<x@y>", Optional.empty(), List.of("ops@example.org"), "[DOWN] x",
                "duration:     1m\n", Instant.parse("2026-01-01T00:00:00Z"), "incident-down");
        assertThat(m.asSentAt(Instant.parse("2026-01-01T00:00:59Z"))).isEqualTo(m);
        assertThat(m.asSentAt(Instant.parse("2026-01-01T01:02:00Z")).body()).startsWith(
                "(Written at 2026-01-01T00:00:00Z, sent 1h2m later: the SMTP server was unreachable or the hourly"
                        + " mail budget was spent. Durations below are as of writing.)\n\nduration:     1m\n");
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        OutboxMail m = mail("x \"quoted\"\nline");
        assertThat(Outbox.fromJson(Outbox.toJson(m))).isEqualTo(m);
    }
}
