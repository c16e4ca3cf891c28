package io.tuns.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.tuns.server.tunnel.ChannelSink;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * A channel to a route's tunnel on another node, spoken to as a local tunnel owner's channel is (a
 * {@link ChannelSink}): for an SSH user reaching an alias ({@code ssh -J}, {@code -W}) that another node holds.
 * The bytes go raw over one hop; the owner bridges them to the alias. One read at a time from the owner: the next
 * only once the SSH side has taken the bytes (its window), so at most one read is held per channel.
 */
public final class HopChannels {

    private final ClusterHop hop;
    private final EventLoopGroup loops;

    public HopChannels(ClusterHop hop, EventLoopGroup loops) {
        this.hop = hop;
        this.loops = loops;
    }

    /** Opens {@code route} where it lives; tells {@code sink} the outcome, then the bytes, then the close. */
    public void open(String route, InetSocketAddress origin, ChannelSink sink) {
        hop.reach(loops.next(), new InetSocketAddress("0.0.0.0", 0), () -> true, List.of(route), origin,
                r -> HopHeader.Entry.RAW).addListener(f -> {
                    Channel owner = (Channel) f.getNow();
                    if (!f.isSuccess() || owner == null) {
                        sink.onOpenFailed(ChannelSink.OpenFailure.REFUSED, !f.isSuccess()
                                ? "the node holding it did not take the connection (" + f.cause().getMessage() + ")"
                                : "no node of this cluster holds it");
                        sink.onClosed();
                        return;
                    }
                    Out out = new Out(owner);
                    owner.pipeline().addLast("alias-hop", new In(sink));
                    if (owner.pipeline().get(ClusterHop.Answer.NAME) != null) {
                        owner.pipeline().remove(ClusterHop.Answer.NAME); // what the owner said first goes on
                    }
                    sink.onOpen(out, out);
                    owner.read();
                });
    }

    /** Owner → SSH user: one read at a time, the next once the user's side has written it. */
    private static final class In extends ChannelInboundHandlerAdapter {
        private final ChannelSink sink;

        In(ChannelSink sink) {
            this.sink = sink;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] data = new byte[b.readableBytes()];
            b.readBytes(data);
            b.release();
            sink.onData(data, () -> ctx.channel().read());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sink.onEof();
            sink.onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** SSH user → owner: each write completes when Netty wrote it; a graceful close lets them out first. */
    private static final class Out extends AbstractCloseable implements IoOutputStream {
        private final Channel owner;

        Out(Channel owner) {
            this.owner = owner;
        }

        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
            IoWriteFutureImpl done = new IoWriteFutureImpl(this, buffer);
            if (!owner.isActive()) {
                done.setValue(new EOFException("the owner node closed the connection"));
                return done;
            }
            ByteBuf bytes = Unpooled.copiedBuffer(buffer.array(), buffer.rpos(), buffer.available());
            owner.writeAndFlush(bytes).addListener(f -> done.setValue(f.isSuccess() ? Boolean.TRUE : f.cause()));
            return done;
        }

        @Override
        protected CloseFuture doCloseGracefully() {
            DefaultCloseFuture closed = new DefaultCloseFuture(toString(), futureLock);
            owner.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> owner.close()
                    .addListener(c -> closed.setClosed()));
            return closed;
        }

        @Override
        protected void doCloseImmediately() {
            owner.close();
            super.doCloseImmediately();
        }
    }
}
