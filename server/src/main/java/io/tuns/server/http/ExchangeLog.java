package io.tuns.server.http;

import io.netty.channel.Channel;
import io.tuns.server.proxyproto.ClientAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an ended exchange is told: the request metrics, our log under --debug (without the query), and with
 * --log-to-client the request's line in its tunnel owner's ssh session (with the query: it is theirs).
 */
final class ExchangeLog {

    /** Under the proxy handler's name, as the request lines always were (log filters name it). */
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    private final HttpEvents events;
    private final ClientRequestLog clientLog;
    private final Channel client;

    /** @param clientLog null unless --log-to-client */
    ExchangeLog(HttpEvents events, ClientRequestLog clientLog, Channel client) {
        this.events = events;
        this.clientLog = clientLog;
        this.client = client;
    }

    void ended(ProxyExchange e, int status) {
        long nanos = System.nanoTime() - e.startNanos;
        events.request(status, nanos / 1e9);
        if (log.isDebugEnabled()) {
            int q = e.uri.indexOf('?');
            log.debug("event=request host={} method={} path=\"{}\" status={} ms={} tunnel={}", e.host,
                    e.request.method().name(), (q < 0 ? e.uri : e.uri.substring(0, q)).replace('"', '\''), status,
                    nanos / 1_000_000, e.tunnel == null ? "-" : e.tunnel.host());
        }
        if (clientLog != null && e.tunnel != null) {
            String ip = e.clientIp != null ? e.clientIp : ClientAddress.of(client).getAddress().getHostAddress();
            clientLog.request(e.tunnel, e.host, status, nanos, ip, e.request.method().name(), e.uri);
        }
    }

    /** A request refused before it became an exchange (bad framing, body timeout). */
    void refused(int status) {
        events.request(status, 0);
    }
}
