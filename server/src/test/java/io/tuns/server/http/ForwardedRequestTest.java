package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.tunnel.TunnelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request as the service receives it (sish's forwarded headers and per-tunnel rewrites). */
class ForwardedRequestTest {

    static HttpRequest request(String uri, String... nameValues) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < nameValues.length; i += 2) {
            r.headers().add(nameValues[i], nameValues[i + 1]);
        }
        return r;
    }

    @Test
    void forwardedHeadersNameTheClientAndThePublicHost() {
        HttpRequest r = request("/x", "Host", "app.localhost:8080", "X-Forwarded-For", "10.0.0.1",
                "Connection", "keep-alive, X-Hop", "X-Hop", "1");
        ForwardedRequest.rewrite(r, "203.0.113.7", true, false, TunnelOptions.NONE);
        assertThat(r.headers().get("X-Forwarded-For")).isEqualTo("10.0.0.1, 203.0.113.7");
        assertThat(r.headers().get("X-Forwarded-Host")).isEqualTo("app.localhost:8080");
        assertThat(r.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(r.headers().get("X-Forwarded-Port")).as("the port in Host, as oxy's forwardedPort").isEqualTo("8080");
        assertThat(r.headers().get("X-Forwarded-Server")).as("os.Hostname(), as oxy sets it")
                .isEqualTo(ServerHostname.NAME).isNotBlank();
        assertThat(r.headers().get("X-Real-Ip")).isEqualTo("203.0.113.7");
        assertThat(r.headers().contains("X-Hop")).isFalse();
        assertThat(r.headers().contains("Connection")).isFalse();
    }

    @ParameterizedTest(name = "{0} bound {1} strip {2} -> {3}")
    @CsvSource({
            "/api/users?x=1, /api, true,  /users?x=1",
            "/api,           /api, true,  /",
            "/api?x=1,       /api, true,  /?x=1",
            "/api/users,     /api, false, /api/users",
            "/other,         /api, true,  /other",
    })
    void boundPathIsStrippedWhenTheTunnelAsks(String uri, String bound, boolean strip, String expected) {
        HttpRequest r = request(uri, "Host", "app.localhost");
        ForwardedRequest.rewrite(r, "203.0.113.7", false, false,
                new TunnelOptions(bound, null, null, null, strip, false, 0));
        assertThat(r.uri()).isEqualTo(expected);
    }

    @Test
    void hostHeaderOptionReplacesHostAfterXForwardedHostKeptThePublicOne() {
        HttpRequest r = request("/", "Host", "app.localhost");
        ForwardedRequest.rewrite(r, "203.0.113.7", false, false,
                new TunnelOptions("", null, null, "internal.example", true, false, 0));
        assertThat(r.headers().get("Host")).isEqualTo("internal.example");
        assertThat(r.headers().get("X-Forwarded-Host")).isEqualTo("app.localhost");
        assertThat(r.headers().get("X-Forwarded-Proto")).isEqualTo("http");
    }

    /** oxy's forwardedPort (vendored in sish): {@code if _, port, err := net.SplitHostPort(req.Host); … return port}. */
    @ParameterizedTest(name = "{0} https={1} -> {2}")
    @CsvSource({
            "app.localhost:8080,    false, 8080",
            "app.localhost,         false, 80",
            "app.localhost,         true,  443",
            "'[2001:db8::1]:8443',  true,  8443",
            "'[2001:db8::1]',       false, 80",
    })
    void xForwardedPortIsTheHostsPortElseTheSchemesDefault(String host, boolean https, String expected) {
        HttpRequest r = request("/", "Host", host);
        ForwardedRequest.rewrite(r, "203.0.113.7", https, false, TunnelOptions.NONE);
        assertThat(r.headers().get("X-Forwarded-Port")).isEqualTo(expected);
    }

    /**
     * sish httpmuxer.go: {@code if len(hostSplit) > 1 { newHost = fmt.Sprintf("%s:%s", newHost, hostSplit[1]) }}:
     * host-header= keeps the port the client wrote.
     */
    @ParameterizedTest(name = "Host {0}, host-header={1} -> {2}")
    @CsvSource({
            "app.localhost:8080,   internal.example,      internal.example:8080",
            "app.localhost,        internal.example,      internal.example",
            "'[2001:db8::1]:8080', internal.example,      internal.example:8080",
            // sish would send localhost:3000:8080; a host-header with its own port is kept whole
            "app.localhost:8080,   localhost:3000,        localhost:3000",
    })
    void hostHeaderKeepsTheClientsPortAsSishDoes(String host, String hostHeader, String expected) {
        HttpRequest r = request("/", "Host", host);
        ForwardedRequest.rewrite(r, "203.0.113.7", false, false,
                new TunnelOptions("", null, null, hostHeader, true, false, 0));
        assertThat(r.headers().get("Host")).isEqualTo(expected);
        assertThat(r.headers().get("X-Forwarded-Host")).isEqualTo(host);
    }

    @Test
    void serverHostnameFallsBackWhenTheKernelFileIsMissing(@TempDir Path dir)
            throws Exception {
        Path f = dir.resolve("hostname");
        Files.writeString(f, "box-7\n");
        assertThat(ServerHostname.read(f)).isEqualTo("box-7");
        assertThat(ServerHostname.read(dir.resolve("absent"))).isNotBlank();
    }
}
