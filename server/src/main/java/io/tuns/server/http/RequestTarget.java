package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The absolute form of a request target ({@code GET http://app.example/x HTTP/1.1}). RFC 9112 section 3.2.2: its
 * authority wins over the Host header; tuns makes the two one (Host from the target, origin-form path) before
 * routing, so the route and what the service sees cannot disagree.
 */
final class RequestTarget {

    private RequestTarget() {
    }

    static boolean isAbsoluteForm(String uri) {
        return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
    }

    /** The authority of an absolute-form target, or null when it has none or carries user info. */
    static String authority(String uri) {
        int start = uri.indexOf("//") + 2;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        return authority.isEmpty() || authority.indexOf('@') >= 0 ? null : authority;
    }

    /** The origin-form path and query of an absolute-form target ("/" when it has none). */
    static String originForm(String uri) {
        int start = uri.indexOf("//") + 2;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String rest = uri.substring(end);
        return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }

    /** Rewrites an absolute-form request (already checked by {@link RequestValidator}) to Host + origin-form. */
    static void toOriginForm(HttpRequest req) {
        String uri = req.uri();
        if (isAbsoluteForm(uri)) {
            req.headers().set(HttpHeaderNames.HOST, authority(uri));
            req.setUri(originForm(uri));
        }
    }
}
