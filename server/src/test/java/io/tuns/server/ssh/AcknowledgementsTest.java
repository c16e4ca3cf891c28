package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.ssh.Acknowledgements.Settings;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue #14 item 9: what a command is acknowledged as is what the server does with it. */
class AcknowledgementsTest {

    private static final Settings ALL_OFF = new Settings(false, false, false, false, "1", false, false, false, true);
    private static final Settings ALL_ON = new Settings(true, true, true, true, "1", true, true, true, false);
    private static final Settings USER_DEFINED = new Settings(true, true, true, true, "userdefined", true, true, true, false);
    private static final Settings V2 = new Settings(true, true, true, true, "2", true, true, true, false);

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(ALL_OFF, "sni-proxy=true", "sni-proxy is disabled on this server (--sni-proxy=false); ignored.", 0),
                Arguments.of(ALL_OFF, "tcp-alias=true", "tcp-alias is disabled on this server (--tcp-aliases=false); ignored.", 0),
                Arguments.of(ALL_OFF, "force-https=true", "force-https is disabled on this server (--force-https=false); ignored.", 0),
                Arguments.of(ALL_OFF, "host-header=x", "host-header is disabled on this server (--rewrite-host-header=false); ignored.", 0),
                Arguments.of(ALL_OFF, "strip-path=false", "strip-path is disabled on this server (--strip-http-path=false); ignored.", 0),
                Arguments.of(ALL_OFF, "tcp-address=1.2.3.4", "tcp-address is disabled on this server (--force-tcp-address); ignored.", 0),
                Arguments.of(ALL_OFF, "proxy-protocol=2", "proxy-protocol is disabled on this server (--proxy-protocol=false); ignored.", 0),
                Arguments.of(ALL_ON, "sni-proxy=true", "sni-proxy for connection set to: true", 0),
                Arguments.of(ALL_ON, "proxy-protocol=1", "proxy-protocol for connection set to: 1", 1),
                Arguments.of(ALL_ON, "proxy-protocol=2",
                        "proxy-protocol for connection set to: 1 (this server sends version 1: --proxy-protocol-version=1)", 1),
                Arguments.of(ALL_ON, "proxyproto=2",
                        "proxyproto for connection set to: 1 (this server sends version 1: --proxy-protocol-version=1)", 1),
                Arguments.of(USER_DEFINED, "proxy-protocol=2", "proxy-protocol for connection set to: 2", 2),
                Arguments.of(USER_DEFINED, "proxy-protocol=1", "proxy-protocol for connection set to: 1", 1),
                Arguments.of(V2, "proxy-protocol=1",
                        "proxy-protocol for connection set to: 2 (this server sends version 2: --proxy-protocol-version=2)", 2),
                Arguments.of(ALL_OFF, "deadline=1h", "Deadline for connection set to: 1h", 0),
                Arguments.of(ALL_OFF, "auto-close=true", "Auto close for connection set to: true", 0));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("rows")
    void acknowledgesWhatTheServerDoes(Settings settings, String command, String line, int versionSent) {
        Acknowledgements acks = new Acknowledgements(settings);
        SessionOptions options = SessionOptions.parse(command);
        assertThat(acks.lines(options)).containsExactly(line);
        assertThat(acks.proxyProtocolVersion(options)).isEqualTo(versionSent);
    }
}
