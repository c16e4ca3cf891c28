package io.tuns.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.tuns.server.access.NettyGate;

/**
 * An HTTP/2 client connection (ALPN {@code h2} on the HTTPS listener). Every stream is a child channel with its own
 * {@link HttpProxyHandler}, so each stream is one exchange under the same bounds as an HTTP/1.1 one (capture, body
 * timeout, client share, channels per tunnel) and reaches the service as HTTP/1.1 through its own SSH channel.
 * Back-pressure towards the client is HTTP/2 flow control: a stream whose exchange stops reading returns no window,
 * so the client stops sending on it ({@link H2Limits} has the sizes).
 */
final class H2Connection {

    private H2Connection() {
    }

    /** Adds the HTTP/2 handlers to a connection whose TLS handshake chose h2. */
    static void install(ChannelPipeline p, HttpContext hc) {
        install(p, hc, null);
    }

    /** @param arrivedFor the SNI name another node passed the connection here for (421 for other names), or null */
    static void install(ChannelPipeline p, HttpContext hc, String arrivedFor) {
        Channel ch = p.channel();
        if (NettyGate.refuseHttp2(p, hc.ipFilter())) {
            return; // IP and country filters: the 403 sentence on the first stream, then GOAWAY
        }
        H2Limits limits = H2Limits.of(hc.config());
        if (hc.config().idleConnection()) {
            p.addLast("idle", HttpFront.idleCut(hc.config().idleConnectionTimeout()));
        }
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(limits.maxConcurrentStreams())
                        .initialWindowSize(limits.streamWindow())
                        .maxHeaderListSize(limits.maxHeaderListSize()))
                .validateHeaders(true)
                .build();
        p.addLast("h2", codec);
        H2StreamCount streams = new H2StreamCount(ch, limits.idleMillis());
        p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                streams.opened(stream);
                stream.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast("h2-adapt", new H2ExchangeAdapter(limits.maxRequestLine()));
                if (arrivedFor != null) {
                    stream.pipeline().addLast("misdirected", new MisdirectedGuard(hc.registry(), arrivedFor));
                }
                stream.pipeline().addLast("proxy", new HttpProxyHandler(hc, arrivedFor == null)); // as HTTP/1.1
            }
        }));
        p.addLast("h2-errors", QuietClose.INSTANCE);
        int window = codec.connection().local().flowController().windowSize(codec.connection().connectionStream());
        if (limits.connectionWindow() > window) {
            // a WINDOW_UPDATE on stream 0 after the server preface
            p.writeAndFlush(new DefaultHttp2WindowUpdateFrame(limits.connectionWindow() - window));
        }
    }
}
