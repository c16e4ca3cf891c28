package io.tuns.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.tunnel.TunnelRegistry;
import java.nio.charset.StandardCharsets;

/**
 * On a TLS connection another node passed here by its SNI name: a request for a different host that no local
 * tunnel serves gets 421 Misdirected Request (RFC 9110 §15.5.20) instead of a 404, since the name may well be
 * held on another node and the client only reused a connection (coalescing) it opened for another name. A client
 * retries a 421 on a new connection, which reaches the right node. The connection closes after the answer.
 */
final class MisdirectedGuard extends ChannelInboundHandlerAdapter {

    private final TunnelRegistry registry;
    private final String arrivedFor;
    private boolean refused;

    /** @param arrivedFor the SNI name the connection was passed here for */
    MisdirectedGuard(TunnelRegistry registry, String arrivedFor) {
        this.registry = registry;
        this.arrivedFor = arrivedFor;
    }

    /** Pure: a request for {@code host} on a connection passed here for {@code arrivedFor} is misdirected. */
    static boolean misdirected(String host, String arrivedFor, boolean servedHere) {
        return host != null && !host.equals(arrivedFor) && !servedHere;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // the rest of the refused request
            return;
        }
        if (msg instanceof HttpRequest req) {
            String host = HostHeader.of(req);
            if (misdirected(host, arrivedFor, host != null && registry.httpRoute(host, req.uri()).isPresent())) {
                refused = true;
                ReferenceCountUtil.release(msg);
                ctx.writeAndFlush(answer(host)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private FullHttpResponse answer(String host) {
        byte[] body = ("This connection was opened for " + arrivedFor + " and reached the tuns node holding that"
                + " name; " + host + " is not held on this node. Send the request on a new connection.\n")
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MISDIRECTED_REQUEST,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
