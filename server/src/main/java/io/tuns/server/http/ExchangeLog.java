package io.tuns.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.tuns.server.proxyproto.ClientAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an ended exchange is told: the request metrics, our log under --debug (key=value, without the query), and
 * sish's access line ({@link RequestLog}: our log, and with --log-to-client its tunnel owner's ssh session).
 */
final class ExchangeLog {

    /** Under the proxy handler's name, as the request lines always were (log filters name it). */
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    private final HttpEvents events;
    private final RequestLog requestLog;
    private final Channel client;

    /** @param requestLog null when no access line is wanted at all */
    ExchangeLog(HttpEvents events, RequestLog requestLog, Channel client) {
        this.events = events;
        this.requestLog = requestLog;
        this.client = client;
    }

    void ended(ProxyExchange e, int status) {
        if (e.healthCheck) {
            return; // every second from every load balancer: not traffic
        }
        long nanos = System.nanoTime() - e.startNanos;
        events.request(status, nanos / 1e9);
        if (log.isDebugEnabled()) {
            int q = e.uri.indexOf('?');
            log.debug("event=request host={} method={} path=\"{}\" status={} ms={} tunnel={}", e.host,
                    e.request.method().name(), (q < 0 ? e.uri : e.uri.substring(0, q)).replace('"', '\''), status,
                    nanos / 1_000_000, e.tunnel == null ? "-" : e.tunnel.host());
        }
        if (requestLog != null && !e.hopped) { // the node that holds the tunnel writes its access line
            String ip = e.clientIp != null ? e.clientIp : ClientAddress.of(client).getAddress().getHostAddress();
            requestLog.exchange(e.tunnel, e.request.headers().get(HttpHeaderNames.HOST), status, nanos, ip,
                    e.request.method().name(), e.uri, e.logError);
        }
    }

    /** A request refused before it became an exchange (bad framing, body timeout). */
    void refused(int status) {
        events.request(status, 0);
    }
}
