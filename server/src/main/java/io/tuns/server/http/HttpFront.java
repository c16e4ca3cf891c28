package io.tuns.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tuns.server.access.NettyGate;
import io.tuns.server.config.HostPort;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.ProxyProtocolHandler;
import io.tuns.server.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public HTTP listener: decoder limits from the config, then one {@link HttpProxyHandler} per connection. */
public final class HttpFront implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpFront.class);

    private final HttpContext hc;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private Channel server;

    public HttpFront(HttpContext hc, EventLoopGroup boss, EventLoopGroup workers) {
        this.hc = hc;
        this.boss = boss;
        this.workers = workers;
    }

    public void start() throws InterruptedException {
        ServerConfig cfg = hc.config();
        HostPort listen = HostPort.parse(cfg.httpAddress(), "http-address");
        ServerSocketChannel early = EarlyHttpSocket.take(listen.host(), listen.port()); // bound by main, if any
        if (early != null && Transport.serverChannel(boss) != NioServerSocketChannel.class) {
            closeQuietly(early); // a java.nio socket cannot join native event loops: bind afresh below
            early = null;
        }
        ServerBootstrap b = publicListener(boss, workers, early)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ProxyProtocolHandler.defer(ch, hc.config(), this, "http")) {
                            return; // --proxy-protocol-listener: runs again once the PROXY header is settled
                        }
                        installHttp(ch.pipeline(), hc, true);
                    }
                });
        server = (early == null ? b.bind(listen.host(), listen.port()) : b.register()).sync().channel();
        log.info("event=http_listening address={}", boundAddress());
    }

    /**
     * The socket options every public HTTP(S) listener shares: a deep accept backlog, no Nagle delay, and a
     * 64/256 KiB write-buffer water mark so a slow client shows as "not writable" early.
     */
    public static ServerBootstrap publicListener(EventLoopGroup boss, EventLoopGroup workers) {
        return publicListener(boss, workers, null);
    }

    /** As above, on {@code bound} (a socket already bound and listening; register, not bind) when not null. */
    static ServerBootstrap publicListener(EventLoopGroup boss, EventLoopGroup workers, ServerSocketChannel bound) {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers);
        if (bound == null) {
            b.channel(Transport.serverChannel(boss));
        } else {
            b.channelFactory((io.netty.channel.ChannelFactory<NioServerSocketChannel>) () -> new NioServerSocketChannel(bound));
        }
        return b
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024));
    }

    /**
     * Adds the HTTP handlers (optional idle cut, codec with the configured limits, the proxy) to a client
     * pipeline; the HTTPS listener calls this after its TLS handler.
     */
    public static void installHttp(ChannelPipeline p, HttpContext hc) {
        installHttp(p, hc, false);
    }

    /**
     * @param mayHop on a cluster node, a request whose route another node holds goes there by a hop, request by
     *               request (the plain HTTP listener; never a connection that itself came by a hop)
     */
    public static void installHttp(ChannelPipeline p, HttpContext hc, boolean mayHop) {
        ServerConfig cfg = hc.config();
        if (NettyGate.refuseHttp(p, hc.ipFilter())) {
            return; // access: IP and country filters; the client gets a 403 sentence and nothing else
        }
        if (cfg.idleConnection()) {
            p.addLast("idle", idleCut(cfg.idleConnectionTimeout()));
        }
        p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(cfg.httpMaxInitialLineLength())
                .setMaxHeaderSize(cfg.httpMaxHeaderSize())
                .setMaxChunkSize(64 * 1024)));
        p.addLast("proxy", new HttpProxyHandler(hc, mayHop));
    }

    /**
     * A hop connection whose requests the client sent over TLS that the entry node terminated
     * ({@code HopHeader.Entry.HTTP_TLS}): its requests count as HTTPS ones here (no force-https redirect,
     * X-Forwarded-Proto https). Call before {@link #installHttp}.
     */
    public static void clientTlsAtEntry(Channel ch) {
        ch.attr(ClientTls.AT_ENTRY).set(Boolean.TRUE);
    }

    /** {@code --idle-connection}: closes a client connection with no byte either way for {@code timeout}. */
    static IdleStateHandler idleCut(java.time.Duration timeout) {
        return new IdleStateHandler(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS) {
            @Override
            protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                ctx.close();
            }
        };
    }

    private static void closeQuietly(ServerSocketChannel ch) {
        try {
            ch.close();
        } catch (java.io.IOException e) {
            // the port is bound afresh next; a failure there is reported
        }
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
    }
}
