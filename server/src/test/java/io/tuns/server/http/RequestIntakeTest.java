package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What becomes of a request head, one row per way: refused, answered by tuns, the console's, or the tunnel's. */
class RequestIntakeTest {

    final TunnelRegistry registry = new TunnelRegistry();
    final Tunnel app = new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80,
            new RecordingOwner(() -> { }), "t", Instant.now());

    RequestIntake intake(String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "--domain=localhost";
        System.arraycopy(flags, 0, args, 1, flags.length);
        registry.claim(app, new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")));
        SishRoutes console = (ctx, req, host, root) -> req.release();
        return new RequestIntake(new HttpContext(ConfigLoader.fromArgs(args), registry, () -> new PublicUrls(80),
                null, console, null, HttpEvents.NONE, null, null, null, null));
    }

    static HttpRequest request(String uri, String... headers) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        return req;
    }

    @Test
    void aRequestTheCodecCouldNotParseIsRefused() {
        HttpRequest req = request("/");
        req.setDecoderResult(DecoderResult.failure(new DecoderException("bad header")));
        FullHttpResponse r = intake().refusal(req);
        assertThat(r.status().code()).isEqualTo(400);
        r.release();
    }

    /** Duplicate Content-Lengths and bad chunk sizes are the codec's to find: they arrive as a failed decode. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "two Hosts               | 400 | Host=app.localhost;Host=other.localhost",
            "TE identity, chunked    | 501 | Host=app.localhost;Transfer-Encoding=identity, chunked",
            "an unknown coding       | 501 | Host=app.localhost;Transfer-Encoding=gzip, chunked",
            "a plain GET             | 0   | Host=app.localhost",
    })
    void framingThatCannotBeTrustedIsRefusedAndClosed(String name, int status, String headers) {
        HttpRequest req = request("/x", headers.replace(';', '=').split("="));
        FullHttpResponse r = intake().refusal(req);
        if (status == 0) {
            assertThat(r).isNull();
            return;
        }
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.headers().get("Connection")).isEqualTo("close");
        r.release();
    }

    @Test
    void anAbsoluteTargetBecomesOriginForm() {
        HttpRequest req = request("http://app.localhost/x?y=1", "Host", "app.localhost");
        assertThat(intake().refusal(req)).isNull();
        assertThat(req.uri()).isEqualTo("/x?y=1");
    }

    @ParameterizedTest(name = "{0}{1} -> {2}")
    @CsvSource({
            "app.localhost,    /x,            tunnel",
            "app.localhost,    /_sish/api,    console",
            "nobody.localhost, /x,            404",
            "localhost,        /,             200",
            "'',               /,             400",
    })
    void decide(String host, String path, String expected) {
        RequestIntake intake = intake("--admin-console");
        ProxyExchange ex = new ProxyExchange(request(path), host.isEmpty() ? null : host);
        RequestIntake.Decision d = intake.decide(ex, false, UnpooledByteBufAllocator.DEFAULT);
        String got = d.tunnel() != null ? "tunnel" : d.console() ? "console"
                : String.valueOf(d.answer().status().code());
        assertThat(got).isEqualTo(expected);
        if (d.tunnel() != null) {
            assertThat(d.tunnel()).isSameAs(app);
            assertThat(ex.tunnel).isSameAs(app);
        }
        if (d.answer() != null) {
            d.answer().release();
        }
    }

    @Test
    void theRootRedirectsWhereTold() {
        RequestIntake intake = intake("--redirect-root-location=https://example.com/");
        ProxyExchange ex = new ProxyExchange(request("/"), "localhost");
        FullHttpResponse r = intake.decide(ex, false, UnpooledByteBufAllocator.DEFAULT).answer();
        assertThat(r.status().code()).isEqualTo(302);
        assertThat(r.headers().get("Location")).isEqualTo("https://example.com/");
        r.release();
    }

    @Test
    void forwardReadiesTheRequestForTheService() {
        RequestIntake intake = intake();
        HttpRequest req = request("/ws", "Host", "app.localhost", "Connection", "Upgrade, X-Secret",
                "Upgrade", "websocket", "X-Secret", "1", "Keep-Alive", "timeout=5");
        ProxyExchange ex = new ProxyExchange(req, "app.localhost");
        intake.forward(ex, app, "203.0.113.7", true, false);
        assertThat(ex.clientIp).isEqualTo("203.0.113.7");
        assertThat(ex.upgradeRequested).isTrue();
        assertThat(req.headers().get("X-Forwarded-For")).isEqualTo("203.0.113.7");
        assertThat(req.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(req.headers().get("X-Forwarded-Port")).isEqualTo("443");
        assertThat(req.headers().contains("X-Secret")).isFalse(); // named by Connection: hop-by-hop
        assertThat(req.headers().contains("Keep-Alive")).isFalse();
        assertThat(req.headers().get("Upgrade")).isEqualTo("websocket"); // the handshake is kept
    }
}
