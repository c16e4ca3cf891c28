package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.Splice;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.TunnelRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before the HTTP codec on a cluster node: reads the first request head's host and path from the raw bytes
 * (bounded by the request line and head limits). When no local tunnel serves them and the store names another
 * node, the whole connection is spliced to that node, starting with the bytes read so far, byte for byte; the
 * owner does all per-tunnel work. Otherwise the bytes go on to the codec and this handler leaves. A stale route
 * (the owner answers NOT_HERE) gets one fresh look-up and one more try at a different node, then 502: never a
 * second hop from the owner, since connections that came by a hop have no peek.
 */
final class ClusterPeek extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClusterPeek.class);

    private final TunnelRegistry registry;
    private final ClusterHop hop;
    private final int limit;
    private ByteBuf head;
    private boolean deciding;

    /** @param limit most head bytes held while deciding (the codec's request line and head limits) */
    ClusterPeek(TunnelRegistry registry, ClusterHop hop, int limit) {
        this.registry = registry;
        this.hop = hop;
        this.limit = limit;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            ctx.fireChannelRead(msg);
            return;
        }
        head = head == null ? b : Unpooled.wrappedBuffer(head, b);
        if (deciding) {
            return; // a read already in flight when reading paused: kept, sent with the head
        }
        RequestHead h = RequestHead.peek(head);
        if (h == RequestHead.INCOMPLETE) {
            if (head.readableBytes() > limit) {
                goLocal(ctx); // the codec answers 414/431
            }
            return;
        }
        if (h.host() == null) {
            goLocal(ctx);
            return;
        }
        List<String> keys = TunnelRegistry.httpRouteKeys(h.host(), h.path());
        if (keys.stream().anyMatch(registry::servesLocally)) {
            goLocal(ctx);
            return;
        }
        deciding = true;
        ctx.channel().config().setAutoRead(false);
        locate(ctx, keys, null);
    }

    private void locate(ChannelHandlerContext ctx, List<String> keys, String triedNode) {
        hop.locate(keys).whenComplete((found, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                release();
                return;
            }
            Optional<RouteLocation> where = error == null ? found : Optional.empty();
            if (where.isEmpty() || where.get().holder().node().equals(hop.node())) {
                if (triedNode != null) {
                    badGateway(ctx);
                } else {
                    goLocal(ctx); // nobody holds it: today's answer (not found) comes from the proxy
                }
                return;
            }
            if (where.get().holder().node().equals(triedNode)) {
                badGateway(ctx); // the same node again: no second try
                return;
            }
            forward(ctx, keys, where.get(), triedNode == null);
        }));
    }

    private void forward(ChannelHandlerContext ctx, List<String> keys, RouteLocation where, boolean mayRetry) {
        hop.dial(ctx.channel(), where, ClientAddress.of(ctx.channel())).addListener(f -> {
            if (!ctx.channel().isActive()) {
                if (f.isSuccess()) {
                    ((Channel) f.getNow()).close();
                }
                release();
                return;
            }
            if (f.isSuccess()) {
                splice(ctx, (Channel) f.getNow());
            } else if (f.cause() instanceof ClusterHop.NotHere && mayRetry) {
                log.info("event=cluster_hop_stale route={} node={}", where.route(), where.holder().node());
                locate(ctx, keys, where.holder().node());
            } else {
                log.warn("event=cluster_hop_failed route={} node={} error=\"{}\"", where.route(),
                        where.holder().node(), f.cause().getMessage());
                badGateway(ctx);
            }
        });
    }

    private void splice(ChannelHandlerContext ctx, Channel owner) {
        for (String name : List.of("http", "proxy")) { // the connection is a raw splice from here on
            if (ctx.pipeline().get(name) != null) {
                ctx.pipeline().remove(name);
            }
        }
        ByteBuf bytes = head;
        head = null;
        owner.writeAndFlush(bytes);
        ctx.pipeline().remove(this);
        Splice.join(ctx.channel(), owner);
    }

    private void goLocal(ChannelHandlerContext ctx) {
        ByteBuf bytes = head;
        head = null;
        ctx.pipeline().remove(this);
        ctx.channel().config().setAutoRead(true);
        if (bytes != null) {
            ctx.fireChannelRead(bytes);
            ctx.fireChannelReadComplete();
        }
    }

    private void badGateway(ChannelHandlerContext ctx) {
        release();
        byte[] body = "The node holding this tunnel did not take the request; try again.\n"
                .getBytes(StandardCharsets.UTF_8);
        String response = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(response.getBytes(StandardCharsets.ISO_8859_1), body))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void release() {
        if (head != null) {
            ReferenceCountUtil.release(head);
            head = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }
}
