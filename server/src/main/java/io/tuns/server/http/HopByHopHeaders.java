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
     * Strips the request's hop-by-hop headers in place; {@code upgrade} keeps the Upgrade handshake. tuns then says
     * what it wants of the tunnel connection: close when the client's connection ends after this exchange, an HTTP/1.0
     * client's keep-alive asked for again otherwise.
     */
    static void strip(HttpRequest req, boolean upgrade) {
        HttpHeaders h = req.headers();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
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
        } else if (!keepAlive) {
            // tuns will not reuse this tunnel connection: the service closes its side after answering (as nginx
            // asks upstream), so the channel goes at once instead of waiting for the service's idle timeout
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
