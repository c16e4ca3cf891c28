package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.config.ConfigLoader;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against {@link FakeSaslServer}, for what Debian's ZNC/ngircd cannot show: SASL PLAIN (soju, ZNC ≥ 1.10), a server
 * that never answers registration, a server ERROR, deliveries never confirmed; plus DNS failure and the heartbeat,
 * which need no real bouncer.
 */
class ScriptedIrcIT {
    @TempDir
    Path tmp;
    GreenMail smtp;
    AlertBot bot;
    FakeSaslServer irc;

    @BeforeEach
    void setUp() {
        smtp = new GreenMail(new ServerSetup(IrcServers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (bot != null) {
            bot.close();
        }
        if (irc != null) {
            irc.close();
        }
        smtp.stop();
    }

    void start(String password) throws Exception {
        start(password, "");
    }

    void start(String password, String extraIrc) throws Exception {
        start(password, extraIrc, "127.0.0.1");
    }

    void start(String password, String extraIrc, String host) throws Exception {
        start(password, extraIrc, host, "");
    }

    void start(String password, String extraIrc, String host, String extraTop) throws Exception {
        if (irc == null) {
            irc = new FakeSaslServer("ops@alertbot/libera", "right");
        }
        String yaml = String.join("\n",
                "state-dir: " + tmp.resolve("state"),
                "irc:",
                "  host: " + host,
                "  port: " + irc.port(),
                "  tls: false",
                "  insecure-plaintext: true",
                "  auth: sasl",
                "  user: ops",
                "  network: libera",
                "  password-env: PW",
                "  nick: opsbot",
                "  channel: '#ops'",
                "  message-delay: 50ms",
                extraIrc + "watchdog:",
                "  grace: 30s",
                "  backoff-initial: 500ms",
                "  backoff-max: 2s",
                "mail:",
                "  host: 127.0.0.1",
                "  port: " + smtp.getSmtp().getPort(),
                "  security: plain",
                "  from: bot@example.org",
                "  to: ops@example.org",
                "http:",
                "  listen: 127.0.0.1:0",
                extraTop);
        bot = new AlertBot(new ConfigLoader(Map.of("PW", password)::get).parse(yaml), Clock.systemUTC());
        bot.start();
    }

    @Test
    void saslPlainLogsInWithTheBouncerLoginName() throws Exception {
        start("right");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Boolean.TRUE.equals(bot.status().get("ircUp")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(bot.status().get("ircUp")).as("server saw %s", irc.received).isEqualTo(true);
        assertThat(irc.saslPayloads).containsExactly("ops@alertbot/libera\0ops@alertbot/libera\0right");
    }

    @Test
    void unconfirmedNotificationsAreBoundedAndMailedWhenTheLinkFails() throws Exception {
        irc = new FakeSaslServer("ops@alertbot/libera", "right");
        irc.answerPings = false;
        start("right", "  read-deadline: 60s\n  max-pending-notifications: 2\n");
        awaitUp();
        HttpClient http = HttpClient.newHttpClient();
        for (String name : new String[] {"One", "Two", "Three"}) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bot.httpPort() + "/alertmanager"))
                    .POST(HttpRequest.BodyPublishers.ofString(AlertBotIT.payload("firing", name, "s"))).build();
            assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        // The third exceeded the bound and went by mail at once.
        assertThat(smtp.waitForIncomingEmail(5_000, 1)).isTrue();
        assertThat(smtp.getReceivedMessages()[0].getSubject()).isEqualTo("[FIRING:1] Three");
        assertThat(bot.status().get("unconfirmedIrcNotifications")).isEqualTo(2);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (irc.received.stream().noneMatch(l -> l.contains("Two")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        irc.dropClients();
        assertThat(smtp.waitForIncomingEmail(10_000, 3)).isTrue();
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            if (!m.getSubject().startsWith("[DOWN]")) {
                subjects.add(m.getSubject());
            }
        }
        assertThat(subjects).containsExactlyInAnyOrder("[FIRING:1] One", "[FIRING:1] Two", "[FIRING:1] Three");
    }

    private void awaitUp() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Boolean.TRUE.equals(bot.status().get("ircUp")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(bot.status().get("ircUp")).as("server saw %s", irc.received).isEqualTo(true);
    }

    @Test
    void unknownHostIsClassifiedAsDns() throws Exception {
        start("right", "", "bouncer.invalid");
        long deadline = System.nanoTime() + 10_000_000_000L;
        Object reason = null;
        while (System.nanoTime() < deadline) {
            reason = ((java.util.Map<?, ?>) bot.status().get("watchdog")).get("lastReason");
            if (reason != null) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(reason).isEqualTo("dns");
        assertThat(((java.util.Map<?, ?>) bot.status().get("watchdog")).get("status")).isEqualTo("FAILING");
    }

    @Test
    void silentServerIsARegistrationTimeout() throws Exception {
        irc = new FakeSaslServer("ops@alertbot/libera", "right");
        irc.silent = true;
        start("right", "  registration-timeout: 2s\n");
        assertThat(awaitReason()).isEqualTo("registration_timeout");
    }

    @Test
    void serverErrorIsClassified() throws Exception {
        irc = new FakeSaslServer("ops@alertbot/libera", "right");
        irc.errorAfterWelcome = "Closing Link: opsbot (K-Lined)";
        start("right");
        assertThat(awaitReason()).isEqualTo("server_error");
        assertThat(((java.util.Map<?, ?>) bot.status().get("watchdog")).get("lastError").toString())
                .contains("K-Lined");
    }

    @Test
    void heartbeatSilenceIsMailedOnceAndItsReturnToo() throws Exception {
        start("right", "", "127.0.0.1", "heartbeat:\n  enabled: true\n  expect-every: 3s\n");
        awaitUp();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest watchdog = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bot.httpPort() + "/alertmanager"))
                .POST(HttpRequest.BodyPublishers.ofString(AlertBotIT.payload("firing", "Watchdog", "pipeline ok"))).build();
        assertThat(http.send(watchdog, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(irc.received).noneMatch(l -> l.contains("Watchdog"));
        assertThat(smtp.waitForIncomingEmail(8_000, 1)).isTrue();
        assertThat(smtp.getReceivedMessages()[0].getSubject()).startsWith("[SILENT] alert pipeline silent since ");
        Thread.sleep(2500);
        assertThat(smtp.getReceivedMessages()).hasSize(1);
        http.send(watchdog, HttpResponse.BodyHandlers.ofString());
        assertThat(smtp.waitForIncomingEmail(5_000, 2)).isTrue();
        assertThat(smtp.getReceivedMessages()[1].getSubject()).startsWith("[RECOVERED] alert pipeline heartbeat back");
    }

    private Object awaitReason() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Object reason = null;
        while (System.nanoTime() < deadline && reason == null) {
            reason = ((java.util.Map<?, ?>) bot.status().get("watchdog")).get("lastReason");
            Thread.sleep(100);
        }
        return reason;
    }

    @Test
    void saslRejectedAlertsAtOnceDespiteTheLongGrace() throws Exception {
        start("wrong");
        assertThat(smtp.waitForIncomingEmail(8_000, 1)).isTrue();
        assertThat(smtp.getReceivedMessages()[0].getSubject())
                .startsWith("[DOWN]").contains("authentication rejected: 904 SASL authentication failed");
    }
}
