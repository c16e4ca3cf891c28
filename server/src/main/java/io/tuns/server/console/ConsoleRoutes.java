package io.tuns.server.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.BodyCapture;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;
import io.tuns.server.inspect.HeaderRedactor;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.RenderedBody;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Every {@code /_sish/*} request the HTTP front hands over (except metrics): the service console on a tunnel host,
 * the admin console on the root domain, their JSON APIs and the live stream.
 *
 * <p>Pages, script and style come from the jar; every response carries a strict Content-Security-Policy and the page
 * renders captured values only as text. Bodies are rendered on a small executor, never on an event loop.
 * Responses are written in request order per connection because browsers do not pipeline; the live stream keeps its
 * connection (see {@link ConsoleHub}).
 */
public final class ConsoleRoutes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRoutes.class);

    /** Threads that render bodies and HAR files (decompression is CPU work). */
    static final int RENDER_THREADS = 2;
    /** Render jobs waiting beyond this are refused with 503 rather than queued without bound. */
    static final int RENDER_QUEUE = 32;
    /** Keep-alive ping on the live stream; also how often stalled viewers are checked. */
    static final long VIEWER_PING_INTERVAL_MILLIS = 15_000;
    /** A viewer whose socket has not been writable for this long is closed. */
    static final long VIEWER_STALL_TIMEOUT_MILLIS = 120_000;
    /** Body text included across one HAR export, in units of the rendered-body bound. */
    static final int HAR_BODY_BOUND_IN_RENDERED_BODIES = 8;
    static final int MAX_CONCURRENT_REPLAYS = 16;
    static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(30);

    private static final String PREFIX = "/_sish/";

    private final ServerConfig config;
    private final Inspector inspector;
    private final ConsoleBackend backend;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ConsoleAuth auth;
    private final StaticAssets assets = new StaticAssets();
    private final ExchangeJson exchangeJson = new ExchangeJson(mapper);
    private final HarExport har;
    private final AdminApi admin;
    private final ConsoleHub hub;
    private final Replayer replayer;
    private final HeaderRedactor redactor;
    private final ThreadPoolExecutor renderExecutor;

    public ConsoleRoutes(ServerConfig config, Inspector inspector, ConsoleBackend backend, Metrics metrics) {
        this(config, inspector, backend, metrics, VIEWER_PING_INTERVAL_MILLIS, VIEWER_STALL_TIMEOUT_MILLIS);
    }

    ConsoleRoutes(ServerConfig config, Inspector inspector, ConsoleBackend backend, Metrics metrics,
                  long viewerPingIntervalMillis, long viewerStallTimeoutMillis) {
        this.config = config;
        this.inspector = inspector;
        this.backend = backend;
        this.auth = new ConsoleAuth(config);
        this.har = new HarExport(mapper, inspector.renderer(),
                HAR_BODY_BOUND_IN_RENDERED_BODIES * inspector.renderer().maxRenderedBytes());
        this.admin = new AdminApi(mapper, backend, inspector::figures);
        if (config.adminConsole() && (config.adminConsoleToken() == null || config.adminConsoleToken().isEmpty())) {
            log.warn("event=admin_console_without_token --admin-console is on but --admin-console-token is empty:"
                    + " the admin console refuses everyone. Set --admin-console-token=<secret>.");
        }
        this.hub = new ConsoleHub(inspector, config.consoleMaxViewersPerTunnel(), config.consoleMaxViewers(), metrics,
                e -> exchangeJson.summary(e).toString(), viewerPingIntervalMillis, viewerStallTimeoutMillis);
        this.replayer = new Replayer(inspector.renderer().maxRenderedBytes(), REPLAY_TIMEOUT, MAX_CONCURRENT_REPLAYS);
        this.redactor = new HeaderRedactor(config.inspectRedactHeaders());
        AtomicInteger threadIds = new AtomicInteger();
        this.renderExecutor = new ThreadPoolExecutor(RENDER_THREADS, RENDER_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(RENDER_QUEUE), r -> {
                    Thread t = new Thread(r, "tuns-console-render-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.renderExecutor.allowCoreThreadTimeOut(true);
    }

    /** Live-stream viewers attached right now (all tunnels). */
    public int viewers() {
        return hub.viewers();
    }

    @Override
    public void close() {
        renderExecutor.shutdownNow();
        replayer.close();
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
            Replies.send(ctx, keepAlive, Replies.json(HttpResponseStatus.BAD_REQUEST, error("The address has a"
                    + " malformed percent-escape (a % must be followed by two hex digits): " + e.getMessage())));
            request.release();
            return;
        }
        try {
            route(new Call(ctx, request, query, path, host, rootDomain, keepAlive));
        } catch (RuntimeException e) {
            // Only the path is logged: the query may hold a token.
            log.warn("console request failed path={} error={}", path, e.toString());
            Replies.send(ctx, false, Replies.json(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    error("The console could not answer this request; see the server log.")));
        } finally {
            request.release();
        }
    }

    /** Everything about one request that the handlers need, read before the request is released. */
    private record Call(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, String path,
                        String host, boolean rootDomain, boolean keepAlive) {
        boolean get() {
            return request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
        }

        boolean post() {
            return request.method().equals(HttpMethod.POST);
        }

        boolean api() {
            return path.startsWith("/_sish/api/");
        }
    }

    private void route(Call c) {
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
        if (access.fromQuery() && c.get() && c.path().equals("/_sish/console")) {
            // Move the token into an HttpOnly cookie and out of the address bar (and out of later logs).
            FullHttpResponse r = Replies.redirect("/_sish/console");
            r.headers().add(HttpHeaderNames.SET_COOKIE, ConsoleAuth.sessionCookie(access.token()));
            send(c, r);
            return;
        }
        if (c.rootDomain()) {
            routeAdmin(c, access);
        } else if (tunnel.isEmpty()) {
            send(c, notFound(c, "No tunnel is bound to " + c.host() + " right now. Start it again with ssh -R and"
                    + " open the console link it prints."));
        } else {
            routeService(c, access, tunnel.get());
        }
    }

    private void routeAdmin(Call c, ConsoleAuth.Access access) {
        String p = c.path();
        if (access.role() != ConsoleAuth.Role.ADMIN) {
            unauthorized(c);
        } else if (p.equals("/_sish/console") && c.get()) {
            page(c, "admin.html");
        } else if (p.equals("/_sish/api/session") && c.get()) {
            sendJson(c, session(access, c.host(), "", Optional.empty()));
        } else if (p.startsWith("/_sish/api/clients") && c.get()) {
            sendJson(c, admin.clients());
        } else if (p.equals("/_sish/api/memory") && c.get()) {
            sendJson(c, MemoryJson.of(mapper, inspector.memory()));
        } else if (p.startsWith("/_sish/api/disconnectclient/")) {
            if (!stateChangeAllowed(c, access)) {
                return;
            }
            String remoteAddr;
            try {
                remoteAddr = QueryStringDecoder.decodeComponent(p.substring("/_sish/api/disconnectclient/".length()));
            } catch (IllegalArgumentException e) {
                send(c, Replies.json(HttpResponseStatus.BAD_REQUEST, error("The client address has a malformed"
                        + " percent-escape: " + e.getMessage())));
                return;
            }
            boolean done = backend.disconnectClient(remoteAddr);
            log.info("console admin action=disconnect-client found={}", done);
            sendJson(c, mapper.createObjectNode().put("status", done));
        } else if (p.startsWith("/_sish/api/rotatetoken/")) {
            if (!stateChangeAllowed(c, access)) {
                return;
            }
            String tunnelHost = p.substring("/_sish/api/rotatetoken/".length()).toLowerCase(Locale.ROOT);
            Optional<String> fresh = backend.rotateConsoleToken(tunnelHost);
            log.info("console admin action=rotate-token found={}", fresh.isPresent());
            ObjectNode n = mapper.createObjectNode().put("status", fresh.isPresent());
            fresh.ifPresent(token -> backend.tunnelForHost(tunnelHost).ifPresent(t -> n.put("console",
                    ConsoleTokens.serviceConsoleUrl(baseUrl(t), token))));
            if (fresh.isEmpty()) {
                n.put("error", "No HTTP tunnel with a key-authenticated client is bound to " + tunnelHost + ".");
            }
            sendJson(c, n);
        } else if (p.startsWith("/_sish/api/disconnectroute/")) {
            if (!stateChangeAllowed(c, access)) {
                return;
            }
            String[] parts = p.substring("/_sish/api/disconnectroute/".length()).split("/", 2);
            if (parts.length != 2) {
                send(c, Replies.json(HttpResponseStatus.BAD_REQUEST,
                        error("Use /_sish/api/disconnectroute/<type>/<base64 route>.")));
                return;
            }
            String route;
            try {
                route = new String(Base64.getDecoder().decode(QueryStringDecoder.decodeComponent(parts[1])),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                send(c, Replies.json(HttpResponseStatus.BAD_REQUEST, error("The route must be base64 (standard).")));
                return;
            }
            boolean done = backend.disconnectRoute(parts[0], route);
            log.info("console admin action=disconnect-route type={} found={}", parts[0], done);
            sendJson(c, mapper.createObjectNode().put("status", done));
        } else {
            send(c, notFound(c, "There is nothing at " + p + "."));
        }
    }

    /** sish's GET actions still work with an explicit token; with the cookie only a POST with the CSRF value does. */
    private boolean stateChangeAllowed(Call c, ConsoleAuth.Access access) {
        boolean allowed = c.post() ? auth.csrfOk(c.request(), access, c.host()) : c.get() && access.explicit();
        if (!allowed) {
            send(c, Replies.json(HttpResponseStatus.FORBIDDEN, error("This action needs a POST from the console page"
                    + " (or the x-authorization token on the request itself).")));
        }
        return allowed;
    }

    private void routeService(Call c, ConsoleAuth.Access access, TunnelInfo tunnel) {
        String p = c.path();
        String base = baseUrl(tunnel);
        if (p.equals("/_sish/console") && c.get()) {
            page(c, "service.html");
        } else if (p.equals("/_sish/console/ws")) {
            send(c, notFound(c, "tuns streams the console over Server-Sent Events at /_sish/api/events."));
        } else if (p.equals("/_sish/api/session") && c.get()) {
            sendJson(c, session(access, c.host(), tunnel.publicUrl(), Optional.of(tunnel)));
        } else if (p.equals("/_sish/api/events") && c.get()) {
            if (!hub.attach(c.ctx(), c.host())) {
                send(c, Replies.json(HttpResponseStatus.TOO_MANY_REQUESTS, error("Too many console viewers are open"
                        + " (the limit is " + config.consoleMaxViewersPerTunnel() + " per tunnel and "
                        + config.consoleMaxViewers() + " in total). Close another console tab and reload.")));
            }
        } else if (p.equals("/_sish/api/exchanges") && c.get()) {
            ExchangeFilter filter;
            ExchangePage.Cursor cursor;
            try {
                filter = ExchangeFilter.from(c.query().parameters());
                cursor = ExchangePage.Cursor.from(c.query().parameters());
            } catch (IllegalArgumentException e) {
                send(c, Replies.json(HttpResponseStatus.BAD_REQUEST, error(e.getMessage())));
                return;
            }
            ExchangePage page = ExchangePage.of(inspector.exchanges(c.host()), filter::matches, cursor);
            ArrayNode list = mapper.createArrayNode();
            page.exchanges().forEach(e -> list.add(exchangeJson.summary(e)));
            ObjectNode n = mapper.createObjectNode();
            n.set("exchanges", list);
            n.put("total", page.total());
            n.put("matched", page.matched());
            n.put("nextBefore", page.nextBefore());
            n.put("maxExchanges", config.inspectMaxExchangesPerTunnel());
            sendJson(c, n);
        } else if (p.equals("/_sish/api/har") && c.get()) {
            ExchangeFilter filter;
            try {
                filter = ExchangeFilter.from(c.query().parameters());
            } catch (IllegalArgumentException e) {
                send(c, Replies.json(HttpResponseStatus.BAD_REQUEST, error(e.getMessage())));
                return;
            }
            List<Exchange> list = inspector.exchanges(c.host()).stream().filter(filter::matches).toList();
            renderLater(c, HAR_BODY_BOUND_IN_RENDERED_BODIES,
                    () -> harResponse(har.har(list, base), c.host() + ".har"));
        } else if (p.startsWith("/_sish/api/exchanges/")) {
            routeExchange(c, access, p.substring("/_sish/api/exchanges/".length()).split("/"), tunnel, base);
        } else {
            send(c, notFound(c, "There is nothing at " + p + "."));
        }
    }

    private void routeExchange(Call c, ConsoleAuth.Access access, String[] parts, TunnelInfo tunnel, String base) {
        Optional<Exchange> found = parseId(parts[0]).flatMap(id -> inspector.exchange(c.host(), id));
        if (found.isEmpty()) {
            send(c, Replies.json(HttpResponseStatus.NOT_FOUND, error("That request is no longer in the history"
                    + " (it keeps the last " + config.inspectMaxExchangesPerTunnel() + ").")));
            return;
        }
        Exchange e = found.get();
        if (parts.length == 1 && c.get()) {
            sendJson(c, exchangeJson.detail(e, base));
        } else if (parts.length >= 3 && parts[1].equals("body") && c.get()
                && (parts[2].equals("request") || parts[2].equals("response"))) {
            boolean request = parts[2].equals("request");
            BodyCapture body = request ? e.requestBody() : e.responseBody();
            List<HeaderField> headers = request ? e.requestHeaders() : e.responseHeaders();
            if (parts.length == 4 && parts[3].equals("raw")) {
                FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, "application/octet-stream", body.bytes());
                r.headers().set(HttpHeaderNames.CONTENT_DISPOSITION,
                        "attachment; filename=\"" + e.id() + "-" + parts[2] + ".bin\"");
                send(c, r);
                return;
            }
            renderLater(c, 1, () -> {
                RenderedBody rendered = inspector.renderer().render(body.bytes(),
                        Exchange.header(headers, "content-type"), Exchange.header(headers, "content-encoding"));
                return Replies.json(HttpResponseStatus.OK, bytes(exchangeJson.body(body, rendered)));
            });
        } else if (parts.length == 2 && parts[1].equals("har") && c.get()) {
            renderLater(c, HAR_BODY_BOUND_IN_RENDERED_BODIES,
                    () -> harResponse(har.har(List.of(e), base), c.host() + "-" + e.id() + ".har"));
        } else if (parts.length == 2 && parts[1].equals("replay") && c.post()) {
            replay(c, access, e, tunnel);
        } else {
            send(c, notFound(c, "There is nothing here."));
        }
    }

    private void replay(Call c, ConsoleAuth.Access access, Exchange original, TunnelInfo tunnel) {
        if (!auth.csrfOk(c.request(), access, c.host())) {
            send(c, Replies.json(HttpResponseStatus.FORBIDDEN, error("Replays must come from the console page.")));
            return;
        }
        FullHttpRequest replay;
        try {
            replay = c.request().content().isReadable()
                    ? ReplayRequests.edited(readJson(c.request().content().toString(StandardCharsets.UTF_8)),
                            original, tunnel.host())
                    : ReplayRequests.original(original, tunnel.host());
        } catch (ReplayRequests.Refused e) {
            send(c, Replies.json(e.status(), error(e.getMessage())));
            return;
        }
        log.info("console replay host={} exchange={}", c.host(), original.id());
        inspector.expectReplay(original, replay.method().name(), replay.uri());
        replayer.send(backend.httpListenAddress(), replay).whenComplete((result, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                HttpResponseStatus status = cause instanceof Replayer.BusyException
                        ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.BAD_GATEWAY;
                send(c, Replies.json(status, error("The replay failed: " + cause.getMessage())));
                return;
            }
            renderLater(c, 1, () -> Replies.json(HttpResponseStatus.OK, bytes(replayJson(result))));
        });
    }

    private ObjectNode replayJson(Replayer.Result r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("status", r.status());
        n.put("reason", r.reason());
        n.put("protocol", r.protocol());
        n.put("durationMs", Math.round(r.durationNanos() / 1e4) / 100.0);
        List<HeaderField> headers = r.headers().stream()
                .map(h -> redactor.redacts(h.name()) ? new HeaderField(h.name(), HeaderField.REDACTED) : h).toList();
        n.set("headers", exchangeJson.headers(headers));
        RenderedBody rendered = inspector.renderer().render(r.body(), Exchange.header(headers, "content-type"),
                Exchange.header(headers, "content-encoding"));
        ObjectNode body = n.putObject("body");
        body.put("observedBytes", r.observedBytes());
        body.put("capturedBytes", r.body().length);
        body.put("truncated", r.observedBytes() > r.body().length);
        body.put("kind", rendered.kind().name().toLowerCase(Locale.ROOT));
        body.put("note", rendered.note());
        if (rendered.kind() == RenderedBody.Kind.BINARY) {
            body.put("base64", Base64.getEncoder().encodeToString(rendered.bytes()));
        } else if (rendered.kind() != RenderedBody.Kind.EMPTY) {
            body.put("text", new String(rendered.bytes(), StandardCharsets.UTF_8));
        }
        return n;
    }

    private JsonNode readJson(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException ex) {
            throw new ReplayRequests.Refused(HttpResponseStatus.BAD_REQUEST,
                    "The replay request must be JSON: " + ex.getOriginalMessage());
        }
    }

    private ObjectNode session(ConsoleAuth.Access access, String host, String publicUrl, Optional<TunnelInfo> t) {
        ObjectNode n = mapper.createObjectNode();
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

    private void unauthorized(Call c) {
        String how = c.rootDomain()
                ? (auth.adminConfigured()
                    ? "Open the admin console with ?x-authorization=<admin token>, the value of --admin-console-token."
                    : "The admin console is off. Start tuns with --admin-console and --admin-console-token=<secret>.")
                : "Open the console with the link your ssh session printed when the tunnel started (\"Service"
                    + " console can be accessed here: …\"); it carries the token. Reconnect with ssh to get a new one.";
        if (c.api()) {
            send(c, Replies.json(HttpResponseStatus.UNAUTHORIZED, error("Not authorized. " + how)));
        } else {
            send(c, Replies.page(HttpResponseStatus.UNAUTHORIZED, "Console: not authorized", how));
        }
    }

    private FullHttpResponse notFound(Call c, String message) {
        return c.api() ? Replies.json(HttpResponseStatus.NOT_FOUND, error(message))
                : Replies.page(HttpResponseStatus.NOT_FOUND, "Console: not found", message);
    }

    private void serveAsset(Call c, String name) {
        Optional<StaticAssets.Asset> asset = assets.get(name);
        if (asset.isEmpty() || name.endsWith(".html")) {
            send(c, Replies.text(HttpResponseStatus.NOT_FOUND, "No such console asset."));
            return;
        }
        FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, asset.get().contentType(), asset.get().bytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        send(c, r);
    }

    private void page(Call c, String name) {
        StaticAssets.Asset page = assets.get(name).orElseThrow();
        send(c, Replies.bytes(HttpResponseStatus.OK, page.contentType(), page.bytes()));
    }

    /**
     * @param bodies how many rendered bodies the job may hold at once; it reserves that many times the rendered-body
     *               bound, twice (the decoded text and the response built from it), in the memory budget first
     */
    private void renderLater(Call c, int bodies, Supplier<FullHttpResponse> job) {
        MemoryBudget memory = inspector.memory();
        long cost = 2L * bodies * inspector.renderer().maxRenderedBytes();
        try {
            renderExecutor.execute(() -> {
                if (!memory.tryReserve(MemoryBudget.Kind.CONSOLE_RENDER, cost)) {
                    send(c, Replies.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
                            error("Not rendered now: " + memory.refusal() + ".")));
                    return;
                }
                FullHttpResponse r;
                try {
                    r = job.get();
                } catch (RuntimeException e) {
                    log.warn("console render failed path={} error={}", c.path(), e.toString());
                    r = Replies.json(HttpResponseStatus.INTERNAL_SERVER_ERROR, error("Rendering failed: " + e));
                } finally {
                    memory.release(MemoryBudget.Kind.CONSOLE_RENDER, cost);
                }
                send(c, r);
            });
        } catch (RejectedExecutionException e) {
            send(c, Replies.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    error("The console is busy rendering other bodies; try again in a moment.")));
        }
    }

    private FullHttpResponse harResponse(ObjectNode harJson, String filename) {
        FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, "application/json; charset=utf-8", bytes(harJson));
        r.headers().set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + filename.replace('"', '_')
                + "\"");
        return r;
    }

    private void send(Call c, FullHttpResponse r) {
        Replies.send(c.ctx(), c.keepAlive(), r);
    }

    private void sendJson(Call c, JsonNode n) {
        send(c, Replies.json(HttpResponseStatus.OK, bytes(n)));
    }

    private byte[] bytes(JsonNode n) {
        try {
            return mapper.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] error(String message) {
        return bytes(mapper.createObjectNode().put("status", false).put("error", message));
    }

    static String baseUrl(TunnelInfo t) {
        return AdminApi.origin(t.publicUrl());
    }

    private static Optional<Long> parseId(String s) {
        try {
            return Optional.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean handles(String path) {
        return path.startsWith(PREFIX);
    }
}
