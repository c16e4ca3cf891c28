package io.tuns.server.cluster;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * One direction of a byte splice between two Netty channels (install one on each): what one side reads, the other
 * writes. Back-pressure by the write-buffer water marks: while the peer is not writable, this side stops reading.
 * So at most one high-water mark is queued per direction. A close on either side closes the other once its
 * queued bytes are out.
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    static void closeAfterFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
