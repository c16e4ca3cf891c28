package io.tuns.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The last handler of an HTTP/2 connection: an error that no stream took (the client reset the socket, a broken
 * pipe) ends the connection without a log line, as on HTTP/1.1. Netty would otherwise log it at its pipeline's tail
 * with a stack trace for every client that goes away mid-upload. HTTP/2 protocol errors never get here: the frame
 * codec answers them with GOAWAY or RST_STREAM itself.
 */
@ChannelHandler.Sharable
final class QuietClose extends ChannelInboundHandlerAdapter {

    static final QuietClose INSTANCE = new QuietClose();

    private QuietClose() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
