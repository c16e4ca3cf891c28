package io.tuns.alertbot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Alertmanager started the way Debian's unit starts it (working directory {@code /}) with the shipped
 * ops/alertmanager/alertmanager.yml, its secret placed where ops/README.md says (the {@code /etc/prometheus/}
 * prefix moved to a temp dir, the SMTP host pointed at GreenMail): the e-mail-only route that reports the bot's
 * own death must deliver a mail, authenticated with the password from that file.
 */
class AlertmanagerMailIT {
    static final String SMTP_USER = "tuns-alerts@example.com";
    static final String SMTP_PASSWORD = "am-smtp-s3cret";

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void botDownAlertIsMailedWithThePasswordFromTheSecretsFile() throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc/prometheus"));
        Files.createDirectories(etc.resolve("secrets"));
        // No trailing newline: Alertmanager 0.25 sends the file's bytes as they are (ops/README.md says so).
        Files.writeString(etc.resolve("secrets/smtp-password"), SMTP_PASSWORD);
        int smtpPort = freePort();
        int webPort = freePort();
        String shipped = Files.readString(OpsDir.find().resolve("alertmanager/alertmanager.yml"));
        String config = shipped
                .replace("/etc/prometheus/", etc + "/")
                .replace("smtp.example.com:587", "127.0.0.1:" + smtpPort)
                // GreenMail speaks plain SMTP; Go allows PLAIN auth without TLS to 127.0.0.1 only.
                .replace("smtp_require_tls: true", "smtp_require_tls: false")
                // Timers shortened by config, not slept out.
                .replace("group_wait: 30s", "group_wait: 1s");
        assertThat(config).as("the test's substitutions must all apply").contains("127.0.0.1:" + smtpPort)
                .contains("smtp_require_tls: false").contains("group_wait: 1s");
        Path configFile = Files.writeString(etc.resolve("alertmanager.yml"), config);

        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.setUser(SMTP_USER, SMTP_USER, SMTP_PASSWORD);
        smtp.start();
        Process am = new ProcessBuilder("/usr/bin/prometheus-alertmanager",
                "--config.file=" + configFile, "--storage.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + webPort, "--cluster.listen-address=")
                .directory(new File("/")).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("alertmanager.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/api/v2/alerts"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            [{"labels":{"alertname":"TunsAlertbotDown","severity":"critical","job":"tuns-alertbot",
                              "instance":"127.0.0.1:9095"},
                              "annotations":{"summary":"alert bot not scraped for 5 minutes"}}]"""))
                    .build();
            int status = -1;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); System.nanoTime() < end; ) {
                try {
                    status = http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode();
                    break;
                } catch (java.io.IOException notYetListening) {
                    Thread.sleep(200);
                }
            }
            assertThat(status).as("Alertmanager accepted the alert").isEqualTo(200);
            assertThat(smtp.waitForIncomingEmail(Duration.ofSeconds(30).toMillis(), 1))
                    .as("a mail within 30 s; Alertmanager's log:\n%s", log()).isTrue();
            MimeMessage m = smtp.getReceivedMessages()[0];
            assertThat(m.getAllRecipients()[0].toString()).isEqualTo("oncall@example.com");
            assertThat(m.getSubject()).contains("TunsAlertbotDown");
            assertThat(m.getHeader("Auto-Submitted")[0]).isEqualTo("auto-generated");
        } finally {
            am.destroy();
            if (!am.waitFor(10, TimeUnit.SECONDS)) {
                am.destroyForcibly();
            }
            smtp.stop();
        }
    }

    private String log() throws Exception {
        return Files.readString(tmp.resolve("alertmanager.log"));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
