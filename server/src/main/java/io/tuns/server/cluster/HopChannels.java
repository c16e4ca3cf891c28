package io.tuns.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
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
 * only once the SSH side has taken the bytes (its window), so at most one read is held per channel. Half-closes
 * cross both ways ({@code ssh -W} with its input ended still gets the answer): the user's EOF ends the hop's
 * output only, the owner's EOF is told to the sink before the close.
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
                    Splice.allowHalfClosure(owner); // reading is off until the read below: no EOF was read yet
                    owner.pipeline().addLast("alias-hop", new In(sink));
                    if (owner.pipeline().get(ClusterHop.Answer.NAME) != null) {
                        owner.pipeline().remove(ClusterHop.Answer.NAME); // what the owner said first goes on
                    }
                    sink.onOpen(out, new Whole(owner)); // out's close is the EOF; the channel's, the hop's end
                    owner.read();
                });
    }

    /** Owner → SSH user: one read at a time, the next once the user's side has written it. */
    private static final class In extends ChannelInboundHandlerAdapter {
        private final ChannelSink sink;
        private boolean eof;

        In(ChannelSink sink) {
            this.sink = sink;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && !eof) {
                eof = true;
                sink.onEof(); // after every byte before it: the sink queues them in order
            }
            ctx.fireUserEventTriggered(evt);
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
            if (!eof) {
                eof = true;
                sink.onEof();
            }
            sink.onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The channel as the SSH side closes it: the hop connection goes, whatever half of it was still open. */
    private static final class Whole extends AbstractCloseable {
        private final Channel owner;

        Whole(Channel owner) {
            this.owner = owner;
        }

        @Override
        protected void doCloseImmediately() {
            owner.close();
            super.doCloseImmediately();
        }
    }

    /** SSH user → owner: each write completes when Netty wrote it; a graceful close lets them out first. */
    private static final class Out extends AbstractCloseable implements IoOutputStream {
        private final Channel owner;
        /** The user's EOF: only the hop's output ended. */
        private volatile boolean gracefully;

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

        /** The user's EOF: the owner's output ends after the writes before it; its answer still comes back. */
        @Override
        protected CloseFuture doCloseGracefully() {
            gracefully = true;
            DefaultCloseFuture closed = new DefaultCloseFuture(toString(), futureLock);
            owner.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (owner instanceof DuplexChannel d && d.isActive()) {
                    d.shutdownOutput().addListener(c -> closed.setClosed());
                } else {
                    owner.close().addListener(c -> closed.setClosed());
                }
            });
            return closed;
        }

        /**
         * Also the end of a graceful close (MINA runs it after {@link #doCloseGracefully}): then the hop stays up for
         * the answer, and {@link Whole} closes it with the channel.
         */
        @Override
        protected void doCloseImmediately() {
            if (!gracefully) {
                owner.close();
            }
            super.doCloseImmediately();
        }
    }
}
