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

/**
 * Listeners for TLS passthrough ({@code sni-proxy=true}): one per address, shared by every SNI tunnel on it
 * and closed when the last one goes. Binding blocks: call from the tunnel executor.
 */
public final class SniListeners {

    private record Shared(Channel server, int users) {
    }

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
        if (s == null) {
            Channel server = new ServerBootstrap()
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
            s = new Shared(server, 0);
        }
        int bound = ((InetSocketAddress) s.server().localAddress()).getPort();
        byAddress.put(host + ":" + bound, new Shared(s.server(), s.users() + 1));
        return bound;
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
        if (s.users() <= 1) {
            byAddress.remove(key);
            s.server().close();
        } else {
            byAddress.put(key, new Shared(s.server(), s.users() - 1));
        }
    }
}
