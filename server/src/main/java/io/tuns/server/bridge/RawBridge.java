package io.tuns.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;

/**
 * A raw byte connection (TCP port, TLS passthrough) bridged to one {@code forwarded-tcpip} channel. Nothing is
 * read from the client until the channel is open, reading pauses while the SSH side is full, and SSH window
 * is returned only when the client has taken the bytes. Half-closes cross in both directions, after the data.
 */
public final class RawBridge extends ChannelInboundHandlerAdapter {

    private Tunnel tunnel;
    private final Function<Collection<Tunnel>, Tunnel> alternatives;
    private final List<Tunnel> failed = new ArrayList<>(1); // members whose channel would not open; ≤ group size
    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final MemoryBudget memory;
    private final Function<Tunnel, byte[]> preambleFor;
    private final InetSocketAddress origin;
    private final AtomicBoolean started = new AtomicBoolean();
    private final List<ByteBuf> beforeOpen = new ArrayList<>(); // bounded: reading is off until open
    private ChannelHandlerContext ctx;
    private SshChannelWriter writer;
    private Closeable channel;
    private Attempt current; // event loop, except the first, set before any callback can run
    private boolean inputShutdown;
    private boolean done;

    /**
     * @param alternatives another member of the tunnel's load-balanced name not among those given, or null: tried
     *                     when a member's channel will not open, so one dead member costs no connection
     * @param preambleFor  bytes sent first to a member (its PROXY protocol header), or null
     */
    /**
     * @param origin the public client's address as the listener knows it (the PROXY header's source if any), sent to
     *               the ssh client as the forwarded connection's origin
     */
    public RawBridge(Tunnel tunnel, Function<Collection<Tunnel>, Tunnel> alternatives, long highWaterBytes,
                     long lowWaterBytes, Function<Tunnel, byte[]> preambleFor, InetSocketAddress origin) {
        this(tunnel, alternatives, highWaterBytes, lowWaterBytes, preambleFor, origin, MemoryBudget.off());
    }

    /** @param memory counts the bytes queued towards the ssh client */
    public RawBridge(Tunnel tunnel, Function<Collection<Tunnel>, Tunnel> alternatives, long highWaterBytes,
                     long lowWaterBytes, Function<Tunnel, byte[]> preambleFor, InetSocketAddress origin,
                     MemoryBudget memory) {
        this.memory = memory;
        this.tunnel = tunnel;
        this.origin = origin;
        this.alternatives = alternatives;
        this.highWaterBytes = highWaterBytes;
        this.lowWaterBytes = lowWaterBytes;
        this.preambleFor = preambleFor;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start(); // added to a live connection (TLS passthrough after the ClientHello was peeked)
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (started.compareAndSet(false, true)) {
            ctx.channel().config().setAutoRead(false);
            openOn(tunnel);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (writer == null) {
            beforeOpen.add(b);
            return;
        }
        try {
            writer.write(b);
        } finally {
            b.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (writer != null) {
                writer.shutdownOutput();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done = true;
        releaseEarly();
        if (writer != null) {
            writer.close();
        }
        if (channel != null) {
            channel.close(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // resets are normal on public ports; never a stack trace per client
    }

    private void releaseEarly() {
        beforeOpen.forEach(ByteBuf::release);
        beforeOpen.clear();
    }

    // ----------------------------------------------------------------- the tunnel side (MINA threads)

    private void openOn(Tunnel member) {
        tunnel = member;
        Attempt attempt = new Attempt();
        current = attempt;
        member.owner().openChannel(member, origin, attempt);
    }

    /**
     * One try at opening a channel to a member. A failed try still reports its channel's close later; only the
     * current try may act on the connection, so a member that refused does not close it after another accepted.
     */
    private final class Attempt implements ChannelSink {

        @Override
        public InetSocketAddress listenerAddress() {
            return ctx.channel().localAddress() instanceof InetSocketAddress a ? a : null;
        }

        @Override
        public void onOpen(IoOutputStream toClient, Closeable ch) {
            ctx.executor().execute(() -> {
                channel = ch;
                if (done || this != current) {
                    ch.close(false);
                    return;
                }
                writer = new SshChannelWriter(toClient, ctx.channel().eventLoop(), highWaterBytes, lowWaterBytes,
                        paused -> {
                            ctx.channel().config().setAutoRead(!paused);
                            if (!paused) {
                                ctx.read();
                            }
                        }, () -> ctx.close(), memory);
                byte[] preamble = preambleFor.apply(tunnel);
                if (preamble != null) {
                    writer.write(preamble);
                }
                for (ByteBuf b : beforeOpen) {
                    writer.write(b);
                }
                releaseEarly();
                if (inputShutdown) {
                    writer.shutdownOutput();
                } else {
                    ctx.channel().config().setAutoRead(true);
                    ctx.read();
                }
            });
        }

        @Override
        public void onOpenFailed(OpenFailure failure, String reason) {
            ctx.executor().execute(() -> {
                if (done || this != current) {
                    return;
                }
                failed.add(tunnel);
                Tunnel other = alternatives.apply(failed);
                if (other == null) {
                    ctx.close();
                    return;
                }
                openOn(other); // nothing was read beyond what waits in beforeOpen: the other member gets it all
            });
        }

        @Override
        public void onData(byte[] data, Runnable release) {
            ctx.executor().execute(() -> {
                if (done) {
                    release.run();
                    return;
                }
                ctx.writeAndFlush(Unpooled.wrappedBuffer(data)).addListener(f -> release.run());
            });
        }

        @Override
        public void onEof() {
            // half-close towards the client, but only after every byte before it has been written
            ctx.executor().execute(() -> ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (ctx.channel() instanceof DuplexChannel d && d.isActive()) {
                    d.shutdownOutput();
                }
            }));
        }

        @Override
        public void onClosed() {
            ctx.executor().execute(() -> {
                if (this == current) {
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                }
            });
        }
    }
}
