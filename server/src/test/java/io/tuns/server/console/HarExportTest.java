package io.tuns.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.ExchangeRecorder;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.TestConfigs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class HarExportTest {

    /** The required fields and types of HAR 1.2 (log, creator, entries, request, response, content, timings). */
    static void assertValidHar(JsonNode har) {
        JsonNode log = har.get("log");
        assertThat(log.get("version").asText()).isEqualTo("1.2");
        assertThat(log.at("/creator/name").isTextual()).isTrue();
        assertThat(log.at("/creator/version").isTextual()).isTrue();
        assertThat(log.get("entries").isArray()).isTrue();
        for (JsonNode e : log.get("entries")) {
            Instant.parse(e.get("startedDateTime").asText());
            assertThat(e.get("time").isNumber()).isTrue();
            JsonNode req = e.get("request");
            for (String f : List.of("method", "url", "httpVersion")) {
                assertThat(req.get(f).isTextual()).as("request." + f).isTrue();
            }
            for (String f : List.of("cookies", "headers", "queryString")) {
                assertThat(req.get(f).isArray()).as("request." + f).isTrue();
            }
            assertThat(req.get("headersSize").isNumber()).isTrue();
            assertThat(req.get("bodySize").isNumber()).isTrue();
            if (req.has("postData")) {
                assertThat(req.at("/postData/mimeType").isTextual()).isTrue();
            }
            JsonNode resp = e.get("response");
            assertThat(resp.get("status").isInt()).isTrue();
            assertThat(resp.get("statusText").isTextual()).isTrue();
            assertThat(resp.get("httpVersion").isTextual()).isTrue();
            assertThat(resp.get("cookies").isArray()).isTrue();
            assertThat(resp.get("headers").isArray()).isTrue();
            assertThat(resp.at("/content/size").isNumber()).isTrue();
            assertThat(resp.at("/content/mimeType").isTextual()).isTrue();
            assertThat(resp.get("redirectURL").isTextual()).isTrue();
            assertThat(resp.get("headersSize").isNumber()).isTrue();
            assertThat(resp.get("bodySize").isNumber()).isTrue();
            assertThat(e.get("cache").isObject()).isTrue();
            for (String f : List.of("send", "wait", "receive")) {
                assertThat(e.at("/timings/" + f).isNumber()).as("timings." + f).isTrue();
            }
            for (JsonNode h : req.get("headers")) {
                assertThat(h.get("name").isTextual() && h.get("value").isTextual()).isTrue();
            }
        }
    }

    @Test
    void buildsValidHarWithDecodedBodiesAndTruncationComments() throws Exception {
        Inspector inspector = new Inspector(TestConfigs.config("serviceConsoleMaxContentLength", 100L),
                TestConfigs.metrics());
        inspector.subscribe("h.localhost", (e, ev) -> { });
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload?a=1&b=2");
        req.headers().set("Content-Type", "application/octet-stream");
        ExchangeRecorder r = inspector.begin("h.localhost", "10.0.0.1", req);
        ByteBuf big = Unpooled.wrappedBuffer(new byte[1000]);
        r.requestContent(big);
        big.release();
        r.requestEnd(null);
        DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("Content-Type", "text/plain").set("Content-Encoding", "gzip");
        r.responseHead(resp);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("hi there".getBytes(StandardCharsets.UTF_8));
        }
        ByteBuf body = Unpooled.wrappedBuffer(gz.toByteArray());
        r.responseContent(body);
        body.release();
        r.responseEnd(null);

        ObjectMapper mapper = new ObjectMapper();
        List<Exchange> list = inspector.exchanges("h.localhost");
        JsonNode har = mapper.readTree(mapper.writeValueAsBytes(
                new HarExport(mapper, inspector.renderer(), 1 << 20).har(list, "http://h.localhost")));
        assertValidHar(har);
        JsonNode entry = har.at("/log/entries/0");
        assertThat(entry.at("/request/url").asText()).isEqualTo("http://h.localhost/upload?a=1&b=2");
        assertThat(entry.at("/request/queryString")).hasSize(2);
        assertThat(entry.at("/request/bodySize").asLong()).isEqualTo(1000);
        assertThat(entry.at("/request/postData/comment").asText()).contains("captured 100 of 1000 bytes");
        assertThat(entry.at("/request/postData/encoding").asText()).isEqualTo("base64");
        assertThat(entry.at("/response/content/text").asText()).isEqualTo("hi there");
        assertThat(entry.at("/response/content/size").asLong()).isEqualTo(8);
    }
}
