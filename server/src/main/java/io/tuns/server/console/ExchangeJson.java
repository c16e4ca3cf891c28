package io.tuns.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tuns.server.inspect.BodyCapture;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;
import io.tuns.server.inspect.RenderedBody;
import io.tuns.server.inspect.Truncation;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.List;

/** The console API's JSON for exchanges. Values are data only: the page renders every one of them as text. */
final class ExchangeJson {

    private final ObjectMapper mapper;

    ExchangeJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A few hundred bytes: what the live list shows. No bodies. */
    ObjectNode summary(Exchange e) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", e.id());
        n.put("method", e.method());
        n.put("uri", e.uri());
        n.put("path", ExchangeFilter.pathOf(e.uri()));
        n.put("clientIp", e.clientIp());
        n.put("startedAt", e.startedAtEpochMillis());
        n.put("state", e.state().name().toLowerCase());
        n.put("status", e.status());
        n.put("reason", e.reasonPhrase());
        putMillis(n, "durationMs", e.totalNanos());
        putMillis(n, "waitMs", e.waitNanos());
        n.put("requestBytes", e.requestBody().observedBytes());
        n.put("responseBytes", e.responseBody().observedBytes());
        n.put("requestTruncated", e.requestBody().truncated());
        n.put("responseTruncated", e.responseBody().truncated());
        n.put("responseCapture", e.responseBody().truncation().name().toLowerCase(Locale.ROOT));
        n.put("responseCaptureNote", e.responseBody().truncation().description());
        String type = Exchange.header(e.responseHeaders(), "content-type");
        n.put("contentType", type == null ? "" : type);
        if (e.replayOf() > 0) {
            n.put("replayOf", e.replayOf());
        }
        if (!e.abortReason().isEmpty()) {
            n.put("abortReason", e.abortReason());
        }
        return n;
    }

    ObjectNode detail(Exchange e, String baseUrl) {
        ObjectNode n = summary(e);
        n.put("url", baseUrl + e.uri());
        n.put("protocol", e.protocol());
        n.set("requestHeaders", headers(e.requestHeaders()));
        n.set("requestTrailers", headers(e.requestTrailers()));
        n.set("responseHeaders", headers(e.responseHeaders()));
        n.set("responseTrailers", headers(e.responseTrailers()));
        n.put("headersDropped", e.headersDropped());
        n.set("request", bodyInfo(e.requestBody(), Exchange.header(e.requestHeaders(), "content-length")));
        n.set("response", bodyInfo(e.responseBody(), Exchange.header(e.responseHeaders(), "content-length")));
        ObjectNode timings = n.putObject("timings");
        putMillis(timings, "requestMs", e.requestNanos());
        putMillis(timings, "waitMs", e.waitNanos());
        putMillis(timings, "totalMs", e.totalNanos());
        n.put("curl", CurlCommand.of(e, baseUrl));
        if (CurlCommand.needsBodyFile(e.requestBody().bytes())) {
            n.put("curlBodyFile", CurlCommand.bodyFileName(e));
        }
        return n;
    }

    ObjectNode bodyInfo(BodyCapture body, String declaredLength) {
        ObjectNode n = mapper.createObjectNode();
        n.put("capturedBytes", body.storedBytes());
        n.put("observedBytes", body.observedBytes());
        n.put("truncated", body.truncated());
        Truncation t = body.truncation();
        n.put("truncation", t.name().toLowerCase());
        n.put("truncationNote", t.description());
        if (declaredLength != null) {
            n.put("declaredLength", declaredLength);
        }
        return n;
    }

    ObjectNode body(BodyCapture body, RenderedBody rendered) {
        ObjectNode n = bodyInfo(body, null);
        n.put("kind", rendered.kind().name().toLowerCase());
        n.put("encoding", rendered.contentEncoding());
        n.put("decoded", rendered.decoded());
        n.put("note", rendered.note());
        n.put("renderTruncated", rendered.renderTruncated());
        n.put("renderedBytes", rendered.bytes().length);
        if (rendered.kind() == RenderedBody.Kind.JSON || rendered.kind() == RenderedBody.Kind.TEXT) {
            n.put("text", new String(rendered.bytes(), StandardCharsets.UTF_8));
        } else if (rendered.kind() == RenderedBody.Kind.BINARY) {
            n.put("base64", Base64.getEncoder().encodeToString(rendered.bytes()));
        }
        return n;
    }

    ArrayNode headers(List<HeaderField> headers) {
        ArrayNode a = mapper.createArrayNode();
        for (HeaderField h : headers) {
            ObjectNode o = a.addObject();
            o.put("name", h.name());
            o.put("value", h.value());
            if (h.redacted()) {
                o.put("redacted", true);
            }
        }
        return a;
    }

    private static void putMillis(ObjectNode n, String field, long nanos) {
        if (nanos < 0) {
            n.putNull(field);
        } else {
            n.put(field, Math.round(nanos / 1e4) / 100.0);
        }
    }
}
