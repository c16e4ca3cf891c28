package io.tuns.server.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What becomes of a request once its head is read: refused (framing that cannot be trusted), answered by tuns (no
 * Host, ACME challenges and --force-all-https, metrics, redirects, the root page, 404, 401), the console's, or a
 * tunnel's; and for a tunnel, the request as its service will see it. Decides and rewrites; sends nothing.
 */
final class RequestIntake {

    /**
     * Exactly one of: tuns' own {@code answer}, the {@code console}'s, or a {@code tunnel}'s, or {@code elsewhere}:
     * no tunnel here and another cluster node may hold one of these route keys (best first); then there is no
     * answer yet (the 404 page is built only if no node holds it: most such requests hop).
     */
    record Decision(FullHttpResponse answer, boolean console, Tunnel tunnel, List<String> elsewhere,
                    CompletionStage<Optional<String>> challenge) {
        Decision(FullHttpResponse answer, boolean console, Tunnel tunnel) {
            this(answer, console, tunnel, null);
        }

        Decision(FullHttpResponse answer, boolean console, Tunnel tunnel, List<String> elsewhere) {
            this(answer, console, tunnel, elsewhere, null);
        }

        static Decision answer(FullHttpResponse r) {
            return new Decision(r, false, null);
        }
    }

    private final HttpContext hc;
    private final ServerConfig cfg;
    private final RequestRouter router;

    RequestIntake(HttpContext hc) {
        this.hc = hc;
        this.cfg = hc.config();
        this.router = new RequestRouter(new RequestRouter.Settings(cfg.domain(), hc.metrics() != null,
                hc.console() != null && (cfg.serviceConsole() || cfg.adminConsole()), cfg.redirectRoot(),
                cfg.redirectRootLocation(), cfg.https(), cfg.forceAllHttps()), hc.registry()::httpRoute);
    }

    /**
     * The answer to a request whose framing cannot be trusted (sent, then the connection closes), or null; a
     * trusted request's target is now in origin form.
     */
    FullHttpResponse refusal(HttpRequest req) {
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            return badRequest(dr.cause());
        }
        RequestValidator.Refusal refusal = RequestValidator.check(req);
        if (refusal != null) {
            return OwnAnswers.refusal(refusal.status(), refusal.reason());
        }
        RequestTarget.toOriginForm(req);
        return null;
    }

    FullHttpResponse badRequest(Throwable cause) {
        return OwnAnswers.badRequest(cause, cfg.httpMaxInitialLineLength(), cfg.httpMaxHeaderSize());
    }

    /** Routes {@code ex} (noting its tunnel and pool); {@code tls}: it came on the HTTPS listener. */
    Decision decide(ProxyExchange ex, boolean tls, ByteBufAllocator alloc) {
        String host = ex.host;
        if (host == null) {
            return Decision.answer(OwnAnswers.noHost());
        }
        String path = ex.request.uri();
        // io.tuns.server.tls: ACME HTTP-01 answers, on the plain listener only (--force-all-https is the router's)
        FullHttpResponse early = hc.tls() == null || tls ? null : hc.tls().intercept(path);
        if (early != null) {
            return Decision.answer(early);
        }
        // a cluster node: the challenge may be another node's order (answered from the store, or 404)
        CompletionStage<Optional<String>> asked = hc.tls() == null || tls ? null : hc.tls().askCluster(path);
        if (asked != null) {
            return new Decision(null, false, null, null, asked);
        }
        RequestRouter.Route route = router.route(host, path, tls,
                ex.request.headers().get(HttpHeaderNames.AUTHORIZATION));
        ex.tunnel = route.tunnel();
        ex.group = route.group();
        return switch (route.kind()) {
            case HEALTH -> {
                ex.healthCheck = true;
                yield Decision.answer(OwnAnswers.health(hc.readiness().notReady()));
            }
            case METRICS -> Decision.answer(hc.metrics().respond(ex.request, alloc));
            case CONSOLE -> new Decision(null, true, null);
            case REDIRECT -> Decision.answer(SishRedirect.found(route.location(), ex.request.method()));
            case ROOT_PAGE -> Decision.answer(OwnAnswers.rootPage(
                    RootPage.sentence(cfg.domain(), cfg.adminConsole(), hc.urls().get())));
            case NOT_FOUND -> {
                ex.logError = host.equals(cfg.domain()) ? "" : SishAccessLine.noTunnelError(host);
                if (hc.cluster() != null && !host.equals(cfg.domain())) {
                    yield new Decision(null, false, null, TunnelRegistry.httpRouteKeys(host, path));
                }
                yield Decision.answer(OwnAnswers.noTunnel(host));
            }
            case UNAUTHORIZED -> Decision.answer(OwnAnswers.unauthorized());
            // sish's 302 to the HTTPS URL users type (bound port or --https-port-override)
            case FORCE_HTTPS -> Decision.answer(SishRedirect.found(SishRedirect.httpsLocation(hc.urls().get(),
                    ex.request.headers().get(HttpHeaderNames.HOST), path), ex.request.method()));
            case TUNNEL -> new Decision(null, false, route.tunnel());
        };
    }

    /**
     * Readies {@code ex}'s request for its tunnel: who asked, its capture, whether it asks for an upgrade, and the
     * headers and target as the service sees them ({@link ForwardedRequest}).
     */
    void forward(ProxyExchange ex, Tunnel tunnel, String clientIp, boolean tls, boolean h2) {
        if (ex.hopped) { // to the node that holds the route, as the client sent it: that node does the rest
            ex.clientIp = clientIp;
            ex.upgradeRequested = ex.request.headers().contains(HttpHeaderNames.UPGRADE);
            return;
        }
        ex.clientIp = clientIp;
        if (hc.inspector() != null) {
            ex.recorder = hc.inspector().begin(ex.host, clientIp, ex.request,
                    h2 ? "HTTP/2.0" : ex.request.protocolVersion().text()); // an h2 stream comes as HTTP/1.1 objects
        }
        ex.upgradeRequested = ex.request.headers().contains(HttpHeaderNames.UPGRADE);
        ForwardedRequest.rewrite(ex.request, clientIp, tls || cfg.proxySslTermination(), ex.upgradeRequested,
                tunnel.options());
    }

}
