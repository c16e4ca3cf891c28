package io.tuns.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * Writes bytes from a Netty channel into one SSH channel. MINA allows one pending async write per channel, so
 * bytes queue here, one coalesced write is in flight at a time (several with a {@link PipelinedWrites} stream),
 * and the producer is told to pause reading
 * once {@code highWaterBytes} are queued and to resume below {@code lowWaterBytes}. All state lives on one
 * Netty event loop; write completions hop back to it, so nothing recurses and nothing needs a lock.
 */
public final class SshChannelWriter {

    /** Writes are coalesced up to this size: Netty hands us 8–64 KiB pieces, SSH packets carry 32 KiB. */
    static final int MAX_WRITE_BYTES = 32 * 1024;

    private final IoOutputStream out;
    private final EventLoop loop;
    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final Consumer<Boolean> pauseProducer;
    private final Runnable onFailure;

    /** Writes handed to the stream and not yet written: 1 for MINA's streams, more for {@link PipelinedWrites}. */
    static final int MAX_IN_FLIGHT_PIPELINED = 8;

    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final int maxInFlight;
    private long queuedBytes;
    private int inFlight;
    private boolean paused;
    private boolean eofRequested;
    private boolean closed;

    public SshChannelWriter(IoOutputStream out, EventLoop loop, long highWaterBytes, long lowWaterBytes,
                            Consumer<Boolean> pauseProducer, Runnable onFailure) {
        this.out = out;
        this.loop = loop;
        this.highWaterBytes = highWaterBytes;
        this.lowWaterBytes = lowWaterBytes;
        this.pauseProducer = pauseProducer;
        this.onFailure = onFailure;
        this.maxInFlight = out instanceof PipelinedWrites ? MAX_IN_FLIGHT_PIPELINED : 1;
    }

    /** Copies the readable bytes of {@code buf} (the caller keeps ownership). Event loop only. */
    public void write(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n == 0 || closed || eofRequested) {
            return;
        }
        byte[] copy = new byte[n];
        buf.getBytes(buf.readerIndex(), copy);
        write(copy);
    }

    public void write(byte[] bytes) {
        if (bytes.length == 0 || closed || eofRequested) {
            return;
        }
        queue.add(bytes);
        queuedBytes += bytes.length;
        if (!paused && queuedBytes >= highWaterBytes) {
            paused = true;
            pauseProducer.accept(true);
        }
        pump();
    }

    /** Sends EOF to the ssh client once every queued byte has been written (never before: bytes would be lost). */
    public void shutdownOutput() {
        eofRequested = true;
        pump();
    }

    /** Stops writing; queued bytes are dropped (the connection is going away). */
    public void close() {
        closed = true;
        queue.clear();
        queuedBytes = 0;
    }

    public long queuedBytes() {
        return queuedBytes;
    }

    private void pump() {
        while (inFlight < maxInFlight && !closed) {
            if (queue.isEmpty()) {
                if (eofRequested && inFlight == 0) {
                    closed = true;
                    out.close(false); // graceful: the stream writes what it holds, then sends EOF
                }
                return;
            }
            byte[] chunk = nextChunk();
            inFlight++;
            try {
                IoWriteFuture f = ThreadUtils.runAsInternal(() -> out.writeBuffer(new ByteArrayBuffer(chunk)));
                f.addListener(done -> loop.execute(() -> written(chunk.length, done.isWritten())));
            } catch (Exception e) {
                inFlight--;
                fail();
                return;
            }
        }
    }

    private byte[] nextChunk() {
        byte[] first = queue.poll();
        if (queue.isEmpty() || first.length >= MAX_WRITE_BYTES) {
            return first;
        }
        int total = first.length;
        for (byte[] b : queue) {
            if (total + b.length > MAX_WRITE_BYTES) {
                break;
            }
            total += b.length;
        }
        byte[] merged = new byte[total];
        System.arraycopy(first, 0, merged, 0, first.length);
        int off = first.length;
        while (off < total) {
            byte[] b = queue.poll();
            System.arraycopy(b, 0, merged, off, b.length);
            off += b.length;
        }
        return merged;
    }

    private void written(int n, boolean ok) {
        inFlight--;
        queuedBytes -= n;
        if (!ok) {
            fail();
            return;
        }
        if (paused && queuedBytes <= lowWaterBytes) {
            paused = false;
            pauseProducer.accept(false);
        }
        pump();
    }

    private void fail() {
        if (!closed) {
            close();
            onFailure.run();
        }
    }
}
