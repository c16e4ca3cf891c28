package io.tuns.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.tuns.server.tunnel.Tunnel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;

/**
 * A raw byte connection (TCP port, TLS passthrough) bridged to one {@code forwarded-tcpip} channel. Nothing is
 * read from the client until the channel is open, reading pauses while the SSH side is full, and SSH window
 * is returned only when the client has taken the bytes. Half-closes cross in both directions, after the data.
 */
public final class RawBridge extends ChannelInboundHandlerAdapter implements ChannelSink {

    private final Tunnel tunnel;
    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final byte[] preamble;
    private final AtomicBoolean started = new AtomicBoolean();
    private final List<ByteBuf> beforeOpen = new ArrayList<>(); // bounded: reading is off until open
    private ChannelHandlerContext ctx;
    private SshChannelWriter writer;
    private Closeable channel;
    private boolean inputShutdown;
    private boolean done;

    /** @param preamble bytes sent first (e.g. a PROXY protocol header), or null */
    public RawBridge(Tunnel tunnel, long highWaterBytes, long lowWaterBytes, byte[] preamble) {
        this.tunnel = tunnel;
        this.highWaterBytes = highWaterBytes;
        this.lowWaterBytes = lowWaterBytes;
        this.preamble = preamble;
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
            tunnel.owner().openChannel(tunnel, io.tuns.server.proxyproto.ClientAddress.of(ctx.channel()), this); // PROXY header source if any
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            io.netty.util.ReferenceCountUtil.release(msg);
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

    // ----------------------------------------------------------------- ChannelSink (MINA threads)

    @Override
    public void onOpen(IoOutputStream toClient, Closeable ch) {
        ctx.executor().execute(() -> {
            channel = ch;
            if (done) {
                ch.close(false);
                return;
            }
            writer = new SshChannelWriter(toClient, ctx.channel().eventLoop(), highWaterBytes, lowWaterBytes,
                    paused -> {
                        ctx.channel().config().setAutoRead(!paused);
                        if (!paused) {
                            ctx.read();
                        }
                    }, () -> ctx.close());
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
        ctx.executor().execute(() -> ctx.close());
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
        ctx.executor().execute(() -> ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
    }
}
