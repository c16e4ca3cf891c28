package io.tuns.alertbot.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.AlertBot;
import io.tuns.alertbot.config.ConfigLoader;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two bots (as on two hosts) watching each other's /healthz: one stops, the other mails DOWN, then RECOVERED. */
class PeerWatchIT {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String config(String name, int smtp, int listen, String peerName, int peerPort) {
        return String.join("\n",
                "state-dir: " + dir.resolve(name),
                "irc: {host: 127.0.0.1, port: " + freePort0() + ", auth: none, user: ops, nick: " + name
                        + ", channel: '#ops'}",
                "mail: {host: 127.0.0.1, port: " + smtp + ", security: plain, from: " + name
                        + "@example.org, to: [ops@example.org], retry-initial: 200ms, retry-max: 500ms}",
                "http: {listen: '127.0.0.1:" + listen + "'}",
                "heartbeat: {enabled: false}",
                "peers:",
                "  every: 500ms",
                "  timeout: 400ms",
                "  grace: 2s",
                "  bots: [{name: " + peerName + ", url: 'http://127.0.0.1:" + peerPort + "/healthz'}]",
                "");
    }

    private static int freePort0() {
        try {
            return freePort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(60)
    void whenOneBotStopsTheOtherMailsDownAndThenRecovered() throws Exception {
        ServerSetup setup = new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        GreenMail smtp = new GreenMail(setup);
        smtp.start();
        int portA = freePort();
        int portB = freePort();
        ConfigLoader loader = new ConfigLoader(k -> null);
        AlertBot a = new AlertBot(loader.parse(config("bot-a", setup.getPort(), portA, "bot-b", portB)), Clock.systemUTC());
        AlertBot b = new AlertBot(loader.parse(config("bot-b", setup.getPort(), portB, "bot-a", portA)), Clock.systemUTC());
        try {
            a.start();
            b.start();
            Thread.sleep(1500);
            assertThat(((Map<?, ?>) ((Map<?, ?>) a.status().get("peers")).get("bot-b")).get("status")).isEqualTo("UP");
            assertThat(smtp.getReceivedMessages()).isEmpty();

            b.close();
            assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
            MimeMessage down = smtp.getReceivedMessages()[0];
            assertThat(down.getSubject()).startsWith("[DOWN] peer alert bot bot-b — ");
            assertThat(down.getFrom()[0].toString()).contains("<bot-a@example.org>");

            b = new AlertBot(loader.parse(config("bot-b", setup.getPort(), portB, "bot-a", portA)), Clock.systemUTC());
            b.start();
            assertThat(smtp.waitForIncomingEmail(10_000, 2)).isTrue();
            MimeMessage recovered = smtp.getReceivedMessages()[1];
            assertThat(recovered.getSubject()).startsWith("[RECOVERED after ").endsWith("] peer alert bot bot-b");
            assertThat(recovered.getHeader("In-Reply-To")[0]).isEqualTo(down.getMessageID());
        } finally {
            a.close();
            b.close();
            smtp.stop();
        }
    }
}
