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

/** The outbox against GreenMail: mail queued while SMTP is unreachable arrives, in order, once it is up. */
class OutboxIT {
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

    @Test
    void mailWrittenWhileSmtpIsDownArrivesInOrderWithHeadersOnceSmtpIsUp() throws Exception {
        int port = OutboxTest.freePort();
        AlertbotConfig.Mail cfg = new AlertbotConfig.Mail("127.0.0.1", port, AlertbotConfig.MailSecurity.PLAIN,
                Optional.empty(), Optional.empty(), "bot@example.org", List.of("ops@example.org"),
                Duration.ofSeconds(3), 100, Duration.ofMillis(200), Duration.ofMillis(400), 10, Optional.empty());
        Outbox outbox = new Outbox(dir, 10, new Mailer(cfg)::send, new RateLimiter(100, Clock.systemUTC()),
                Duration.ofMillis(200), Duration.ofMillis(400), listener);
        outbox.start();
        outbox.enqueue(OutboxTest.mail("first"));
        outbox.enqueue(OutboxTest.mail("second"));
        Thread.sleep(800);
        assertThat(results).contains("retry").doesNotContain("ok");
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            assertThat(smtp.waitForIncomingEmail(10_000, 2)).isTrue();
            var got = smtp.getReceivedMessages();
            assertThat(got[0].getSubject()).isEqualTo("first");
            assertThat(got[1].getSubject()).isEqualTo("second");
            assertThat(got[0].getMessageID()).isEqualTo("<first@x>");
            assertThat(got[0].getHeader("In-Reply-To")[0]).isEqualTo("<root@x>");
            assertThat(got[0].getHeader("Auto-Submitted")[0]).isEqualTo("auto-generated");
            Thread.sleep(300);
            assertThat(outbox.size()).isZero();
        } finally {
            outbox.close();
            smtp.stop();
        }
    }

    @Test
    void hourlyRateLimitHoldsMailInTheOutbox() throws Exception {
        int port = OutboxTest.freePort();
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        AlertbotConfig.Mail cfg = new AlertbotConfig.Mail("127.0.0.1", port, AlertbotConfig.MailSecurity.PLAIN,
                Optional.empty(), Optional.empty(), "bot@example.org", List.of("ops@example.org"),
                Duration.ofSeconds(3), 2, Duration.ofMillis(200), Duration.ofMillis(400), 10, Optional.empty());
        Outbox outbox = new Outbox(dir, 10, new Mailer(cfg)::send, new RateLimiter(2, Clock.systemUTC()),
                Duration.ofMillis(200), Duration.ofMillis(400), listener);
        outbox.start();
        try {
            for (String s : List.of("a", "b", "c")) {
                outbox.enqueue(OutboxTest.mail(s));
            }
            assertThat(smtp.waitForIncomingEmail(5_000, 2)).isTrue();
            Thread.sleep(1000);
            assertThat(smtp.getReceivedMessages()).hasSize(2);
            assertThat(outbox.size()).isEqualTo(1);
        } finally {
            outbox.close();
            smtp.stop();
        }
    }
}
