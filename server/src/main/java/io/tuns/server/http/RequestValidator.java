package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * Strict HTTP/1.1 at the edge for what Netty's decoder lets through (it already refuses duplicate or conflicting
 * Content-Length, Content-Length with Transfer-Encoding, chunked not last, bare LF and chunk-size overflow).
 * A request two parsers could read differently is refused here rather than forwarded: that difference is what
 * request smuggling needs. Pure: looks at the head, changes nothing.
 */
final class RequestValidator {

    /** Why a request is refused; {@code reason} is the sentence the client reads. */
    record Refusal(HttpResponseStatus status, String reason) {
    }

    private RequestValidator() {
    }

    /** @return null when the request may be forwarded */
    static Refusal check(HttpRequest req) {
        HttpHeaders h = req.headers();
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || hosts.size() == 1 && hosts.get(0).indexOf(',') >= 0) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "The request has more than one Host header "
                    + "(RFC 9112 section 3.2).");
        }
        List<String> codings = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty() && !(codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"))) {
            // as nginx: a coding other than a single chunked is one tuns does not implement
            return new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "Transfer-Encoding \"" + String.join(", ", codings)
                    + "\" is not supported: only a single chunked coding is.");
        }
        if (RequestTarget.isAbsoluteForm(req.uri()) && RequestTarget.authority(req.uri()) == null) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "The absolute request target has no usable host.");
        }
        return null;
    }
}
