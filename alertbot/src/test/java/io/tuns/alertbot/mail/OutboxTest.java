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
        return new OutboxMail("<" + subject + "@x>", Optional.of("<root@x>"), List.of("ops@example.org"), subject,
                "body of " + subject, Instant.parse("2026-01-01T00:00:00Z"), "test");
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void boundedAndPersistentAcrossRestart() {
        Outbox a = new Outbox(dir, 2, m -> { }, new RateLimiter(10, Clock.systemUTC()), Duration.ofSeconds(1),
                Duration.ofSeconds(1), listener);
        assertThat(a.enqueue(mail("one"))).isTrue();
        assertThat(a.enqueue(mail("two"))).isTrue();
        assertThat(a.enqueue(mail("three"))).isFalse();
        Outbox b = new Outbox(dir, 2, m -> { }, new RateLimiter(10, Clock.systemUTC()), Duration.ofSeconds(1),
                Duration.ofSeconds(1), listener);
        assertThat(b.size()).isEqualTo(2);
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        OutboxMail m = mail("x \"quoted\"\nline");
        assertThat(Outbox.fromJson(Outbox.toJson(m))).isEqualTo(m);
    }
}
