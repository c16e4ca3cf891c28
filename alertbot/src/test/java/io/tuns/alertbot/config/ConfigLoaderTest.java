package io.tuns.alertbot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    static final String MINIMAL = """
            irc:
              host: irc.example.org
              user: ops
              network: libera
              password-env: IRC_PW
              nick: opsbot
              channel: "#ops"
            mail:
              host: smtp.example.org
              from: bot@example.org
              to: [ops@example.org]
            """;
    final ConfigLoader loader = new ConfigLoader(Map.of("IRC_PW", "hunter2", "TOKEN", "t0k")::get);

    @Test
    void defaultsAreTheDocumentedOnes() {
        AlertbotConfig c = loader.parse(MINIMAL);
        assertThat(c.irc().port()).isEqualTo(6697);
        assertThat(c.irc().tls()).isTrue();
        assertThat(c.irc().loginName()).isEqualTo("ops@alertbot/libera");
        assertThat(c.irc().pingInterval()).isEqualTo(Duration.ofSeconds(30));
        // ping 30 s + read deadline 90 s: a hung bouncer is noticed (and mailed) within 2 min of its last line.
        assertThat(c.irc().readDeadline()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.watch().grace()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.watch().reminderInterval()).isEqualTo(Duration.ofHours(4));
        assertThat(c.mail().security()).isEqualTo(AlertbotConfig.MailSecurity.STARTTLS);
        assertThat(c.mail().port()).isEqualTo(587);
        assertThat(c.mail().maxPerHour()).isEqualTo(30);
        assertThat(c.mail().outboxMax()).isEqualTo(1000);
        assertThat(c.mail().incidentMaxPerHour()).isEqualTo(20);
        assertThat(c.mail().incidentOutboxMax()).isEqualTo(100);
        assertThat(c.mentions().batchInterval()).isEqualTo(Duration.ofMinutes(5));
        // The dead-man's switch is on unless turned off: a pipeline that never delivers must not go unnoticed.
        assertThat(c.heartbeat()).isEqualTo(new AlertbotConfig.Heartbeat(true, "Watchdog", Duration.ofMinutes(10)));
        assertThat(c.irc().password().orElseThrow().reveal()).isEqualTo("hunter2");
    }

    @Test
    void secretsNeverPrint() {
        AlertbotConfig c = loader.parse(MINIMAL);
        assertThat(c.toString()).doesNotContain("hunter2");
        assertThat(c.irc().password().orElseThrow().matches("hunter2")).isTrue();
        assertThat(c.irc().password().orElseThrow().matches("hunter3")).isFalse();
        assertThat(c.irc().password().orElseThrow().matches(null)).isFalse();
    }

    private static String error(ConfigLoader l, String yaml) {
        try {
            l.parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("expected a config error");
    }

    @Test
    void errorsAreOneLineNamingTheKey() {
        assertThat(error(loader, MINIMAL.replace("  nick: opsbot\n", ""))).isEqualTo("irc.nick: is required");
        assertThat(error(loader, MINIMAL + "watchdog:\n  grace: soon\n")).startsWith("watchdog.grace: must be a duration");
        assertThat(error(loader, MINIMAL + "watchdog:\n  gracee: 5s\n")).startsWith("watchdog.gracee: unknown key");
        assertThat(error(loader, MINIMAL.replace("channel: \"#ops\"", "channel: ops"))).startsWith("irc.channel:");
        assertThat(error(loader, MINIMAL.replace("host: irc.example.org", "host: irc.example.org\n  port: 70000")))
                .isEqualTo("irc.port: must be 1-65535, got 70000");
        assertThat(error(new ConfigLoader(k -> null), MINIMAL))
                .isEqualTo("irc.password-env: environment variable IRC_PW is not set");
        assertThat(error(loader, MINIMAL.replace("to: [ops@example.org]", "to: [nobody]")))
                .isEqualTo("mail.to: 'nobody' is not an e-mail address");
        assertThat(error(loader, MINIMAL + "zone: Mars/Olympus\n")).startsWith("zone: unknown time zone");
        assertThat(error(loader, MINIMAL.replace("host: irc.example.org", "host: irc.example.org\n  tls: false")))
                .startsWith("irc.tls: plaintext IRC needs insecure-plaintext: true");
        assertThat(error(loader, "irc: [")).startsWith("config: not valid YAML");
        assertThat(error(loader, MINIMAL + "http:\n  listen: nowhere\n")).startsWith("http.listen:");
        assertThat(error(loader, MINIMAL.replace("password-env: IRC_PW", "password-file: /nonexistent/pw")))
                .startsWith("irc.password-file: file /nonexistent/pw does not exist");
        assertThat(error(loader, MINIMAL + "mentions:\n  people:\n    - nick: alice\n"))
                .isEqualTo("mentions.people[0].email: is required");
        assertThat(error(loader, MINIMAL.replace("nick: opsbot", "nick: opsbot\n  alert-template: '{alertname} {oops}'")))
                .startsWith("irc.alert-template: unknown placeholder {oops}");
    }

    @Test
    void outgoingHeartbeatIsOptionalAndItsUrlASecret() {
        assertThat(loader.parse(MINIMAL).outgoingPing()).isEmpty();
        ConfigLoader withUrl = new ConfigLoader(Map.of("IRC_PW", "hunter2", "PING",
                "https://hc-ping.com/0b9e-uuid", "BAD", "ftp://x/0b9e-uuid")::get);
        AlertbotConfig c = withUrl.parse(MINIMAL + "outgoing-heartbeat:\n  url-env: PING\n  every: 2m\n");
        assertThat(c.outgoingPing().orElseThrow().every()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.outgoingPing().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.toString()).doesNotContain("0b9e-uuid");
        assertThatThrownBy(() -> withUrl.parse(MINIMAL + "outgoing-heartbeat:\n  url-env: BAD\n"))
                .hasMessage("outgoing-heartbeat.url-env: must be an http:// or https:// URL with a host");
        assertThatThrownBy(() -> withUrl.parse(MINIMAL + "outgoing-heartbeat:\n  every: 1m\n"))
                .hasMessage("outgoing-heartbeat.url-env: outgoing-heartbeat needs url-env or url-file");
    }
}
