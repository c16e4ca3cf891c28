package io.tuns.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tuns.server.inspect.BodyCapture;
import io.tuns.server.inspect.BodyRenderer;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;
import io.tuns.server.inspect.RenderedBody;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) for one exchange or a filtered list. Bodies are the
 * rendered (decoded, capped) form; across one export at most {@code maxHarBodyBytes} of body text is included, the
 * rest is marked omitted, so an export is bounded like everything else.
 */
final class HarExport {

    private final ObjectMapper mapper;
    private final BodyRenderer renderer;
    private final long maxHarBodyBytes;

    HarExport(ObjectMapper mapper, BodyRenderer renderer, long maxHarBodyBytes) {
        this.mapper = mapper;
        this.renderer = renderer;
        this.maxHarBodyBytes = maxHarBodyBytes;
    }

    ObjectNode har(List<Exchange> exchanges, String baseUrl) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode log = root.putObject("log");
        log.put("version", "1.2");
        ObjectNode creator = log.putObject("creator");
        creator.put("name", "tuns");
        creator.put("version", "1");
        ArrayNode entries = log.putArray("entries");
        long[] bodyBudget = {maxHarBodyBytes};
        // HAR lists entries oldest first.
        for (int i = exchanges.size() - 1; i >= 0; i--) {
            entries.add(entry(exchanges.get(i), baseUrl, bodyBudget));
        }
        return root;
    }

    private ObjectNode entry(Exchange e, String baseUrl, long[] bodyBudget) {
        ObjectNode entry = mapper.createObjectNode();
        entry.put("startedDateTime", Instant.ofEpochMilli(e.startedAtEpochMillis()).toString());
        double total = millis(e.totalNanos());
        entry.put("time", Math.max(0, total));
        entry.set("request", request(e, baseUrl, bodyBudget));
        entry.set("response", response(e, bodyBudget));
        entry.putObject("cache");
        ObjectNode timings = entry.putObject("timings");
        double send = Math.max(0, millis(e.requestNanos()));
        double wait = e.waitNanos() < 0 ? -1 : Math.max(0, millis(e.waitNanos()) - send);
        timings.put("send", send);
        timings.put("wait", wait);
        timings.put("receive", total < 0 || e.waitNanos() < 0 ? -1 : Math.max(0, total - millis(e.waitNanos())));
        if (!e.clientIp().isEmpty()) {
            entry.put("comment", "client " + e.clientIp() + "; state " + e.state().name().toLowerCase());
        }
        return entry;
    }

    private ObjectNode request(Exchange e, String baseUrl, long[] bodyBudget) {
        ObjectNode r = mapper.createObjectNode();
        r.put("method", e.method());
        r.put("url", baseUrl + e.uri());
        r.put("httpVersion", e.protocol());
        r.putArray("cookies");
        r.set("headers", headers(e.requestHeaders()));
        ArrayNode query = r.putArray("queryString");
        for (Map.Entry<String, List<String>> p : new QueryStringDecoder(e.uri()).parameters().entrySet()) {
            for (String v : p.getValue()) {
                ObjectNode q = query.addObject();
                q.put("name", p.getKey());
                q.put("value", v);
            }
        }
        r.put("headersSize", -1);
        r.put("bodySize", e.requestBody().observedBytes());
        if (e.requestBody().observedBytes() > 0) {
            String type = Exchange.header(e.requestHeaders(), "content-type");
            ObjectNode post = r.putObject("postData");
            post.put("mimeType", type == null ? "" : type);
            RenderedBody body = render(e.requestBody(), e.requestHeaders(), bodyBudget);
            post.put("text", body == null ? "" : textOf(body, post));
            post.put("comment", comment(e.requestBody(), body));
        }
        return r;
    }

    private ObjectNode response(Exchange e, long[] bodyBudget) {
        ObjectNode r = mapper.createObjectNode();
        r.put("status", e.status());
        r.put("statusText", e.reasonPhrase());
        r.put("httpVersion", e.responseProtocol().isEmpty() ? e.protocol() : e.responseProtocol());
        r.putArray("cookies");
        r.set("headers", headers(e.responseHeaders()));
        ObjectNode content = r.putObject("content");
        String type = Exchange.header(e.responseHeaders(), "content-type");
        RenderedBody body = render(e.responseBody(), e.responseHeaders(), bodyBudget);
        content.put("size", body != null && body.decoded() ? body.bytes().length : e.responseBody().observedBytes());
        if (body != null && body.decoded()) {
            content.put("compression", Math.max(0, body.bytes().length - e.responseBody().observedBytes()));
        }
        content.put("mimeType", type == null ? "" : type);
        if (body != null && body.bytes().length > 0) {
            content.put("text", textOf(body, content));
        }
        content.put("comment", comment(e.responseBody(), body));
        String location = Exchange.header(e.responseHeaders(), "location");
        r.put("redirectURL", location == null ? "" : location);
        r.put("headersSize", -1);
        r.put("bodySize", e.responseBody().observedBytes());
        return r;
    }

    private RenderedBody render(BodyCapture capture, List<HeaderField> headers, long[] bodyBudget) {
        if (capture.storedBytes() == 0 || bodyBudget[0] <= 0) {
            return null;
        }
        RenderedBody body = renderer.render(capture.bytes(), Exchange.header(headers, "content-type"),
                Exchange.header(headers, "content-encoding"));
        bodyBudget[0] -= body.bytes().length;
        return body;
    }

    private static String textOf(RenderedBody body, ObjectNode holder) {
        if (body.kind() == RenderedBody.Kind.BINARY) {
            holder.put("encoding", "base64");
            return Base64.getEncoder().encodeToString(body.bytes());
        }
        return new String(body.bytes(), StandardCharsets.UTF_8);
    }

    private static String comment(BodyCapture capture, RenderedBody body) {
        StringBuilder c = new StringBuilder();
        if (capture.observedBytes() > 0 && capture.storedBytes() == 0) {
            c.append("body not captured: ").append(capture.truncation().description());
        } else if (capture.truncated()) {
            c.append("captured ").append(capture.storedBytes()).append(" of ").append(capture.observedBytes())
                    .append(" bytes (").append(capture.truncation().description()).append(')');
        }
        if (capture.storedBytes() > 0 && body == null) {
            c.append(c.length() > 0 ? "; " : "").append("body omitted: export size bound reached");
        }
        if (body != null && body.renderTruncated()) {
            c.append(c.length() > 0 ? "; " : "").append("decoded text cut at the render bound");
        }
        if (body != null && !body.note().isEmpty()) {
            c.append(c.length() > 0 ? "; " : "").append(body.note());
        }
        return c.toString();
    }

    private ArrayNode headers(List<HeaderField> headers) {
        ArrayNode a = mapper.createArrayNode();
        for (HeaderField h : headers) {
            ObjectNode o = a.addObject();
            o.put("name", h.name());
            o.put("value", h.value());
        }
        return a;
    }

    private static double millis(long nanos) {
        return nanos < 0 ? -1 : Math.round(nanos / 1e4) / 100.0;
    }
}
