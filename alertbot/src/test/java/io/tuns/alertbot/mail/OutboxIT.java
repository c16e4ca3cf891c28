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
                Duration.ofSeconds(3), 100, Duration.ofMillis(200), Duration.ofMillis(400), 10, Optional.empty(), 20, 100);
        Outbox outbox = new Outbox(dir, OutboxTest.budget(10, 100), OutboxTest.budget(10, 100),
                new Mailer(cfg)::send, Clock.systemUTC(), Duration.ofMillis(200), Duration.ofMillis(400), listener);
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

    /**
     * The incident's outbox: the hourly budget spent on relayed alerts, more alerts waiting; the DOWN mail must still
     * go out at once (it used to wait an hour behind them), and the alerts stay held.
     */
    @Test
    void incidentMailIsNotHeldBehindAlertsThatSpentTheHourlyBudget() throws Exception {
        int port = OutboxTest.freePort();
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        AlertbotConfig.Mail cfg = new AlertbotConfig.Mail("127.0.0.1", port, AlertbotConfig.MailSecurity.PLAIN,
                Optional.empty(), Optional.empty(), "bot@example.org", List.of("ops@example.org"),
                Duration.ofSeconds(3), 2, Duration.ofMillis(200), Duration.ofMillis(400), 10, Optional.empty(), 20, 100);
        Outbox outbox = new Outbox(dir, OutboxTest.budget(10, 5), OutboxTest.budget(10, 2), new Mailer(cfg)::send,
                Clock.systemUTC(), Duration.ofMillis(200), Duration.ofMillis(400), listener);
        outbox.start();
        try {
            for (String s : List.of("alert a", "alert b", "alert c", "alert d")) {
                outbox.enqueue(OutboxTest.mail(s, "alert"));
            }
            assertThat(smtp.waitForIncomingEmail(5_000, 2)).isTrue();
            Thread.sleep(500);
            assertThat(smtp.getReceivedMessages()).hasSize(2);
            assertThat(outbox.size(MailClass.BULK)).isEqualTo(2);

            outbox.enqueue(OutboxTest.mail("[DOWN] IRC bouncer", "incident-down"));
            assertThat(smtp.waitForIncomingEmail(5_000, 3)).as("DOWN mail sent despite the spent bulk budget").isTrue();
            assertThat(smtp.getReceivedMessages()[2].getSubject()).isEqualTo("[DOWN] IRC bouncer");
            Thread.sleep(500);
            assertThat(smtp.getReceivedMessages()).hasSize(3);
            assertThat(outbox.size(MailClass.BULK)).isEqualTo(2);
        } finally {
            outbox.close();
            smtp.stop();
        }
    }
}
