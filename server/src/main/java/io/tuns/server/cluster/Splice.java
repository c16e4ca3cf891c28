package io.tuns.server.cluster;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One direction of a byte splice between two Netty channels (install one on each): what one side reads, the other
 * writes. Back-pressure by the write-buffer water marks: while the peer is not writable, this side stops reading.
 * So at most one high-water mark is queued per direction. A close on either side closes the other once its
 * queued bytes are out; a half-close (the side's input ended, its output still open) shuts the other side's
 * output once the bytes before it are out, so a client that sends its request and then its EOF ({@code nc -N})
 * still gets the whole answer, as on a local TCP forward. Both channels are set to allow half-closure.
 */
public final class Splice extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    public Splice(Channel peer) {
        this.peer = peer;
    }

    /**
     * Joins {@code a} and {@code b} both ways, and starts reading on both. What a hop's owner sent right after its
     * ACCEPT, held by {@link ClusterHop.Answer}, goes across first.
     */
    public static void join(Channel a, Channel b) {
        allowHalfClosure(a);
        allowHalfClosure(b);
        a.pipeline().addLast("splice", new Splice(b));
        b.pipeline().addLast("splice", new Splice(a));
        for (Channel ch : new Channel[] {a, b}) {
            if (ch.pipeline().get(ClusterHop.Answer.NAME) != null) {
                ch.pipeline().remove(ClusterHop.Answer.NAME);
            }
        }
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
    }

    /**
     * Turns the ingress connection of {@code peek} (a handler still holding the bytes it read, such as an SNI
     * peek) into a splice to {@code owner}: every handler after the peek goes, the peek leaves and hands its held
     * bytes on to the owner, then both sides read.
     */
    public static void joinReplacing(ChannelHandlerContext peek, Channel owner) {
        Channel a = peek.channel();
        allowHalfClosure(a);
        allowHalfClosure(owner);
        while (a.pipeline().last() != peek.handler()) {
            a.pipeline().removeLast();
        }
        a.pipeline().addLast("splice", new Splice(owner));
        owner.pipeline().addLast("splice", new Splice(a));
        if (owner.pipeline().get(ClusterHop.Answer.NAME) != null) {
            owner.pipeline().remove(ClusterHop.Answer.NAME);
        }
        a.pipeline().remove(peek.handler());
        owner.flush();
        a.flush();
        a.config().setAutoRead(true);
        owner.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
    }

    /**
     * This side's EOF (it allows half-closure): the peer's output ends after what it was given before. A side whose
     * both halves are over closes, and its close closes the peer.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            shutdownOutputAfterFlush(peer);
            if (ctx.channel() instanceof DuplexChannel d && d.isOutputShutdown()) {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * From now on an EOF read on {@code ch} is a {@link ChannelInputShutdownEvent} for the splice, not a close. Set
     * while reading is off, so no EOF can have been read before.
     */
    static void allowHalfClosure(Channel ch) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }

    /** Ends {@code ch}'s output once what was written to it is out; a channel that cannot half-close closes. */
    static void shutdownOutputAfterFlush(Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (ch instanceof DuplexChannel d && d.isActive()) {
                // on the socket under any TLS handler: its records were flushed just now
                d.shutdownOutput().addListener(s -> {
                    if (d.isInputShutdown()) {
                        d.close(); // both halves over
                    }
                });
            } else {
                ch.close();
            }
        });
    }

    static void closeAfterFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
