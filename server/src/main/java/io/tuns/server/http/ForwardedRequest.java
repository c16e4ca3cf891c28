package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.tuns.server.tunnel.TunnelOptions;

/**
 * What a request looks like when it reaches the service, as sish forwards it: X-Forwarded-For/-Host/-Proto/-Port
 * and X-Real-Ip added, hop-by-hop headers removed, the bound path stripped and Host replaced when the tunnel asks
 * (after X-Forwarded-Host recorded the public one). Changes the request in place; decides nothing else.
 */
final class ForwardedRequest {

    private ForwardedRequest() {
    }

    /**
     * @param https      the client reached tuns over TLS (or through a TLS-terminating proxy)
     * @param publicPort the port the client connected to
     * @param upgrade    the request asks for a protocol upgrade (its handshake headers are kept)
     */
    static void rewrite(HttpRequest req, String clientIp, boolean https, int publicPort, boolean upgrade,
                        TunnelOptions opts) {
        HttpHeaders h = req.headers();
        String xff = h.get("X-Forwarded-For");
        h.set("X-Forwarded-For", xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
        h.set("X-Forwarded-Host", h.get(HttpHeaderNames.HOST));
        h.set("X-Forwarded-Proto", https ? "https" : "http");
        h.set("X-Forwarded-Port", String.valueOf(publicPort));
        h.set("X-Real-Ip", clientIp);
        HopByHopHeaders.strip(req, upgrade);
        if (!opts.path().isEmpty() && opts.stripPath() && req.uri().startsWith(opts.path())) {
            String rest = req.uri().substring(opts.path().length());
            req.setUri(rest.isEmpty() || rest.startsWith("?") ? "/" + rest : rest);
        }
        if (opts.hostHeader() != null) {
            h.set(HttpHeaderNames.HOST, opts.hostHeader());
        }
    }
}
