package io.tuns.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.BodyCapture;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds the request a replay sends. As-is, it is the captured request byte for byte: same method, target, version,
 * header order and values (redacted secrets restored from the server-side copy) and body. Whatever cannot be sent
 * whole (a truncated or uncaptured body, a head dropped for lack of budget, a request still arriving) is refused with
 * the reason, never silently changed.
 */
final class ReplayRequests {

    /** What the editor shows for a redacted header; sent back unchanged it means "the original value". */
    static final String KEPT_MARKER = "[redacted — kept]";

    /** Framing headers: the replay frames its own body and owns its connection. */
    private static final Set<String> FRAMING = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade");
    /** Headers an edit may not set: the replay sets them from the target and the body. */
    private static final Set<String> EDIT_MANAGED = Set.of("host", "content-length");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Spelled as clients send them (Netty's constants are lower case), for a replay that reads like the original. */
    private static final String HOST = "Host";
    private static final String CONTENT_LENGTH = "Content-Length";
    private static final Set<String> BODYLESS_METHODS = Set.of("GET", "HEAD");

    /** A replay that will not be sent; {@code status} is the console's answer (400 for a bad edit, 409 otherwise). */
    static final class Refused extends RuntimeException {
        private final HttpResponseStatus status;

        Refused(HttpResponseStatus status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }

        HttpResponseStatus status() {
            return status;
        }
    }

    private ReplayRequests() {
    }

    /** The captured request as it was. The caller owns (and must release or send) the result. */
    static FullHttpRequest original(Exchange e, String tunnelHost) {
        refuseIfIncomplete(e);
        byte[] body = wholeCapturedBody(e);
        FullHttpRequest r = new DefaultFullHttpRequest(version(e.protocol()), HttpMethod.valueOf(e.method()), e.uri(),
                Unpooled.wrappedBuffer(body));
        for (HeaderField h : e.originalRequestHeadersForReplay()) {
            if (!FRAMING.contains(h.name().toLowerCase(Locale.ROOT))) {
                r.headers().add(h.name(), h.value());
            }
        }
        frame(r, tunnelHost, body.length);
        return r;
    }

    /**
     * The captured request with an edit applied: {@code {"method","uri","headers":[{"name","value"}],"body",
     * "bodyEncoding":"text|base64"}}. A missing field keeps the original; a header whose value is {@link #KEPT_MARKER}
     * (or {@link HeaderField#REDACTED}) sends the kept original value.
     */
    static FullHttpRequest edited(JsonNode edit, Exchange e, String tunnelHost) {
        if (edit == null || !edit.isObject()) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "The replay request must be a JSON object.");
        }
        String method = edit.path("method").asText(e.method()).trim().toUpperCase(Locale.ROOT);
        if (!TOKEN.matcher(method).matches()) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "'" + method + "' is not an HTTP method.");
        }
        String uri = edit.path("uri").asText(e.uri()).trim();
        if (!uri.startsWith("/") || uri.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "The path must start with / and contain no spaces or"
                    + " control characters (percent-encode them).");
        }
        List<HeaderField> headers = edit.has("headers") ? editedHeaders(edit.path("headers"), e) : null;
        byte[] body = edit.has("body") ? editedBody(edit) : null;
        if (headers == null) {
            refuseIfIncomplete(e);
            headers = e.originalRequestHeadersForReplay();
        }
        if (body == null) {
            body = wholeCapturedBody(e);
        }
        FullHttpRequest r = new DefaultFullHttpRequest(version(e.protocol()), HttpMethod.valueOf(method), uri,
                Unpooled.wrappedBuffer(body));
        for (HeaderField h : headers) {
            String lower = h.name().toLowerCase(Locale.ROOT);
            if (!FRAMING.contains(lower) && !EDIT_MANAGED.contains(lower)) {
                r.headers().add(h.name(), h.value());
            }
        }
        String host = Exchange.header(e.requestHeaders(), "host");
        r.headers().set(HOST, host == null || host.isEmpty() ? tunnelHost : host);
        frame(r, tunnelHost, body.length);
        return r;
    }

    private static List<HeaderField> editedHeaders(JsonNode list, Exchange e) {
        if (!list.isArray()) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "'headers' must be a list of {name, value}.");
        }
        Map<String, Integer> keptUsed = new HashMap<>();
        List<HeaderField> out = new ArrayList<>();
        for (JsonNode h : list) {
            String name = h.path("name").asText("").trim();
            String value = h.path("value").asText("");
            if (name.isEmpty()) {
                continue;
            }
            if (!TOKEN.matcher(name).matches() || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new Refused(HttpResponseStatus.BAD_REQUEST, "Header '" + name + "' is not valid.");
            }
            if (KEPT_MARKER.equals(value) || HeaderField.REDACTED.equals(value)) {
                String lower = name.toLowerCase(Locale.ROOT);
                int n = keptUsed.merge(lower, 1, Integer::sum) - 1;
                List<String> kept = e.secretValuesForReplay(name);
                if (n >= kept.size()) {
                    throw new Refused(HttpResponseStatus.BAD_REQUEST, "Header '" + name + "' has no kept original"
                            + " value to send; type the value you want instead of " + KEPT_MARKER + ".");
                }
                value = kept.get(n);
            }
            out.add(new HeaderField(name, value));
        }
        return out;
    }

    private static byte[] editedBody(JsonNode edit) {
        String text = edit.path("body").asText("");
        if ("base64".equals(edit.path("bodyEncoding").asText("text"))) {
            try {
                return Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException ex) {
                throw new Refused(HttpResponseStatus.BAD_REQUEST, "The body is marked base64 but is not valid"
                        + " base64.");
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void refuseIfIncomplete(Exchange e) {
        if (e.requestNanos() < 0 && !e.ended()) {
            throw new Refused(HttpResponseStatus.CONFLICT, "This request is still arriving; replay it once it has"
                    + " ended.");
        }
        if (e.headersDropped()) {
            throw new Refused(HttpResponseStatus.CONFLICT, "The request head was not kept (the capture budget was"
                    + " full), so it cannot be replayed as it was. Use Edit & replay and type the headers.");
        }
    }

    private static byte[] wholeCapturedBody(Exchange e) {
        BodyCapture b = e.requestBody();
        if (b.observedBytes() > b.storedBytes()) {
            String why = b.truncation().description();
            throw new Refused(HttpResponseStatus.CONFLICT, "The request body cannot be re-sent whole: only "
                    + b.storedBytes() + " of " + b.observedBytes() + " bytes were kept"
                    + (why.isEmpty() ? "" : " (" + why + ")") + ". Use Edit & replay to send a body of your own.");
        }
        return b.bytes();
    }

    /** Adds Host and Content-Length only where the original had none, so a faithful replay keeps their position. */
    private static void frame(FullHttpRequest r, String tunnelHost, int bodyLength) {
        if (!r.headers().contains(HttpHeaderNames.HOST)) {
            r.headers().set(HOST, tunnelHost);
        }
        // A kept Content-Length is right as it is: a body is only ever sent whole.
        if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                && (bodyLength > 0 || !BODYLESS_METHODS.contains(r.method().name()))) {
            r.headers().setInt(CONTENT_LENGTH, bodyLength);
        }
    }

    private static HttpVersion version(String protocol) {
        return "HTTP/1.0".equals(protocol) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    }
}
