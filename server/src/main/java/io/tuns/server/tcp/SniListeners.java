package io.tuns.server.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.tuns.server.access.IpFilter;
import io.tuns.server.access.NettyGate;
import io.tuns.server.bridge.IdleCut;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ProxyProtocolHandler;
import io.tuns.server.transport.Transport;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listeners for TLS passthrough ({@code sni-proxy=true}): one per address, shared by every SNI tunnel on it
 * and closed when the last one goes. On a cluster node a listener may also mirror a port other nodes' SNI
 * forwards use ({@link #mirror}): names held elsewhere are passed there by {@link SniRouter}, and a local forward
 * asking for that port shares the listener. A port with a local forward is marked in the route store
 * ({@link #MARK_KIND}), which is how other nodes learn to mirror it. Binding blocks: call from the tunnel executor.
 */
public final class SniListeners implements SniPortMirrors.SniMirror {

    /** The route kind of the store's SNI port marks: {@code sni-port|node:port}, one per node and port. */
    public static final String MARK_KIND = "sni-port";

    /** @param users local SNI forwards on it; @param mirrored whether it also serves other nodes' forwards */
    private record Shared(Channel server, int users, boolean mirrored) {
    }

    private static final Logger log = LoggerFactory.getLogger(SniListeners.class);

    private final ServerConfig cfg;
    private final IpFilter ipFilter;
    private final TunnelRegistry registry;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Map<String, Shared> byAddress = new HashMap<>();

    private final MemoryBudget memory;

    private final ClusterHop hop;

    public SniListeners(ServerConfig cfg, IpFilter ipFilter, TunnelRegistry registry,
                        EventLoopGroup boss, EventLoopGroup workers, MemoryBudget memory) {
        this(cfg, ipFilter, registry, boss, workers, memory, null);
    }

    /** @param hop on a cluster node: names held on other nodes are passed there (see {@link SniRouter}) */
    public SniListeners(ServerConfig cfg, IpFilter ipFilter, TunnelRegistry registry,
                        EventLoopGroup boss, EventLoopGroup workers, MemoryBudget memory, ClusterHop hop) {
        this.hop = hop;
        this.memory = memory;
        this.ipFilter = ipFilter;
        this.cfg = cfg;
        this.registry = registry;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Binds {@code host:port} if no SNI listener is there yet; counts one more user.
     *
     * @param port 0 lets the system pick (a new listener each time)
     * @return the listener's port, to {@link #release} it with
     */
    public synchronized int acquire(String host, int port) throws Exception {
        Shared s = port == 0 ? null : byAddress.get(host + ":" + port);
        Channel server = s == null ? bind(host, port) : s.server();
        int bound = ((InetSocketAddress) server.localAddress()).getPort();
        byAddress.put(host + ":" + bound, new Shared(server, s == null ? 1 : s.users() + 1, s != null && s.mirrored()));
        markIfUsed(bound);
        return bound;
    }

    private Channel bind(String host, int port) throws InterruptedException {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(Transport.serverChannel(boss))
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ProxyProtocolHandler.defer(ch, cfg, this, "sni")) {
                            return; // --proxy-protocol-listener: runs again once the PROXY header is settled
                        }
                        if (NettyGate.refuseTcp(ch, ipFilter)) {
                            return; // --banned-ips / --whitelisted-ips
                        }
                        if (cfg.idleConnection()) { // also cuts a client that never sends its ClientHello
                            ch.pipeline().addLast("idle", new IdleCut(cfg.idleConnectionTimeout()));
                        }
                        ch.pipeline().addLast("sni", new SniRouter(registry, cfg, memory, hop));
                    }
                })
                .bind(host.isEmpty() ? "0.0.0.0" : host, port).sync().channel();
    }

    /**
     * Listens on {@code port} (at {@code --tcp-address}) for other nodes' SNI forwards too, binding it unless a
     * local forward's listener has it. False when the port is taken otherwise (a TCP forward, another process).
     */
    @Override
    public synchronized boolean mirror(int port) {
        String key = cfg.tcpAddress() + ":" + port;
        Shared s = byAddress.get(key);
        try {
            byAddress.put(key, s == null ? new Shared(bind(cfg.tcpAddress(), port), 0, true)
                    : new Shared(s.server(), s.users(), true));
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.info("event=sni_port_not_mirrored port={} error=\"{}\"", port, e.getMessage());
            return false;
        }
    }

    /** No other node's SNI forward uses {@code port} any more: closes its listener unless a local forward has it. */
    @Override
    public synchronized void unmirror(int port) {
        String key = cfg.tcpAddress() + ":" + port;
        Shared s = byAddress.get(key);
        if (s == null || !s.mirrored()) {
            return;
        }
        if (s.users() == 0) {
            byAddress.remove(key);
            s.server().close();
        } else {
            byAddress.put(key, new Shared(s.server(), s.users(), false));
        }
    }

    /** The store's mark of {@code port} on this node: there while a local SNI forward listens on it. */
    private void markIfUsed(int port) {
        if (hop == null) {
            return; // one node: nobody to tell
        }
        String mark = MARK_KIND + "|" + hop.node() + ":" + port;
        boolean used = byAddress.values().stream().anyMatch(s -> s.users() > 0
                && ((InetSocketAddress) s.server().localAddress()).getPort() == port);
        boolean marked = registry.heldRoute(mark) != null;
        if (used && !marked) {
            registry.mark(mark);
        } else if (!used && marked) {
            registry.unmark(mark);
        }
    }

    /** Whether an SNI listener of this server is on {@code port}, at any address. */
    public synchronized boolean holds(int port) {
        return byAddress.values().stream()
                .anyMatch(s -> ((InetSocketAddress) s.server().localAddress()).getPort() == port);
    }

    public synchronized void release(String host, int port) {
        String key = host + ":" + port;
        Shared s = byAddress.get(key);
        if (s == null) {
            return;
        }
        if (s.users() <= 1 && !s.mirrored()) {
            byAddress.remove(key);
            s.server().close();
        } else {
            byAddress.put(key, new Shared(s.server(), Math.max(0, s.users() - 1), s.mirrored()));
        }
        markIfUsed(port);
    }
}
