package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SASL PLAIN login (soju, ZNC ≥ 1.10) against {@link FakeSaslServer}; see there why it is a fake. */
class SaslIT {
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
        irc = new FakeSaslServer("ops@alertbot/libera", "right");
        String yaml = String.join("\n",
                "state-dir: " + tmp.resolve("state"),
                "irc:",
                "  host: 127.0.0.1",
                "  port: " + irc.port(),
                "  tls: false",
                "  insecure-plaintext: true",
                "  auth: sasl",
                "  user: ops",
                "  network: libera",
                "  password-env: PW",
                "  nick: opsbot",
                "  channel: '#ops'",
                "watchdog:",
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
                "");
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
    void saslRejectedAlertsAtOnceDespiteTheLongGrace() throws Exception {
        start("wrong");
        assertThat(smtp.waitForIncomingEmail(8_000, 1)).isTrue();
        assertThat(smtp.getReceivedMessages()[0].getSubject())
                .startsWith("[DOWN]").contains("authentication rejected: 904 SASL authentication failed");
    }
}
