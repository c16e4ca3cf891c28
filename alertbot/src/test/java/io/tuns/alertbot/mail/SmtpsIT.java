package io.tuns.alertbot.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.Secret;
import jakarta.mail.MessagingException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMTPS with authentication against GreenMail, using a certificate we make (GreenMail reads its key store from
 * system properties). The server identity check stays on: a certificate for another name must fail.
 * (GreenMail has no STARTTLS, so that mode is only covered by configuration.)
 */
class SmtpsIT {
    @TempDir
    Path dir;
    GreenMail smtp;

    @AfterEach
    void stop() {
        if (smtp != null) {
            smtp.stop();
        }
        System.clearProperty("greenmail.tls.keystore.file");
        System.clearProperty("greenmail.tls.keystore.password");
    }

    Path certFor(String san) throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Path p12 = dir.resolve("server.p12");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-subj", "/CN=mail", "-addext", "subjectAltName=" + san, "-days", "2");
        run("openssl", "pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(), "-out", p12.toString(),
                "-passout", "pass:changeit", "-name", "greenmail");
        System.setProperty("greenmail.tls.keystore.file", p12.toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
        return cert;
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    Mailer mailer(int port, Path ca, String password) {
        return new Mailer(new AlertbotConfig.Mail("127.0.0.1", port, AlertbotConfig.MailSecurity.SMTPS,
                Optional.of("bot"), Optional.of(new Secret(password)), "bot@example.org", List.of("ops@example.org"),
                Duration.ofSeconds(5), 10, Duration.ofSeconds(1), Duration.ofSeconds(1), 10, Optional.of(ca), 20, 100));
    }

    int start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
        smtp.setUser("bot@example.org", "bot", "mail-pw");
        smtp.getUserManager().setAuthRequired(true);
        smtp.start();
        return port;
    }

    static OutboxMail mail() {
        return new OutboxMail("<t@x>", Optional.empty(), List.of("ops@example.org"), "[TEST] smtps", "body",
                Instant.now(), "test");
    }

    @Test
    void sendsOverSmtpsWithAuthAndVerifiedIdentity() throws Exception {
        Path ca = certFor("DNS:localhost,IP:127.0.0.1");
        int port = start();
        mailer(port, ca, "mail-pw").send(mail());
        assertThat(smtp.getReceivedMessages()).hasSize(1);
        assertThat(smtp.getReceivedMessages()[0].getSubject()).isEqualTo("[TEST] smtps");
        assertThatThrownBy(() -> mailer(port, ca, "wrong").send(mail())).isInstanceOf(MessagingException.class);
    }

    @Test
    void certificateForAnotherNameIsRefused() throws Exception {
        Path ca = certFor("DNS:mail.other.example");
        int port = start();
        assertThatThrownBy(() -> mailer(port, ca, "mail-pw").send(mail())).isInstanceOf(MessagingException.class)
                .satisfies(e -> assertThat(rootMessage(e)).contains("127.0.0.1"));
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" / ");
        }
        return sb.toString();
    }
}
