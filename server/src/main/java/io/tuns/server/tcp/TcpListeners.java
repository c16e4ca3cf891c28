package io.tuns.server.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tuns.server.access.NettyGate;
import io.tuns.server.bridge.ProxyHeader;
import io.tuns.server.bridge.RawBridge;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Public TCP ports for {@code -R port:host:port} forwards: one Netty listener per forward, each accepted
 * connection bridged raw to the tunnel. Binding blocks, so it runs on the tunnel executor, never on an
 * event loop.
 */
public final class TcpListeners {

    private final ServerConfig cfg;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    public TcpListeners(ServerConfig cfg, EventLoopGroup boss, EventLoopGroup workers) {
        this.cfg = cfg;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Binds {@code host:port} (port 0 = any free port); connections go to whatever tunnel {@code tunnel}
     * supplies at accept time.
     *
     * @throws Exception when the port cannot be bound (in use, not permitted)
     */
    public Channel bind(String host, int port, Supplier<Tunnel> tunnel) throws Exception {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (NettyGate.refuseTcp(ch, cfg)) {
                            return; // access: --banned-ips / --whitelisted-ips; closed at accept
                        }
                        Tunnel t = tunnel.get();
                        if (t == null) {
                            ch.close();
                            return;
                        }
                        byte[] preamble = t.options().proxyProtocol() == 0 ? null
                                : ProxyHeader.of(t.options().proxyProtocol(), ch.remoteAddress(), ch.localAddress());
                        ch.pipeline().addLast("raw", new RawBridge(t, cfg.sshWriteHighWater(), cfg.sshWriteLowWater(), preamble));
                    }
                });
        return b.bind(host.isEmpty() ? "0.0.0.0" : host, port).sync().channel();
    }

    public static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }
}
