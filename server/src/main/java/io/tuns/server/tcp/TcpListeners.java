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
import io.tuns.server.bridge.RawBridge;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyHeader;
import io.tuns.server.proxyproto.ProxyProtocolHandler;
import io.tuns.server.transport.Transport;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Public TCP ports for {@code -R port:host:port} forwards: one Netty listener per forward, each accepted
 * connection bridged raw to the tunnel. Binding blocks, so it runs on the tunnel executor, never on an
 * event loop.
 */
public final class TcpListeners {

    private final ServerConfig cfg;
    private final IpFilter ipFilter;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private final MemoryBudget memory;
    private final MirroredPorts heldElsewhere;

    public TcpListeners(ServerConfig cfg, IpFilter ipFilter, EventLoopGroup boss,
                        EventLoopGroup workers, MemoryBudget memory) {
        this(cfg, ipFilter, boss, workers, memory, MirroredPorts.NONE);
    }

    /**
     * @param heldElsewhere the ports another cluster node's TCP forward holds ({@link ClusterPorts}): this node
     *                      listens there for it, so a local bind fails and the port is randomised, unless the
     *                      same key takes it over and the mirror yields
     */
    public TcpListeners(ServerConfig cfg, IpFilter ipFilter, EventLoopGroup boss,
                        EventLoopGroup workers, MemoryBudget memory, MirroredPorts heldElsewhere) {
        this.heldElsewhere = heldElsewhere;
        this.memory = memory;
        this.cfg = cfg;
        this.ipFilter = ipFilter;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Binds {@code host:port} (port 0 = any free port); connections go to whatever tunnel {@code pick} gives at
     * accept time for no tried members, and to the next one it gives if that tunnel's channel will not open.
     *
     * @throws Exception when the port cannot be bound (in use, not permitted)
     */
    public Channel bind(String host, int port, Function<Collection<Tunnel>, Tunnel> pick) throws Exception {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(Transport.serverChannel(boss))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ProxyProtocolHandler.defer(ch, cfg, this, "tcp")) {
                            return; // --proxy-protocol-listener: runs again once the PROXY header is settled
                        }
                        if (NettyGate.refuseTcp(ch, ipFilter)) {
                            return; // access: --banned-ips / --whitelisted-ips; closed at accept
                        }
                        Tunnel t = pick.apply(List.of());
                        if (t == null) {
                            ch.close();
                            return;
                        }
                        if (cfg.idleConnection()) {
                            ch.pipeline().addLast("idle", new IdleCut(cfg.idleConnectionTimeout()));
                        }
                        ch.pipeline().addLast("raw", new RawBridge(t, pick, cfg.sshWriteHighWater(),
                                cfg.sshWriteLowWater(), member -> ProxyHeader.forTunnel(member, ch),
                                ClientAddress.of(ch), memory));
                    }
                });
        return b.bind(host.isEmpty() ? "0.0.0.0" : host, port).sync().channel();
    }

    // ---- listeners shared by the tunnels of one TCP name (--tcp-load-balancer); closed with the last of them

    private record Shared(Channel server, int users) {
    }

    private final Map<String, Shared> shared = new HashMap<>();

    /** Records a freshly bound listener as used by one tunnel under {@code key}. */
    public synchronized void adopt(String key, Channel server) {
        shared.put(key, new Shared(server, 1));
    }

    /** One more tunnel uses the listener under {@code key}; false if there is none (any more). */
    public synchronized boolean join(String key) {
        Shared s = shared.get(key);
        if (s == null || !s.server().isOpen()) {
            return false;
        }
        shared.put(key, new Shared(s.server(), s.users() + 1));
        return true;
    }

    /** One tunnel less; the listener closes when none is left. */
    public synchronized void release(String key) {
        Shared s = shared.get(key);
        if (s == null) {
            return;
        }
        if (s.users() <= 1) {
            shared.remove(key);
            s.server().close();
        } else {
            shared.put(key, new Shared(s.server(), s.users() - 1));
        }
    }

    /** Another cluster node's TCP forward holds {@code port}: to the port allocator, as one of ours does. */
    public boolean heldElsewhere(int port) {
        return heldElsewhere.mirrors(port);
    }

    /** This node's forward claimed {@code port} from another node: its mirror here stops listening (blocks). */
    public void yieldElsewhere(int port) {
        heldElsewhere.yieldPort(port);
    }

    public static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }
}
