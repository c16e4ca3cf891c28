package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Headers that describe one connection, not the message (RFC 9110 section 7.6.1): they must not cross the proxy.
 * Removed are Connection, every header it names, Keep-Alive, Proxy-Connection and TE. Transfer-Encoding stays (the
 * codec frames the body by it) and so does Upgrade with {@code Connection: upgrade}, which tuns relays on purpose.
 */
final class HopByHopHeaders {

    private HopByHopHeaders() {
    }

    /**
     * Strips the request's hop-by-hop headers in place; {@code upgrade} keeps the Upgrade handshake. An HTTP/1.0
     * client's keep-alive is asked for again, so the service keeps the tunnel connection open as before.
     */
    static void strip(HttpRequest req, boolean upgrade) {
        HttpHeaders h = req.headers();
        boolean keepAlive10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0) && HttpUtil.isKeepAlive(req);
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String named : h.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : named.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty() && !(upgrade && name.equalsIgnoreCase("upgrade"))) {
                        h.remove(name);
                    }
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        if (upgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else if (keepAlive10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
