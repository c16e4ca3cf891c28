package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.ssh.Acknowledgements.Settings;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #14 item 9: what a command is acknowledged as is what the server does with it. Issue #15: in sish's words
 * (quoted from sish's sshmuxer/channels.go above each row), in command order, with tuns' notices for disabled
 * commands (where sish is silent) after sish's lines.
 */
class AcknowledgementsTest {

    private static final Settings ALL_OFF = new Settings(false, false, false, false, "1", false, false, false, true);
    private static final Settings ALL_ON = new Settings(true, true, true, true, "1", true, true, true, false);
    private static final Settings USER_DEFINED = new Settings(true, true, true, true, "userdefined", true, true, true, false);
    private static final Settings V2 = new Settings(true, true, true, true, "2", true, true, true, false);

    private static final Instant NOW = Instant.parse("2026-03-10T15:19:22Z");

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(ALL_OFF, "sni-proxy=true", "sni-proxy is disabled on this server (--sni-proxy=false); ignored.", 0),
                Arguments.of(ALL_OFF, "tcp-alias=true", "tcp-alias is disabled on this server (--tcp-aliases=false); ignored.", 0),
                Arguments.of(ALL_OFF, "force-https=true", "force-https is disabled on this server (--force-https=false); ignored.", 0),
                Arguments.of(ALL_OFF, "host-header=x", "host-header is disabled on this server (--rewrite-host-header=false); ignored.", 0),
                Arguments.of(ALL_OFF, "strip-path=false", "strip-path is disabled on this server (--strip-http-path=false); ignored.", 0),
                Arguments.of(ALL_OFF, "tcp-address=1.2.3.4", "tcp-address is disabled on this server (--force-tcp-address); ignored.", 0),
                Arguments.of(ALL_OFF, "proxy-protocol=2", "proxy-protocol is disabled on this server (--proxy-protocol=false); ignored.", 0),
                // sish sshmuxer/channels.go handleSession, quoted: fmt.Sprintf("SNI proxy for TCP forwards set to: %t", ...)
                Arguments.of(ALL_ON, "sni-proxy=true", "SNI proxy for TCP forwards set to: true", 0),
                // "Proxy protocol enabled for TCP connections. Using protocol version %d" (the version really sent)
                Arguments.of(ALL_ON, "proxy-protocol=1", "Proxy protocol enabled for TCP connections. Using protocol version 1", 1),
                Arguments.of(ALL_ON, "proxy-protocol=2", "Proxy protocol enabled for TCP connections. Using protocol version 1", 1),
                Arguments.of(ALL_ON, "proxyproto=2", "Proxy protocol enabled for TCP connections. Using protocol version 1", 1),
                Arguments.of(USER_DEFINED, "proxy-protocol=2", "Proxy protocol enabled for TCP connections. Using protocol version 2", 2),
                Arguments.of(USER_DEFINED, "proxy-protocol=1", "Proxy protocol enabled for TCP connections. Using protocol version 1", 1),
                Arguments.of(V2, "proxy-protocol=1", "Proxy protocol enabled for TCP connections. Using protocol version 2", 2),
                // "Using host header %s for HTTP handlers"
                Arguments.of(ALL_ON, "host-header=internal.example", "Using host header internal.example for HTTP handlers", 0),
                // "Strip path for HTTP handlers set to: %t"
                Arguments.of(ALL_ON, "strip-path=false", "Strip path for HTTP handlers set to: false", 0),
                // "TCP address for TCP forwards set to: %s"
                Arguments.of(ALL_ON, "tcp-address=127.0.0.2", "TCP address for TCP forwards set to: 127.0.0.2", 0),
                // "TCP alias for TCP forwards set to: %t"
                Arguments.of(ALL_ON, "tcp-alias=1", "TCP alias for TCP forwards set to: true", 0),
                // "Auto close for connection set to: %t"
                Arguments.of(ALL_OFF, "auto-close=true", "Auto close for connection set to: true", 0),
                // "Force https for connection set to: %t"
                Arguments.of(ALL_ON, "force-https=true", "Force https for connection set to: true", 0),
                // "Connection used for local forwards set to: %t"
                Arguments.of(ALL_OFF, "local-forward=true", "Connection used for local forwards set to: true", 0),
                // "Allowed users for TCP Aliases set to: %s", strings.Join(printKeys, ", "), own key first "%s (self)"
                Arguments.of(ALL_ON, "tcp-aliases-allowed-users=SHA256:a,SHA256:b",
                        "Allowed users for TCP Aliases set to: SHA256:self (self), SHA256:a, SHA256:b", 0),
                // "Deadline for connection set to: %s", Deadline.UTC().Format("2006-01-02 15:04:05")
                Arguments.of(ALL_OFF, "deadline=1h", "Deadline for connection set to: 2026-03-10 16:19:22", 0),
                Arguments.of(ALL_OFF, "deadline=2026-03-10T17:19:22+02:00", "Deadline for connection set to: 2026-03-10 15:19:22", 0));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("rows")
    void acknowledgesWhatTheServerDoes(Settings settings, String command, String line, int versionSent) {
        Acknowledgements acks = new Acknowledgements(settings);
        SessionOptions options = SessionOptions.parse(command);
        assertThat(acks.lines(options, "SHA256:self", NOW)).containsExactly(line);
        assertThat(acks.proxyProtocolVersion(options)).isEqualTo(versionSent);
    }

    @Test
    void sishLinesInCommandOrderThenTunsNotices() {
        Acknowledgements acks = new Acknowledgements(new Settings(true, true, true, true, "1", false, true, true, false));
        SessionOptions options = SessionOptions.parse("force-https=true host-header=h deadline=1741620000 auto-close=true");
        assertThat(acks.lines(options, null, NOW)).containsExactly(
                "Using host header h for HTTP handlers",
                "Deadline for connection set to: 2025-03-10 15:20:00",
                "Auto close for connection set to: true",
                "force-https is disabled on this server (--force-https=false); ignored.");
    }

    @Test
    void aProxyProtocolVersionNoneIsSentForIsNotAcknowledged() {
        // sish: if sshConn.ProxyProto != 0 { SendMessage(...) }
        Acknowledgements acks = new Acknowledgements(USER_DEFINED);
        assertThat(acks.lines(SessionOptions.parse("proxy-protocol=3"), null, NOW)).isEmpty();
    }

    /**
     * sish channels.go loops over {@code strings.Fields(payload)} and answers every command it applies, so a repeat
     * is answered again with its own value and the last one wins; after {@code strip-path=false} a later
     * {@code strip-path=} is skipped ({@code if !sshConn.StripPath { break }}); a value ends at a second '='.
     */
    @Test
    void repeatedCommandsAreAnsweredEachTimeAsSish() {
        Acknowledgements acks = new Acknowledgements(ALL_ON);
        SessionOptions options = SessionOptions.parse("host-header=a force-https=true host-header=b=c "
                + "strip-path=false strip-path=true proxy-protocol=1 proxyproto=2 force-https=false");
        assertThat(acks.lines(options, null, NOW)).containsExactly(
                "Using host header a for HTTP handlers",
                "Force https for connection set to: true",
                "Using host header b for HTTP handlers",
                "Strip path for HTTP handlers set to: false",
                "Proxy protocol enabled for TCP connections. Using protocol version 1",
                "Proxy protocol enabled for TCP connections. Using protocol version 1",
                "Force https for connection set to: false");
        assertThat(options.get("host-header")).isEqualTo("b");
        assertThat(options.get("strip-path")).isEqualTo("false");
        assertThat(options.flag("force-https")).isFalse();
    }

    @Test
    void aDisabledCommandGivenTwiceGetsOneNotice() {
        Acknowledgements acks = new Acknowledgements(ALL_OFF);
        assertThat(acks.lines(SessionOptions.parse("sni-proxy=true sni-proxy=false"), null, NOW)).containsExactly(
                "sni-proxy is disabled on this server (--sni-proxy=false); ignored.");
    }

    @Test
    void theLastProxyProtocolCommandDecidesTheVersionSent() {
        Acknowledgements acks = new Acknowledgements(USER_DEFINED);
        assertThat(acks.proxyProtocolVersion(SessionOptions.parse("proxy-protocol=2 proxyproto=1"))).isEqualTo(1);
        assertThat(acks.proxyProtocolVersion(SessionOptions.parse("proxyproto=1 proxy-protocol=2"))).isEqualTo(2);
    }
}
