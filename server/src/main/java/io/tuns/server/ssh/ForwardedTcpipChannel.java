package io.tuns.server.ssh;

import io.tuns.server.tunnel.ChannelSink;
import java.io.IOException;
import java.io.StreamCorruptedException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.channel.AbstractClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.channel.exception.SshChannelInvalidPacketException;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code forwarded-tcpip} channel we open towards the ssh client for one incoming connection. MINA's own
 * TcpipClientChannel needs a MINA socket at the far end; ours hands the bytes to a {@link ChannelSink}
 * (a Netty connection or another SSH channel) and returns SSH window only when the sink has written them, and
 * only as much as the memory budget allows ({@link ChannelWindow}).
 */
public final class ForwardedTcpipChannel extends AbstractClientChannel {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardedTcpipChannel.class);

    private final String bindAddress;
    private final int bindPort;
    private final String originatorIp;
    private final int originatorPort;
    private final ChannelSink sink;
    private final ChannelTraffic traffic;
    private final ChannelWindow window;
    /** When {@link #open()} handed CHANNEL_OPEN to the session, and when it reached the socket (nanoTime; 0: not yet). */
    private volatile long openSentNanos;
    private volatile long openWrittenNanos;
    private final AtomicBoolean closedSignalled = new AtomicBoolean();
    private volatile PipelinedChannelOutput dataOut;
    /** Orders window adjustments against our CHANNEL_CLOSE; see {@link #sendWindowAdjust}. */
    private final Object closeOrder = new Object();
    private boolean closeStarted; // guarded by closeOrder

    public ForwardedTcpipChannel(String bindAddress, int bindPort, String originatorIp, int originatorPort,
                                 ChannelSink sink, ChannelTraffic traffic, ChannelWindow window) {
        super("forwarded-tcpip");
        this.traffic = traffic;
        this.window = window;
        window.attach(this::returnWindow);
        this.bindAddress = bindAddress;
        this.bindPort = bindPort;
        this.originatorIp = originatorIp;
        this.originatorPort = originatorPort;
        this.sink = sink;
        setStreaming(Streaming.Async);
        addChannelListener(new ChannelListener() {
            @Override
            public void channelClosed(Channel channel, Throwable reason) {
                PipelinedChannelOutput out = dataOut;
                if (out != null) {
                    out.close(true); // fails writes still waiting, so nobody waits on a dead channel
                }
                signalClosed();
            }
        });
    }

    /**
     * Registers and opens a channel on {@code session}; the sink hears onOpen or onOpenFailed exactly once.
     * MINA has no open timeout for client channels of our kind, so one is scheduled here.
     */
    public static void open(Session session, ForwardedTcpipChannel ch, ScheduledExecutorService scheduler,
                            Duration timeout) {
        ConnectionService svc = session.getService(ConnectionService.class);
        AtomicBoolean decided = new AtomicBoolean();
        try {
            svc.registerChannel(ch);
            OpenFuture f = ch.open();
            ScheduledFuture<?> timer = scheduler.schedule(() -> {
                if (decided.compareAndSet(false, true)) {
                    ch.logSlowOpen("timed_out");
                    ch.sink.onOpenFailed(ChannelSink.OpenFailure.TIMEOUT,
                            "the ssh client did not open the connection within " + timeout.toMillis() + " ms");
                    ch.close(true);
                    ch.signalClosed();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            f.addListener(done -> {
                timer.cancel(false);
                if (!decided.compareAndSet(false, true)) {
                    return;
                }
                if (done.isOpened()) {
                    ch.logSlowOpen("confirmed");
                    ch.sink.onOpen(ch.dataOut, ch);
                } else {
                    Throwable e = done.getException();
                    String msg = e == null ? "channel closed" : e.getMessage();
                    ch.sink.onOpenFailed(ChannelSink.OpenFailure.REFUSED, msg);
                    svc.unregisterChannel(ch);
                    ch.close(true);
                    // MINA marks a refused channel closed itself, and the close listener does not always run
                    // then: without this the channel stays counted (open channels, the per-connection limit)
                    ch.signalClosed();
                }
            });
        } catch (IOException | RuntimeException e) {
            if (decided.compareAndSet(false, true)) {
                ch.sink.onOpenFailed(ChannelSink.OpenFailure.CLOSED, "the ssh connection is closing");
            }
            ch.close(true);
            ch.signalClosed();
        }
    }

    /**
     * An open that took a second or more says where the time went: CHANNEL_OPEN waiting in our write queue to reach
     * the socket ({@code to_socket_ms}), or the rest (the kernel's buffers both ways, the client's connect to its
     * service, its confirmation queued behind its own data, our read of it).
     */
    private void logSlowOpen(String outcome) {
        long sent = openSentNanos;
        long totalMs = (System.nanoTime() - sent) / 1_000_000;
        if (sent != 0 && totalMs >= 1000) {
            long written = openWrittenNanos;
            LOG.info("channel_open_slow outcome={} total_ms={} to_socket_ms={}", outcome, totalMs,
                    written == 0 ? -1 : (written - sent) / 1_000_000);
        }
    }

    /** Tells the sink the channel is gone, once, whichever of the close listener or an open failure comes first. */
    private void signalClosed() {
        if (closedSignalled.compareAndSet(false, true)) {
            sink.onClosed();
        }
    }

    @Override
    public synchronized OpenFuture open() throws IOException {
        if (isClosing()) {
            throw new IOException("session closing");
        }
        openFuture = new DefaultOpenFuture(this, futureLock);
        Session session = getSession();
        Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN,
                64 + bindAddress.length() + originatorIp.length());
        b.putString(getChannelType());
        b.putUInt(getChannelId());
        b.putUInt(getLocalWindow().getSize());
        b.putUInt(getLocalWindow().getPacketSize());
        // OpenSSH matches the forward by the exact host string it sent (case kept) and the port.
        b.putString(bindAddress);
        b.putUInt(bindPort);
        b.putString(originatorIp);
        b.putUInt(originatorPort);
        openSentNanos = System.nanoTime();
        writePacket(b).addListener(f -> openWrittenNanos = System.nanoTime());
        return openFuture;
    }

    /** Called by {@link PipelinedChannelOutput} for each data packet it hands to the session. */
    void sent(int bytes) {
        traffic.in(bytes);
    }

    /** Called by {@link PipelinedChannelOutput} when one of its packets has reached the socket. */
    void taken() {
        traffic.taken(System.currentTimeMillis());
    }

    /** Called by {@link PipelinedChannelOutput} once its last packet is written. */
    void sendEofAfterData() throws IOException {
        sendEof();
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        PipelinedChannelOutput out = dataOut;
        if (out != null) {
            out.drain();
        }
    }

    @Override
    protected synchronized void doOpen() throws IOException {
        dataOut = new PipelinedChannelOutput(this);
        asyncIn = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA) {
            @Override
            protected CloseFuture doCloseGracefully() {
                try {
                    sendEof(); // only reached after pending writes have been flushed
                } catch (IOException e) {
                    getSession().exceptionCaught(e);
                }
                return super.doCloseGracefully();
            }
        };
    }

    /**
     * Window is returned from the sink's thread, when bytes have been written, so it can race our close. An
     * adjustment sent after CHANNEL_CLOSE is fatal later: OpenSSH frees the channel number on close and reuses it
     * for the next connection, which then receives our stale window and sends more than we granted it, and MINA
     * answers that by closing the whole SSH connection. So nothing is sent once closing has begun; MINA's own
     * isClosing() check is not enough because the close can start between that check and the write.
     */
    @Override
    protected void sendWindowAdjust(long len) throws IOException {
        synchronized (closeOrder) {
            if (closeStarted || isClosing()) {
                return;
            }
            super.sendWindowAdjust(len);
        }
    }

    @Override
    protected void preClose() {
        synchronized (closeOrder) {
            closeStarted = true;
        }
        super.preClose();
    }

    /**
     * A peer that sends more than the window we granted breaks this channel, not the connection: the packet
     * framing is intact, so only this channel is closed and the user's other tunnels keep working.
     */
    @Override
    public void handleData(Buffer buffer) throws IOException {
        try {
            super.handleData(buffer);
        } catch (StreamCorruptedException | SshChannelInvalidPacketException e) {
            closeAfterPeerError(e);
        }
    }

    @Override
    public void handleExtendedData(Buffer buffer) throws IOException {
        try {
            super.handleExtendedData(buffer);
        } catch (StreamCorruptedException | SshChannelInvalidPacketException e) {
            closeAfterPeerError(e);
        }
    }

    private void closeAfterPeerError(IOException e) {
        LOG.warn("forwarded channel {} closed: the ssh client broke its flow control ({})", getChannelId(),
                e.getMessage());
        close(true);
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        traffic.out(len);
        byte[] copy = new byte[(int) len]; // MINA reuses its buffer after we return
        System.arraycopy(data, off, copy, 0, (int) len);
        sink.onData(copy, () -> window.written(len)); // the budget's level decides how much goes back now
    }

    /** Window the {@link ChannelWindow} lets go back to the ssh client (MINA sends the WINDOW_ADJUST). */
    private void returnWindow(long len) {
        try {
            getLocalWindow().release(len);
        } catch (IOException | RuntimeException e) {
            close(true);
        }
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        getLocalWindow().release(len); // stderr has no meaning on a forwarded connection
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        sink.onEof();
    }
}
