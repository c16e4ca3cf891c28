package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;

/** The host a request is for, normalised for routing: no port, lower case, no trailing dot, IPv6 unbracketed. */
final class HostHeader {

    private HostHeader() {
    }

    /** @return the host, or null when the request names none */
    static String of(HttpRequest request) {
        return normalise(request.headers().get(HttpHeaderNames.HOST));
    }

    /** @return the host of a raw Host value, or null when blank */
    static String normalise(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String h = raw.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end > 0 ? h.substring(1, end) : h;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /**
     * The port part of a Host value as sish splits it ({@code host:port}, {@code [v6]:port}); null when there is
     * none or the value is null.
     */
    static String port(String host) {
        if (host == null) {
            return null;
        }
        int colon;
        if (host.startsWith("[")) {
            int end = host.indexOf("]:");
            colon = end < 0 ? -1 : end + 1;
        } else {
            colon = host.indexOf(':');
        }
        return colon < 0 || colon == host.length() - 1 ? null : host.substring(colon + 1);
    }
}
