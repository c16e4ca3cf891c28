package io.tuns.server.access;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IP filter on the Netty listeners (HTTP, HTTPS, TCP). It is decided once, when a connection is accepted: an
 * allowed connection gets no extra handler at all, a refused one is closed (TCP) or answered 403 (HTTP/1.1 and 2).
 */
public final class NettyGate {

    private static final Logger log = LoggerFactory.getLogger(NettyGate.class);
    /** A refused HTTP client has this long to send its request before it is cut without a page. */
    private static final Duration REFUSED_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Request line and headers of a refused client are read only to be able to answer; keep them small. */
    private static final int REFUSED_MAX_HEAD_BYTES = 8192;

    private NettyGate() {
    }

    /**
     * Call first in an HTTP(S) child initializer. When the client is refused, the pipeline gets only what is needed
     * to answer 403 and {@code true} is returned: the caller must add nothing else.
     */
    public static boolean refuseHttp(ChannelPipeline p, IpFilter filter) {
        Channel ch = p.channel();
        if (allowed(ch, filter, "http")) {
            return false;
        }
        p.addLast("refused-http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(REFUSED_MAX_HEAD_BYTES).setMaxHeaderSize(REFUSED_MAX_HEAD_BYTES)));
        p.addLast("refused", new RefusedHttp(ip(ch)));
        ch.eventLoop().schedule(() -> ch.close(), REFUSED_REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * The same for an HTTP/2 connection (after ALPN {@code h2}): a refused client gets the 403 sentence on the first
     * stream it opens, then GOAWAY; the caller must add nothing else when {@code true} is returned.
     */
    public static boolean refuseHttp2(ChannelPipeline p, IpFilter filter) {
        Channel ch = p.channel();
        if (allowed(ch, filter, "https")) {
            return false;
        }
        p.addLast("refused-h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1)
                        .maxHeaderListSize(REFUSED_MAX_HEAD_BYTES))
                .build());
        String ip = ip(ch);
        p.addLast("refused-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast(new RefusedHttp(ip));
                // the codec closes the connection with GOAWAY once this stream is done
                stream.closeFuture().addListener(f -> ch.close());
            }
        }));
        ch.eventLoop().schedule(() -> ch.close(), REFUSED_REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /** Call first in a TCP child initializer; a refused connection is closed and {@code true} returned. */
    public static boolean refuseTcp(Channel ch, IpFilter filter) {
        if (allowed(ch, filter, "tcp")) {
            return false;
        }
        ch.close();
        return true;
    }

    private static boolean allowed(Channel ch, IpFilter filter, String listener) {
        if (filter.isOpen()) {
            return true; // the common case costs one check
        }
        java.net.SocketAddress client = io.tuns.server.proxyproto.ClientAddress.of(ch); // PROXY header source if any
        if (filter.allows(client)) {
            return true;
        }
        log.info("event=ip_refused listener={} client={}", listener, client);
        return false;
    }

    private static String ip(Channel ch) {
        InetSocketAddress isa = io.tuns.server.proxyproto.ClientAddress.of(ch); // PROXY header source if any
        return isa != null && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : String.valueOf(ch.remoteAddress());
    }

    /** Answers the first request with 403 and a sentence, then closes; reading it first avoids a reset. */
    private static final class RefusedHttp extends SimpleChannelInboundHandler<HttpObject> {
        private final String ip;
        private boolean answered;

        RefusedHttp(String ip) {
            this.ip = ip;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest && !answered) {
                answered = true;
                byte[] body = (IpFilter.refusal(ip) + "\n").getBytes(StandardCharsets.UTF_8);
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN,
                        Unpooled.wrappedBuffer(body));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
