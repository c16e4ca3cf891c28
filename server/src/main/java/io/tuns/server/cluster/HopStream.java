package io.tuns.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tuns.server.bridge.PipelinedWrites;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.ReusableChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * One accepted hop connection to the node that holds a route, seen by the entry node's HTTP proxy as the far end of
 * a tunnel channel ({@link ChannelSink}), so the proxy relays an exchange over it as over an SSH channel, with the
 * same bounds. What the owner node sends goes to the sink: its read-ahead, bytes given to the sink and not yet
 * written on to the client, is counted in the memory budget as {@code queued_writes} and bounded by
 * {@link #reading}: reading pauses above {@link #HIGH_BYTES} ({@link #LOW_BYTES} while the budget is under
 * pressure) and resumes at {@link #LOW_BYTES}, so a connection holds at most the mark plus one read (Netty's
 * adaptive read buffer, at most 64 KiB). What the sink writes goes to the owner, one completion per flushed write. Between exchanges it waits in its {@link HopPool}; bytes from the owner while idle
 * end it, and so does the owner's close. All state on the connection's event loop.
 */
final class HopStream extends ChannelInboundHandlerAdapter {

    static final int HIGH_BYTES = 256 * 1024;
    static final int LOW_BYTES = 64 * 1024;

    private final Channel ch;
    private final HopPool pool;
    private final HopPool.Key key;
    private final ClusterEvents events;
    private final MemoryBudget memory;
    /** The exchange using the connection now; null while idle. */
    private Use current;
    private ScheduledFuture<?> idleTimer;
    private boolean reset;

    HopStream(Channel ch, HopPool pool, HopPool.Key key, ClusterEvents events, MemoryBudget memory) {
        this.memory = memory;
        this.ch = ch;
        this.pool = pool;
        this.key = key;
        this.events = events;
    }

    /**
     * Whether a connection goes on reading from the owner with {@code unreleased} bytes of read-ahead: one that
     * reads stops past {@link #HIGH_BYTES}, or past {@link #LOW_BYTES} while the memory budget is under pressure;
     * one that paused starts again at {@link #LOW_BYTES}. Pure.
     */
    static boolean reading(boolean readingNow, long unreleased, boolean pressure) {
        return unreleased <= (readingNow && !pressure ? HIGH_BYTES : LOW_BYTES);
    }

    HopPool.Key key() {
        return key;
    }

    boolean isOpen() {
        return ch.isActive();
    }

    /**
     * Gives the connection to {@code sink} (from any thread); {@code ifClosed} runs instead when it closed in the
     * meantime (a pooled connection the owner timed out).
     */
    void attach(ChannelSink sink, Runnable ifClosed) {
        ch.eventLoop().execute(() -> {
            if (!ch.isActive() || current != null) {
                ifClosed.run();
                return;
            }
            if (idleTimer != null) {
                idleTimer.cancel(false);
                idleTimer = null;
            }
            Use use = new Use(sink);
            current = use;
            sink.onOpen(use.out, use);
            ch.config().setAutoRead(true);
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Use use = current;
        if (use == null || !(msg instanceof ByteBuf b)) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // the owner spoke between exchanges: nothing may come then
            return;
        }
        byte[] data = new byte[b.readableBytes()];
        b.readBytes(data);
        b.release();
        use.received(data.length);
        use.sink.onData(data, use.releaser(data.length));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Use use = current;
        current = null;
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        pool.remove(this);
        if (use != null) {
            if (!reset) {
                use.sink.onEof(); // a response delimited by the close completes; a cut-off one shows as cut off
            }
            use.sink.onClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        reset = true; // a reset is no clean end
        ctx.close();
    }

    /** Back to the pool after a complete exchange, or closed when the pool is full. Event loop. */
    private void park() {
        ch.config().setAutoRead(true); // to hear the owner close it while idle
        if (!ch.isActive() || !pool.put(this)) {
            ch.close();
            return;
        }
        events.hop("pooled");
        idleTimer = ch.eventLoop().schedule(() -> {
            if (pool.remove(this)) {
                ch.close();
            }
        }, HopPool.IDLE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One exchange's use of the connection: the channel handed to its sink (close, or recycle). */
    private final class Use extends AbstractCloseable implements ReusableChannel {
        final ChannelSink sink;
        final Out out = new Out();
        /** Bytes given to the sink and not yet released by it; event loop only. */
        private long unreleased;

        Use(ChannelSink sink) {
            this.sink = sink;
        }

        void received(int n) {
            memory.reserve(MemoryBudget.Kind.QUEUED_WRITES, n); // the bytes exist: counted, never refused
            unreleased += n;
            if (!reading(true, unreleased, memory.underPressure())) {
                ch.config().setAutoRead(false);
            }
        }

        /** Runs once, when the client side wrote the bytes on (or dropped them): whatever the use's state then. */
        Runnable releaser(int n) {
            AtomicBoolean once = new AtomicBoolean();
            return () -> {
                if (once.compareAndSet(false, true)) {
                    memory.release(MemoryBudget.Kind.QUEUED_WRITES, n);
                    ch.eventLoop().execute(() -> {
                        unreleased -= n;
                        if (current == this && !ch.config().isAutoRead()
                                && reading(false, unreleased, memory.underPressure())) {
                            ch.config().setAutoRead(true);
                        }
                    });
                }
            };
        }

        @Override
        public void recycle() {
            ch.eventLoop().execute(() -> {
                if (current == this) {
                    current = null;
                    park();
                }
            });
        }

        @Override
        protected void doCloseImmediately() {
            ch.eventLoop().execute(() -> {
                if (current == this) {
                    Splice.closeAfterFlush(ch);
                }
            });
            super.doCloseImmediately();
        }

        /** Towards the owner: each write completes once flushed to the socket. */
        private final class Out extends AbstractCloseable implements IoOutputStream, PipelinedWrites {
            @Override
            public IoWriteFuture writeBuffer(Buffer buffer) {
                IoWriteFutureImpl f = new IoWriteFutureImpl(this, buffer);
                ch.writeAndFlush(Unpooled.wrappedBuffer(buffer.array(), buffer.rpos(), buffer.available()))
                        .addListener(w -> f.setValue(w.isSuccess() ? Boolean.TRUE : w.cause()));
                return f;
            }

            /** EOF towards the owner (the client half-closed after an upgrade), after every write completed. */
            @Override
            protected CloseFuture doCloseGracefully() {
                ch.eventLoop().execute(() -> {
                    if (current == Use.this && ch instanceof SocketChannel s && s.isActive()) {
                        s.shutdownOutput();
                    }
                });
                return super.doCloseGracefully();
            }
        }
    }
}
