package io.tuns.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.ExchangeRecorder;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.TestConfigs;
import io.tuns.server.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleRoutesTest {

    private static final String HOST = "myapp.localhost";
    private static final String TOKEN = "tunnel-token-0123456789abcdefghij";
    private static final String ADMIN = "admin-token-0123456789";
    private final ObjectMapper mapper = new ObjectMapper();

    private FakeBackend backend;
    private Inspector inspector;
    private Metrics metrics;
    private ConsoleRoutes routes;
    private ConsoleTestServer server;
    private HttpServer upstream;
    private final List<String> upstreamRequests = new CopyOnWriteArrayList<>();
    private final List<String> upstreamAuthorization = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        start(TestConfigs.config("adminConsole", true, "adminConsoleToken", ADMIN), 60_000);
    }

    private void start(ServerConfig config, long stallTimeoutMillis) throws Exception {
        backend = new FakeBackend();
        backend.tunnels.put(HOST, new TunnelInfo(HOST, "http://" + HOST + ":8080", TOKEN));
        backend.tunnels.put("other.localhost", new TunnelInfo("other.localhost", "http://other.localhost", "other-token"));
        metrics = TestConfigs.metrics();
        inspector = new Inspector(config, metrics);
        routes = new ConsoleRoutes(config, inspector, backend, metrics, 200, stallTimeoutMillis);
        server = new ConsoleTestServer(routes);
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            upstreamAuthorization.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            upstreamRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
                    + exchange.getRequestHeaders().getFirst("Host") + " x-edit="
                    + exchange.getRequestHeaders().getFirst("X-Edit") + " body=" + new String(body, StandardCharsets.UTF_8));
            byte[] answer = "{\"replayed\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Set-Cookie", "secret=1");
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        upstream.start();
        backend.httpListen = upstream.getAddress();
    }

    @AfterEach
    void stop() {
        server.close();
        routes.close();
        upstream.stop(0);
    }

    private RawHttp.Response get(String path, String host, Map<String, String> headers) throws Exception {
        return RawHttp.get(server.port(), path, host, headers);
    }

    private JsonNode json(RawHttp.Response r) throws Exception {
        return mapper.readTree(r.body());
    }

    private Map<String, String> auth() {
        return Map.of("x-authorization", TOKEN);
    }

    /** One proxied exchange, as the core would record it. */
    private void record(String method, String uri, String requestBody, int status, String contentType,
                        String responseBody) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        req.headers().set("Host", HOST + ":8080").set("Authorization", "Bearer hunter2").set("X-Custom", "<img src=x onerror=alert(1)>");
        ExchangeRecorder r = inspector.begin(HOST, "203.0.113.9", req);
        ByteBuf b = Unpooled.copiedBuffer(requestBody, StandardCharsets.UTF_8);
        r.requestContent(b);
        b.release();
        r.requestEnd(null);
        DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        resp.headers().set("Content-Type", contentType);
        r.responseHead(resp);
        ByteBuf rb = Unpooled.copiedBuffer(responseBody, StandardCharsets.UTF_8);
        r.responseContent(rb);
        rb.release();
        r.responseEnd(null);
    }

    private AutoCloseable viewer() {
        return inspector.subscribe(HOST, (e, ev) -> { });
    }

    @Test
    void withoutATokenTheConsoleExplainsHowToGetTheLink() throws Exception {
        RawHttp.Response page = get("/_sish/console", HOST, Map.of());
        assertThat(page.status()).isEqualTo(401);
        assertThat(page.text()).contains("link your ssh session printed");
        assertThat(page.header("content-security-policy")).contains("script-src 'self'");

        RawHttp.Response api = get("/_sish/api/exchanges", HOST, Map.of("x-authorization", "wrong"));
        assertThat(api.status()).isEqualTo(401);
        assertThat(json(api).get("error").asText()).contains("Not authorized");

        // another tunnel's token does not open this one
        assertThat(get("/_sish/api/exchanges", HOST, Map.of("x-authorization", "other-token")).status()).isEqualTo(401);
    }

    @Test
    void aQueryTokenBecomesAnHttpOnlyCookieAndLeavesTheAddressBar() throws Exception {
        RawHttp.Response r = get("/_sish/console?x-authorization=" + TOKEN, HOST, Map.of());
        assertThat(r.status()).isEqualTo(303);
        assertThat(r.header("location")).isEqualTo("/_sish/console");
        String cookie = r.header("set-cookie");
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/_sish/");

        String cookiePair = cookie.substring(0, cookie.indexOf(';'));
        RawHttp.Response page = get("/_sish/console", HOST, Map.of("Cookie", cookiePair));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("<script src=\"/_sish/console/assets/console.js\"");
        assertThat(page.header("content-security-policy")).isEqualTo(Replies.CONTENT_SECURITY_POLICY);
        assertThat(page.header("x-content-type-options")).isEqualTo("nosniff");

        RawHttp.Response js = get("/_sish/console/assets/console.js", HOST, Map.of());
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.header("content-type")).startsWith("text/javascript");
    }

    @Test
    void listsDetailsAndRendersCapturedExchanges() throws Exception {
        try (AutoCloseable v = viewer()) {
            record("POST", "/api/items?x=1", "{\"name\":\"<script>alert(1)</script>\"}", 201, "application/json",
                    "{\"ok\":true}");
            record("GET", "/missing", "", 404, "text/plain", "not here");
        }
        JsonNode list = json(get("/_sish/api/exchanges", HOST, auth())).get("exchanges");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("path").asText()).isEqualTo("/missing"); // newest first
        assertThat(json(get("/_sish/api/exchanges?status=2xx", HOST, auth())).get("exchanges")).hasSize(1);
        assertThat(json(get("/_sish/api/exchanges?method=get", HOST, auth())).get("exchanges")).hasSize(1);
        assertThat(json(get("/_sish/api/exchanges?path=/api", HOST, auth())).get("exchanges")).hasSize(1);
        assertThat(json(get("/_sish/api/exchanges?q=onerror", HOST, auth())).get("exchanges")).hasSize(2);

        long id = list.get(1).get("id").asLong();
        JsonNode detail = json(get("/_sish/api/exchanges/" + id, HOST, auth()));
        assertThat(detail.get("status").asInt()).isEqualTo(201);
        assertThat(detail.get("url").asText()).isEqualTo("http://myapp.localhost:8080/api/items?x=1");
        assertThat(detail.toString()).doesNotContain("hunter2");
        assertThat(detail.get("curl").asText()).startsWith("curl -X 'POST' 'http://myapp.localhost:8080/api/items?x=1'");
        assertThat(detail.get("request").get("observedBytes").asLong())
                .isEqualTo("{\"name\":\"<script>alert(1)</script>\"}".length());

        JsonNode body = json(get("/_sish/api/exchanges/" + id + "/body/request", HOST, auth()));
        assertThat(body.get("kind").asText()).isEqualTo("text");
        assertThat(body.get("text").asText()).contains("<script>alert(1)</script>");
        JsonNode resp = json(get("/_sish/api/exchanges/" + id + "/body/response", HOST, auth()));
        assertThat(resp.get("kind").asText()).isEqualTo("json");

        RawHttp.Response raw = get("/_sish/api/exchanges/" + id + "/body/response/raw", HOST, auth());
        assertThat(raw.text()).isEqualTo("{\"ok\":true}");
        assertThat(raw.header("content-disposition")).startsWith("attachment");

        assertThat(get("/_sish/api/exchanges/999999", HOST, auth()).status()).isEqualTo(404);
    }

    @Test
    void harExportsOneExchangeOrTheFilteredList() throws Exception {
        try (AutoCloseable v = viewer()) {
            record("POST", "/a", "hello", 200, "text/plain", "world");
            record("GET", "/b", "", 500, "text/plain", "boom");
        }
        JsonNode all = json(get("/_sish/api/har", HOST, auth()));
        HarExportTest.assertValidHar(all);
        assertThat(all.at("/log/entries")).hasSize(2);
        JsonNode errors = json(get("/_sish/api/har?status=5xx", HOST, auth()));
        assertThat(errors.at("/log/entries")).hasSize(1);
        assertThat(errors.at("/log/entries/0/response/status").asInt()).isEqualTo(500);
        long id = json(get("/_sish/api/exchanges?path=/a", HOST, auth())).at("/exchanges/0/id").asLong();
        JsonNode one = json(get("/_sish/api/exchanges/" + id + "/har", HOST, auth()));
        HarExportTest.assertValidHar(one);
        assertThat(one.at("/log/entries/0/request/postData/text").asText()).isEqualTo("hello");
    }

    @Test
    void replaysAsIsAndEditedThroughTheHttpListener() throws Exception {
        try (AutoCloseable v = viewer()) {
            record("POST", "/hook?n=1", "payload", 200, "text/plain", "ok");
        }
        long id = json(get("/_sish/api/exchanges", HOST, auth())).at("/exchanges/0/id").asLong();

        RawHttp.Response asIs = RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST,
                auth(), null);
        assertThat(asIs.status()).as(asIs.text()).isEqualTo(200);
        JsonNode result = json(asIs);
        assertThat(result.get("status").asInt()).isEqualTo(201);
        assertThat(result.at("/body/text").asText()).isEqualTo("{\"replayed\":true}");
        assertThat(result.toString()).doesNotContain("secret=1"); // Set-Cookie redacted in the result too
        assertThat(upstreamRequests).containsExactly("POST /hook?n=1 host=myapp.localhost:8080 x-edit=null body=payload");

        String edit = "{\"method\":\"PUT\",\"uri\":\"/edited\",\"headers\":[{\"name\":\"X-Edit\",\"value\":\"yes\"}],"
                + "\"body\":\"changed\"}";
        RawHttp.Response edited = RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST,
                Map.of("x-authorization", TOKEN, "Content-Type", "application/json"), edit.getBytes(StandardCharsets.UTF_8));
        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(upstreamRequests.get(1)).isEqualTo("PUT /edited host=myapp.localhost:8080 x-edit=yes body=changed");

        String bad = "{\"uri\":\"/x y\"}";
        assertThat(RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST, auth(),
                bad.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
    }

    @Test
    void aReplaySendsTheRedactedSecretTheBrowserNeverSaw() throws Exception {
        try (AutoCloseable v = viewer()) {
            record("POST", "/hook", "payload", 200, "text/plain", "ok");
        }
        long id = json(get("/_sish/api/exchanges", HOST, auth())).at("/exchanges/0/id").asLong();
        RawHttp.Response detail = get("/_sish/api/exchanges/" + id, HOST, auth());
        RawHttp.Response har = get("/_sish/api/exchanges/" + id + "/har", HOST, auth());
        assertThat(detail.text() + har.text()).doesNotContain("hunter2");

        RawHttp.Response asIs = RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST,
                auth(), null);
        assertThat(asIs.status()).as(asIs.text()).isEqualTo(200);
        assertThat(asIs.text()).doesNotContain("hunter2");
        String edit = "{\"headers\":[{\"name\":\"Authorization\",\"value\":\"" + ReplayRequests.KEPT_MARKER
                + "\"}]}";
        RawHttp.Response edited = RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST,
                Map.of("x-authorization", TOKEN, "Content-Type", "application/json"), edit.getBytes(StandardCharsets.UTF_8));
        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(upstreamAuthorization).containsExactly("Bearer hunter2", "Bearer hunter2");
    }

    @Test
    void aTruncatedBodyIsNotReplayedAndTheAnswerSaysWhy() throws Exception {
        stop();
        start(TestConfigs.config("serviceConsoleMaxContentLength", 3L), 60_000);
        try (AutoCloseable v = viewer()) {
            record("POST", "/hook", "payload", 200, "text/plain", "ok");
        }
        long id = json(get("/_sish/api/exchanges", HOST, auth())).at("/exchanges/0/id").asLong();
        RawHttp.Response r = RawHttp.send(server.port(), "POST", "/_sish/api/exchanges/" + id + "/replay", HOST,
                auth(), null);
        assertThat(r.status()).isEqualTo(409);
        assertThat(json(r).get("error").asText()).contains("only 3 of 7 bytes were kept");
        assertThat(upstreamRequests).isEmpty();
    }

    @Test
    void aMalformedPercentEscapeIsABadRequestWithTheReason() throws Exception {
        for (String path : List.of("/_sish/api/exchanges?status=%ZZ", "/_sish/api/exchanges?status=%4", "/_sish/console%ZZ")) {
            RawHttp.Response r = get(path, HOST, auth());
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(json(r).get("error").asText()).as(path).contains("malformed percent-escape");
        }
    }

    @Test
    void theListIsPagedWithACursorAndTrueCountsAndABadStatusFilterIsABadRequest() throws Exception {
        for (int i = 0; i < 5; i++) {
            record("GET", "/p" + i, "", 200, "text/plain", "ok");
        }
        JsonNode page = json(get("/_sish/api/exchanges?limit=2", HOST, auth()));
        assertThat(page.get("exchanges")).hasSize(2);
        assertThat(page.get("total").asInt()).isEqualTo(5);
        assertThat(page.get("maxExchanges").asInt()).isEqualTo(100);
        long next = page.get("nextBefore").asLong();
        JsonNode older = json(get("/_sish/api/exchanges?limit=2&before=" + next, HOST, auth()));
        assertThat(older.at("/exchanges/0/uri").asText()).isEqualTo("/p2");

        RawHttp.Response bad = get("/_sish/api/exchanges?status=2xxx", HOST, auth());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).contains("'2xxx' is not a status filter");
        assertThat(get("/_sish/api/exchanges?limit=5000", HOST, auth()).status()).isEqualTo(400);
    }

    @Test
    void theConsoleHasItsOwnIconSoTheBrowserNeverAsksTheService() throws Exception {
        RawHttp.Response page = get("/_sish/console", HOST, auth());
        assertThat(page.text()).contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/_sish/console/assets/favicon.svg\">");
        RawHttp.Response icon = get("/_sish/console/assets/favicon.svg", HOST, Map.of());
        assertThat(icon.status()).isEqualTo(200);
        assertThat(icon.header("content-type")).isEqualTo("image/svg+xml");
        assertThat(icon.text()).startsWith("<svg");
    }

    @Test
    void cookieAuthenticatedPostsNeedTheCsrfValue() throws Exception {
        try (AutoCloseable v = viewer()) {
            record("GET", "/x", "", 200, "text/plain", "ok");
        }
        String cookie = "tuns_console=" + TOKEN;
        long id = json(get("/_sish/api/exchanges", HOST, Map.of("Cookie", cookie))).at("/exchanges/0/id").asLong();
        String path = "/_sish/api/exchanges/" + id + "/replay";
        assertThat(RawHttp.send(server.port(), "POST", path, HOST, Map.of("Cookie", cookie), null).status())
                .isEqualTo(403);
        String csrf = json(get("/_sish/api/session", HOST, Map.of("Cookie", cookie))).get("csrf").asText();
        assertThat(RawHttp.send(server.port(), "POST", path, HOST,
                Map.of("Cookie", cookie, "x-tuns-csrf", csrf, "Origin", "http://evil.example"), null).status())
                .isEqualTo(403);
        assertThat(RawHttp.send(server.port(), "POST", path, HOST,
                Map.of("Cookie", cookie, "x-tuns-csrf", csrf, "Origin", "http://myapp.localhost:8080"), null).status())
                .isEqualTo(200);
    }

    /** The governor's figures for the admin page: the budget, in use by kind, refusals; admins only. */
    @Test
    void adminConsoleShowsTheMemoryGovernor() throws Exception {
        io.tuns.server.memory.MemoryBudget memory = io.tuns.server.memory.MemoryBudget.of(100L << 20);
        memory.tryReserve(io.tuns.server.memory.MemoryBudget.Kind.SSH_WINDOW, 50L << 20);
        memory.reserve(io.tuns.server.memory.MemoryBudget.Kind.QUEUED_WRITES, 20L << 20);
        memory.tryReserve(io.tuns.server.memory.MemoryBudget.Kind.CAPTURE, 1L << 20); // past 50 %: refused
        server.close();
        routes.close();
        ServerConfig config = TestConfigs.config("adminConsole", true, "adminConsoleToken", ADMIN);
        routes = new ConsoleRoutes(config, new Inspector(config, metrics, memory), backend, metrics, 200, 60_000);
        server = new ConsoleTestServer(routes);

        assertThat(get("/_sish/api/memory", "localhost", auth()).status()).as("not for a service token").isEqualTo(401);
        JsonNode m = json(get("/_sish/api/memory", "localhost", Map.of("x-authorization", ADMIN)));
        assertThat(m.get("enforced").asBoolean()).isTrue();
        assertThat(m.get("budgetBytes").asLong()).isEqualTo(100L << 20);
        assertThat(m.get("inUseBytes").asLong()).isEqualTo(70L << 20);
        assertThat(m.get("pressure").asBoolean()).isTrue();
        assertThat(m.get("full").asBoolean()).isFalse();
        assertThat(m.at("/inUse/ssh_window").asLong()).isEqualTo(50L << 20);
        assertThat(m.at("/inUse/queued_writes").asLong()).isEqualTo(20L << 20);
        assertThat(m.at("/inUse/capture").asLong()).isZero();
        assertThat(m.at("/refusals/capture").asLong()).isEqualTo(1);
        assertThat(m.get("refusalsTotal").asLong()).isEqualTo(1);
        String page = new String(get("/_sish/console/assets/admin.js", "localhost", Map.of()).body(), StandardCharsets.UTF_8);
        assertThat(page).as("the admin page asks for it").contains("/_sish/api/memory");
    }

    @Test
    void adminConsoleListsClientsInSishShapeAndGuardsDisconnects() throws Exception {
        backend.clients.add(new ClientInfo("127.0.0.1:50000", "alice", "SSH-2.0-OpenSSH_9.2p1", "abc123",
                "ssh-ed25519 AAAA", "SHA256:xyz", List.of("127.0.0.1:50000:myapp"),
                Map.of("myapp.localhost", List.of("127.0.0.1:50000:myapp")), Map.of("localhost:4000", "l1"),
                Map.of("db:5432", "l2"), Instant.now().minusSeconds(90),
                new ChannelFigures(3, 1000, 20000, Instant.now().minusSeconds(90)),
                Map.of("127.0.0.1:50000:myapp", new ChannelFigures(2, 700, 15000, Instant.now().minusSeconds(30)))));
        Map<String, String> admin = Map.of("x-authorization", ADMIN);
        assertThat(get("/_sish/api/clients", "localhost", auth()).status()).isEqualTo(401);
        assertThat(get("/_sish/console", "localhost", admin).status()).isEqualTo(200);

        JsonNode clients = json(get("/_sish/api/clients", "localhost", admin));
        assertThat(clients.get("status").asBoolean()).isTrue();
        JsonNode c = clients.at("/clients/127.0.0.1:50000");
        assertThat(c.get("remoteAddr").asText()).isEqualTo("127.0.0.1:50000");
        assertThat(c.get("user").asText()).isEqualTo("alice");
        assertThat(c.get("version").asText()).isEqualTo("SSH-2.0-OpenSSH_9.2p1");
        assertThat(c.get("session").asText()).isEqualTo("abc123");
        assertThat(c.get("pubKey").asText()).isEqualTo("ssh-ed25519 AAAA");
        assertThat(c.get("pubKeyFingerprint").asText()).isEqualTo("SHA256:xyz");
        assertThat(c.get("uptimeSeconds").asLong()).isBetween(90L, 120L);
        assertThat(c.get("listeners").get(0).asText()).isEqualTo("127.0.0.1:50000:myapp");
        assertThat(c.at("/routeListeners/httpListeners/myapp.localhost/0").asText()).isEqualTo("127.0.0.1:50000:myapp");
        assertThat(c.at("/routeListeners/listeners/localhost:4000").asText()).isEqualTo("l1");
        assertThat(c.at("/routeListeners/tcpAliases/db:5432").asText()).isEqualTo("l2");
        assertThat(c.at("/consoles/myapp.localhost").asText())
                .isEqualTo("http://myapp.localhost:8080/_sish/console?x-authorization=" + TOKEN);
        // tuns' live figures: the connection's channels and bytes, each tunnel's, and the HTTP figures summed
        assertThat(c.at("/traffic/openChannels").asInt()).isEqualTo(3);
        assertThat(c.at("/traffic/bytesIn").asLong()).isEqualTo(1000);
        assertThat(c.at("/traffic/bytesOut").asLong()).isEqualTo(20000);
        assertThat(c.at("/traffic/uptimeSeconds").asLong()).isBetween(90L, 120L);
        assertThat(c.at("/traffic/requests").asLong()).isEqualTo(c.at("/figures/myapp.localhost/requests").asLong());
        assertThat(c.at("/traffic/errors").asLong()).isEqualTo(c.at("/figures/myapp.localhost/errors").asLong());
        JsonNode tunnel = c.at("/channels/127.0.0.1:50000:myapp");
        assertThat(tunnel.get("openChannels").asInt()).isEqualTo(2);
        assertThat(tunnel.get("bytesIn").asLong()).isEqualTo(700);
        assertThat(tunnel.get("bytesOut").asLong()).isEqualTo(15000);
        assertThat(tunnel.get("uptimeSeconds").asLong()).isBetween(30L, 60L);

        // sish's GET works with the token on the request; a cookie alone needs POST + CSRF
        assertThat(get("/_sish/api/disconnectclient/127.0.0.1:50000", "localhost", admin).status()).isEqualTo(200);
        String cookie = "tuns_console=" + ADMIN;
        assertThat(get("/_sish/api/disconnectclient/127.0.0.1:50000", "localhost", Map.of("Cookie", cookie)).status())
                .isEqualTo(403);
        String csrf = json(get("/_sish/api/session", "localhost", Map.of("Cookie", cookie))).get("csrf").asText();
        String route = Base64.getEncoder().encodeToString("l1".getBytes(StandardCharsets.UTF_8));
        assertThat(RawHttp.send(server.port(), "POST", "/_sish/api/disconnectroute/tcp/" + route, "localhost",
                Map.of("Cookie", cookie, "x-tuns-csrf", csrf), null).status()).isEqualTo(200);
        assertThat(backend.disconnectedClients).containsExactly("127.0.0.1:50000");
        assertThat(backend.disconnectedRoutes).containsExactly("tcp l1");

        // the admin token also opens any tunnel's console
        assertThat(get("/_sish/api/exchanges", HOST, admin).status()).isEqualTo(200);
    }

    @Test
    void theAdminRotatesATunnelsConsoleTokenAndTheOldLinkStopsWorking() throws Exception {
        Map<String, String> admin = Map.of("x-authorization", ADMIN);
        assertThat(get("/_sish/api/exchanges", HOST, auth()).status()).isEqualTo(200);
        assertThat(get("/_sish/api/rotatetoken/" + HOST, "localhost", auth()).status()).as("not for a tunnel token")
                .isEqualTo(401);
        RawHttp.Response r = RawHttp.send(server.port(), "POST", "/_sish/api/rotatetoken/" + HOST, "localhost", admin,
                null);
        assertThat(r.status()).isEqualTo(200);
        String fresh = TOKEN + "-rotated";
        assertThat(json(r).get("console").asText())
                .isEqualTo("http://myapp.localhost:8080/_sish/console?x-authorization=" + fresh);
        assertThat(get("/_sish/api/exchanges", HOST, auth()).status()).as("old link revoked").isEqualTo(401);
        assertThat(get("/_sish/api/exchanges", HOST, Map.of("x-authorization", fresh)).status()).isEqualTo(200);

        RawHttp.Response none = RawHttp.send(server.port(), "POST", "/_sish/api/rotatetoken/nope.localhost",
                "localhost", admin, null);
        assertThat(json(none).get("status").asBoolean()).isFalse();
        assertThat(json(none).get("error").asText()).contains("No HTTP tunnel");
    }

    @Test
    void liveStreamDeliversEventsAndNeverWaitsForAStalledViewer() throws Exception {
        // A viewer that reads normally.
        try (Socket live = sse(HOST, 0)) {
            InputStream in = live.getInputStream();
            assertThat(RawHttp.readUntil(in, "event: hello")).contains("text/event-stream");
            record("GET", "/live", "", 200, "text/plain", "ok");
            String events = RawHttp.readUntil(in, "\"state\":\"complete\"");
            assertThat(events).contains("event: exchanges").contains("\"uri\":\"/live\"");
        }

        long closedBy = System.currentTimeMillis() + 10_000;
        while (routes.viewers() > 0 && System.currentTimeMillis() < closedBy) {
            Thread.sleep(10);
        }
        // A viewer that stops reading: tiny receive buffer, never read.
        try (Socket stalled = sse(HOST, 4096)) {
            String bigPath = "/" + "p".repeat(2000);
            long before = System.nanoTime();
            // record until the stalled viewer starts losing events (when depends on socket buffer sizes)
            for (int i = 0; i < 60_000 && metric("sish_console_events_dropped_total") <= 0; i++) {
                record("GET", bigPath + "?i=" + i, "", 200, "text/plain", "ok");
            }
            long millis = (System.nanoTime() - before) / 1_000_000;
            assertThat(millis).as("recording never waits on the viewer").isLessThan(20_000);
            assertThat(metric("sish_console_events_dropped_total")).isGreaterThan(0);

            // Once it reads again it is told how many it missed.
            stalled.setSoTimeout(20_000);
            InputStream in = stalled.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            long deadline = System.currentTimeMillis() + 20_000;
            while (!seen.toString(StandardCharsets.UTF_8).contains("event: gap")
                    && System.currentTimeMillis() < deadline) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                seen.write(buf, 0, n);
                if (seen.size() > 8 << 20) {
                    String tail = seen.toString(StandardCharsets.UTF_8);
                    seen.reset();
                    seen.write(tail.substring(tail.length() - 1000).getBytes(StandardCharsets.UTF_8));
                }
            }
            assertThat(seen.toString(StandardCharsets.UTF_8)).containsPattern("event: gap\ndata: \\{\"dropped\":\\d+\\}");
        }
    }

    @Test
    void viewersAreCappedPerTunnel() throws Exception {
        stop();
        start(TestConfigs.config("consoleMaxViewersPerTunnel", 1), 60_000);
        try (Socket first = sse(HOST, 0)) {
            RawHttp.readUntil(first.getInputStream(), "event: hello");
            RawHttp.Response second = get("/_sish/api/events", HOST, auth());
            assertThat(second.status()).isEqualTo(429);
            assertThat(json(second).get("error").asText()).contains("Too many console viewers");
        }
    }

    @Test
    void aViewerStalledPastTheTimeoutIsClosed() throws Exception {
        stop();
        start(TestConfigs.config(), 500);
        try (Socket stalled = sse(HOST, 4096)) {
            String bigPath = "/" + "p".repeat(2000);
            // Keep events coming until the kernel buffers are full and the viewer stays unwritable: how many
            // that takes depends on the machine's socket buffer sizes, so no fixed count.
            long deadline = System.currentTimeMillis() + 20_000;
            while (routes.viewers() > 0 && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < 200; i++) {
                    record("GET", bigPath, "", 200, "text/plain", "ok");
                }
                Thread.sleep(20);
            }
            assertThat(routes.viewers()).as("dropped=" + metric("sish_console_events_dropped_total")).isZero();
            assertThat(inspector.viewers(HOST)).isZero();
        }
    }

    private Socket sse(String host, int receiveBufferBytes) throws Exception {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes);
        }
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET /_sish/api/events HTTP/1.1\r\nHost: " + host + "\r\nx-authorization: " + TOKEN
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        long deadline = System.currentTimeMillis() + 10_000;
        while (routes.viewers() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10); // attached once the server has read the request
        }
        return s;
    }

    private double metric(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape("text/plain", out);
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
