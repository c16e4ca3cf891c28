package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.ConfigLoader;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The bot against real servers: ngircd as the IRC network, Debian's ZNC in front of it (TLS, PASS login
 * {@code user@client/network}), GreenMail as the SMTP server, a second IRC client watching the channel.
 */
@Timeout(120)
public class AlertBotIT {
    static final long GRACE_S = 4;

    @TempDir
    Path tmp;
    IrcServers servers;
    GreenMail smtp;
    ServerSetup smtpSetup;
    AlertBot bot;
    final HttpClient http = HttpClient.newHttpClient();

    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        smtpSetup = new ServerSetup(IrcServers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        smtp = new GreenMail(smtpSetup);
        smtp.start();
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        if (bot != null) {
            bot.close();
        }
        if (servers != null) {
            servers.close();
        }
        smtp.stop();
    }

    AlertBot startBot(IrcServers s) throws Exception {
        return startBot(s, s.dir.resolve("password"), "");
    }

    AlertBot startBot(IrcServers s, Path passwordFile, String extraYaml) throws Exception {
        return startBot(s, passwordFile, extraYaml, UnaryOperator.identity());
    }

    /** {@code edit} changes the generated YAML, e.g. to set another grace. */
    AlertBot startBot(IrcServers s, Path passwordFile, String extraYaml, UnaryOperator<String> edit)
            throws Exception {
        String yaml = String.join("\n",
                "zone: Europe/Berlin",
                "state-dir: " + tmp.resolve("state"),
                "irc:",
                "  host: 127.0.0.1",
                "  port: " + s.zncPort,
                "  trust-ca-file: " + s.caFile,
                "  auth: pass",
                "  user: " + IrcServers.ZNC_USER,
                "  client-id: bot",
                "  network: " + IrcServers.NETWORK,
                "  password-file: " + passwordFile,
                "  nick: alertbot",
                "  channel: '" + IrcServers.CHANNEL + "'",
                "  ping-interval: 2s",
                "  read-deadline: 6s",
                "  registration-timeout: 8s",
                "  message-delay: 100ms",
                "watchdog:",
                "  grace: " + GRACE_S + "s",
                "  backoff-initial: 500ms",
                "  backoff-max: 2s",
                "  reminder-interval: 1h",
                "mail:",
                "  host: 127.0.0.1",
                "  port: " + smtpSetup.getPort(),
                "  security: plain",
                "  from: alertbot@example.org",
                "  to: [ops@example.org]",
                "  timeout: 5s",
                "  retry-initial: 500ms",
                "  retry-max: 1s",
                "http:",
                "  listen: 127.0.0.1:0",
                extraYaml);
        AlertbotConfig cfg = new ConfigLoader(k -> null).parse(edit.apply(yaml));
        bot = new AlertBot(cfg, Clock.systemUTC());
        bot.start();
        return bot;
    }

