package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.ssh.ForwardKind.Settings;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a {@code tcpip-forward} becomes: sish's rule, with the fixes of issue #14 items 3 and 7 as rows. */
class ForwardKindTest {

    private static final Settings PLAIN = new Settings(0, 0, true, true);
    private static final Settings HTTP_8080 = new Settings(8080, 8443, true, true);

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(PLAIN, "app", 80, "", ForwardKind.HTTP),
                Arguments.of(PLAIN, "app", 443, "", ForwardKind.HTTPS),
                Arguments.of(PLAIN, "localhost", 2200, "", ForwardKind.TCP),
                Arguments.of(PLAIN, "", 2200, "", ForwardKind.TCP),
                Arguments.of(PLAIN, "127.0.0.1", 2200, "", ForwardKind.TCP),
                Arguments.of(PLAIN, "box", 22, "", ForwardKind.ALIAS),
                Arguments.of(PLAIN, "app", 80, "tcp-alias=true", ForwardKind.ALIAS),
                // item 7: the printed HTTP(S) port is an HTTP(S) port too (sish), not an alias
                Arguments.of(HTTP_8080, "app", 8080, "", ForwardKind.HTTP),
                Arguments.of(HTTP_8080, "app", 8443, "", ForwardKind.HTTPS),
                Arguments.of(HTTP_8080, "app", 80, "", ForwardKind.HTTP),
                Arguments.of(PLAIN, "app", 8080, "", ForwardKind.ALIAS),
                // item 3: sni-proxy=true routes names by ClientHello, but not on the HTTP port nor for addresses
                Arguments.of(PLAIN, "s.example", 443, "sni-proxy=true", ForwardKind.SNI),
                Arguments.of(PLAIN, "s.example", 9443, "sni-proxy=true", ForwardKind.SNI),
                Arguments.of(PLAIN, "app", 80, "sni-proxy=true", ForwardKind.HTTP),
                Arguments.of(HTTP_8080, "app", 8080, "sni-proxy=true", ForwardKind.HTTP),
                Arguments.of(PLAIN, "127.0.0.1", 9443, "sni-proxy=true", ForwardKind.TCP),
                Arguments.of(PLAIN, "localhost", 9443, "sni-proxy=true", ForwardKind.TCP),
                Arguments.of(new Settings(0, 0, true, false), "s.example", 9443, "sni-proxy=true", ForwardKind.ALIAS));
    }

    @ParameterizedTest(name = "{1}:{2} {3} -> {4}")
    @MethodSource("rows")
    void kindOf(Settings settings, String bind, int port, String commands, ForwardKind expected) {
        assertThat(ForwardKind.of(bind, port, SessionOptions.parse(commands), settings)).isEqualTo(expected);
    }
}
