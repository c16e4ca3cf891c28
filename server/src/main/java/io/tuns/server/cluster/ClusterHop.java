package io.tuns.server.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tuns.server.config.HostPort;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.transport.Transport;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.Tunnel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

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

    /**
     * How long an entry node keeps an unused hop connection for another request, in its pool or with the client
     * connection it served: well under the owner's head timeout (--http-header-timeout, 30 s by default), so the
     * owner rarely closes one just as a request goes out.
     */
    public static final Duration KEEP_IDLE = HopPool.IDLE;

    private final RouteStore store;
    private final String node;
    private final Duration timeout;
    private final RouteCache cache = new RouteCache();
    private final ClusterEvents events;
    private final HopPool pool = new HopPool();
    private final HopTls tls;
    private final MemoryBudget memory;
    /** Whether the route feed is live: only then may the cache spare a request the store ({@link #fresh}). */
    private volatile BooleanSupplier feedLive = () -> false;

    /** @param timeout for the connect and for the owner's one-byte answer */
    public ClusterHop(RouteStore store, String node, Duration timeout, ClusterEvents events) {
        this(store, node, timeout, events, null);
    }

    /** @param tls mutual TLS to the owner, or null for plain TCP (a loopback cluster) */
    public ClusterHop(RouteStore store, String node, Duration timeout, ClusterEvents events, HopTls tls) {
        this(store, node, timeout, events, tls, MemoryBudget.off());
    }

    /**
     * @param memory counts what a hop connection read from the owner and the client has not taken yet (its
     *               read-ahead, {@link HopStream}), as {@code queued_writes}
     */
    public ClusterHop(RouteStore store, String node, Duration timeout, ClusterEvents events, HopTls tls,
                      MemoryBudget memory) {
        this.memory = memory;
        this.store = store;
        this.node = node;
        this.timeout = timeout;
        this.events = events;
        this.tls = tls;
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
        return remote(where, keys, host, loop, local, HopHeader.Entry.HTTP);
    }

    /**
     * As {@link #remote(RouteLocation, List, String, EventLoop, InetSocketAddress)}, for a request that entered as
     * {@code entry}: {@link HopHeader.Entry#HTTP_TLS} when this node terminated the client's TLS.
     */
    public Tunnel remote(RouteLocation where, List<String> keys, String host, EventLoop loop,
                         InetSocketAddress local, HopHeader.Entry entry) {
        return new Tunnel(Tunnel.TunnelType.HTTP, host, "", 80, new HopOwner(this, where, keys, loop, local, entry),
                null, Instant.now());
    }

    /** Corrects where this entry node last saw each route, as the route feed tells changes. */
    public RouteFeed.Listener cacheListener() {
        return new RouteFeed.Listener() {
            @Override
            public void appeared(String route, RouteLocation location) {
                cache.moved(route, location, System.nanoTime());
            }

            @Override
            public void gone(String route, io.tuns.server.tunnel.RouteHolder was) {
                cache.gone(route, System.nanoTime());
            }

            @Override
            public void missed() {
                cache.distrust(System.nanoTime());
            }
        };
    }

    /**
     * Lets the cache answer plain HTTP requests ({@link #fresh}) while {@code live} (the route feed that feeds
     * {@link #cacheListener} is reading); without it every request asks the store.
     */
    public void trustCacheWhile(BooleanSupplier live) {
        this.feedLive = live;
    }

    /**
     * Where the first of {@code routes} lives when this node may forward there without asking the store (the feed
     * is live and the cache saw it within {@link RouteCache#TRUST}); else empty: {@link #locate}. A wrong answer
     * costs what a look-up just before a take-over would: the owner answers NOT_HERE and the hop looks up again.
     */
    public Optional<RouteLocation> fresh(List<String> routes) {
        return cache.fresh(routes, System.nanoTime(), feedLive.getAsBoolean());
    }

    /** Idle hop connections kept for reuse now (at most {@link HopPool#MAX_IDLE}). */
    public int idleHops() {
        return pool.idle();
    }

    HopPool pool() {
        return pool;
    }

    MemoryBudget memory() {
        return memory;
    }

    ClusterEvents events() {
        return events;
    }

    /** A pooled connection serves the same route for the same client address it was accepted for. */
    static HopPool.Key key(RouteLocation where, InetSocketAddress client) {
        return key(where, client, HopHeader.Entry.HTTP);
    }

    /** ... and entered the same way (the owner set up its handlers by the entry): a TLS one is keyed apart. */
    static HopPool.Key key(RouteLocation where, InetSocketAddress client, HopHeader.Entry entry) {
        String route = entry == HopHeader.Entry.HTTP ? where.route() : entry + " " + where.route();
        return new HopPool.Key(where.address(), route, client.getAddress().getHostAddress());
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
                cache.learned(routes, found, System.nanoTime());
                return found;
            }
            return cache.lastKnown(routes);
        });
    }

    /**
     * For a connection whose route is known before any byte is passed on (TLS by its SNI name, a TCP port, an
     * alias): where the first of {@code routes} lives and, when another node holds it, a connection to that node
     * that accepted it. Completes on the ingress channel's event loop with null when the connection stays here
     * (no live holder, or this node), with the owner's connection, or fails when no owner took it: a stale route
     * gets one fresh look-up and one try at a different node, as plain HTTP does.
     *
     * @param entry how the bytes are to be treated at the owner, by the route found ({@link HopHeader.Entry#of})
     */
    public Future<Channel> reach(Channel ingress, List<String> routes, InetSocketAddress client,
                                 Function<String, HopHeader.Entry> entry) {
        return reach(ingress.eventLoop(), (InetSocketAddress) ingress.localAddress(), ingress::isActive, routes, client,
                entry);
    }

    /**
     * As {@link #reach(Channel, List, InetSocketAddress, Function)} for a connection that is not a Netty channel
     * (an SSH channel to an alias).
     *
     * @param local  where the client reached this node (the hop header's destination)
     * @param active whether the client is still there
     */
    public Future<Channel> reach(EventLoop loop, InetSocketAddress local, BooleanSupplier active, List<String> routes,
                                 InetSocketAddress client, Function<String, HopHeader.Entry> entry) {
        Promise<Channel> done = loop.newPromise();
        reach(new Ingress(loop, local, active), routes, client, entry, null, done);
        return done;
    }

    /** The entry side of a hop: its event loop, where the client reached this node, whether it is still there. */
    private record Ingress(EventLoop loop, InetSocketAddress local, BooleanSupplier active) {
    }

    private void reach(Ingress ingress, List<String> routes, InetSocketAddress client,
                       Function<String, HopHeader.Entry> entry, String triedNode, Promise<Channel> done) {
        locate(routes).whenComplete((found, error) -> ingress.loop().execute(() ->
                reachFound(ingress, routes, client, entry, triedNode, error == null ? found : Optional.empty(), done)));
    }

    /**
     * As {@link #reach(Channel, List, InetSocketAddress, Function)} once the caller has asked the store itself
     * ({@code where}, from {@link #locate}); on the ingress channel's event loop. A NOT_HERE still gets its one
     * fresh look-up.
     */
    public Future<Channel> reachFound(Channel ingress, List<String> routes, Optional<RouteLocation> where,
                                      InetSocketAddress client, Function<String, HopHeader.Entry> entry) {
        Promise<Channel> done = ingress.eventLoop().newPromise();
        reachFound(new Ingress(ingress.eventLoop(), (InetSocketAddress) ingress.localAddress(), ingress::isActive),
                routes, client, entry, null, where, done);
        return done;
    }

    private void reachFound(Ingress ingress, List<String> routes, InetSocketAddress client,
                            Function<String, HopHeader.Entry> entry, String triedNode, Optional<RouteLocation> where,
                            Promise<Channel> done) {
        HopDecision.Next next = HopDecision.next(where.map(w -> w.holder().node()).orElse(null), node, triedNode);
        switch (next) {
            case STAY -> done.trySuccess(null);
            case GIVE_UP -> done.tryFailure(new IOException("the node holding " + routes.get(0)
                    + " did not take the connection"));
            case DIAL -> {
                if (!ingress.active().getAsBoolean()) {
                    done.tryFailure(new IOException("the client left"));
                    return;
                }
                RouteLocation at = where.get();
                dial(ingress.loop(), ingress.local(), at, client, entry.apply(at.route())).addListener(f -> {
                    if (f.isSuccess()) {
                        Channel owner = (Channel) f.getNow();
                        if (!done.trySuccess(owner)) {
                            owner.close();
                        }
                    } else if (f.cause() instanceof NotHere && triedNode == null) {
                        reach(ingress, routes, client, entry, at.holder().node(), done);
                    } else {
                        done.tryFailure(f.cause());
                    }
                });
            }
        }
    }

    /**
     * Connects to the owner at {@code where}, sends the hop header for {@code route} with the client's address, and
     * completes with the connection (not reading, ready to splice) once the owner accepted.
     */
    public Future<Channel> dial(Channel ingress, RouteLocation where, InetSocketAddress client) {
        return dial(ingress, where, client, HopHeader.Entry.HTTP);
    }

    /**
     * As {@link #dial(Channel, RouteLocation, InetSocketAddress)}, on {@code loop}, naming {@code local} (the address
     * the client connected to) as the header's destination.
     */
    public Future<Channel> dial(EventLoop loop, InetSocketAddress local, RouteLocation where,
                                InetSocketAddress client) {
        return dial(loop, local, where, client, HopHeader.Entry.HTTP);
    }

    /** As {@link #dial(EventLoop, InetSocketAddress, RouteLocation, InetSocketAddress)}, entered as {@code entry}. */
    Future<Channel> dialAs(EventLoop loop, InetSocketAddress local, RouteLocation where, InetSocketAddress client,
                           HopHeader.Entry entry) {
        return dial(loop, local, where, client, entry);
    }

    /**
     * As {@link #dial(Channel, RouteLocation, InetSocketAddress)}, for a connection that entered as {@code entry}.
     * Bytes the owner sends right after its ACCEPT (a server that speaks first) wait in the pipeline until
     * {@link Splice#join} takes them.
     */
    public Future<Channel> dial(Channel ingress, RouteLocation where, InetSocketAddress client,
                                HopHeader.Entry entry) {
        return dial(ingress.eventLoop(), (InetSocketAddress) ingress.localAddress(), where, client, entry);
    }

    private Future<Channel> dial(EventLoop loop, InetSocketAddress local, RouteLocation where, InetSocketAddress client,
                                 HopHeader.Entry entry) {
        Promise<Channel> accepted = loop.newPromise();
        accepted.addListener(f -> events.hop(f.isSuccess() ? "forwarded"
                : f.cause() instanceof NotHere ? "not_here" : "failed"));
        HostPort owner = HostPort.parse(where.address(), "cluster-advertise");
        ChannelFuture connect = new Bootstrap().group(loop).channel(Transport.socketChannel(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) { // the header waits in the SslHandler until the handshake is done
                            ch.pipeline().addLast(HopTls.HANDLER_NAME, tls.dialing(ch, owner.host(), owner.port()));
                        }
                        ch.pipeline().addLast(Answer.NAME, new Answer(accepted));
                    }
                })
                .connect(owner.host(), owner.port());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                accepted.tryFailure(f.cause());
                return;
            }
            Channel ch = connect.channel();
            ByteBuf header = HopHeader.encode(client, local, where.route(), entry);
            ch.writeAndFlush(header);
            ch.eventLoop().schedule(() -> {
                if (accepted.tryFailure(new IOException("the owner did not answer in " + timeout.toMillis() + " ms"))) {
                    ch.close();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        });
        return accepted;
    }

    /**
     * Reads the owner's one-byte answer; after an ACCEPT it holds what follows (the owner's tunnel may speak first)
     * until {@link Splice#join} removes it, which hands the held bytes on. Holds at most what arrived before reading
     * stopped: one read, as auto-read is off from the ACCEPT on.
     */
    static final class Answer extends ChannelInboundHandlerAdapter {
        static final String NAME = "hop-answer";
        private final Promise<Channel> accepted;
        private final List<ByteBuf> held = new ArrayList<>(2);
        private boolean answered;

        Answer(Promise<Channel> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (answered) {
                held.add(b);
                return;
            }
            if (b.readableBytes() == 0) {
                b.release();
                return;
            }
            byte answer = b.readByte();
            if (answer == HopHeader.ACCEPT) {
                answered = true;
                ctx.channel().config().setAutoRead(false);
                if (b.isReadable()) {
                    held.add(b);
                } else {
                    b.release();
                }
                if (!accepted.trySuccess(ctx.channel())) {
                    ctx.close();
                }
            } else {
                b.release();
                accepted.tryFailure(new NotHere());
                ctx.close();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (held.isEmpty()) {
                return;
            }
            if (ctx.channel().isActive()) { // on to the splice that replaced this
                held.forEach(ctx::fireChannelRead);
                ctx.fireChannelReadComplete();
            } else {
                held.forEach(ReferenceCountUtil::release);
            }
            held.clear();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            accepted.tryFailure(new IOException("the owner closed the connection"));
            held.forEach(ReferenceCountUtil::release);
            held.clear();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            accepted.tryFailure(cause);
            ctx.close();
        }
    }
}
