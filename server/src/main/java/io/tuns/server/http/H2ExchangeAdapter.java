package io.tuns.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Sits between Netty's HTTP/2 ⇄ HTTP/1.1 object codec and {@link HttpProxyHandler} on each HTTP/2 stream, so the
 * proxy sees what an HTTP/1.1 connection would give it and the client gets only what HTTP/2 allows.
 *
 * <p>In: the codec's own {@code x-http2-*} bookkeeping headers are removed (they must not reach the service); a
 * method and path longer than {@code --http-max-initial-line-length} is marked as a too-long line (414, as on
 * HTTP/1.1); a request that ended with its headers is split into head and end, as the HTTP/1.1 codec gives it.
 *
 * <p>Out: a 1xx (not 101) arrives from the service as head plus empty end; HTTP/2 sends it as one HEADERS frame
 * without END_STREAM, so the head goes out whole and its end is dropped. A 101 cannot exist on HTTP/2 (tuns never
 * asks for an upgrade on a stream): the stream is reset.
 */
final class H2ExchangeAdapter extends ChannelDuplexHandler {

    private static final int HTTP_VERSION_SUFFIX = " HTTP/1.1".length();

    private final int maxRequestLine;
    /** The empty end of a 1xx that already went out as a whole head. */
    private boolean dropNextEnd;

    H2ExchangeAdapter(int maxRequestLine) {
        this.maxRequestLine = maxRequestLine;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
            req.headers().remove(n.text());
        }
        HttpRequest head = req;
        LastHttpContent end = null;
        if (req instanceof FullHttpRequest full) {
            head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            end = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
        }
        if (req.decoderResult().isSuccess()
                && req.method().name().length() + 1 + req.uri().length() + HTTP_VERSION_SUFFIX > maxRequestLine) {
            head.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException(
                    "the request line is longer than " + maxRequestLine + " bytes")));
        }
        ctx.fireChannelRead(head);
        if (end != null) {
            ctx.fireChannelRead(end);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse r && !(msg instanceof FullHttpResponse)) {
            int code = r.status().code();
            if (code == 101) {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new ClosedChannelException());
                ctx.close(); // RST_STREAM: there is no protocol switch inside an HTTP/2 stream
                return;
            }
            if (code >= 100 && code < 200) {
                FullHttpResponse whole = new DefaultFullHttpResponse(r.protocolVersion(), r.status(),
                        Unpooled.EMPTY_BUFFER, r.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
                dropNextEnd = true;
                ctx.write(whole, promise);
                return;
            }
        }
        if (dropNextEnd && msg instanceof LastHttpContent) {
            dropNextEnd = false;
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        ctx.write(msg, promise);
    }
}
