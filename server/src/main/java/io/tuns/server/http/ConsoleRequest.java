package io.tuns.server.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * A /_sish request being read: the console wants it whole (replays, admin forms), so its body is gathered, up to
 * {@link #MAX_BYTES}, then handed over with the head. Whatever way it ends (handed over, too large, the client gone),
 * the gathered bytes are released exactly once. Event loop only.
 */
final class ConsoleRequest {

    /** The most of a /_sish request body we gather. */
    static final int MAX_BYTES = 1024 * 1024;

    private CompositeByteBuf body;

    ConsoleRequest(ByteBufAllocator alloc) {
        body = alloc.compositeBuffer();
    }

    /** Takes {@code c}; false when the body grew beyond {@link #MAX_BYTES} (everything gathered is released). */
    boolean add(HttpContent c) {
        if (body.readableBytes() + c.content().readableBytes() > MAX_BYTES) {
            c.release();
            release();
            return false;
        }
        body.addComponent(true, c.content().retain());
        c.release();
        return true;
    }

    /** The whole request; the body now belongs to it (and to whoever the caller hands it to). */
    FullHttpRequest complete(HttpRequest head) {
        FullHttpRequest full = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), body,
                head.headers(), EmptyHttpHeaders.INSTANCE);
        body = null;
        return full;
    }

    /** The whole request to the console, which answers on {@code ctx}; if it throws, the connection closes. */
    void handTo(SishRoutes routes, ChannelHandlerContext ctx, HttpRequest head, String host, boolean rootDomain) {
        FullHttpRequest full = complete(head);
        try {
            routes.handle(ctx, full, host, rootDomain);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(full);
            ctx.close();
        }
    }

    /** Drops what was gathered (the client left, or the request was refused); safe to call more than once. */
    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
