package io.tuns.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.tuns.server.memory.MemoryBudget;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * Writes bytes from a Netty channel into one SSH channel. MINA allows one pending async write per channel, so
 * bytes queue here, one coalesced write is in flight at a time (several with a {@link PipelinedWrites} stream),
 * and the producer is told to pause reading
 * once {@code highWaterBytes} are queued and to resume below {@code lowWaterBytes}. The queue and the producer
 * live on one Netty event loop. A write completes on a MINA thread: it settles its counts there and hops back to
 * the loop only when the loop has something to do (more queued, a paused producer, EOF, a failure), which is
 * never for a small request: a thread wake-up per write saved. Counters are atomics; each side writes its own
 * counter before reading the other's, so a completion and a new write cannot both miss each other.
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
    private final MemoryBudget memory;
    /** Bytes of ours counted in {@link #memory}: each given back exactly once, by its completion or by close. */
    private final AtomicLong accounted = new AtomicLong();

    /** Writes handed to the stream and not yet written: 1 for MINA's streams, more for {@link PipelinedWrites}. */
    static final int MAX_IN_FLIGHT_PIPELINED = 8;

    private final ArrayDeque<byte[]> queue = new ArrayDeque<>(); // event loop only
    private final AtomicInteger queuedChunks = new AtomicInteger(); // queue.size(), readable by completions
    private final int maxInFlight;
    private final AtomicLong queuedBytes = new AtomicLong(); // queued and in flight
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean paused;       // written on the event loop only
    private volatile boolean eofRequested; // written on the event loop only
    private boolean closed;

    public SshChannelWriter(IoOutputStream out, EventLoop loop, long highWaterBytes, long lowWaterBytes,
                            Consumer<Boolean> pauseProducer, Runnable onFailure) {
        this(out, loop, highWaterBytes, lowWaterBytes, pauseProducer, onFailure, MemoryBudget.off());
    }

    /**
     * @param memory counts the queued bytes ({@code queued_writes}); while it is under pressure the producer pauses
     *               at {@code lowWaterBytes} instead of {@code highWaterBytes}
     */
    public SshChannelWriter(IoOutputStream out, EventLoop loop, long highWaterBytes, long lowWaterBytes,
                            Consumer<Boolean> pauseProducer, Runnable onFailure, MemoryBudget memory) {
        this.memory = memory;
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
        memory.reserve(MemoryBudget.Kind.QUEUED_WRITES, bytes.length); // the bytes exist: counted, never refused
        accounted.addAndGet(bytes.length);
        queue.add(bytes);
        queuedChunks.incrementAndGet();
        long queued = queuedBytes.addAndGet(bytes.length);
        // a full budget pauses the producer at its first queued chunk (resumeIfDrained: once it has gone out)
        if (!paused && (queued >= highWaterBytes || queued > lowWaterBytes && memory.underPressure()
                || memory.full())) {
            paused = true;
            pauseProducer.accept(true);
        }
        pump();
        resumeIfDrained(); // completions that read `paused` before it was set left the resume to us
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
        queuedChunks.set(0);
        queuedBytes.set(0);
        giveBack(Long.MAX_VALUE); // writes still in flight find nothing left to give back
    }

    /** Bytes still counted in the memory budget (0 once closed or drained). */
    long accountedBytes() {
        return accounted.get();
    }

    private void giveBack(long n) {
        while (true) {
            long held = accounted.get();
            long taken = Math.min(held, n);
            if (taken == 0) {
                return;
            }
            if (accounted.compareAndSet(held, held - taken)) {
                memory.release(MemoryBudget.Kind.QUEUED_WRITES, taken);
                return;
            }
        }
    }

    public long queuedBytes() {
        return queuedBytes.get();
    }

    private void pump() {
        while (inFlight.get() < maxInFlight && !closed) {
            if (queue.isEmpty()) {
                if (eofRequested && inFlight.get() == 0) {
                    closed = true;
                    out.close(false); // graceful: the stream writes what it holds, then sends EOF
                }
                return;
            }
            byte[] chunk = nextChunk();
            inFlight.incrementAndGet();
            try {
                IoWriteFuture f = ThreadUtils.runAsInternal(() -> out.writeBuffer(new ByteArrayBuffer(chunk)));
                f.addListener(done -> written(chunk.length, done.isWritten()));
            } catch (Exception e) {
                inFlight.decrementAndGet();
                fail();
                return;
            }
        }
    }

    private byte[] nextChunk() {
        byte[] first = queue.poll();
        int taken = 1;
        if (!queue.isEmpty() && first.length < MAX_WRITE_BYTES) {
            int total = first.length;
            int more = 0;
            for (byte[] b : queue) {
                if (total + b.length > MAX_WRITE_BYTES) {
                    break;
                }
                total += b.length;
                more++;
            }
            if (more > 0) {
                byte[] merged = new byte[total];
                System.arraycopy(first, 0, merged, 0, first.length);
                int off = first.length;
                for (int i = 0; i < more; i++) {
                    byte[] b = queue.poll();
                    System.arraycopy(b, 0, merged, off, b.length);
                    off += b.length;
                }
                first = merged;
                taken += more;
            }
        }
        queuedChunks.addAndGet(-taken);
        return first;
    }

    /** A write finished; runs on whichever thread completed it (MINA's, or the loop for an immediate write). */
    private void written(int n, boolean ok) {
        inFlight.decrementAndGet();
        giveBack(n);
        long queued = queuedBytes.addAndGet(-n);
        if (!ok || queuedChunks.get() > 0 || eofRequested || paused && queued <= lowWaterBytes) {
            loop.execute(() -> {
                if (!ok) {
                    fail();
                    return;
                }
                resumeIfDrained();
                pump();
            });
        }
    }

    /** With the budget full the producer reads again only once its queue is empty: one chunk at a time. */
    private void resumeIfDrained() {
        if (paused && !closed && queuedBytes.get() <= (memory.full() ? 0 : lowWaterBytes)) {
            paused = false;
            pauseProducer.accept(false);
        }
    }

    private void fail() {
        if (!closed) {
            close();
            onFailure.run();
        }
    }
}
