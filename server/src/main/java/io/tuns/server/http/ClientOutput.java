package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

/**
 * The write end of a public client connection: writes, and closes either at once (a cut-off must show) or after
 * the last write went out (an answer must arrive whole). Once closing, the connection's handler reads nothing more.
 * Event loop only.
 */
final class ClientOutput {

    private final ChannelHandlerContext ctx;
    private ChannelFuture lastWrite;
    private boolean closing;

    /** @param lastWrite the last write before this output took over (the 101 for a raw relay), or null */
    ClientOutput(ChannelHandlerContext ctx, ChannelFuture lastWrite) {
        this.ctx = ctx;
        this.lastWrite = lastWrite;
    }

    ChannelFuture write(Object o) {
        lastWrite = ctx.write(o);
        return lastWrite;
    }

    void flush() {
        ctx.flush();
    }

    boolean closing() {
        return closing;
    }

    /** Nothing more is read from the client (it left, or another handler took over). */
    void stopReading() {
        closing = true;
    }

    /** Closes after everything written so far went out. */
    void closeAfterWrites() {
        closing = true;
        ctx.flush();
        if (lastWrite != null) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /** Writes {@code last}, then closes once it went out. */
    void closeAfter(Object last) {
        write(last);
        closeAfterWrites();
    }

    void closeNow() {
        closing = true;
        ctx.flush();
        ctx.close();
    }
}
