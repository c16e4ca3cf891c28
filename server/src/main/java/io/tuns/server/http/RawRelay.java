package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import java.util.List;

/**
 * A public client connection after its service accepted an upgrade (101): bytes pass untouched both ways between
 * the client and the same tunnel channel, with the same back-pressure (reading pauses while the SSH side is full;
 * SSH window goes back once the client took the bytes). It takes {@link HttpProxyHandler}'s place in the pipeline
 * and {@link TunnelSide}'s as the channel's listener. Either side ending ends both: the service's end closes the client after
 * what was written; the client's end sends EOF to the service, then closes the channel.
 */
final class RawRelay extends ChannelInboundHandlerAdapter implements UpstreamConnection.Listener {

    private final UpstreamConnection upstream;
    private final ReadGate gate;
    private final HttpEvents events;
    /** The 101 itself, until this relay writes: the client is closed only after the last write. */
    private final ChannelFuture headWrite;
    private ClientOutput out;
    private boolean upstreamEnded;

    RawRelay(UpstreamConnection upstream, ReadGate gate, HttpEvents events, ChannelFuture headWrite) {
        this.upstream = upstream;
        this.gate = gate;
        this.events = events;
        this.headWrite = headWrite;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        out = new ClientOutput(ctx, headWrite);
    }

    // ---------------------------------------------------------------- client → service

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (out.closing() || !(msg instanceof ByteBuf b)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        events.bytes("in", b.readableBytes());
        upstream.sendRaw(b);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        out.stopReading();
        if (!upstreamEnded) {
            upstream.shutdownOutput(); // EOF after the bytes already queued, as a half-close would
            upstream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes from clients are normal on a public port; never log a stack per client
        out.closeNow();
    }

    // ---------------------------------------------------------------- service → client

    @Override
    public void upstreamObjects(UpstreamConnection up, List<Object> objects, Runnable release) {
        ChannelFuture last = null;
        for (Object o : objects) {
            if (!out.closing() && o instanceof ByteBuf b) {
                events.bytes("out", b.readableBytes());
                last = out.write(b);
            } else {
                ReferenceCountUtil.release(o);
            }
        }
        out.flush();
        if (last != null) {
            last.addListener(f -> release.run());
        } else {
            release.run();
        }
    }

    @Override
    public void upstreamPaused(UpstreamConnection up, boolean paused) {
        gate.set(ReadGate.Reason.SSH_FULL, paused);
    }

    @Override
    public void upstreamEnded(UpstreamConnection up) {
        upstreamEnded = true;
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        out.closeAfterWrites();
    }

    @Override
    public void upstreamOpened(UpstreamConnection up) {
        // opened long ago: a 101 came through it
    }

    @Override
    public void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason) {
        // cannot fail to open: a 101 came through it
    }
}
