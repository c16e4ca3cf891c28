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
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.Splice;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyProtocolHandler;
import io.tuns.server.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node listens on every TCP forward's port that another node holds, and passes each connection there
 * raw: behind the load balancer any node gets connections for the whole port range. Told by
 * {@link #routeAppeared} / {@link #routeGone} (a periodic read of the store, {@link #reconcile}, or a change feed).
 * A local forward asking for a mirrored port finds it held, as by one of this node's forwards: sish's "unavailable"
 * line and a random port ({@link #mirrors}). At most one listener per port. Binding blocks: call off the event
 * loops.
 */
public final class ClusterPorts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterPorts.class);
    /** Most TCP routes read from the store in one go (every port there is). */
    public static final int MAX_ROUTES = 65_536;

    private final ServerConfig cfg;
    private final ClusterHop hop;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Map<String, Channel> byRoute = new HashMap<>();

    public ClusterPorts(ServerConfig cfg, ClusterHop hop, EventLoopGroup boss, EventLoopGroup workers) {
        this.cfg = cfg;
        this.hop = hop;
        this.boss = boss;
        this.workers = workers;
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

    /** The store's TCP routes, route → node: mirrors those of other nodes, drops the rest. */
    public void reconcile(Map<String, String> held) {
        Set<String> remote = new TreeSet<>();
        held.forEach((route, node) -> {
            if (!node.equals(hop.node())) {
                remote.add(route);
            }
        });
        Plan plan;
        synchronized (this) {
            plan = Plan.of(Set.copyOf(byRoute.keySet()), remote);
        }
        plan.close().forEach(this::routeGone);
        plan.open().forEach(this::routeAppeared);
    }

    /** Another node holds {@code route} now: listen on its port, unless a local listener has it. */
    public synchronized void routeAppeared(String route) {
        int port = port(route);
        if (port < 0 || byRoute.containsKey(route)) {
            return;
        }
        String host = cfg.tcpAddress().isBlank() ? "0.0.0.0" : cfg.tcpAddress();
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(Transport.serverChannel(boss))
                    .childOption(ChannelOption.AUTO_READ, false)
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
            // a local forward (or another process) has the port: connections there are not this listener's
            log.info("event=cluster_port_not_mirrored route={} error=\"{}\"", route, e.getMessage());
        }
    }

    /** No other node holds {@code route} any more. */
    public synchronized void routeGone(String route) {
        Channel server = byRoute.remove(route);
        if (server != null) {
            server.close().syncUninterruptibly();
            log.info("event=cluster_port_unmirrored route={}", route);
        }
    }

    /** Closes the mirror of {@code port}, e.g. when a change feed says the route is about to move here. */
    public synchronized void yieldPort(int port) {
        for (String route : List.copyOf(byRoute.keySet())) {
            if (port(route) == port) {
                routeGone(route);
            }
        }
    }

    /** Whether this node listens on {@code port} for another node's forward. */
    public synchronized boolean mirrors(int port) {
        return byRoute.keySet().stream().anyMatch(r -> port(r) == port);
    }

    @Override
    public synchronized void close() {
        List.copyOf(byRoute.keySet()).forEach(this::routeGone);
    }

    /**
     * Passes an accepted connection to the node holding its route; closes it when none takes it. Bytes that came
     * with a PROXY header (the load balancer's) before the hop is up are held, then go first: at most that one
     * read, as reading is off until the splice.
     */
    private final class PassOn extends ChannelInboundHandlerAdapter {
        private final String route;
        private final List<ByteBuf> held = new ArrayList<>(2);

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
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                held.forEach(ctx::fireChannelRead); // into the splice that follows
                if (!held.isEmpty()) {
                    ctx.fireChannelReadComplete();
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
