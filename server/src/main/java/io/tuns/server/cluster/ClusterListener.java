package io.tuns.server.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.config.HostPort;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner side of a hop, on {@code --cluster-listen}: reads the hop header, answers {@link HopHeader#ACCEPT} when
 * a local tunnel serves the route and this node's lease is live (then hands the connection to the HTTP pipeline,
 * which never forwards again: one hop at most) or {@link HopHeader#NOT_HERE}. The client's address from the header becomes the connection's
 * client address, so filters, logs and X-Forwarded-For see the real one. Plain TCP: a cluster-internal network.
 */
public final class ClusterListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterListener.class);
    /** Seconds a hop has to send its header. */
    static final int HEADER_TIMEOUT_SECONDS = 5;

    private final String listen;
    private final TunnelRegistry registry;
    private final Consumer<Channel> installHttp;
    private final BooleanSupplier leaseLive;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private Channel server;

    /** @param installHttp adds the HTTP handlers of a connection that arrived by a hop (without a hop of its own) */
    public ClusterListener(String listen, TunnelRegistry registry, Consumer<Channel> installHttp,
                           EventLoopGroup boss, EventLoopGroup workers) {
        this(listen, registry, installHttp, () -> true, boss, workers);
    }

    /** @param leaseLive whether this node's lease is live ({@link ClusterNode#leaseLive}): else every hop NOT_HERE */
    public ClusterListener(String listen, TunnelRegistry registry, Consumer<Channel> installHttp,
                           BooleanSupplier leaseLive, EventLoopGroup boss, EventLoopGroup workers) {
        this.leaseLive = leaseLive;
        this.listen = listen;
        this.registry = registry;
        this.installHttp = installHttp;
        this.boss = boss;
        this.workers = workers;
    }

    public void start() throws InterruptedException {
        HostPort at = HostPort.parse(listen, "cluster-listen");
        server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("hop-timeout", new ReadTimeoutHandler(HEADER_TIMEOUT_SECONDS));
                        ch.pipeline().addLast("hop-header", new HAProxyMessageDecoder());
                        ch.pipeline().addLast("hop-accept", new Accept());
                    }
                })
                .bind(at.host(), at.port()).sync().channel();
        log.info("event=cluster_listening address={}", boundAddress());
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    private final class Accept extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                ReferenceCountUtil.release(msg);
                ctx.close(); // bytes before a header: not a hop
                return;
            }
            try {
                String route = HopHeader.route(header);
                boolean lapsed = !leaseLive.getAsBoolean();
                if (route == null || lapsed || !registry.servesLocally(route)) {
                    log.info("event=cluster_hop_not_here route={} lease_lapsed={}", route, lapsed);
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {HopHeader.NOT_HERE}))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                if (header.sourceAddress() != null) {
                    ClientAddress.trust(ctx.channel(),
                            new InetSocketAddress(header.sourceAddress(), header.sourcePort()));
                }
                ctx.pipeline().remove("hop-timeout");
                ctx.pipeline().remove(this);
                installHttp.accept(ctx.channel());
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {HopHeader.ACCEPT}));
            } finally {
                header.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a bad header or a timeout: nothing to tell a peer that is not a tuns node
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
    }
}
