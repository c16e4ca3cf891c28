package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.tunnel.Tunnel;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * sish httpmuxer.go's gin formatter, quoted:
 * <pre>
 * logLine := fmt.Sprintf("%v | %s |%s %3d %s| %13v | %15s |%s %-7s %s %s\n%s",
 *     param.TimeStamp.Format(viper.GetString("time-format")), param.Request.Host,
 *     statusColor, param.StatusCode, resetColor, param.Latency, param.ClientIP,
 *     methodColor, param.Method, resetColor, originalURI, param.ErrorMessage)
 * </pre>
 * with {@code gin.ForceConsoleColor()}, so the colours are always there.
 */
class SishAccessLineTest {

    @Test
    void aServedRequestIsSishsLineByteForByte() {
        String line = SishAccessLine.format("2024/05/01 - 12:00:00", "app.example.com:8080", 200, 1_234_567,
                "203.0.113.7", "GET", "/api/x?y=1", "");
        assertThat(line).isEqualTo("2024/05/01 - 12:00:00 | app.example.com:8080 |\033[97;42m 200 \033[0m|"
                + "    1.234567ms |     203.0.113.7 |\033[97;44m GET     \033[0m /api/x?y=1\n");
    }

    @Test
    void aRequestNoTunnelTakesCarriesGinsPrivateError() {
        String line = SishAccessLine.format("t", "nope.example.com", 404, 85_000, "::1", "POST", "/",
                SishAccessLine.noTunnelError("nope.example.com"));
        // sish: c.AbortWithError(http.StatusNotFound, fmt.Errorf("cannot find connection for host: %s", hostname))
        // gin errorMsgs.String(): fmt.Fprintf(&buffer, "Error #%02d: %s\n", i+1, msg.Err)
        assertThat(line).isEqualTo("t | nope.example.com |\033[90;43m 404 \033[0m|          85µs |             ::1 "
                + "|\033[97;46m POST    \033[0m /\nError #01: cannot find connection for host: nope.example.com\n");
    }

    /** gin/logger.go StatusCodeColor and MethodColor. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"101, WHITE", "200, GREEN", "204, GREEN", "302, WHITE", "401, YELLOW", "404, YELLOW", "502, RED"})
    void statusColours(int status, String colour) throws Exception {
        assertThat(SishAccessLine.statusColor(status))
                .isEqualTo(SishAccessLine.class.getDeclaredField(colour).get(null));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"GET, BLUE", "POST, CYAN", "PUT, YELLOW", "DELETE, RED", "PATCH, GREEN", "HEAD, MAGENTA",
            "OPTIONS, WHITE", "PROPFIND, RESET"})
    void methodColours(String method, String colour) throws Exception {
        assertThat(SishAccessLine.methodColor(method))
                .isEqualTo(SishAccessLine.class.getDeclaredField(colour).get(null));
    }

    /** Go's time.Duration.String(), and sish's {@code Latency - Latency%time.Second} above a minute. */
    @ParameterizedTest(name = "{0} ns -> {1}")
    @CsvSource({
            "0,              0s",
            "850,            850ns",
            "1000,           1µs",
            "512300,         512.3µs",
            "1234567,        1.234567ms",
            "2000000,        2ms",
            "2500000000,     2.5s",
            "1000000001,     1.000000001s",
            "65000000000,    1m5s",
            "120000000000,   2m0s",
            "3600500000000,  1h0m0.5s",
    })
    void goDurations(long nanos, String expected) {
        assertThat(SishAccessLine.goDuration(nanos)).isEqualTo(expected);
    }

    @Test
    void overAMinuteTheLatencyIsCutToWholeSeconds() {
        assertThat(SishAccessLine.format("t", "h", 200, 61_700_000_000L, "1.2.3.4", "GET", "/", ""))
                .contains("|          1m1s |");
    }

    @Test
    void consoleTokensAreRedactedAsSishDoes() {
        RequestLog log = new RequestLog(new RequestLog.Settings("2006", false, true, List.of("admintok", "")));
        assertThat(log.redact("/_sish/console?x-authorization=admintok")).isEqualTo(
                "/_sish/console?x-authorization=[REDACTED]");
        assertThat(log.redact("/_sish/console?a=1&X-Authorization=pertunnel&b=2")).isEqualTo(
                "/_sish/console?a=1&X-Authorization=[REDACTED]&b=2");
        assertThat(log.redact("/plain?q=1")).isEqualTo("/plain?q=1");
        // tuns' own log never has the query (API keys travel there); the owner's session line keeps it
        assertThat(RequestLog.withoutQuery("/plain?api_key=hunter2")).isEqualTo("/plain");
        assertThat(RequestLog.withoutQuery("/plain")).isEqualTo("/plain");
    }

    @Test
    void theSessionGetsTheTrimmedLineAndOnlyForItsOwnTunnel() {
        RecordingOwner owner = new RecordingOwner(() -> { });
        Tunnel t = new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, owner, "t", Instant.now());
        RequestLog log = new RequestLog(new RequestLog.Settings("2006", false, true, List.of()));
        log.exchange(t, "app.localhost:8080", 200, 1_000, "127.0.0.1", "GET", "/x", "");
        log.exchange(null, "nope.localhost", 404, 1_000, "127.0.0.1", "GET", "/y", "e\n");
        assertThat(owner.messages).hasSize(1);
        assertThat(owner.messages.get(0)).matches("\\d{4} \\| app\\.localhost:8080 \\|\033\\[97;42m 200 "
                + "\033\\[0m\\|           1µs \\|       127\\.0\\.0\\.1 \\|\033\\[97;44m GET     \033\\[0m /x");
        owner.messages.clear();
        log.reload("2006", false);
        RequestLog off = new RequestLog(new RequestLog.Settings("2006", false, false, List.of()));
        off.exchange(t, "app.localhost", 200, 1_000, "127.0.0.1", "GET", "/x", "");
        assertThat(owner.messages).as("--log-to-client off").isEmpty();
    }
}
