package io.tuns.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.HeaderRedactor;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * Every {@code /_sish/*} request the HTTP front hands over (except metrics): the service console on a tunnel host,
 * the admin console on the root domain, their JSON APIs and the live stream. This class checks who is asking and
 * answers pages and sessions; {@link AdminRoutes} and {@link ServiceRoutes} answer the APIs.
 *
 * <p>Pages, script and style come from the jar; every response carries a strict Content-Security-Policy and the page
 * renders captured values only as text. Bodies are rendered on a small executor, never on an event loop.
 * Responses are written in request order per connection because browsers do not pipeline; the live stream keeps its
 * connection (see {@link ConsoleHub}).
 */
public final class ConsoleRoutes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRoutes.class);

    /** Keep-alive ping on the live stream; also how often stalled viewers are checked. */
    static final long VIEWER_PING_INTERVAL_MILLIS = 15_000;
    /** A viewer whose socket has not been writable for this long is closed. */
    static final long VIEWER_STALL_TIMEOUT_MILLIS = 120_000;

    private static final String PREFIX = "/_sish/";

    private final ServerConfig config;
    private final Inspector inspector;
    private final ConsoleBackend backend;
    private final ConsoleJson json = new ConsoleJson(new ObjectMapper());
    private final ConsoleAuth auth;
    private final StaticAssets assets = new StaticAssets();
    private final ConsoleHub hub;
    private final ConsoleRender render;
    private final ReplayRoute replays;
    private final AdminRoutes admin;
    private final ServiceRoutes service;

    public ConsoleRoutes(ServerConfig config, Inspector inspector, ConsoleBackend backend, Metrics metrics) {
        this(config, inspector, backend, metrics, VIEWER_PING_INTERVAL_MILLIS, VIEWER_STALL_TIMEOUT_MILLIS);
    }

    ConsoleRoutes(ServerConfig config, Inspector inspector, ConsoleBackend backend, Metrics metrics,
                  long viewerPingIntervalMillis, long viewerStallTimeoutMillis) {
        this.config = config;
        this.inspector = inspector;
        this.backend = backend;
        this.auth = new ConsoleAuth(config);
        if (config.adminConsole() && (config.adminConsoleToken() == null || config.adminConsoleToken().isEmpty())) {
            log.warn("event=admin_console_without_token --admin-console is on but --admin-console-token is empty:"
                    + " the admin console refuses everyone. Set --admin-console-token=<secret>.");
        }
        ExchangeJson exchangeJson = new ExchangeJson(json.mapper());
        this.hub = new ConsoleHub(inspector, config.consoleMaxViewersPerTunnel(), config.consoleMaxViewers(), metrics,
                e -> exchangeJson.summary(e).toString(), viewerPingIntervalMillis, viewerStallTimeoutMillis);
        this.render = new ConsoleRender(inspector, json);
        this.replays = new ReplayRoute(json, auth, backend, inspector, render, exchangeJson,
                new HeaderRedactor(config.inspectRedactHeaders()));
        this.admin = new AdminRoutes(json, backend, auth, new AdminApi(json.mapper(), backend, inspector::figures),
                inspector.memory());
        this.service = new ServiceRoutes(json, inspector, hub, exchangeJson, render, replays,
                new ServiceRoutes.Limits(config.consoleMaxViewersPerTunnel(), config.consoleMaxViewers(),
                        config.inspectMaxExchangesPerTunnel()));
    }

    /** Live-stream viewers attached right now (all tunnels). */
    public int viewers() {
        return hub.viewers();
    }

    @Override
    public void close() {
        render.close();
        replays.close();
    }

    /**
     * Answers one console request and releases it. {@code host} is lower-case without port; {@code rootDomain} is
     * true for the bare domain (admin console).
     */
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, String host, boolean rootDomain) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        QueryStringDecoder query;
        String path;
        try {
            query = new QueryStringDecoder(request.uri());
            path = query.path();
            query.parameters(); // decoded now, so a bad escape is answered here as the client's mistake
        } catch (IllegalArgumentException e) {
            // Not logged: ordinary bad input, and the query may hold a token.
            Replies.send(ctx, keepAlive, json.failure(HttpResponseStatus.BAD_REQUEST, "The address has a"
                    + " malformed percent-escape (a % must be followed by two hex digits): " + e.getMessage()));
            request.release();
            return;
        }
        try {
            route(new ConsoleCall(ctx, request, query, path, host, rootDomain, keepAlive));
        } catch (RuntimeException e) {
            // Only the path is logged: the query may hold a token.
            log.warn("console request failed path={} error={}", path, e.toString());
            Replies.send(ctx, false, json.failure(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "The console could not answer this request; see the server log."));
        } finally {
            request.release();
        }
    }

    private void route(ConsoleCall c) {
        if (c.path().startsWith("/_sish/console/assets/")) {
            serveAsset(c, c.path().substring("/_sish/console/assets/".length()));
            return;
        }
        Optional<TunnelInfo> tunnel = c.rootDomain() ? Optional.empty() : backend.tunnelForHost(c.host());
        ConsoleAuth.Access access = auth.check(c.request(), c.query(), tunnel);
        if (!access.granted()) {
            unauthorized(c);
            return;
        }
        String p = c.path();
        if (access.fromQuery() && c.get() && p.equals("/_sish/console")) {
            // Move the token into an HttpOnly cookie and out of the address bar (and out of later logs).
            FullHttpResponse r = Replies.redirect("/_sish/console");
            r.headers().add(HttpHeaderNames.SET_COOKIE, ConsoleAuth.sessionCookie(access.token()));
            c.send(r);
        } else if (c.rootDomain()) {
            if (access.role() != ConsoleAuth.Role.ADMIN) {
                unauthorized(c);
            } else if (p.equals("/_sish/console") && c.get()) {
                page(c, "admin.html");
            } else if (p.equals("/_sish/api/session") && c.get()) {
                c.send(json.ok(session(access, c.host(), "", Optional.empty())));
            } else {
                admin.route(c, access);
            }
        } else if (tunnel.isEmpty()) {
            c.send(json.notFound(c, "No tunnel is bound to " + c.host() + " right now. Start it again with ssh -R and"
                    + " open the console link it prints."));
        } else if (p.equals("/_sish/console") && c.get()) {
            page(c, "service.html");
        } else if (p.equals("/_sish/console/ws")) {
            c.send(json.notFound(c, "tuns streams the console over Server-Sent Events at /_sish/api/events."));
        } else if (p.equals("/_sish/api/session") && c.get()) {
            c.send(json.ok(session(access, c.host(), tunnel.get().publicUrl(), tunnel)));
        } else {
            service.route(c, access, tunnel.get());
        }
    }

    private ObjectNode session(ConsoleAuth.Access access, String host, String publicUrl, Optional<TunnelInfo> t) {
        ObjectNode n = json.object();
        n.put("role", access.role().name().toLowerCase(Locale.ROOT));
        n.put("host", host);
        n.put("publicUrl", publicUrl);
        n.put("csrf", auth.csrfTokenFor(access.token()));
        ObjectNode limits = n.putObject("limits");
        limits.put("maxCaptureBytesPerBody", config.serviceConsoleMaxContentLength());
        limits.put("captureBudgetBytes", inspector.captureBudgetBytes());
        limits.put("capturedBytes", inspector.capturedBytes());
        limits.put("maxBytesPerTunnel", config.inspectMaxBytesPerTunnel());
        limits.put("maxExchangesPerTunnel", config.inspectMaxExchangesPerTunnel());
        limits.put("maxRenderedBytes", inspector.renderer().maxRenderedBytes());
        limits.put("inspectAlways", config.inspectAlways());
        t.ifPresent(x -> n.put("tunnelCapturedBytes", inspector.capturedBytes(host)));
        return n;
    }

    private void unauthorized(ConsoleCall c) {
        String how = c.rootDomain()
                ? (auth.adminConfigured()
                    ? "Open the admin console with ?x-authorization=<admin token>, the value of --admin-console-token."
                    : "The admin console is off. Start tuns with --admin-console and --admin-console-token=<secret>.")
                : "Open the console with the link your ssh session printed when the tunnel started (\"Service"
                    + " console can be accessed here: …\"); it carries the token. Reconnect with ssh to get a new one.";
        if (c.api()) {
            c.send(json.failure(HttpResponseStatus.UNAUTHORIZED, "Not authorized. " + how));
        } else {
            c.send(Replies.page(HttpResponseStatus.UNAUTHORIZED, "Console: not authorized", how));
        }
    }

    private void serveAsset(ConsoleCall c, String name) {
        Optional<StaticAssets.Asset> asset = assets.get(name);
        if (asset.isEmpty() || name.endsWith(".html")) {
            c.send(Replies.text(HttpResponseStatus.NOT_FOUND, "No such console asset."));
            return;
        }
        FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, asset.get().contentType(), asset.get().bytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        c.send(r);
    }

    private void page(ConsoleCall c, String name) {
        StaticAssets.Asset page = assets.get(name).orElseThrow();
        c.send(Replies.bytes(HttpResponseStatus.OK, page.contentType(), page.bytes()));
    }

    static String baseUrl(TunnelInfo t) {
        return AdminApi.origin(t.publicUrl());
    }

    static boolean handles(String path) {
        return path.startsWith(PREFIX);
    }
}