    @Test
    void relaysToChannelThenMailsExactlyOneDownAndOneRecovered() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        try (RawIrcClient watcher = new RawIrcClient(servers.ircPort, "watcher", IrcServers.CHANNEL)) {
            startBot(servers);
            awaitUp(true, Duration.ofSeconds(20));
            assertThat(get("/healthz")).isEqualTo("ok\n");
            assertThat(get("/metrics")).contains("tuns_alertbot_bouncer_up 1")
                    .contains("tuns_alertbot_connect_attempts_total{reason=\"\",result=\"success\"} 1");
            assertThat(get("/status")).contains("\"ircUp\" : true").contains("\"status\" : \"UP\"");

            assertThat(post(payload("firing", "HighMemory", "memory above 90%"))).isEqualTo(200);
            String seen = watcher.await(l -> l.contains("NOTICE " + IrcServers.CHANNEL) && l.contains("HighMemory"),
                    Duration.ofSeconds(10));
            assertThat(seen).contains("[FIRING:1] HighMemory").contains("memory above 90%");
            assertThat(smtp.getReceivedMessages()).isEmpty();

            long killedAt = System.nanoTime();
            servers.killZnc();
            MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(GRACE_S + 8));
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(GRACE_S + 5));
            assertThat(subject(down)).contains("127.0.0.1:" + servers.zncPort);
            assertThat(down.getHeader("Auto-Submitted")[0]).isEqualTo("auto-generated");
            String body = (String) down.getContent();
            assertThat(body).contains("since:").contains("attempts:").contains("last error:")
                    .contains("last success:").contains("CET");

            // While IRC is down, alerts come by mail.
            assertThat(post(payload("firing", "DiskFull", "disk 99% full"))).isEqualTo(200);
            MimeMessage alertMail = awaitMail(m -> subject(m).contains("DiskFull"), Duration.ofSeconds(10));
            assertThat(subject(alertMail)).startsWith("[FIRING:1]");

            Thread.sleep(2000);
            servers.startZnc();
            MimeMessage recovered = awaitMail(m -> subject(m).startsWith("[RECOVERED"), Duration.ofSeconds(30));
            assertThat((String) recovered.getContent()).contains("downtime:");
            assertThat(recovered.getHeader("In-Reply-To")[0]).isEqualTo(down.getMessageID());
            awaitUp(true, Duration.ofSeconds(10));
            // One line in the channel says what went by e-mail meanwhile.
            assertThat(watcher.await(l -> l.contains("went by e-mail only"), Duration.ofSeconds(10)))
                    .contains("1 alert went by e-mail only (1 firing, 0 resolved): DiskFull");
            Thread.sleep(1500);
            assertThat(count(m -> subject(m).startsWith("[DOWN]"))).isEqualTo(1);
            assertThat(count(m -> subject(m).startsWith("[RECOVERED"))).isEqualTo(1);
            assertThat(get("/metrics")).contains("tuns_alertbot_connect_attempts_total{reason=\"connection_refused\",result=\"failure\"}")
                    .contains("tuns_alertbot_notifications_total{channel=\"irc\",result=\"ok\"} 1")
                    .contains("tuns_alertbot_notifications_total{channel=\"email\",result=\"sent\"} 3")
                    .contains("tuns_alertbot_outbox_size 0");
        }
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(IrcServers.ZNC_PASSWORD));
    }

    /**
     * The incident's hang with the shipped ratio of timers (grace 60 s &lt;= read-deadline 90 s, here 6 s each):
     * DOWN as soon as the read deadline passes, named "ping timeout", and the downtime counts from the last line
     * the bouncer sent, not from when the hang was noticed.
     */
    @Test
    @Timeout(90)
    void hungBouncerIsDownAtTheReadDeadlineAsPingTimeoutWithTheWholeDowntime() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        startBot(servers, servers.dir.resolve("password"), "", yaml -> yaml.replace("grace: " + GRACE_S + "s", "grace: 6s"));
        awaitUp(true, Duration.ofSeconds(20));
        // SIGSTOP: TCP stays open but nothing answers, like the VM that hung in the incident.
        long frozenAt = System.nanoTime();
        servers.freezeZnc();
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(6 + 6 + 6));
        Duration toDown = Duration.ofNanos(System.nanoTime() - frozenAt);
        assertThat(subject(down)).contains("ping timeout");
        // read-deadline 6 s after the last PONG (at most 2 s before the freeze), plus a tick and the SMTP hop.
        assertThat(toDown).isLessThan(Duration.ofSeconds(6 + 3));

        Thread.sleep(4000);
        servers.thawZnc();
        MimeMessage recovered = awaitMail(m -> subject(m).startsWith("[RECOVERED"), Duration.ofSeconds(40));
        Duration outage = Duration.ofNanos(System.nanoTime() - frozenAt);
        Duration reported = downtime((String) recovered.getContent());
        assertThat(reported).isGreaterThanOrEqualTo(outage.minusSeconds(2)).isLessThanOrEqualTo(outage.plusSeconds(3));
        assertThat(subject(recovered)).doesNotContain("TLS");
    }

    static Duration downtime(String body) {
        Matcher m = Pattern.compile("downtime:\\s+(?:(\\d+)m)?(?:(\\d+)s)?").matcher(body);
        assertThat(m.find()).as("downtime line in %s", body).isTrue();
        long min = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long sec = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        return Duration.ofSeconds(min * 60 + sec);
    }

    @Test
    void wrongPasswordIsAuthRejectedAndAlertsAtOnce() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        Path wrong = Files.writeString(tmp.resolve("wrong-password"), "not-the-password\n");
        startBot(servers, wrong, "");
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(GRACE_S));
        assertThat(subject(down)).contains("authentication rejected");
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("not-the-password"));
    }

    @Test
    void mentionsAndDirectMessagesAreMailedInABatch() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        try (RawIrcClient carol = new RawIrcClient(servers.ircPort, "carol", IrcServers.CHANNEL)) {
            startBot(servers, servers.dir.resolve("password"), String.join("\n",
                    "mentions:",
                    "  batch-interval: 2s",
                    "  people:",
                    "    - nick: alice",
                    "      email: alice@example.org",
                    "      direct-messages: true",
                    ""));
            awaitUp(true, Duration.ofSeconds(20));
            carol.send("PRIVMSG " + IrcServers.CHANNEL + " :alice: the tunnel VM is swapping");
            carol.send("PRIVMSG alertbot :alice, call me");
            MimeMessage m = awaitMail(x -> subject(x).contains("for alice"), Duration.ofSeconds(10));
            assertThat(m.getAllRecipients()[0].toString()).isEqualTo("alice@example.org");
            // Both lines arrive, in one batch or (if a flush fell between them) two.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String all = "";
            while (System.nanoTime() < deadline) {
                StringBuilder sb = new StringBuilder();
                for (MimeMessage x : smtp.getReceivedMessages()) {
                    if (subject(x).contains("for alice")) {
                        sb.append((String) x.getContent());
                    }
                }
                all = sb.toString();
                if (all.contains("call me")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(all).contains("<carol> alice: the tunnel VM is swapping").contains("(direct)  <carol> alice, call me");
        }
    }

    /** The incident: mentions ZNC buffered while the bot was offline were mailed as new, with the replay time. */
    @Test
    void mentionsPlayedBackAfterTheBotWasOfflineKeepTheirTimeAndSaySo() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        try (RawIrcClient carol = new RawIrcClient(servers.ircPort, "carol", IrcServers.CHANNEL)) {
            // ZNC is in the channel for the (not yet connected) bot, so it buffers what is said there.
            carol.await(l -> l.matches(":alertbot!\\S+ JOIN :?#ops.*") || l.matches("\\S+ 353 .*alertbot.*"),
                    Duration.ofSeconds(15));
            Instant said = Instant.now();
            carol.send("PRIVMSG " + IrcServers.CHANNEL + " :alice: tuns-1 is swapping");
            Thread.sleep(4000);
            startBot(servers, servers.dir.resolve("password"), String.join("\n",
                    "mentions:",
                    "  batch-interval: 1s",
                    "  people:",
                    "    - nick: alice",
                    "      email: alice@example.org",
                    ""));
            MimeMessage m = awaitMail(x -> subject(x).contains("for alice"), Duration.ofSeconds(20));
            String body = (String) m.getContent();
            assertThat(body).contains("(played back by the bouncer)").contains("<carol> alice: tuns-1 is swapping");
            Instant stamped = Instant.parse(body.lines().filter(l -> l.contains("tuns-1 is swapping")).findFirst()
                    .orElseThrow().split(" ")[0]);
            assertThat(Duration.between(said, stamped).abs()).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void restartDuringAnIncidentNeitherReAlertsNorLosesTheQueuedMail() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        startBot(servers);
        awaitUp(true, Duration.ofSeconds(20));
        smtp.stop();
        servers.killZnc();
        Thread.sleep((GRACE_S + 2) * 1000);
        assertThat(status().get("outboxSize")).isEqualTo(1);
        bot.close();

        startBot(servers);
        Thread.sleep((GRACE_S + 2) * 1000);
        assertThat(((Map<?, ?>) status().get("watchdog")).get("status")).isEqualTo("DOWN");
        smtp = new GreenMail(smtpSetup);
        smtp.start();
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(10));
        servers.startZnc();
        MimeMessage recovered = awaitMail(m -> subject(m).startsWith("[RECOVERED"), Duration.ofSeconds(30));
        assertThat(recovered.getHeader("In-Reply-To")[0]).isEqualTo(down.getMessageID());
        Thread.sleep(1500);
        assertThat(count(m -> subject(m).startsWith("[DOWN]"))).isEqualTo(1);
        assertThat(count(m -> subject(m).startsWith("[RECOVERED"))).isEqualTo(1);
    }

    @Test
    void upstreamNetworkLostWhileBouncerLives() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        startBot(servers);
        awaitUp(true, Duration.ofSeconds(20));
        servers.killNgircd();
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(GRACE_S + 8));
        assertThat(subject(down)).contains("upstream network lost");
    }

    @Test
    void incidentMailWaitsInOutboxWhileSmtpIsDown() throws Exception {
        servers = new IrcServers(mkdir("irc"), "localhost");
        servers.startNgircd();
        servers.startZnc();
        startBot(servers);
        awaitUp(true, Duration.ofSeconds(20));
        smtp.stop();
        servers.killZnc();
        Thread.sleep((GRACE_S + 3) * 1000);
        assertThat(status().get("outboxSize")).isEqualTo(1);
        smtp = new GreenMail(smtpSetup);
        smtp.start();
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(10));
        assertThat(subject(down)).contains("IRC bouncer");
        Thread.sleep(1500);
        assertThat(count(m -> subject(m).startsWith("[DOWN]"))).isEqualTo(1);
    }

    @Test
    void certificateForAnotherNameIsRejected() throws Exception {
        servers = new IrcServers(mkdir("irc"), "wrong.example");
        servers.startNgircd();
        servers.startZnc();
        startBot(servers);
        MimeMessage down = awaitMail(m -> subject(m).startsWith("[DOWN]"), Duration.ofSeconds(10));
        assertThat(subject(down)).contains("TLS");
        assertThat((String) down.getContent()).contains("certificate is for wrong.example, not 127.0.0.1");
        assertThat(bot.status().get("ircUp")).isEqualTo(false);
    }

    private Path mkdir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status() {
        return bot.status();
    }

    private void awaitUp(boolean up, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Boolean.valueOf(up).equals(bot.status().get("ircUp"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("IRC link not " + (up ? "up" : "down") + " within " + timeout + ": " + bot.status());
    }

    private String get(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bot.httpPort() + path)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    private int post(String json) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bot.httpPort() + "/alertmanager"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    public static String payload(String status, String name, String summary) {
        return """
                {"version":"4","groupKey":"{}:{alertname=\\"%2$s\\"}","truncatedAlerts":0,"status":"%1$s",
                 "receiver":"alertbot","groupLabels":{"alertname":"%2$s"},
                 "commonLabels":{"alertname":"%2$s","severity":"critical"},"commonAnnotations":{"summary":"%3$s"},
                 "externalURL":"http://alertmanager.example:9093",
                 "alerts":[{"status":"%1$s","labels":{"alertname":"%2$s","instance":"tuns-1:9100","severity":"critical"},
                   "annotations":{"summary":"%3$s"},"startsAt":"2026-11-23T20:00:00Z","endsAt":"0001-01-01T00:00:00Z",
                   "generatorURL":"http://prometheus.example/graph","fingerprint":"abc"}]}
                """.formatted(status, name, summary);
    }

    private MimeMessage awaitMail(Predicate<MimeMessage> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (MimeMessage m : smtp.getReceivedMessages()) {
                if (p.test(m)) {
                    return m;
                }
            }
            Thread.sleep(100);
        }
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            subjects.add(subject(m));
        }
        throw new AssertionError("no matching mail within " + timeout + "; received: " + subjects + "; status: "
                + bot.status());
    }

    private long count(Predicate<MimeMessage> p) {
        long n = 0;
        for (MimeMessage m : smtp.getReceivedMessages()) {
            if (p.test(m)) {
                n++;
            }
        }
        return n;
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
