package io.tuns.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.util.ArrayList;

/**
 * Gets one public client connection's exchanges a tunnel channel, and another one when the first fails before any
 * answer: a kept-alive channel the service closed just as a request went out is replaced once (bodiless GET/HEAD
 * only), and a pool member whose channel would not open is skipped for another. Every channel counts against the
 * client address's share of the owner's channels, given back when it closes. Event loop only.
 */
final class UpstreamRecovery {

    private final Channel client;
    private final ServerConfig cfg;
    private final ClientShares shares;
    private final BackendTls backendTls;
    private final UpstreamConnection.Listener listener;
    private final MemoryBudget memory;

    /** @param backendTls null unless some tunnels speak TLS to their service */
    UpstreamRecovery(Channel client, ServerConfig cfg, ClientShares shares, BackendTls backendTls,
                     MemoryBudget memory, UpstreamConnection.Listener listener) {
        this.client = client;
        this.cfg = cfg;
        this.shares = shares;
        this.backendTls = backendTls;
        this.memory = memory;
        this.listener = listener;
    }

    /** A connection to {@code tunnel}, opening; null when {@code clientIp} holds its share of the owner already. */
    UpstreamConnection open(Tunnel tunnel, String clientIp) {
        TunnelOwner owner = tunnel.owner();
        if (!shares.tryAcquire(owner, clientIp)) {
            return null;
        }
        UpstreamConnection up = new UpstreamConnection(tunnel, client.eventLoop(), cfg, listener, backendTls, memory);
        up.holdShare(() -> shares.release(owner, clientIp));
        up.open(ClientAddress.of(client)); // the PROXY header's source if any
        return up;
    }

    /**
     * Whether {@code ex} may go out once more on a fresh channel after the reused one it went out on ended without
     * an answer: only a whole, bodiless GET or HEAD, only once, since the service cannot have acted on it twice.
     */
    static boolean mayRetry(ProxyExchange ex) {
        return !ex.retried && ex.onReusedUpstream && !ex.responseStarted() && ex.requestDone
                && (ex.request.method().equals(HttpMethod.GET) || ex.request.method().equals(HttpMethod.HEAD))
                && HttpUtil.getContentLength(ex.request, 0L) <= 0 && !HttpUtil.isTransferEncodingChunked(ex.request);
    }

    /**
     * A fresh connection carrying {@code ex} again (see {@link #mayRetry}); null when the client's share is used up.
     * Either way the exchange is marked retried.
     */
    UpstreamConnection retry(ProxyExchange ex, Tunnel tunnel) {
        ex.retried = true;
        ex.onReusedUpstream = false;
        UpstreamConnection up = open(tunnel, ex.clientIp);
        if (up != null) {
            up.send(ex.request);
            up.send(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return up;
    }

    /**
     * With a load balancer, a member whose channel would not open is skipped for this request while another is
     * live. The request bytes encoded so far never left tuns (they wait for the open), so they move to the other
     * member with the codec, body included; the rest of the body follows once the new channel opens. Returns that
     * member's connection, opening, or null when no member can take the request. Only from
     * {@link UpstreamConnection.Listener#upstreamFailed}, before any answer.
     */
    UpstreamConnection failover(ProxyExchange ex, UpstreamConnection failed) {
        if (ex.group == null) {
            return null;
        }
        if (ex.failedMembers == null) {
            ex.failedMembers = new ArrayList<>(2);
        }
        ex.failedMembers.add(failed.tunnel);
        Tunnel other = ex.group.nextExcept(ex.failedMembers);
        if (other == null || !failed.canHandOverTo(other)) {
            return null;
        }
        UpstreamConnection next = failed.handOverTo(other);
        next.open(ClientAddress.of(client));
        return next;
    }
}
