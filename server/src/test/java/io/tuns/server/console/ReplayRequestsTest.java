package io.tuns.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.ExchangeRecorder;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.TestConfigs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a replay sends, built from exchanges recorded by a real {@link Inspector}; every refusal has its test. */
class ReplayRequestsTest {

    private static final String HOST = "app.localhost";
    private static final byte[] BINARY = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '\r', '\n', 0x7f, (byte) 0x80};
    private final ObjectMapper mapper = new ObjectMapper();

    private static HttpRequest post(String uri, Consumer<HttpRequest> headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        headers.accept(r);
        return r;
    }

    private static Consumer<HttpRequest> authenticated(int bodyLength) {
        return r -> r.headers().add("Host", HOST + ":8080").add("Authorization", "Basic dXNlcjpwYXNz")
                .add("Content-Length", bodyLength).add("Cookie", "sid=1").add("X-Trace", "t1")
                .add("Cookie", "theme=dark").add("Accept", "*/*");
    }

    private static Exchange record(Inspector inspector, HttpRequest head, byte[] body, boolean ended) {
        ExchangeRecorder r = inspector.begin(HOST, "127.0.0.1", head);
        ByteBuf b = Unpooled.wrappedBuffer(body);
        r.requestContent(b);
        b.release();
        if (ended) {
            r.requestEnd(null);
            r.responseHead(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
            r.responseEnd(null);
        }
        return inspector.exchanges(HOST).get(0);
    }

    private static Inspector inspector(Object... overrides) {
        Object[] kv = new Object[overrides.length + 2];
        kv[0] = "inspectAlways";
        kv[1] = true;
        System.arraycopy(overrides, 0, kv, 2, overrides.length);
        return new Inspector(TestConfigs.config(kv), TestConfigs.metrics());
    }

    private static List<String> headerLines(FullHttpRequest r) {
        return r.headers().entries().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
    }

    private static byte[] body(FullHttpRequest r) {
        return ByteBufUtil.getBytes(r.content());
    }

    private JsonNode json(String s) throws Exception {
        return mapper.readTree(s);
    }

    @Test
    void asIsIsTheCapturedRequestWithItsSecretsRestoredInPlace() {
        Exchange e = record(inspector(), post("/upload?x=1", authenticated(BINARY.length)), BINARY, true);
        assertThat(e.requestHeaders().toString()).as("the history shows no secret")
                .doesNotContain("dXNlcjpwYXNz").doesNotContain("sid=1");

        FullHttpRequest r = ReplayRequests.original(e, HOST);
        try {
            assertThat(r.method()).isEqualTo(HttpMethod.POST);
            assertThat(r.uri()).isEqualTo("/upload?x=1");
            assertThat(headerLines(r)).containsExactly("Host: app.localhost:8080", "Authorization: Basic dXNlcjpwYXNz",
                    "Content-Length: 9", "Cookie: sid=1", "X-Trace: t1", "Cookie: theme=dark", "Accept: */*");
            assertThat(body(r)).isEqualTo(BINARY);
        } finally {
            r.release();
        }
    }

    @Test
    void aChunkedOriginalIsSentWithAContentLengthInstead() {
        Exchange e = record(inspector(), post("/c", r -> r.headers().add("Host", HOST).add("Transfer-Encoding",
                "chunked").add("Connection", "keep-alive")), BINARY, true);
        FullHttpRequest r = ReplayRequests.original(e, HOST);
        try {
            assertThat(headerLines(r)).containsExactly("Host: app.localhost", "Content-Length: 9");
            assertThat(body(r)).isEqualTo(BINARY);
        } finally {
            r.release();
        }
    }

    @Test
    void aTruncatedBodyIsRefusedWithTheReason() {
        Exchange e = record(inspector("serviceConsoleMaxContentLength", 4L), post("/big", authenticated(9)), BINARY,
                true);
        assertThatThrownBy(() -> ReplayRequests.original(e, HOST)).isInstanceOfSatisfying(ReplayRequests.Refused.class,
                x -> {
                    assertThat(x.status()).isEqualTo(HttpResponseStatus.CONFLICT);
                    assertThat(x.getMessage()).contains("only 4 of 9 bytes were kept")
                            .contains("per-body capture limit");
                });
    }

    @Test
    void aBodyThatWasNotCapturedIsRefused() {
        Exchange e = record(inspector("inspectAlways", false), post("/off", authenticated(9)), BINARY, true);
        assertThatThrownBy(() -> ReplayRequests.original(e, HOST)).isInstanceOfSatisfying(ReplayRequests.Refused.class,
                x -> assertThat(x.getMessage()).contains("0 of 9 bytes").contains("capture was off"));
    }

    @Test
    void aHeadDroppedForLackOfBudgetIsRefused() {
        Exchange e = record(inspector("inspectMaxTotalBytes", 100L), post("/h", authenticated(0)), new byte[0], true);
        assertThat(e.headersDropped()).isTrue();
        assertThatThrownBy(() -> ReplayRequests.original(e, HOST)).isInstanceOfSatisfying(ReplayRequests.Refused.class,
                x -> assertThat(x.getMessage()).contains("request head was not kept"));
    }

    @Test
    void aRequestStillArrivingIsRefused() {
        Exchange e = record(inspector(), post("/slow", authenticated(100)), BINARY, false);
        assertThatThrownBy(() -> ReplayRequests.original(e, HOST)).isInstanceOfSatisfying(ReplayRequests.Refused.class,
                x -> assertThat(x.getMessage()).contains("still arriving"));
    }

    @Test
    void anEditSendsKeptSecretsForTheMarkerAndWhatTheUserTypedOtherwise() throws Exception {
        Exchange e = record(inspector(), post("/upload", authenticated(BINARY.length)), BINARY, true);
        String edit = "{\"method\":\"put\",\"uri\":\"/edited\",\"headers\":["
                + "{\"name\":\"Authorization\",\"value\":\"" + ReplayRequests.KEPT_MARKER + "\"},"
                + "{\"name\":\"Cookie\",\"value\":\"mine=1\"},"
                + "{\"name\":\"Cookie\",\"value\":\"" + ReplayRequests.KEPT_MARKER + "\"},"
                + "{\"name\":\"Content-Length\",\"value\":\"999\"},"
                + "{\"name\":\"X-New\",\"value\":\"yes\"}]}";
        FullHttpRequest r = ReplayRequests.edited(json(edit), e, HOST);
        try {
            assertThat(r.method().name()).isEqualTo("PUT");
            assertThat(r.uri()).isEqualTo("/edited");
            // The second Cookie line is the first kept one: markers take kept values in order, per name.
            assertThat(headerLines(r)).containsExactly("Authorization: Basic dXNlcjpwYXNz", "Cookie: mine=1",
                    "Cookie: sid=1", "X-New: yes", "Host: app.localhost:8080", "Content-Length: 9");
            assertThat(body(r)).as("no body in the edit: the captured bytes, exactly").isEqualTo(BINARY);
        } finally {
            r.release();
        }
    }

    @Test
    void anEditWithoutTheSecretLinesSendsNoSecret() throws Exception {
        Exchange e = record(inspector(), post("/upload", authenticated(0)), new byte[0], true);
        FullHttpRequest r = ReplayRequests.edited(json("{\"headers\":[{\"name\":\"Accept\",\"value\":\"a/b\"}],"
                + "\"body\":\"AAEC\",\"bodyEncoding\":\"base64\"}"), e, HOST);
        try {
            assertThat(headerLines(r)).containsExactly("Accept: a/b", "Host: app.localhost:8080",
                    "Content-Length: 3");
            assertThat(body(r)).containsExactly(0, 1, 2);
        } finally {
            r.release();
        }
    }

    @Test
    void aMarkerWithNoKeptValueIsABadEdit() {
        Exchange e = record(inspector(), post("/u", r -> r.headers().add("Host", HOST)), new byte[0], true);
        assertThatThrownBy(() -> ReplayRequests.edited(json("{\"headers\":[{\"name\":\"Authorization\",\"value\":\""
                + ReplayRequests.KEPT_MARKER + "\"}]}"), e, HOST))
                .isInstanceOfSatisfying(ReplayRequests.Refused.class, x -> {
                    assertThat(x.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
                    assertThat(x.getMessage()).contains("'Authorization' has no kept original value");
                });
    }

    @Test
    void anEditOfATruncatedBodyNeedsABodyOfItsOwn() throws Exception {
        Exchange e = record(inspector("serviceConsoleMaxContentLength", 4L), post("/big", authenticated(9)), BINARY,
                true);
        assertThatThrownBy(() -> ReplayRequests.edited(json("{\"uri\":\"/other\"}"), e, HOST))
                .isInstanceOfSatisfying(ReplayRequests.Refused.class,
                        x -> assertThat(x.getMessage()).contains("cannot be re-sent whole"));
        FullHttpRequest r = ReplayRequests.edited(json("{\"body\":\"typed\"}"), e, HOST);
        try {
            assertThat(body(r)).isEqualTo("typed".getBytes(StandardCharsets.UTF_8));
            assertThat(r.headers().get("Content-Length")).isEqualTo("5");
        } finally {
            r.release();
        }
    }

    @Test
    void badEditsAreRefusedAsBadRequests() {
        Exchange e = record(inspector(), post("/u", r -> r.headers().add("Host", HOST)), new byte[0], true);
        for (Map.Entry<String, String> bad : Map.of(
                "[1]", "must be a JSON object",
                "{\"method\":\"GE T\"}", "is not an HTTP method",
                "{\"uri\":\"/a b\"}", "must start with /",
                "{\"uri\":\"http://x/\"}", "must start with /",
                "{\"headers\":{}}", "must be a list",
                "{\"headers\":[{\"name\":\"X\\r\\nY\",\"value\":\"1\"}]}", "is not valid",
                "{\"headers\":[{\"name\":\"X\",\"value\":\"a\\r\\nB: c\"}]}", "is not valid",
                "{\"body\":\"%%%\",\"bodyEncoding\":\"base64\"}", "not valid base64").entrySet()) {
            assertThatThrownBy(() -> ReplayRequests.edited(json(bad.getKey()), e, HOST)).as(bad.getKey())
                    .isInstanceOfSatisfying(ReplayRequests.Refused.class, x -> {
                        assertThat(x.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
                        assertThat(x.getMessage()).contains(bad.getValue());
                    });
        }
    }
}
