package io.tuns.server.cluster;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On an entry node, the node that holds a route, in the place of a tunnel's ssh connection for one request: opening
 * a channel is taking an idle hop connection to it from the pool, or dialling one that it accepts. When it answers
 * NOT_HERE (the route moved), one fresh look-up and one try at a different node; then the open fails as
 * {@link ChannelSink.OpenFailure#HOP}, which the proxy answers with 502. The owner never forwards again.
 */
final class HopOwner implements TunnelOwner {

    private static final Logger log = LoggerFactory.getLogger(HopOwner.class);

    private final ClusterHop hop;
    private final RouteLocation where;
    private final List<String> keys;
    private final EventLoop loop;
    private final InetSocketAddress local;
    private final HopHeader.Entry entry;

    /**
     * @param keys  the request's route keys, best first (for the look-up after NOT_HERE)
     * @param loop  the client connection's event loop (a fresh hop connection lives there)
     * @param local the address the client connected to (the PROXY header's destination)
     */
    HopOwner(ClusterHop hop, RouteLocation where, List<String> keys, EventLoop loop, InetSocketAddress local) {
        this(hop, where, keys, loop, local, HopHeader.Entry.HTTP);
    }

    /** @param entry how the request entered: HTTP, or HTTP_TLS when this node terminated the client's TLS */
    HopOwner(ClusterHop hop, RouteLocation where, List<String> keys, EventLoop loop, InetSocketAddress local,
             HopHeader.Entry entry) {
        this.hop = hop;
        this.where = where;
        this.keys = keys;
        this.loop = loop;
        this.local = local;
        this.entry = entry;
    }

    @Override
    public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
        HopPool.Key key = ClusterHop.key(where, origin, entry);
        HopStream pooled = hop.pool().take(key);
        if (pooled != null) {
            hop.events().hop("reused");
            pooled.attach(sink, () -> dial(where, origin, sink, true));
        } else {
            dial(where, origin, sink, true);
        }
    }

    private void dial(RouteLocation to, InetSocketAddress origin, ChannelSink sink, boolean mayRetry) {
        hop.dialAs(loop, local, to, origin, entry).addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = (Channel) f.getNow();
                HopStream stream = new HopStream(ch, hop.pool(), ClusterHop.key(to, origin, entry), hop.events(),
                        hop.memory());
                ch.pipeline().addLast("hop", stream);
                stream.attach(sink, () -> failed(sink, "the node closed the connection"));
                if (ch.pipeline().get(ClusterHop.Answer.NAME) != null) {
                    ch.pipeline().remove(ClusterHop.Answer.NAME); // hands on what the owner sent after its ACCEPT
                }
            } else if (f.cause() instanceof ClusterHop.NotHere && mayRetry) {
                log.info("event=cluster_hop_stale route={} node={}", to.route(), to.holder().node());
                hop.locate(keys).whenComplete((found, error) -> loop.execute(() -> {
                    Optional<RouteLocation> again = error == null ? found : Optional.empty();
                    if (HopChoice.choose(again, hop.node(), to.holder().node()) == HopChoice.Kind.FORWARD) {
                        dial(again.get(), origin, sink, false);
                    } else {
                        failed(sink, "the route moved and no other node holds it");
                    }
                }));
            } else {
                log.warn("event=cluster_hop_failed route={} node={} error=\"{}\"", to.route(), to.holder().node(),
                        f.cause().getMessage());
                failed(sink, f.cause() instanceof ClusterHop.NotHere ? "the node does not hold the route"
                        : f.cause().getMessage());
            }
        });
    }

    private static void failed(ChannelSink sink, String reason) {
        sink.onOpenFailed(ChannelSink.OpenFailure.HOP, reason);
        sink.onClosed();
    }

    @Override
    public String remoteAddress() {
        return where.address();
    }

    @Override
    public String user() {
        return "";
    }

    @Override
    public String keyFingerprint() {
        return null;
    }

    /** The tunnel's session is on the owner node, which writes its lines. */
    @Override
    public void message(String line) {
    }

    @Override
    public void closeTunnel(Tunnel tunnel, String why) {
    }

    @Override
    public void tunnelTakenOver(Tunnel tunnel) {
    }
}
