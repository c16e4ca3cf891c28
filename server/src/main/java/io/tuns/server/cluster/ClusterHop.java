package io.tuns.server.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tuns.server.config.HostPort;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.Tunnel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The ingress side of a hop: where a route lives ({@link #locate}), and a connection to its owner that the owner
 * has accepted ({@link #dial}). The dial runs on the ingress channel's own event loop, so splicing the two needs
 * no hand-over between threads.
 */
public final class ClusterHop {

    /** The owner answered {@link HopHeader#NOT_HERE}: it holds no such route (the cached route was stale). */
    public static final class NotHere extends IOException {
        NotHere() {
            super("the node holds no such route");
        }
    }

    private final RouteStore store;
    private final String node;
    private final Duration timeout;
    private final RouteCache cache = new RouteCache();
    private final ClusterEvents events;
    private final HopPool pool = new HopPool();

    /** @param timeout for the connect and for the owner's one-byte answer */
    public ClusterHop(RouteStore store, String node, Duration timeout, ClusterEvents events) {
        this.store = store;
        this.node = node;
        this.timeout = timeout;
        this.events = events;
    }

    /**
     * A tunnel standing for {@code where}'s route on this entry node, for one request: the HTTP proxy sends the
     * request through it as through a local tunnel, and its channel is a hop connection to the holder
     * ({@link HopOwner}), taken from the pool or dialled. The request goes as the client sent it: the holder does
     * all per-tunnel work.
     *
     * @param keys  the request's route keys, best first
     * @param loop  the client connection's event loop
     * @param local the address the client connected to
     */
    public Tunnel remote(RouteLocation where, List<String> keys, String host, EventLoop loop,
                         InetSocketAddress local) {
        return new Tunnel(Tunnel.TunnelType.HTTP, host, "", 80, new HopOwner(this, where, keys, loop, local), null,
                Instant.now());
    }

    /** Corrects where this entry node last saw each route, as the route feed tells changes. */
    public RouteFeed.Listener cacheListener() {
        return new RouteFeed.Listener() {
            @Override
            public void appeared(String route, RouteLocation location) {
                cache.moved(route, location);
            }

            @Override
            public void gone(String route, io.tuns.server.tunnel.RouteHolder was) {
                cache.gone(route);
            }
        };
    }

    /** Idle hop connections kept for reuse now (at most {@link HopPool#MAX_IDLE}). */
    public int idleHops() {
        return pool.idle();
    }

    HopPool pool() {
        return pool;
    }

    ClusterEvents events() {
        return events;
    }

    /** A pooled connection serves the same route for the same client address it was accepted for. */
    static HopPool.Key key(RouteLocation where, InetSocketAddress client) {
        return new HopPool.Key(where.address(), where.route(), client.getAddress().getHostAddress());
    }

    /** This node's name: a route located here is not forwarded. */
    public String node() {
        return node;
    }

    /**
     * The first of {@code routes} held by a live node; while the store does not answer, where this node last saw
     * it. Completes off the event loop: hop back before acting.
     */
    public CompletionStage<Optional<RouteLocation>> locate(List<String> routes) {
        return store.lookup(routes).handle((found, error) -> {
            if (error == null) {
                cache.learned(routes, found);
                return found;
            }
            return cache.lastKnown(routes);
        });
    }

    /**
     * Connects to the owner at {@code where}, sends the hop header for {@code route} with the client's address, and
     * completes with the connection (not reading, ready to splice) once the owner accepted.
     */
    public Future<Channel> dial(Channel ingress, RouteLocation where, InetSocketAddress client) {
        return dial(ingress.eventLoop(), (InetSocketAddress) ingress.localAddress(), where, client);
    }

    /**
     * As {@link #dial(Channel, RouteLocation, InetSocketAddress)}, on {@code loop}, naming {@code local} (the address
     * the client connected to) as the header's destination.
     */
    public Future<Channel> dial(EventLoop loop, InetSocketAddress local, RouteLocation where,
                                InetSocketAddress client) {
        Promise<Channel> accepted = loop.newPromise();
        accepted.addListener(f -> events.hop(f.isSuccess() ? "forwarded"
                : f.cause() instanceof NotHere ? "not_here" : "failed"));
        HostPort owner = HostPort.parse(where.address(), "cluster-advertise");
        ChannelFuture connect = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new Answer(accepted))
                .connect(owner.host(), owner.port());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                accepted.tryFailure(f.cause());
                return;
            }
            Channel ch = connect.channel();
            ByteBuf header = HopHeader.encode(client, local, where.route());
            ch.writeAndFlush(header);
            ch.eventLoop().schedule(() -> {
                if (accepted.tryFailure(new IOException("the owner did not answer in " + timeout.toMillis() + " ms"))) {
                    ch.close();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        });
        return accepted;
    }

    /** Reads the owner's one-byte answer, then gets out of the way. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private final Promise<Channel> accepted;

        Answer(Promise<Channel> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf b = (ByteBuf) msg;
                if (b.readableBytes() == 0) {
                    return;
                }
                byte answer = b.readByte();
                // the owner sends nothing after ACCEPT until it has a request, so nothing else is in this read
                if (answer == HopHeader.ACCEPT) {
                    ctx.channel().config().setAutoRead(false);
                    ctx.pipeline().remove(this);
                    if (!accepted.trySuccess(ctx.channel())) {
                        ctx.close();
                    }
                } else {
                    accepted.tryFailure(new NotHere());
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            accepted.tryFailure(new IOException("the owner closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            accepted.tryFailure(cause);
            ctx.close();
        }
    }
}
