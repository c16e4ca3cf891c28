package io.tuns.server.inspect;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * The head of one body, copied out of the proxied stream as it passes (a tee, never a read-whole). Keeps at most
 * {@code maxCaptureBytesPerBody} bytes in chunks of at most {@link #CHUNK_BYTES}, each charged to a
 * {@link ByteAccount} before it is allocated; counts every byte seen, kept or not.
 *
 * <p>Appends come from one event-loop thread; {@link #free()} and readers may come from others. The lock is never held
 * while charging the account, so eviction (which takes history locks) cannot deadlock with an append.
 */
public final class BodyCapture {

    /** Chunk size: small enough that a truncated body wastes little, large enough to keep the list short. */
    static final int CHUNK_BYTES = 8 * 1024;

    private final long maxCaptureBytesPerBody;
    private final ByteAccount account;
    private final TruncationListener truncationListener;

    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] tail;
    private int tailUsedBytes;
    private long storedBytes;
    private long chargedBytes;
    private long observedBytes;
    private Truncation truncation;
    private boolean freed;

    /** Told once when a capture first truncates, so the truncation counter is exact. */
    @FunctionalInterface
    public interface TruncationListener {
        void truncated(Truncation reason);
    }

    /**
     * @param maxCaptureBytesPerBody bytes to keep; 0 keeps none (sizes are still counted), {@code Long.MAX_VALUE} keeps
     *                               what the account allows
     * @param off                    when true, nothing is kept and the reason is {@link Truncation#OFF}
     */
    public BodyCapture(long maxCaptureBytesPerBody, ByteAccount account, TruncationListener truncationListener,
                       boolean off) {
        this.maxCaptureBytesPerBody = Math.max(0, maxCaptureBytesPerBody);
        this.account = account;
        this.truncationListener = truncationListener;
        this.truncation = off || this.maxCaptureBytesPerBody == 0 ? Truncation.OFF : Truncation.NONE;
    }

    /** A capture that only counts sizes. */
    public static BodyCapture off() {
        return new BodyCapture(0, null, reason -> { }, true);
    }

    /** Copies what still fits from {@code src} without moving its reader index or retaining it. */
    public void append(ByteBuf src) {
        int readable = src.readableBytes();
        if (readable == 0) {
            return;
        }
        int srcOffset = src.readerIndex();
        int remaining = readable;
        synchronized (this) {
            observedBytes += readable;
        }
        while (remaining > 0) {
            long roomUnderLimit;
            synchronized (this) {
                if (freed || truncation != Truncation.NONE) {
                    return;
                }
                roomUnderLimit = maxCaptureBytesPerBody - storedBytes;
                if (roomUnderLimit <= 0) {
                    truncate(Truncation.LIMIT);
                    return;
                }
                if (tail != null && tailUsedBytes < tail.length) {
                    int take = (int) Math.min(Math.min(remaining, tail.length - tailUsedBytes), roomUnderLimit);
                    src.getBytes(srcOffset, tail, tailUsedBytes, take);
                    tailUsedBytes += take;
                    storedBytes += take;
                    srcOffset += take;
                    remaining -= take;
                    continue;
                }
            }
            // Charge before allocating, outside the lock: the account may evict other exchanges.
            int chunkBytes = (int) Math.min(CHUNK_BYTES, roomUnderLimit);
            if (!account.tryCharge(chunkBytes)) {
                synchronized (this) {
                    truncate(Truncation.BUDGET);
                }
                return;
            }
            byte[] chunk = new byte[chunkBytes];
            boolean adopted;
            synchronized (this) {
                adopted = !freed;
                if (adopted) {
                    chunks.add(chunk);
                    tail = chunk;
                    tailUsedBytes = 0;
                    chargedBytes += chunkBytes;
                }
            }
            if (!adopted) {
                account.release(chunkBytes); // evicted while we were charging
                return;
            }
        }
    }

    /** Stops capturing for a reason other than size (e.g. the connection switched protocols). */
    public synchronized void stop(Truncation reason) {
        if (truncation == Truncation.NONE) {
            truncation = reason;
        }
    }

    /** Gives every charged byte back. Idempotent; later appends only count sizes. */
    public void free() {
        long toRelease;
        synchronized (this) {
            if (freed) {
                return;
            }
            freed = true;
            toRelease = chargedBytes;
            chargedBytes = 0;
            chunks.clear();
            tail = null;
            if (truncation == Truncation.NONE && storedBytes > 0) {
                truncation = Truncation.EVICTED;
            }
        }
        if (toRelease > 0) {
            account.release(toRelease);
        }
    }

    /** A copy of the kept head. At most {@code maxCaptureBytesPerBody} bytes. */
    public synchronized byte[] bytes() {
        if (freed) {
            return new byte[0];
        }
        byte[] out = new byte[(int) Math.min(Integer.MAX_VALUE - 8, storedBytes)];
        int offset = 0;
        for (byte[] chunk : chunks) {
            int n = Math.min(chunk.length, out.length - offset);
            if (n <= 0) {
                break;
            }
            System.arraycopy(chunk, 0, out, offset, n);
            offset += n;
        }
        return out;
    }

    public synchronized long storedBytes() {
        return freed ? 0 : storedBytes;
    }

    /** Bytes charged to the account (whole chunks), which is what this capture actually holds in memory. */
    public synchronized long chargedBytes() {
        return chargedBytes;
    }

    /** Every byte that passed, kept or not: the real size, known even for chunked or close-delimited bodies. */
    public synchronized long observedBytes() {
        return observedBytes;
    }

    public synchronized Truncation truncation() {
        return truncation;
    }

    /** True when fewer bytes were kept than seen. */
    public synchronized boolean truncated() {
        return storedBytes < observedBytes || freed && observedBytes > 0;
    }

    private void truncate(Truncation reason) {
        if (truncation != Truncation.NONE) {
            return;
        }
        truncation = reason;
        truncationListener.truncated(reason);
    }
}
