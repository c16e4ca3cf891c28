package io.tuns.server.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP/2 client on Netty's codec, for what curl will not do on purpose: reset one stream in the middle of
 * its body while the connection goes on (browsers do it when a page is left). TLS with ALPN h2 and SNI.
 */
final class H2Client implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel connection;
    private final String authority;

    H2Client(int port, String host, Path caCert) throws Exception {
        SslContext ssl = SslContextBuilder.forClient().trustManager(caCert.toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2)).build();
        authority = host + ":" + port;
        connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                }).connect("127.0.0.1", port).sync().channel();
    }

    boolean isOpen() {
        return connection.isActive();
    }

    /** Sends GET {@code path} on a new stream; the stream counts what comes back. */
    Stream get(String path) throws InterruptedException {
        Stream s = new Stream();
        Http2StreamChannel ch = new Http2StreamChannelBootstrap(connection).handler(s).open().sync().getNow();
        s.channel = ch;
        ch.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path(path)
                .scheme("https").authority(authority), true)).sync();
        return s;
    }

    /**
     * Sends POST {@code path} with {@code size} bytes of body, all written at once: the client's codec holds what
     * the server's flow-control windows do not let out yet. {@link Stream#sent} counts the bytes that went out.
     */
    Stream post(String path, long size) throws InterruptedException {
        return postTo(authority, path, size);
    }

    /** As {@link #post}, to another name on the same connection (HTTP/2 routes each stream by its authority). */
    Stream postTo(String streamAuthority, String path, long size) throws InterruptedException {
        Stream s = new Stream();
        Http2StreamChannel ch = new Http2StreamChannelBootstrap(connection).handler(s).open().sync().getNow();
        s.channel = ch;
        ch.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").path(path)
                .scheme("https").authority(streamAuthority).setLong("content-length", size), false)).sync();
        byte[] chunk = new byte[16 * 1024];
        ch.eventLoop().execute(() -> {
            for (long off = 0; off < size; off += chunk.length) {
                int n = (int) Math.min(chunk.length, size - off);
                ch.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(chunk, 0, n), off + n >= size))
                        .addListener(f -> {
                            if (f.isSuccess()) {
                                s.sent.addAndGet(n);
                            }
                        });
            }
            ch.flush();
        });
        return s;
    }

    @Override
    public void close() {
        connection.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    static final class Stream extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        volatile String status;
        volatile boolean ended;
        volatile Http2StreamChannel channel;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
                if (h.headers().status() != null) {
                    status = h.headers().status().toString();
                }
                ended |= h.isEndStream();
            } else if (msg instanceof Http2DataFrame d) {
                bytes.addAndGet(d.content().readableBytes());
                ended |= d.isEndStream();
            }
            ReferenceCountUtil.release(msg);
        }

        /** RST_STREAM(CANCEL) now; the connection stays. */
        void reset() {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL)).syncUninterruptibly();
        }
    }
}
