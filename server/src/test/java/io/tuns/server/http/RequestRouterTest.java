package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where each request goes, as a table over a real registry with a plain, a protected and an HTTPS-only tunnel. */
class RequestRouterTest {

    static final String ALICE = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));

    final TunnelRegistry registry = new TunnelRegistry();
    final RecordingOwner owner = new RecordingOwner(() -> { });

    RequestRouterTest() {
        add("app.localhost", TunnelOptions.NONE);
        add("api.localhost", new TunnelOptions("/v1", null, null, null, true, false, 0));
        add("locked.localhost", new TunnelOptions("", "alice", "s3cret", null, true, false, 0));
        add("secure.localhost", new TunnelOptions("", null, null, null, true, true, 0));
    }

    private static final ForwardOwnership OWNERSHIP =
            new ForwardOwnership(ForwardOwnership.Settings.strict("localhost"));

    private void add(String host, TunnelOptions options) {
        registry.claim(new Tunnel(Tunnel.TunnelType.HTTP, host, host, 80, owner, "t", Instant.now(), options),
                OWNERSHIP);
    }

    static RequestRouter.Settings settings(String redirectLocation) {
        return new RequestRouter.Settings("localhost", true, true, true, redirectLocation, true, false);
    }

    @ParameterizedTest(name = "{0}{1} tls={2} auth={3} -> {4}")
    @CsvSource({
            "localhost,        /_sish/metrics,  false, '',    METRICS",
            "app.localhost,    /_sish/metrics,  false, '',    CONSOLE", // metrics on the root domain only
            "app.localhost,    /_sish/console,  false, '',    CONSOLE",
            "localhost,        /,               false, '',    ROOT_PAGE",
            "nobody.localhost, /,               false, '',    NOT_FOUND",
            "app.localhost,    /x?y=1,          false, '',    TUNNEL",
            "api.localhost,    /v1/users,       false, '',    TUNNEL",
            "api.localhost,    /v2/users,       false, '',    NOT_FOUND",
            "locked.localhost, /,               false, '',    UNAUTHORIZED",
            "locked.localhost, /,               false, alice, TUNNEL",
            "secure.localhost, /,               false, '',    FORCE_HTTPS",
            "secure.localhost, /,               true,  '',    TUNNEL",
            "app.localhost,    /_sish/health,   false, '',    HEALTH",  // any Host: the load balancer's check
            "10.0.0.11,        /_sish/health?x, false, '',    HEALTH",
            "locked.localhost, /_sish/health,   false, '',    HEALTH",  // before any tunnel's password
            "localhost,        /_sish/health,   true,  '',    CONSOLE", // plain listener only
            "app.localhost,    /_sish/healthz,  false, '',    CONSOLE",
    })
    void routes(String host, String path, boolean tls, String auth, RequestRouter.Kind kind) {
        RequestRouter router = new RequestRouter(settings(""), registry::httpRoute);
        RequestRouter.Route r = router.route(host, path, tls, auth.equals("alice") ? ALICE : null);
        assertThat(r.kind()).isEqualTo(kind);
        if (kind == RequestRouter.Kind.TUNNEL) {
            assertThat(r.tunnel().host()).isEqualTo(host);
            assertThat(r.group().contains(r.tunnel())).isTrue();
        }
    }

    @Test
    void rootRedirectsWhenALocationIsSetButNotForTheFavicon() {
        RequestRouter router = new RequestRouter(settings("https://example.com/"), registry::httpRoute);
        RequestRouter.Route r = router.route("localhost", "/", false, null);
        assertThat(r.kind()).isEqualTo(RequestRouter.Kind.REDIRECT);
        assertThat(r.location()).isEqualTo("https://example.com/");
        assertThat(router.route("localhost", "/favicon.ico", false, null).kind())
                .isEqualTo(RequestRouter.Kind.ROOT_PAGE);
        // sish: !strings.HasPrefix(c.Request.URL.Path, "/favicon.ico")
        assertThat(router.route("localhost", "/favicon.ico?v=2", false, null).kind())
                .isEqualTo(RequestRouter.Kind.ROOT_PAGE);
    }

    @Test
    void withoutConsoleOrMetricsTheirPathsGoToTheTunnel() {
        RequestRouter router = new RequestRouter(new RequestRouter.Settings("localhost", false, false, false, "",
                false, false), registry::httpRoute);
        assertThat(router.route("app.localhost", "/_sish/console", false, null).kind())
                .isEqualTo(RequestRouter.Kind.TUNNEL);
        assertThat(router.route("localhost", "/", false, null).kind()).isEqualTo(RequestRouter.Kind.NOT_FOUND);
        assertThat(router.route("secure.localhost", "/", false, null).kind()).isEqualTo(RequestRouter.Kind.TUNNEL);
    }

    /**
     * sish httpmuxer.go decides {@code forceHTTPS && c.Request.TLS == nil && viper.GetBool("https")} after the
     * listener lookup (404 first) and the basic-auth check (401 first); the root domain is never redirected.
     */
    @ParameterizedTest(name = "--force-all-https: {0}{1} tls={2} auth={3} -> {4}")
    @CsvSource({
            "app.localhost,    /x?y=1, false, '',    FORCE_HTTPS",
            "app.localhost,    /x,     true,  '',    TUNNEL",
            "nobody.localhost, /,      false, '',    NOT_FOUND",
            "api.localhost,    /v2,    false, '',    NOT_FOUND",
            "locked.localhost, /,      false, '',    UNAUTHORIZED",
            "locked.localhost, /,      false, alice, FORCE_HTTPS",
            "localhost,        /,      false, '',    ROOT_PAGE",
    })
    void forceAllHttpsRedirectsTunnelsAfterTheirPasswordCheck(String host, String path, boolean tls, String auth,
                                                              RequestRouter.Kind kind) {
        RequestRouter router = new RequestRouter(new RequestRouter.Settings("localhost", false, false, true, "",
                true, true), registry::httpRoute);
        assertThat(router.route(host, path, tls, auth.equals("alice") ? ALICE : null).kind()).isEqualTo(kind);
    }

    @Test
    void forceAllHttpsNeedsTheHttpsListener() {
        RequestRouter router = new RequestRouter(new RequestRouter.Settings("localhost", false, false, true, "",
                false, true), registry::httpRoute);
        assertThat(router.route("app.localhost", "/", false, null).kind()).isEqualTo(RequestRouter.Kind.TUNNEL);
    }
}
