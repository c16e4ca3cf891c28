package io.tuns.server.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.RouteFeed;
import io.tuns.server.cluster.Splice;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyProtocolHandler;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node listens on every TCP forward's port that another node holds, and passes each connection there
 * raw: behind the load balancer any node gets connections for the whole port range. Told by the route feed
 * ({@link #feedListener}: a port claimed elsewhere is listened on here within the feed's lag, one claimed here or
 * released stops), with a full read of the store ({@link #poll}, diffed by {@link Plan}) as the safety net: every
 * {@link #POLL_EVERY}th heartbeat while the feed reads, every beat while it does not, and at once when it lost
 * entries. A port that cannot be listened on yet (this node's own forward still holds it, being closed after a
 * take-over) is tried again {@link #RETRY_MILLIS} later. A local forward asking for a mirrored port finds it held,
 * as by one of this node's forwards: sish's "unavailable" line and a random port ({@link #mirrors}), unless the
 * same key takes it over, when the mirror yields ({@link #yieldPort}). At most one listener per port. Binding
 * blocks: the work runs on {@link Wiring#binds} (the tunnel executor, where TCP forwards are allocated too).
 */
public final class ClusterPorts implements MirroredPorts, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterPorts.class);
    /** Most TCP routes read from the store in one go (every port there is). */
    public static final int MAX_ROUTES = 65_536;
    /** Heartbeats between two full reads while the route feed is reading. */
    static final int POLL_EVERY = 10;
    /** When a port that could not be listened on is tried again; then only the next full read tries. */
    static final long[] RETRY_MILLIS = {100, 300, 1000, 3000};

    /**
     * What the mirror works with.
     *
     * @param binds         where listeners are bound and closed, one thing at a time (the tunnel executor)
     * @param timers        for the later tries
     * @param heldHere      whether a forward of this node holds a route (it is not mirrored then)
     * @param readAll       every TCP route in the store, route → node (at most {@link #MAX_ROUTES})
     * @param feedConnected whether the route feed is reading now
     */
    public record Wiring(Executor binds, ScheduledExecutorService timers, Predicate<String> heldHere,
                         Supplier<CompletionStage<Map<String, String>>> readAll, BooleanSupplier feedConnected) {
    }

    private final ServerConfig cfg;
    private final ClusterHop hop;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Wiring wiring;
    /** Listeners open, by route; guarded by this. */
    private final Map<String, Channel> byRoute = new HashMap<>();
    /** Routes other nodes hold, as last told; guarded by this; at most {@link #MAX_ROUTES} (one per port). */
    private final Set<String> wanted = new HashSet<>();
    /**
     * The feed's changes, numbered, and the number of the last one per route (one per port at most): a full read
     * begun before a change does not undo it. Entries up to a read's start go when that read is applied. Guarded
     * by itself.
     */
    private final Map<String, Long> lastTold = new HashMap<>();
    private long told;
    /** Set by {@link #close}; guarded by this. */
    private boolean closed;
    /** Heartbeats since the last full read; the scheduler's thread only. */
    private int beats = POLL_EVERY;

    public ClusterPorts(ServerConfig cfg, ClusterHop hop, EventLoopGroup boss, EventLoopGroup workers, Wiring wiring) {
        this.cfg = cfg;
        this.hop = hop;
        this.boss = boss;
        this.workers = workers;
        this.wiring = wiring;
    }

    /** What to open and close to mirror {@code remote} (routes other nodes hold) when {@code mirrored} are open. */
    record Plan(Set<String> open, Set<String> close) {
        static Plan of(Set<String> mirrored, Set<String> remote) {
            Set<String> open = new TreeSet<>(remote);
            open.removeAll(mirrored);
            Set<String> close = new TreeSet<>(mirrored);
            close.removeAll(remote);
            return new Plan(open, close);
        }

        /** The plan without {@code fresh}: routes the feed told of after the read began, whose word is newer. */
        Plan without(Set<String> fresh) {
            Set<String> o = new TreeSet<>(open);
            o.removeAll(fresh);
            Set<String> c = new TreeSet<>(close);
            c.removeAll(fresh);
            return new Plan(o, c);
        }
    }

    /** Whether this heartbeat reads every TCP route ({@code beats} since the last read). */
    static boolean pollDue(int beats, boolean feedConnected) {
        return !feedConnected || beats >= POLL_EVERY;
    }

    /** The port of a TCP route ({@code tcp|domain:port}), or -1 when it is not one. */
    static int port(String route) {
        if (!route.startsWith("tcp|")) {
            return -1;
        }
        try {
            int p = Integer.parseInt(route.substring(route.lastIndexOf(':') + 1));
            return p > 0 && p < 65_536 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One heartbeat (on the scheduler): a full read when due. */
    public void beat() {
        if (pollDue(++beats, wiring.feedConnected().getAsBoolean())) {
            beats = 0;
            poll();
        }
    }

    /** Reads every TCP route from the store and mirrors those of other nodes; a store away changes nothing. */
    public void poll() {
        long since = toldSoFar();
        try {
            wiring.readAll().get().thenAccept(held -> wiring.binds().execute(() -> reconcile(held, since)));
        } catch (RuntimeException e) { // never the end of the heartbeat that calls this
            log.warn("event=cluster_ports_read_failed error=\"{}\"", e.toString());
        }
    }

    /** Keeps the mirror in step with the route feed; the listening happens on {@link Wiring#binds}. */
    public RouteFeed.Listener feedListener() {
        return new RouteFeed.Listener() {
            @Override
            public void appeared(String route, RouteLocation location) {
                if (port(route) < 0) {
                    return;
                }
                tell(route);
                boolean here = location.holder().node().equals(hop.node());
                wiring.binds().execute(() -> {
                    if (here) {
                        routeGone(route); // claimed by a forward of this node: it listens itself
                    } else {
                        routeAppeared(route);
                    }
                });
            }

            @Override
            public void gone(String route, RouteHolder was) {
                if (port(route) < 0) {
                    return;
                }
                tell(route);
                wiring.binds().execute(() -> routeGone(route));
            }

            @Override
            public void missed() {
                poll();
            }
        };
    }

    /** Its own lock: the feed's thread never waits for a bind. */
    private void tell(String route) {
        synchronized (lastTold) {
            lastTold.put(route, ++told);
        }
    }

    private long toldSoFar() {
        synchronized (lastTold) {
            return told;
        }
    }

    /** The store's TCP routes, route → node: mirrors those of other nodes, drops the rest. */
    public void reconcile(Map<String, String> held) {
        reconcile(held, toldSoFar());
    }

    /** As {@link #reconcile(Map)} for a read begun after the feed's change number {@code since}. */
    synchronized void reconcile(Map<String, String> held, long since) {
        Set<String> remote = new TreeSet<>();
        held.forEach((route, node) -> {
            if (!node.equals(hop.node()) && port(route) > 0) {
                remote.add(route);
            }
        });
        Set<String> fresh = new HashSet<>();
        synchronized (lastTold) {
            lastTold.forEach((route, n) -> {
                if (n > since) {
                    fresh.add(route);
                }
            });
            lastTold.values().removeIf(n -> n <= since);
        }
        wanted.removeIf(r -> !remote.contains(r) && !fresh.contains(r));
        remote.stream().filter(r -> !fresh.contains(r)).forEach(wanted::add);
        Plan plan = Plan.of(Set.copyOf(byRoute.keySet()), remote).without(fresh);
        plan.close().forEach(this::unmirror);
        plan.open().forEach(r -> mirror(r, 0));
    }

    /** Another node holds {@code route} now: listen on its port, unless a local forward has it. */
    public synchronized void routeAppeared(String route) {
        if (port(route) < 0 || wanted.size() >= MAX_ROUTES && !wanted.contains(route)) {
            return;
        }
        wanted.add(route);
        mirror(route, 0);
    }

    /** Listens on {@code route}'s port if it is still wanted; else, or when the bind fails, tries later. */
    private synchronized void mirror(String route, int attempt) {
        if (closed || !wanted.contains(route) || byRoute.containsKey(route)) {
            return;
        }
        if (wiring.heldHere().test(route)) {
            later(route, attempt); // this node's forward is being closed (taken over elsewhere): its port frees soon
            return;
        }
        int port = port(route);
        String host = cfg.tcpAddress().isBlank() ? "0.0.0.0" : cfg.tcpAddress();
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(Transport.serverChannel(boss))
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // the client's EOF crosses the hop
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (ProxyProtocolHandler.defer(ch, cfg, this, "tcp")) {
                                return; // the load balancer's PROXY header first: the owner gets the real client
                            }
                            ch.pipeline().addLast("cluster-tcp", new PassOn(route));
                        }
                    })
                    .bind(host, port).sync().channel();
            byRoute.put(route, server);
            log.info("event=cluster_port_mirrored route={} port={}", route, port);
        } catch (Exception e) {
            // a local forward being closed (or another process) has the port
            log.info("event=cluster_port_not_mirrored route={} attempt={} error=\"{}\"", route, attempt,
                    e.getMessage());
            later(route, attempt);
        }
    }

    private void later(String route, int attempt) {
        if (attempt < RETRY_MILLIS.length) {
            wiring.timers().schedule(() -> wiring.binds().execute(() -> mirror(route, attempt + 1)),
                    RETRY_MILLIS[attempt], TimeUnit.MILLISECONDS);
        }
    }

    /** No other node holds {@code route} any more (or this one does). */
    public synchronized void routeGone(String route) {
        wanted.remove(route);
        unmirror(route);
    }

    private synchronized void unmirror(String route) {
        Channel server = byRoute.remove(route);
        if (server != null) {
            server.close().syncUninterruptibly();
            log.info("event=cluster_port_unmirrored route={}", route);
        }
    }

    /** A forward of this node claimed {@code port} (the same key took it over from another node): stop listening. */
    @Override
    public synchronized void yieldPort(int port) {
        wanted.removeIf(r -> port(r) == port);
        for (String route : List.copyOf(byRoute.keySet())) {
            if (port(route) == port) {
                unmirror(route);
            }
        }
    }

    /** Whether this node listens on {@code port} for another node's forward. */
    @Override
    public synchronized boolean mirrors(int port) {
        return byRoute.keySet().stream().anyMatch(r -> port(r) == port);
    }

    /** Stops for good: feed entries and reads still on their way open nothing (the node is stopping). */
    @Override
    public synchronized void close() {
        closed = true;
        wanted.clear();
        List.copyOf(byRoute.keySet()).forEach(this::unmirror);
    }

    /**
     * Passes an accepted connection to the node holding its route; closes it when none takes it. Bytes that came
     * with a PROXY header (the load balancer's) before the hop is up are held, then go first: at most that one
     * read, as reading is off until the splice. So is the client's EOF if it came with them ({@code nc -N}): it
     * goes on after them.
     */
    private final class PassOn extends ChannelInboundHandlerAdapter {
        private final String route;
        private final List<ByteBuf> held = new ArrayList<>(2);
        private boolean inputShutdown;

        PassOn(String route) {
            this.route = route;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                held.add(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShutdown = true; // for the splice, after the bytes held
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                held.forEach(ctx::fireChannelRead); // into the splice that follows
                if (!held.isEmpty()) {
                    ctx.fireChannelReadComplete();
                }
                if (inputShutdown) {
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                }
            } else {
                held.forEach(ReferenceCountUtil::release);
            }
            held.clear();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                start(ctx);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start(ctx);
            ctx.fireChannelActive();
        }

        private boolean started;

        private void start(ChannelHandlerContext ctx) {
            if (started) {
                return;
            }
            started = true;
            Channel ch = ctx.channel();
            ch.config().setAutoRead(false);
            hop.reach(ch, List.of(route), ClientAddress.of(ch), r -> HopHeader.Entry.RAW).addListener(f -> {
                Channel owner = (Channel) f.getNow();
                if (!f.isSuccess() || owner == null || !ch.isActive()) {
                    if (owner != null) {
                        owner.close();
                    }
                    if (!f.isSuccess()) {
                        log.warn("event=cluster_hop_failed route={} error=\"{}\"", route, f.cause().getMessage());
                    }
                    ch.close(); // nobody (else) holds the port now: as a port nobody listens on
                    return;
                }
                Splice.join(ch, owner); // the splice goes after this handler, which leaves handing on what it held
                ctx.pipeline().remove(this);
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
