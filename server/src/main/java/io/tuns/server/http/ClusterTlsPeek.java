package io.tuns.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.Splice;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before TLS termination on a cluster node's HTTPS listener: reads the ClientHello's SNI name (at most
 * {@link HttpsFront#MAX_CLIENT_HELLO_BYTES}, within {@link HttpsFront#CLIENT_HELLO_TIMEOUT_MILLIS}). When no local
 * tunnel serves the name and the store names another node for the name itself, the still encrypted connection is
 * spliced there, ClientHello first: the owner terminates TLS and does all per-tunnel work. Otherwise this handler
 * leaves and the held bytes go on to tuns' own TLS; a name with path routes only is served so, each request hopping
 * to its path's holder ({@link TlsEntry}). A hop nobody took closes the connection (there is no HTTP to answer in
 * yet).
 */
final class ClusterTlsPeek extends AbstractSniHandler<Channel> {

    private static final Logger log = LoggerFactory.getLogger(ClusterTlsPeek.class);

    private final TunnelRegistry registry;
    private final ClusterHop hop;
    private final boolean sniPassthrough;

    /** @param sniPassthrough SNI tunnels share this port ({@code --sni-proxy-https}): their routes are asked too */
    ClusterTlsPeek(TunnelRegistry registry, ClusterHop hop, boolean sniPassthrough) {
        super(HttpsFront.MAX_CLIENT_HELLO_BYTES, HttpsFront.CLIENT_HELLO_TIMEOUT_MILLIS);
        this.registry = registry;
        this.hop = hop;
        this.sniPassthrough = sniPassthrough;
    }

    /** The routes a TLS name may stand for on the HTTPS port, best first: an SNI passthrough, then HTTP. */
    static List<String> routes(String host, boolean sniPassthrough) {
        List<String> routes = new ArrayList<>();
        if (sniPassthrough) {
            routes.add(TunnelRegistry.key(Tunnel.TunnelType.SNI, host));
        }
        routes.addAll(TunnelRegistry.httpRouteKeys(host, ""));
        return routes;
    }

    @Override
    protected Future<Channel> lookup(ChannelHandlerContext ctx, String hostname) {
        if (hostname == null) {
            return ctx.executor().newSucceededFuture(null); // no SNI: tuns' default certificate answers
        }
        List<String> routes = routes(hostname, sniPassthrough);
        boolean servedHere = registry.httpTunnel(hostname).isPresent() // the host or a path under it
                || routes.stream().anyMatch(registry::servesLocally);
        if (servedHere) { // TlsEntry.choose is TERMINATE then, whatever the store says: not asked
            return ctx.executor().newSucceededFuture(null);
        }
        Promise<Channel> done = ctx.executor().newPromise();
        hop.locate(routes).whenComplete((found, error) -> ctx.executor().execute(() -> {
            Optional<RouteLocation> where = error == null ? found : Optional.empty();
            if (TlsEntry.choose(false, where.map(w -> w.holder().node()), hop.node()) == TlsEntry.Kind.TERMINATE) {
                done.trySuccess(null); // path routes only (or none): each request finds its own, hopping if need be
                return;
            }
            hop.reachFound(ctx.channel(), routes, where, ClientAddress.of(ctx.channel()), HopHeader.Entry::forTls)
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            Channel owner = (Channel) f.getNow();
                            if (!done.trySuccess(owner) && owner != null) {
                                owner.close();
                            }
                        } else {
                            done.tryFailure(f.cause());
                        }
                    });
        }));
        return done;
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Channel> future) {
        if (!future.isSuccess()) {
            log.warn("event=cluster_hop_failed sni={} error=\"{}\"", hostname, future.cause().getMessage());
            ctx.close();
            return;
        }
        Channel owner = future.getNow();
        if (owner == null) {
            ctx.pipeline().remove(this); // the held ClientHello goes on to tuns' own TLS
            return;
        }
        if (!ctx.channel().isActive()) {
            owner.close(); // the client left while the owner was dialled
            return;
        }
        Splice.joinReplacing(ctx, owner);
    }
}
