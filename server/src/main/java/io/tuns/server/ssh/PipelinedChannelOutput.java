package io.tuns.server.ssh;

import io.tuns.server.bridge.PipelinedWrites;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.channel.RemoteWindow;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * Data towards the ssh client on one {@code forwarded-tcpip} channel, with several SSH packets in flight. MINA's
 * ChannelAsyncOutputStream encodes a channel's next packet only after the previous one has reached the socket,
 * so an upload moves one 32 KiB packet per thread hand-off; here packets are encoded while the remote window
 * allows and queue at the session's socket. Order is kept: packets are handed to the session under one lock, and
 * a write's future completes when all of its packets are written. EOF (graceful close) follows the last packet.
 * Memory: the writes the caller has outstanding (bounded by {@code SshChannelWriter}) plus their encoded packets.
 */
final class PipelinedChannelOutput extends AbstractCloseable implements IoOutputStream, PipelinedWrites {

    private final ForwardedTcpipChannel channel;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by this
    private int packetsInFlight;                                     // guarded by this
    private DefaultCloseFuture graceful;                             // guarded by this; set once EOF is wanted
    private boolean eofSent;                                         // guarded by this

    /** One caller write: its bytes, what of it is still unsent, and how many of its packets are in flight. */
    private static final class Pending {
        final Buffer data;
        final IoWriteFutureImpl future;
        int packetsOut;
        boolean allSent;
        Throwable failure;

        Pending(Buffer data, IoWriteFutureImpl future) {
            this.data = data;
            this.future = future;
        }
    }

    PipelinedChannelOutput(ForwardedTcpipChannel channel) {
        this.channel = channel;
    }

    @Override
    public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
        if (isClosing()) {
            throw new EOFException("the channel is closing");
        }
        Pending p = new Pending(buffer, new IoWriteFutureImpl(this, buffer));
        synchronized (this) {
            waiting.add(p);
        }
        drain();
        return p.future;
    }

    /** Sends what the remote window allows; called on writes and on the client's window adjustments. */
    void drain() {
        List<Pending> failed = new ArrayList<>(0);
        synchronized (this) {
            Session session = channel.getSession();
            RemoteWindow window = channel.getRemoteWindow();
            while (!waiting.isEmpty() && !isClosed()) {
                long available = window.getSize();
                if (available <= 0) {
                    break; // resumes on the next window adjustment
                }
                Pending p = waiting.peek();
                int len = (int) Math.min(p.data.available(), Math.min(window.getPacketSize(), available));
                window.consume(len);
                Buffer packet = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, len + 12);
                packet.putUInt(channel.getRecipient());
                packet.putUInt(len);
                packet.putRawBytes(p.data.array(), p.data.rpos(), len);
                p.data.rpos(p.data.rpos() + len);
                if (p.data.available() == 0) {
                    p.allSent = true;
                    waiting.poll();
                }
                p.packetsOut++;
                packetsInFlight++;
                try {
                    // internal: during a key exchange MINA queues the packet instead of blocking this thread
                    IoWriteFuture f = ThreadUtils.runAsInternal(() -> session.writePacket(packet));
                    f.addListener(done -> written(p, done));
                    channel.sent(len);
                } catch (Exception e) {
                    packetsInFlight--;
                    p.packetsOut--;
                    p.failure = e;
                    waiting.remove(p);
                    failed.add(p);
                    break;
                }
            }
            eofIfDrained();
        }
        failed.forEach(p -> p.future.setValue(p.failure));
    }

    private void written(Pending p, IoWriteFuture done) {
        if (done.isWritten()) {
            channel.taken(); // the client is reading: proof of life for its liveness check
        }
        boolean complete;
        synchronized (this) {
            packetsInFlight--;
            p.packetsOut--;
            if (!done.isWritten() && p.failure == null) {
                p.failure = done.getException() != null ? done.getException() : new EOFException("not written");
            }
            complete = p.packetsOut == 0 && (p.allSent || p.failure != null);
            eofIfDrained();
        }
        if (complete) {
            p.future.setValue(p.failure != null ? p.failure : Boolean.TRUE);
        }
    }

    private void eofIfDrained() {
        if (graceful != null && !eofSent && waiting.isEmpty() && packetsInFlight == 0) {
            eofSent = true;
            try {
                channel.sendEofAfterData();
            } catch (IOException | RuntimeException e) {
                channel.getSession().exceptionCaught(e);
            }
            graceful.setClosed();
        }
    }

    @Override
    protected CloseFuture doCloseGracefully() {
        synchronized (this) {
            graceful = new DefaultCloseFuture(toString(), futureLock);
            eofIfDrained();
            return graceful;
        }
    }

    @Override
    protected void doCloseImmediately() {
        List<Pending> dropped;
        synchronized (this) {
            dropped = new ArrayList<>(waiting);
            waiting.clear();
        }
        dropped.forEach(p -> p.future.setValue(new EOFException("the channel closed")));
        super.doCloseImmediately();
    }
}
