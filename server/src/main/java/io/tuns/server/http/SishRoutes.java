package io.tuns.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * Whoever answers {@code /_sish/*} (the consoles). Called with the whole request (body capped); it writes the
 * response on {@code ctx} and releases the request. It may keep the connection for a live stream.
 */
@FunctionalInterface
public interface SishRoutes {
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, String host, boolean rootDomain);
}
