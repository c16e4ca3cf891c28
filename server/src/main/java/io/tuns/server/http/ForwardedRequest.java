package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.tuns.server.tunnel.TunnelOptions;

/**
 * What a request looks like when it reaches the service, as sish forwards it: X-Forwarded-For/-Host/-Proto/-Port,
 * X-Forwarded-Server and X-Real-Ip added, hop-by-hop headers removed, the bound path stripped and Host replaced
 * when the tunnel asks (after X-Forwarded-Host recorded the public one). Changes the request in place; decides
 * nothing else.
 *
 * <p>Where sish differs on purpose: X-Forwarded-Host keeps the public host (sish's forwarder reads Host after
 * {@code host-header=} replaced it), and client-sent X-Forwarded-Proto/-Port/-Host and X-Real-Ip are replaced,
 * not trusted (sish trusts them, so any client can spoof them).
 */
final class ForwardedRequest {

    private ForwardedRequest() {
    }

    /**
     * @param https      the client reached tuns over TLS (or through a TLS-terminating proxy)
     * @param upgrade    the request asks for a protocol upgrade (its handshake headers are kept)
     */
    static void rewrite(HttpRequest req, String clientIp, boolean https, boolean upgrade, TunnelOptions opts) {
        HttpHeaders h = req.headers();
        String xff = h.get("X-Forwarded-For");
        h.set("X-Forwarded-For", xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
        String publicHost = h.get(HttpHeaderNames.HOST);
        h.set("X-Forwarded-Host", publicHost);
        h.set("X-Forwarded-Proto", https ? "https" : "http");
        h.set("X-Forwarded-Port", forwardedPort(publicHost, https));
        h.set("X-Forwarded-Server", ServerHostname.NAME);
        h.set("X-Real-Ip", clientIp);
        HopByHopHeaders.strip(req, upgrade);
        if (!opts.path().isEmpty() && opts.stripPath() && req.uri().startsWith(opts.path())) {
            String rest = req.uri().substring(opts.path().length());
            req.setUri(rest.isEmpty() || rest.startsWith("?") ? "/" + rest : rest);
        }
        if (opts.hostHeader() != null) {
            h.set(HttpHeaderNames.HOST, withClientPort(opts.hostHeader(), publicHost));
        }
    }

    /**
     * oxy's forwardedPort: the port the client wrote in Host, else the scheme's default. Not the listener's own
     * port: behind a port mapping ({@code -p 80:8080}) the service must build links with the public one.
     */
    static String forwardedPort(String host, boolean https) {
        String port = HostHeader.port(host);
        return port != null ? port : https ? "443" : "80";
    }

    /**
     * sish appends the port of the client's Host to {@code host-header=} ({@code app.example.com:8080} with
     * {@code host-header=localhost} gives {@code localhost:8080}). A host-header that names its own port is kept
     * as it is, where sish would send an invalid {@code localhost:3000:8080}.
     */
    static String withClientPort(String hostHeader, String clientHost) {
        String port = HostHeader.port(clientHost);
        return port == null || HostHeader.port(hostHeader) != null ? hostHeader : hostHeader + ":" + port;
    }
}
